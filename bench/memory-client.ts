/**
 * The client side of the memory benchmark, run as `node --expose-gc --import tsx` by `memory.ts`:
 * one `createSocket` against MEMORY_URL, whose server terminates every connection once it opens,
 * for MEMORY_CYCLES connect/drop/reconnect cycles. Prints one JSON line: heap growth after gc,
 * timers still armed (through a counting clock) and listeners left on WebSockets after close
 * (through an instrumented `ws` class), and how many WebSocket objects gc could not collect.
 */
import { WebSocket } from 'ws';
import {
  type Clock,
  createErrorStore,
  createSocket,
  type WebSocketConstructor,
} from '../src/index.js';

const URL_ = process.env.MEMORY_URL ?? '';
const CYCLES = Number(process.env.MEMORY_CYCLES ?? 10_000);
const WARMUP = Number(process.env.MEMORY_WARMUP ?? 500);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('memory: run node with --expose-gc');

/** The system clock, counting the timers that are armed (set, neither fired nor cleared). */
function countingClock(): Clock & { readonly live: number; readonly set: number } {
  const live = new Set<unknown>();
  let set = 0;
  return {
    now: () => Date.now(),
    setTimeout(callback, ms) {
      set += 1;
      const handle: unknown = setTimeout(() => {
        live.delete(handle);
        callback();
      }, ms);
      live.add(handle);
      return handle;
    },
    clearTimeout(handle) {
      live.delete(handle);
      clearTimeout(handle as ReturnType<typeof setTimeout>);
    },
    get live() {
      return live.size;
    },
    get set() {
      return set;
    },
  };
}

/** Listener bookkeeping of every WebSocket the socket made, read once each has closed. */
const sockets = { made: 0, closed: 0, leftOver: 0, leftOverError: 0, collected: 0 };
// A registry, not a list of WeakRefs: 10,000 WeakRefs would be the heap growth measured.
const collected = new FinalizationRegistry<null>(() => {
  sockets.collected += 1;
});
const TYPES = ['open', 'message', 'close'] as const;

class CountedWebSocket extends WebSocket {
  constructor(url: string, protocols?: string | string[]) {
    super(url, protocols);
    sockets.made += 1;
    collected.register(this, null);
    // Read after the socket's own close listener has run (it detaches there).
    this.once('close', () =>
      setImmediate(() => {
        sockets.closed += 1;
        // `close` counts this hook's own listener as gone already (`once`).
        sockets.leftOver += TYPES.reduce((sum, type) => sum + this.listenerCount(type), 0);
        sockets.leftOverError += this.listenerCount('error');
      }),
    );
  }
}

const settle = async () => {
  for (let i = 0; i < 4; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
};

const clock = countingClock();
const storeClock = countingClock();
const socket = createSocket({
  url: URL_,
  WebSocket: CountedWebSocket as unknown as WebSocketConstructor,
  environment: false,
  clock,
  errors: createErrorStore({ clock: storeClock }),
  backoff: { baseMs: 1, floorMs: 0, capMs: 2 },
});

let opens = 0;
let reached: { at: number; resolve: () => void } | null = null;
socket.subscribe(() => {
  if (socket.getSnapshot().status !== 'open') return;
  opens += 1;
  if (reached && opens >= reached.at) reached.resolve();
});
const opened = (count: number) =>
  new Promise<void>((resolve) => {
    reached = { at: count, resolve };
    if (opens >= count) resolve();
  });

await opened(WARMUP);
await settle();
const before = process.memoryUsage().heapUsed;
const started = performance.now();
await opened(WARMUP + CYCLES);
const seconds = (performance.now() - started) / 1000;
await settle();
const after = process.memoryUsage().heapUsed;
const history = socket.errors.getState().history.length;
socket.close();
await new Promise((resolve) => setTimeout(resolve, 100));
await settle();
await settle();
const retained = sockets.made - sockets.collected;
console.log(
  JSON.stringify({
    cycles: CYCLES,
    opens,
    seconds,
    heapBefore: before,
    heapAfter: after,
    growth: after - before,
    socketTimersSet: clock.set,
    socketTimersLive: clock.live,
    storeTimersLive: storeClock.live,
    webSockets: sockets.made,
    webSocketsClosed: sockets.closed,
    listenersLeft: sockets.leftOver,
    errorListenersLeft: sockets.leftOverError,
    webSocketsRetained: retained,
    storeHistory: history,
    activeTimeouts: process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length,
  }),
);
