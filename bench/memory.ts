/**
 * Memory: 10,000 connect/drop/reconnect cycles of one `createSocket` against a real `ws` server
 * that terminates every connection as soon as it opens (the client retries after 0-2 ms). The server
 * runs here; the client runs in a child `node --expose-gc --import tsx bench/memory-client.ts`, so
 * its heap is its own and can be measured after a forced gc. Reports heap growth between cycle 500
 * and cycle 10,500, and timers, listeners and WebSocket objects left once the socket is closed.
 */
import { spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import { int } from './stats.js';

const CYCLES = Number(process.env.BENCH_MEMORY_CYCLES ?? 10_000);
const GROWTH_BUDGET = 1024 * 1024;

interface MemoryReport {
  cycles: number;
  opens: number;
  seconds: number;
  growth: number;
  heapBefore: number;
  heapAfter: number;
  socketTimersSet: number;
  socketTimersLive: number;
  storeTimersLive: number;
  webSockets: number;
  webSocketsClosed: number;
  listenersLeft: number;
  errorListenersLeft: number;
  webSocketsRetained: number;
  storeHistory: number;
  activeTimeouts: number;
}

export async function benchMemory(): Promise<string> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  server.on('connection', (socket) => {
    socket.on('error', () => {});
    setImmediate(() => socket.terminate());
  });
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let report: MemoryReport;
  try {
    const child = spawn(
      process.execPath,
      [
        '--expose-gc',
        '--import',
        'tsx',
        fileURLToPath(new URL('./memory-client.ts', import.meta.url)),
      ],
      {
        env: { ...process.env, MEMORY_URL: url, MEMORY_CYCLES: String(CYCLES) },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    const last = out.trim().split('\n').at(-1) ?? '';
    if (code !== 0 || !last.startsWith('{'))
      throw new Error(`memory: the client failed (exit ${code}): ${out}`);
    report = JSON.parse(last) as MemoryReport;
  } finally {
    for (const client of server.clients) client.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MB`;
  console.log(
    `\nMemory: ${int(report.cycles)} connect/drop/reconnect cycles of one createSocket (${report.seconds.toFixed(1)} s, ${int(report.cycles / report.seconds)} cycles/s)`,
  );
  console.log(
    `  heap after gc: ${mb(report.heapBefore)} -> ${mb(report.heapAfter)}, growth ${(report.growth / 1024).toFixed(0)} KB`,
  );
  console.log(
    `  after close(): socket timers armed ${report.socketTimersLive} (of ${int(report.socketTimersSet)} set), error store timers ${report.storeTimersLive}, Node Timeout handles ${report.activeTimeouts}`,
  );
  console.log(
    `  WebSockets: ${int(report.webSockets)} made, ${int(report.webSocketsClosed)} closed, open/message/close listeners left on them ${report.listenersLeft}, 'error' listeners left ${int(report.errorListenersLeft)} (kept on purpose), objects not collected after gc ${report.webSocketsRetained}`,
  );
  console.log(`  error store history: ${report.storeHistory} entries`);
  const leaks = report.socketTimersLive + report.listenersLeft;
  const met =
    report.growth < GROWTH_BUDGET && leaks === 0 && report.webSocketsRetained <= 1
      ? 'met'
      : 'MISSED';
  return `memory: ${(report.growth / 1024).toFixed(0)} KB heap growth over ${int(report.cycles)} cycles, ${report.socketTimersLive} timers and ${report.listenersLeft} listeners left, ${report.webSocketsRetained} WebSockets retained (target < 1 MB, none left: ${met})`;
}
