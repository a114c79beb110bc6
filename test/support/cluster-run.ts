/**
 * Load and waits for the multi-instance tests: every client sends a numbered message and gets a
 * numbered push at a steady rate (the push from the instance holding it or from any live one),
 * and waits that poll the fleet (how long until every client is back, until the books balance).
 */
import { type FleetClient, push } from './delivery-fleet.js';
import type { Books, Instance } from './session-cluster.js';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 10 ms; resolves with the time it took, rejects after `ms` naming `what`. */
export async function until(what: string, check: () => boolean, ms: number): Promise<number> {
  const started = performance.now();
  while (!check()) {
    if (performance.now() - started > ms) throw new Error(`timed out after ${ms} ms: ${what}`);
    await sleep(10);
  }
  return performance.now() - started;
}

let loads = 0;

export interface Load {
  /** Stops sending and pushing (what is in flight goes on). */
  stop(): void;
  /** Pushes handed to an instance so far. */
  readonly pushes: number;
}

/**
 * Every client sends once and gets one push every `everyMs` (phases spread), from one timer
 * that yields to the event loop between ticks.
 */
export function startLoad(options: {
  readonly clients: readonly FleetClient[];
  readonly instances: () => readonly Instance[];
  readonly books: Books;
  readonly everyMs: number;
  /** Share of pushes sent from the instance holding the connection. @default 0.5 */
  readonly holderShare?: number;
}): Load {
  const { clients, books, everyMs } = options;
  // Push ids are unique across loads of one run: `<client>:<load>.<n>`.
  const load = ++loads;
  const next = clients.map(() => performance.now() + Math.random() * everyMs);
  const counters = clients.map(() => 0);
  let pushes = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    clients.forEach((client, i) => {
      if (now < (next[i] as number)) return;
      next[i] = (next[i] as number) + everyMs;
      client.send();
      counters[i] = (counters[i] as number) + 1;
      const sent = push(
        books,
        options.instances(),
        client,
        `${client.index}:${load}.${counters[i]}`,
        options.holderShare ?? 0.5,
      );
      if (sent !== undefined) pushes++;
    });
  }, 10);
  return {
    stop: () => clearInterval(timer),
    get pushes() {
      return pushes;
    },
  };
}

/** Every client open with delivery on. */
export const allBack = (clients: readonly FleetClient[]) => clients.every((c) => c.ready());

/** Waits until every receipt settled and every numbered push was seen (or `ms` passed). */
export async function drain(books: Books, clients: readonly FleetClient[], ms: number) {
  await until('every client back', () => allBack(clients), ms);
  await until(
    'every receipt settled',
    () => clients.every((c) => c.acked + c.rejected === c.sent),
    ms,
  ).catch(() => undefined);
  await until(
    'every numbered push seen',
    () => [...books.pushed].every((id) => books.seen.has(id)),
    ms,
  ).catch(() => undefined);
  // Late duplicates, if any, have a moment to show.
  await sleep(200);
}
