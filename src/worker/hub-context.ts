/**
 * What the parts of the worker's hub share: a tab (one port), a shared socket (one key), who
 * asked for a piece of work, and the hub's context (its clock, numbers, and how it tells a tab).
 */

import type { Clock, TimerHandle } from '../core/clock.js';
import type { Frame } from '../core/extension.js';
import type { Socket } from '../core/types.js';
import { classify } from '../protocol/classify.js';
import type { ClientCode, Fault } from '../protocol/fault.js';
import type { HubNumbers, HubOptions, HubOutbox } from './hub-options.js';
import type { SharedEnvironment } from './shared-environment.js';
import { type PortLike, post, type WireOptions, type WorkerMessage } from './wire.js';

/** One port, and the tab on it while it has joined. */
export interface Tab {
  readonly port: PortLike;
  readonly listener: (event: { readonly data: unknown }) => void;
  shared: Shared | null;
  /**
   * The hub stopped counting it (not heard in time), it did not say goodbye: the page is hung or
   * gone, or will say hello again. Until then it is still told its sends' receipts
   * (see {@link hears}).
   */
  dropped: boolean;
  /** Monotonic ms of the last message heard. */
  heard: number;
  visible: boolean;
  online: boolean;
  /** Sends in flight, by the tab's id. */
  readonly sends: Set<number>;
  /** Requests in flight, by the tab's id. */
  readonly requests: Map<number, TabRequest>;
}

/** A tab's request in flight in the worker. */
export interface TabRequest {
  readonly controller: AbortController;
  /** Its reply was told to the tab (as the message that settles it). */
  replied: boolean;
}

/** Who asked for a piece of work: the tab and its own id. */
export interface Asker {
  readonly tab: Tab;
  readonly id: number;
  /**
   * A request's entry in `tab.requests`: its reply goes to the tab only while that very entry is
   * pending there (not after it ended, nor to a later request of the same id after a rejoin).
   */
  readonly request?: TabRequest;
  /** A send's frame, once the socket made it (with delivery, kept until its receipt settles). */
  frame?: Frame;
}

/** The socket of one key and the tabs on it. */
export interface Shared {
  readonly key: string;
  readonly options: WireOptions;
  socket: Socket;
  readonly tabs: Set<Tab>;
  /** Unwritten sends of tabs, by the frame the socket queued (without delivery). */
  readonly frames: Map<Frame, Asker>;
  /**
   * With delivery: tabs' sends not settled yet, by the frame delivery keeps (at most its
   * `maxUnacked`; each leaves when its receipt settles, whether or not its tab is still there).
   */
  readonly kept: Map<Frame, Asker>;
  /** The socket's request ids of tabs' requests (the recent ones: late faults still find them). */
  readonly owners: Map<string, Asker>;
  readonly environment: SharedEnvironment;
  grace: TimerHandle | undefined;
  /** The durable outbox of its delivery, when the tabs asked for one (`delivery.outbox`). */
  outbox?: HubOutbox;
}

/** The hub's own: its clock, its numbers, and how it makes faults and tells tabs. */
export interface HubContext {
  readonly clock: Clock;
  /** Monotonic ms. */
  readonly elapsed: () => number;
  readonly n: HubNumbers;
  readonly onProblem: HubOptions['onProblem'];
  /** A client fault of the hub's (`fatal`: severity fatal, action stop). */
  fault(code: ClientCode, cause: string, fatal?: boolean): Fault;
  /** Tells one tab (a closed port is a tab that is going: its liveness finds it). */
  send(tab: Tab, message: WorkerMessage): void;
  /** Tells every tab of a socket. */
  everyone(shared: Shared, message: WorkerMessage): void;
}

/**
 * Whether `tab` is told the outcome of its work on `shared`: while it is on it, and after the hub
 * dropped it while it joins no other (a hung page keeps its delivery sends and hears their receipts
 * when it wakes, before or after its hello). A tab that said goodbye is told nothing.
 */
export const hears = (tab: Tab, shared: Shared): boolean =>
  tab.shared === shared || (tab.shared === null && tab.dropped);

/** The context of a hub on `clock` with `n`. */
export function hubContext(
  clock: Clock,
  elapsed: () => number,
  n: HubNumbers,
  onProblem: HubOptions['onProblem'],
): HubContext {
  let faults = 0;
  const send = (tab: Tab, message: WorkerMessage) => void post(tab.port, message);
  return {
    clock,
    elapsed,
    n,
    onProblem,
    fault: (code, cause, fatal = false) =>
      classify(
        { source: 'client', code, cause },
        {
          id: `hub-${++faults}`,
          now: clock.now(),
          ...(fatal
            ? { overrides: { client: { [code]: { severity: 'fatal', action: 'stop' } } } }
            : {}),
        },
      ),
    send,
    everyone(shared, message) {
      for (const tab of shared.tabs) send(tab, message);
    },
  };
}
