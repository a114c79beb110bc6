/**
 * Test-only: a SharedWorker hub and its tabs in one process. Ports are in-memory pairs that clone
 * what they carry (`structuredClone`, as a real port does) and deliver it on a microtask; a tab's
 * side can be frozen (a hung or crashed page: what reaches it waits, it says nothing). The socket
 * of the hub runs over {@link FakeWebSocket}; time is vitest's fake timers (the clock is the
 * system clock, read at call time).
 */
import { vi } from 'vitest';
import type { ErrorStoreOptions } from '../../src/core/error-store/error-store.js';
import type { SocketOptions } from '../../src/core/options.js';
import { createSocket } from '../../src/core/socket.js';
import type { Socket } from '../../src/core/types.js';
import type { Envelope } from '../../src/protocol/envelope.js';
import { createHub, type HubOptions } from '../../src/worker/hub.js';
import { connectTab, type TabSettings } from '../../src/worker/tab.js';
import type { PortLike } from '../../src/worker/wire.js';
import { browser } from './fake-browser.js';
import { fakeWebSocketClass } from './fake-websocket.js';

type Listener = (event: { readonly data: unknown }) => void;

/** One end of an in-memory channel. */
export interface TestPort extends PortLike {
  /** While frozen, nothing is delivered to this end (it waits); `thaw` delivers it. */
  freeze(): void;
  /** A crash: nothing is delivered either way from now on (what was sent is lost). */
  sever(): void;
  thaw(): void;
  /** Messages this end received, in order (raw, before any check). */
  readonly received: unknown[];
}

/** One end's inside: what the other end delivers through. */
interface End {
  other: End;
  sever(): void;
  deliver(data: unknown): void;
  readonly port: TestPort;
}

/** Two entangled ports. */
export function pair(): [TestPort, TestPort] {
  const make = (): End => {
    const listeners = new Set<Listener>();
    const held: unknown[] = [];
    let frozen = false;
    let closed = false;
    let severed = false;
    const end: End = {
      other: null as unknown as End,
      sever() {
        severed = true;
      },
      deliver(data: unknown) {
        if (closed || severed) return;
        if (frozen) return void held.push(data);
        end.port.received.push(data);
        for (const listener of [...listeners]) listener({ data });
      },
      port: {
        received: [] as unknown[],
        postMessage(message: unknown) {
          if (closed || severed) return;
          const copy = structuredClone(message);
          queueMicrotask(() => end.other.deliver(copy));
        },
        addEventListener: (_type: 'message', listener: Listener) => void listeners.add(listener),
        removeEventListener: (_type: 'message', listener: Listener) =>
          void listeners.delete(listener),
        start() {},
        close() {
          closed = true;
        },
        freeze() {
          frozen = true;
        },
        sever() {
          severed = true;
          end.other.sever();
        },
        thaw() {
          frozen = false;
          for (const data of held.splice(0)) end.deliver(data);
        },
      } satisfies TestPort,
    };
    return end;
  };
  const a = make();
  const b = make();
  a.other = b;
  b.other = a;
  return [a.port, b.port];
}

/** Lets in-memory port messages and the promise reactions they cause run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 60; i++) await Promise.resolve();
}

/** Advances fake time, delivering messages on the way. */
export async function advance(ms: number): Promise<void> {
  await flush();
  await vi.advanceTimersByTimeAsync(ms);
  await flush();
}

export const WORLD_URL = 'wss://chat.test/ws';

/** A tab of a {@link world}: its socket and what it saw. */
export interface TestTab {
  readonly socket: Socket;
  readonly port: TestPort;
  readonly browser: ReturnType<typeof browser>;
  /** Envelopes its `on('*')` handler got. */
  readonly messages: Envelope[];
  /** Codes of the faults in its store, oldest first (`source:code`). */
  faults(): string[];
}

/** A hub over fake WebSockets, and a way to open tabs on it. */
export function world(hubOptions: HubOptions = {}) {
  const WebSocket = fakeWebSocketClass();
  const problems: string[] = [];
  const hub = createHub({
    makeSocket: (options) =>
      createSocket({ ...options, WebSocket, random: () => 0.5 }) as unknown as Socket,
    onProblem: (problem) => problems.push(problem),
    ...hubOptions,
  });
  const tab = (
    extra: Partial<SocketOptions> = {},
    settings: TabSettings = {},
    errors: ErrorStoreOptions = {},
  ): TestTab => {
    const [mine, theirs] = pair();
    hub.connect(theirs);
    const b = browser();
    const socket = connectTab(
      mine,
      {
        url: WORLD_URL,
        environment: b.environment,
        errors: { dedupeWindowMs: 0, recoverableTtlMs: null, ...errors },
        ...extra,
      },
      settings,
    );
    const messages: Envelope[] = [];
    socket.on('*', (envelope) => void messages.push(envelope));
    return {
      socket,
      port: mine,
      browser: b,
      messages,
      faults: () =>
        [...socket.errors.getState().history].reverse().map((f) => `${f.source}:${f.code}`),
    };
  };
  return { hub, WebSocket, tab, problems };
}
