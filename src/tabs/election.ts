/**
 * Who leads: the tab holding the Web Lock named for the key. A tab asks for it once (and waits in
 * the lock's queue); the browser grants it when the holder's tab closes or crashes. A follower that
 * finds the leader hung takes the lock from it (`steal`); the old leader, when it runs again,
 * learns so from its lock request's rejection and steps down.
 */
import type { TabCore } from './tab-core.js';

/** One tab's part in the election: its lock request, and the steal from a hung leader. */
export interface Election {
  /** Asks for the lock, unless this tab holds it or waits for it already. */
  compete(): void;
  /** Leaves the lock's queue (a tab that leads still holds it until `release`). */
  withdraw(): void;
  /** Ends the leadership: the lock goes to the next tab in the queue. */
  release(): void;
  /**
   * Takes the lock from a hung leader: only one follower does (the one that gets the lock
   * `<name>:steal` at once); true when this tab went for it.
   */
  steal(hung: () => boolean): boolean;
}

const isAbort = (error: unknown) =>
  typeof error === 'object' && error !== null && Reflect.get(error, 'name') === 'AbortError';

/** The election of a tab: `lead` runs with the lock held, `stolen` when it was taken. */
export function createElection(
  core: TabCore,
  on: {
    /** Called with the lock held. */
    readonly lead: () => void;
    /** The lock was taken from this tab while it led. */
    readonly stolen: () => void;
  },
): Election {
  const { parts } = core;
  /** Ends the leadership: resolves the promise the Web Lock is held by. */
  let release: (() => void) | null = null;
  /** The lock request of this tab, waiting or held; aborting it leaves the queue. */
  let abort: AbortController | null = null;
  let stealing = false;
  /** After a steal: lets the steal lock go (a while after this tab leads). */
  let afterSteal: (() => void) | null = null;

  const hold = (controller: AbortController | null) => () => {
    // Granted to a request this tab gave up (closed, or went into the bfcache): pass it on.
    if (core.closed || core.away || abort !== controller) return Promise.resolve();
    return new Promise<void>((resolve) => {
      release = resolve;
      on.lead();
      afterSteal?.();
      afterSteal = null;
    });
  };
  const ended = (controller: AbortController, held: () => boolean) => (error: unknown) => {
    if (abort === controller) abort = null;
    // Rejected while this tab led: another tab stole the lock (it found this one hung). Cleared
    // first, so that this tab can ask for the lock again.
    if (isAbort(error) && held()) on.stolen();
  };

  const request = (controller: AbortController, steal: boolean, failed?: () => void) => {
    let granted = false;
    const callback = hold(controller);
    parts.locks
      .request(parts.name, steal ? { steal: true } : { signal: controller.signal }, () => {
        granted = true;
        return callback();
      })
      .then(
        () => {
          if (abort === controller) abort = null;
        },
        (error: unknown) => {
          failed?.();
          ended(controller, () => granted && core.local !== null)(error);
          // A steal that failed left the queue: back in it.
          if (steal && !granted && !core.closed && !core.away) compete();
        },
      );
  };

  function compete() {
    if (abort) return;
    const controller = new AbortController();
    abort = controller;
    request(controller, false);
  }

  return {
    compete,
    withdraw() {
      abort?.abort();
      abort = null;
    },
    release() {
      release?.();
      release = null;
    },
    steal(hung) {
      if (stealing || core.local || core.closed || core.away) return false;
      stealing = true;
      parts.locks
        .request(`${parts.name}:steal`, { ifAvailable: true }, (lock) => {
          if (lock === null || !hung() || core.local || core.closed || core.away)
            return Promise.resolve();
          // Out of the ordinary queue: this request takes the lock now.
          abort?.abort();
          const controller = new AbortController();
          abort = controller;
          // Held a while after this tab leads, so no other follower steals from it meanwhile.
          return new Promise<void>((resolve) => {
            afterSteal = () => parts.setTimeout(resolve, parts.hungAfterMs ?? 5000);
            request(controller, true, resolve);
          });
        })
        .catch(() => {})
        .finally(() => {
          stealing = false;
        });
      return true;
    },
  };
}
