/**
 * What the SharedWorker tests read from the page and from the worker, and the bugs they can
 * plant. A plant is chosen with `SOCKGUARD_WORKER_PLANT=<name>` when running the tests: the page
 * and the worker script (test code around the hub, never src/worker) then misbehave as named, so
 * that each test can be seen to fail when the behaviour it proves breaks.
 */

/** The bugs the test harness can plant, by name. */
export const PLANTS = {
  /** The worker runs two hubs (ports alternate): two connections instead of one. */
  'two-hubs': 'worker',
  /** The worker posts every broadcast message to each port twice. */
  'echo-twice': 'worker',
  /** The worker hands a tab's send number 5 to the hub after its send number 6. */
  reorder: 'worker',
  /** The worker posts every request reply to every port, not only to the asking one. */
  'broadcast-replies': 'worker',
  /** The worker posts every fault to every port, not only to the one it was addressed to. */
  'broadcast-faults': 'worker',
  /** The worker posts every fault to its port twice, the second time under a new id. */
  'fault-twice': 'worker',
  /** The hub's tab timeout is 60 s: a silent tab is not dropped in the stated bound. */
  'no-liveness': 'worker',
  /** The hub's tab timeout is doubled (2000 ms): a silent tab is dropped, but past the bound. */
  'slow-liveness': 'worker',
  /** When a tab leaves or is dropped, the worker has another tab ask for a reconnect. */
  'reconnect-on-leave': 'worker',
  /** The page skips every 10th of its numbered sends (and tells the caller `queued`). */
  'drop-10th': 'page',
  /** The page hands the tab one port, not a factory: it cannot make a new worker. */
  'no-factory': 'page',
  /** The tab judges the worker dead after 15 s (the check of before), not 2 s. */
  'slow-check': 'page',
  /** The page's factory names a new worker after the page: each recovering tab starts its own. */
  'own-worker': 'page',
  /** The hub drops a tab silent for 5 s (its default is 10 s): a page hung 6 s is dropped. */
  'short-liveness': 'worker',
  /**
   * The tab's clock runs the timers a sleep made it miss, each at its due time: its watchdog
   * counts a whole sleep as the worker's silence (tab.ts caps a late check at half the limit).
   */
  'whole-sleep': 'page',
  /** Back from the back/forward cache, the page sends its last three numbered sends again. */
  'resend-on-restore': 'page',
  /**
   * The worker hands the hub only nine of every ten numbered sends a tab posts (the tenth is
   * dropped unheard: with delivery the tab keeps it, waiting for a receipt that never comes).
   */
  'hub-drop-10th': 'worker',
  /**
   * On a new worker (its factory's second port and later), the page sends its last three sends
   * acknowledged by the old worker again: repeats across a worker death of sends whose receipts
   * had said `acknowledged` (outside the at-least-once window).
   */
  'resend-acked': 'page',
  /**
   * The page makes its SharedWorker without `extendedLifetime` though the suite asked for it: the
   * worker ends with its last page.
   */
  'no-extended-lifetime': 'page',
  /** The hub's `lingerMs` is 0: the last tab gone, the socket closes after the grace, kept sends or not. */
  'no-linger': 'worker',
} as const;

/** A plant's name. */
export type Plant = keyof typeof PLANTS;

/** The hub's liveness options in these tests (SharedWorker script `?ping=&timeout=`). */
export const PING_INTERVAL_MS = 500;
export const TAB_TIMEOUT_MS = 1000;

/** What the worker saw on one port (times are the worker's `Date.now()`). */
export interface PortRecord {
  /** The page's label (its index in the test), or null for a probe port. */
  label: string | null;
  readonly connectedAt: number;
  /** The last message received from the port. */
  heardAt: number;
  /** When the port said `bye`, and when the hub told it `dropped`. */
  byeAt: number | null;
  droppedAt: number | null;
  /** Pings the hub posted to the port, and the last one's time. */
  pings: number;
  lastPingAt: number | null;
  /** Messages posted to the port and received from it, by wire type `t`. */
  readonly out: Record<string, number>;
  readonly in: Record<string, number>;
}

/** The worker's state, as a probe port reads it. */
export interface HubState {
  readonly plant: string;
  readonly pingIntervalMs: number;
  readonly tabTimeoutMs: number;
  /** The hub's `closeGraceMs` and `lingerMs`. */
  readonly closeGraceMs: number;
  readonly lingerMs: number;
  readonly ports: readonly PortRecord[];
  /** What the hub told `onProblem`. */
  readonly problems: readonly string[];
}

/** One `report` call into a page's error store. */
export interface Report {
  readonly id: string;
  readonly code: string | number;
  readonly action: string;
  readonly severity: string;
}

/** What a request the probe made ended with. */
export interface Outcome {
  readonly ok: boolean;
  readonly data?: unknown;
  readonly code?: string | number;
}

/** What a page's probe saw so far. */
export interface PageState {
  readonly label: string;
  readonly status: string;
  readonly received: ReadonlyArray<{ readonly type: string; readonly data: unknown }>;
  readonly outcomes: Readonly<Record<string, Outcome>>;
  /** The statuses `send` returned to the numbered sends, in order. */
  readonly sendStatuses: readonly string[];
  /** Every `report` call into the page's store, in order. */
  readonly reports: readonly Report[];
  /** `error` events of the page's `SharedWorker` and `close` events of its port (page clock). */
  readonly workerEvents: ReadonlyArray<{ readonly type: string; readonly at: number }>;
  /** The store's history (newest first), as the page's app would read it. */
  readonly history: ReadonlyArray<
    Report & { readonly count: number; readonly kind: string; readonly cause: string }
  >;
  /** The ids of the store's active faults. */
  readonly active: readonly string[];
  /**
   * Each numbered send: its n, when (page clock), what `send` returned, and the worker it was
   * handed to (`port`: the page's {@link ports} count then).
   */
  readonly sends: ReadonlyArray<{
    readonly n: number;
    readonly at: number;
    readonly status: string;
    readonly port: number;
  }>;
  /**
   * With delivery, each numbered send's receipt (`delivered`) by n, once settled: `acknowledged`,
   * `unconfirmed`, or `rejected:<code>`.
   */
  readonly receipts: Readonly<Record<number, string>>;
  /** The worker ({@link ports} count) the page had when each numbered send first settled, by n. */
  readonly settledPort: Readonly<Record<number, number>>;
  /**
   * How each numbered send settled (the tab's `settled` hook), by n; a second settlement is
   * written after a `+`.
   */
  readonly settled: Readonly<Record<number, string>>;
  /** When each numbered send settled (page clock), by n. */
  readonly settledAt: Readonly<Record<number, number>>;
  /** When each request was made (page clock), by name. */
  readonly askedAt: Readonly<Record<string, number>>;
  /** When each request settled (page clock), by name. */
  readonly outcomeAt: Readonly<Record<string, number>>;
  /** Requests {@link WorkerProbe.ask} made (named `r0`, `r1`, ...). */
  readonly asked: number;
  /** The busy loops the page ran (page clock). */
  readonly hangs: ReadonlyArray<{ readonly from: number; readonly to: number }>;
  /** `pagehide`, `pageshow`, `freeze` and `resume` events, with `persisted` (page clock). */
  readonly lifecycle: ReadonlyArray<{
    readonly type: string;
    readonly persisted: boolean;
    readonly at: number;
  }>;
  /** `PerformanceNavigationTiming.type` of the document: `back_forward` after a history step. */
  readonly navigation: string;
  /** The socket's status at start and at each change (page clock). */
  readonly statusLog: ReadonlyArray<{ readonly status: string; readonly at: number }>;
  /** Ports the page's factory made (one per worker it reached). */
  readonly ports: number;
  /**
   * With a durable outbox (suite option `outbox`): what `durable(result)` said of each numbered
   * send (true: kept on the device), and when it said it (page clock), by n.
   */
  readonly durable: Readonly<Record<number, { readonly kept: boolean; readonly at: number }>>;
}

/** A page's `outboxOf(socket).getSnapshot()`, each kept send without its fault. */
export interface OutboxState {
  readonly status: string;
  readonly kept: ReadonlyArray<{
    readonly id: string;
    readonly type: string;
    readonly data: unknown;
    readonly status: string;
  }>;
}

/** The probe the tests drive on `window.workerProbe` with `page.evaluate`. */
export interface WorkerProbe {
  /** Connects this page's socket to the shared worker, with the WebSocket URL given. */
  start(wsUrl: string, label: string, requestTimeoutMs: number): void;
  /** Sends `seq` `{ from: label, n }` for n = 0..count-1, every `everyMs`; resolves when done. */
  series(count: number, everyMs: number): Promise<readonly string[]>;
  /** Sends the next numbered `seq` every `everyMs` until {@link stop} (numbers go on from the last). */
  stream(everyMs: number): void;
  /**
   * Makes a request `ask` `{ from: label, k, delayMs }` named `r<k>` every `everyMs` until
   * {@link stop}; the server answers after `delayMs`, so some are always in flight.
   */
  ask(everyMs: number, delayMs: number, timeoutMs: number): void;
  /** Makes one more request of {@link ask}'s kind, answered after `delayMs`. */
  askOnce(delayMs: number, timeoutMs: number): void;
  /**
   * Hangs the page for `ms` ({@link hang}) in the task after the worker's next ping: the
   * worker's last word before the hang is that ping, its next comes a ping interval later.
   * Resolves after the hang.
   */
  hangAfterPing(ms: number): Promise<void>;
  /** Stops the stream and the requests, and reads the state in the same task. */
  stop(): PageState;
  /** Keeps the page's thread busy for `ms` (nothing else of the page runs meanwhile). */
  hang(ms: number): void;
  request(name: string, type: string, data: unknown, timeoutMs?: number): void;
  read(): PageState;
  /** The page's `outboxOf(socket).getSnapshot()` (status `off` without an outbox). */
  outbox(): OutboxState;
  /** Reads the worker's state over a port of its own. */
  hub(): Promise<HubState>;
}
