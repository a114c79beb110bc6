/**
 * The app traffic of the soak, numbered by the test: a sender of `msg` envelopes and request
 * workers (each awaits its request, then makes the next), sharing one counter so that ids follow
 * the order of the calls (and so the order of the library's own numbering). The book keeps, per id,
 * what `send`/`request` answered and how the message ended on the client: receipt acknowledged or
 * rejected with which fault, reply or error. Both loops pause while the socket is `failed` and
 * yield to timers after every message: a request that settles at once must not starve the event
 * loop, or a hang would hang the run instead of failing it.
 */
import { FaultError, type SendResult, type Socket } from '../../src/index.js';
import { request } from '../../src/request/request.js';

/** How a client message ended, as the client saw it. */
export type Fate =
  | { readonly kind: 'pending' }
  /** Receipt resolved: the server acknowledged it (`unconfirmed`: a plain server). */
  | { readonly kind: 'acknowledged' | 'unconfirmed' }
  /** A request's reply; `error` when it was an error envelope. */
  | { readonly kind: 'reply' }
  | { readonly kind: 'error reply'; readonly code: string }
  /**
   * Rejected by the client with a fault. `maybe`: the fault says it may have arrived; `unsent`:
   * the fault says it was never sent; `why`: the cause, for the books.
   */
  | {
      readonly kind: 'fault';
      readonly code: string;
      readonly maybe: boolean;
      readonly unsent: boolean;
      readonly why: string;
    }
  /** A rejection that was not a `FaultError` (must not happen). */
  | { readonly kind: 'other'; readonly error: unknown };

/** One client message, by the test's id. */
export interface ClientMessage {
  readonly kind: 'send' | 'request';
  /** What `send` answered at once (requests: `sent`, or `rejected` when they failed at once). */
  readonly status: SendResult['status'];
  /** A request the app asked to re-send after a drop (at least once, by its choice). */
  readonly retried: boolean;
  fate: Fate;
  /** When it was called and when it settled (epoch ms). */
  readonly at: number;
  settledAt: number | null;
}

/** The client side's books. */
export interface ClientBook {
  readonly messages: Map<number, ClientMessage>;
  /** Replies whose `data.id` is not the request's (an id mix-up). */
  mismatched: number;
}

/** An empty client book. */
export const createClientBook = (): ClientBook => ({ messages: new Map(), mismatched: 0 });

const PENDING: Fate = { kind: 'pending' };
let counter = 0;
const nextId = () => ++counter;
const yieldToTimers = () => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const usable = (socket: Socket) => {
  const { status } = socket.getSnapshot();
  return status !== 'failed' && status !== 'closed';
};

function faultFate(error: unknown): Fate {
  if (!(error instanceof FaultError)) return { kind: 'other', error };
  const { fault } = error;
  const cause = fault.detail.cause ?? '';
  return {
    kind: 'fault',
    code: String(fault.code),
    maybe: /may have arrived/.test(cause),
    unsent: /before it was sent/.test(cause),
    why: cause,
  };
}

function settle(message: ClientMessage, fate: Fate) {
  message.fate = fate;
  message.settledAt = Date.now();
}

/** Runs `workers` request loops until `running()` is false; resolves when all have settled. */
export async function requestWorkers(
  socket: Socket,
  book: ClientBook,
  workers: number,
  retryEvery: number,
  running: () => boolean,
): Promise<void> {
  const worker = async () => {
    while (running()) {
      if (!usable(socket)) {
        await sleep(5);
        continue;
      }
      const id = nextId();
      const retried = retryEvery > 0 && id % retryEvery === 0;
      const message: ClientMessage = {
        kind: 'request',
        status: 'sent',
        retried,
        fate: { kind: 'pending' },
        at: Date.now(),
        settledAt: null,
      };
      book.messages.set(id, message);
      // No timeoutMs: the socket's request timeout is longer than the run, so only the library
      // (a reply, an error, a drop, a fault) can settle a request.
      try {
        const reply = await request(socket, 'req', { id }, { retryOnReconnect: retried });
        const data = reply.data as { id?: unknown } | null;
        if (data?.id !== id) book.mismatched += 1;
        settle(message, { kind: 'reply' });
      } catch (error) {
        // An error envelope answering this request (a fatal fault rejecting it has no request id).
        if (
          error instanceof FaultError &&
          error.fault.requestId !== undefined &&
          error.fault.source === 'envelope'
        ) {
          settle(message, { kind: 'error reply', code: String(error.fault.code) });
        } else settle(message, faultFate(error));
      }
      await yieldToTimers();
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
}

/** Sends `perTick` numbered `msg` envelopes every `everyMs` until `running()` is false. */
export async function sender(
  socket: Socket,
  book: ClientBook,
  perTick: number,
  everyMs: number,
  running: () => boolean,
): Promise<void> {
  while (running()) {
    if (usable(socket)) {
      for (let i = 0; i < perTick; i++) {
        const id = nextId();
        const result = socket.send('msg', { id });
        const message: ClientMessage = {
          kind: 'send',
          status: result.status,
          retried: false,
          fate: result.status === 'rejected' ? faultFate(new FaultError(result.fault)) : PENDING,
          at: Date.now(),
          settledAt: null,
        };
        book.messages.set(id, message);
        if (result.status !== 'rejected' && result.delivered) {
          result.delivered.then(
            (how) => settle(message, { kind: how }),
            (error: unknown) => settle(message, faultFate(error)),
          );
        }
      }
    }
    await sleep(everyMs);
  }
}

/** Requests and receipts not settled yet. */
export function unsettled(book: ClientBook, withReceipts: boolean): number {
  let n = 0;
  for (const message of book.messages.values()) {
    if (message.fate.kind !== 'pending') continue;
    if (message.kind === 'request' || withReceipts) n += 1;
  }
  return n;
}
