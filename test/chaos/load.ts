/**
 * The app traffic of the soak: request workers (each awaits its request, then sends the next) and a
 * sender of numbered `msg` envelopes. Both pause while the socket is `failed` (sending there throws
 * by design) and keep the books the suite checks: every request settles, and with what.
 */
import type { SendResult, Socket } from '../../src/index.js';
// Not exported from `sockguard` yet (reported to the lead): imported from its module meanwhile.
import { FaultError } from '../../src/protocol/fault-error.js';

export interface RequestBook {
  started: number;
  replied: number;
  /** Replies that answered another request (a request id mix-up). */
  mismatched: number;
  /** Rejections by fault code. */
  readonly rejected: Map<string, number>;
  /** Rejections that were not a FaultError (must stay empty). */
  readonly otherErrors: unknown[];
}

export interface SendBook {
  /** What `send` returned for each seq. */
  readonly results: Map<number, SendResult['status']>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const usable = (socket: Socket) => {
  const { status } = socket.getSnapshot();
  return status !== 'failed' && status !== 'closed';
};

/** Runs `workers` request loops until `running()` is false; resolves when all have settled. */
export async function requestWorkers(
  socket: Socket,
  book: RequestBook,
  workers: number,
  running: () => boolean,
): Promise<void> {
  let seq = 0;
  const worker = async () => {
    while (running()) {
      if (!usable(socket)) {
        await sleep(5);
        continue;
      }
      const mine = ++seq;
      book.started += 1;
      try {
        const reply = await socket.request(
          'req',
          { seq: mine },
          {
            timeoutMs: 500,
            retryOnReconnect: mine % 4 === 0,
          },
        );
        const data = reply.data as { seq?: unknown } | null;
        if (reply.type === 'reply' && data?.seq === mine) book.replied += 1;
        else book.mismatched += 1;
      } catch (error) {
        if (error instanceof FaultError) {
          const code = String(error.fault.code);
          book.rejected.set(code, (book.rejected.get(code) ?? 0) + 1);
        } else {
          book.otherErrors.push(error);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
}

/** Sends `perTick` numbered envelopes every `everyMs` until `running()` is false. */
export async function sender(
  socket: Socket,
  book: SendBook,
  perTick: number,
  everyMs: number,
  running: () => boolean,
): Promise<void> {
  let seq = 0;
  while (running()) {
    if (usable(socket)) {
      for (let i = 0; i < perTick; i++) {
        const mine = ++seq;
        book.results.set(mine, socket.send('msg', { seq: mine }).status);
      }
    }
    await sleep(everyMs);
  }
}

/** Settled requests, however they settled. */
export const settled = (book: RequestBook): number =>
  book.replied +
  book.mismatched +
  book.otherErrors.length +
  [...book.rejected.values()].reduce((a, b) => a + b, 0);
