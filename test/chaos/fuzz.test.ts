/**
 * Fuzz: 10,000 hostile frames from a real `ws` server into one live createSocket connection. No
 * crash; each frame is exactly one recoverable fault (counted through `onFault`); the connection
 * stays open throughout; no user-facing message carries the planted token or a stack trace, and no
 * fault carries the token at all; nothing invalid reaches a handler; no prototype is polluted.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer, WebSocket as WsClient } from 'ws';
import {
  createSocket,
  type Socket,
  type StoredFault,
  type WebSocketConstructor,
} from '../../src/index.js';
import { fuzzFrame } from './fuzz-frames.js';
import { LEAK } from './observer.js';
import { seededRandom } from './random.js';

const FRAMES = Number(process.env.CHAOS_FUZZ_FRAMES ?? 10_000);
const MAX_FRAME_CHARS = 64 * 1024;
const BATCH = 50;

const random = seededRandom();
const processErrors: unknown[] = [];
const onProcessError = (error: unknown) => processErrors.push(error);

describe('fuzz: hostile frames into a live connection', () => {
  let server: WebSocketServer | null = null;
  let socket: Socket | null = null;
  afterAll(async () => {
    socket?.close();
    for (const client of server?.clients ?? []) client.terminate();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    process.off('uncaughtException', onProcessError);
    process.off('unhandledRejection', onProcessError);
  });

  it('turns each of 10,000 hostile frames into one recoverable fault, safe to show, and stays open', async ({
    task,
  }) => {
    process.on('uncaughtException', onProcessError);
    process.on('unhandledRejection', onProcessError);
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    server = wss;
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    const connected = new Promise<WebSocket>((resolve) =>
      wss.once('connection', (peer) => {
        peer.on('error', () => {});
        resolve(peer);
      }),
    );
    let serverCloses = 0;
    wss.on('connection', (peer) => peer.on('close', () => serverCloses++));

    const faults: StoredFault[] = [];
    const byKind = new Map<string, number>();
    const client = createSocket({
      url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/?token=SECRET123`,
      WebSocket: WsClient as unknown as WebSocketConstructor,
      environment: false,
      parse: { maxFrameChars: MAX_FRAME_CHARS },
      errors: { onFault: (fault) => faults.push(fault) },
    });
    socket = client;
    const statuses: string[] = [];
    // Snapshots change on every rate-limit fault (lastFault); only a status change counts here.
    client.subscribe(() => {
      const { status } = client.getSnapshot();
      if (status !== statuses.at(-1)) statuses.push(status);
    });
    const delivered: unknown[] = [];
    client.on('*', (envelope) => {
      if (envelope.type !== 'done') delivered.push(envelope);
    });
    const done = new Promise<void>((resolve) => client.on('done', () => resolve()));
    const peer = await connected;
    for (let i = 0; i < 200 && client.getSnapshot().status !== 'open'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(client.getSnapshot().status).toBe('open');
    statuses.splice(0, statuses.length, 'open');

    const started = Date.now();
    let errorEnvelopes = 0;
    for (let i = 0; i < FRAMES; i += BATCH) {
      for (let k = i; k < Math.min(FRAMES, i + BATCH); k++) {
        const frame = fuzzFrame(random, MAX_FRAME_CHARS);
        byKind.set(frame.kind, (byKind.get(frame.kind) ?? 0) + 1);
        if (frame.kind === 'error envelope') errorEnvelopes += 1;
        peer.send(frame.data, { binary: typeof frame.data !== 'string' });
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    peer.send(JSON.stringify({ type: 'done', data: null }));
    await done;
    const seconds = (Date.now() - started) / 1000;

    const unsafe = faults.filter((f) => LEAK.test(f.message)).map((f) => `${f.code}: ${f.message}`);
    const tokenInFault = faults.filter((f) => JSON.stringify(f).includes('SECRET123'));
    const fatal = faults.filter((f) => f.severity !== 'recoverable');
    const byCode = new Map<string, number>();
    for (const f of faults) byCode.set(String(f.code), (byCode.get(String(f.code)) ?? 0) + 1);
    const polluted = Reflect.get({}, 'polluted') !== undefined;
    const line = [
      `CHAOS FUZZ seed=${random.seed} ${seconds.toFixed(1)} s`,
      `frames ${FRAMES} (${[...byKind].map(([k, n]) => `${k} ${n}`).join(', ')})`,
      `faults ${faults.length} (${[...byCode].map(([k, n]) => `${k} ${n}`).join(', ')}), fatal ${fatal.length}`,
      `status changes ${statuses.length - 1}, server-side closes ${serverCloses}, delivered to handlers ${delivered.length} (error envelopes ${errorEnvelopes})`,
      `unsafe messages ${unsafe.length}, token in a fault ${tokenInFault.length}, prototype polluted ${polluted}, uncaught ${processErrors.length}`,
    ].join(' | ');
    task.meta.chaosFigures = line;
    console.log(line);
    if (tokenInFault[0])
      console.log('first fault holding the token:', JSON.stringify(tokenInFault[0]));

    expect.soft(processErrors).toEqual([]);
    expect.soft(faults.length).toBe(FRAMES);
    expect.soft(fatal).toEqual([]);
    expect.soft(statuses).toEqual(['open']);
    expect.soft(serverCloses).toBe(0);
    expect.soft(client.getSnapshot().status).toBe('open');
    expect.soft(delivered.length).toBe(errorEnvelopes);
    expect.soft(unsafe).toEqual([]);
    expect.soft(tokenInFault.length).toBe(0);
    expect.soft(polluted).toBe(false);
  });
});
