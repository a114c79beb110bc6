/**
 * What only a page can answer (the URL or protocols function with a fresh token, `refreshAuth`,
 * a `backoff` function with the retry it times),
 * asked by the shared socket of a live tab over its port: bounded by `askTimeoutMs`, asked of
 * another tab (visible ones first) when that one times out or goes, and failed once every tab of
 * the socket was asked. Answers are matched by the question's number and the tab asked, so a late
 * answer of a tab asked before is not news.
 */

import type { BackoffInput } from '../core/backoff.js';
import type { TimerHandle } from '../core/clock.js';
import { unauthorized } from '../core/unauthorized.js';
import { why } from '../protocol/why.js';
import type { HubContext, Shared, Tab } from './hub-context.js';
import type { Question, TabMessage } from './wire.js';

/** A page-only question in flight. */
interface Asking {
  readonly what: Question;
  readonly input: BackoffInput | undefined;
  readonly shared: Shared;
  readonly tried: Set<Tab>;
  tab: Tab | null;
  q: number;
  timer: TimerHandle | undefined;
  readonly done: (value: unknown, error?: Error) => void;
}

/** The page-only questions of a hub. */
export interface Questions {
  /**
   * Asks `what` (with `input`, `backoff`'s) of a tab of `shared`; settles with the answer, or
   * fails once no tab answered.
   */
  ask(shared: Shared, what: Question, input?: BackoffInput): Promise<unknown>;
  /** `tab` answered. */
  answered(tab: Tab, message: Extract<TabMessage, { t: 'answer' }>): void;
  /** `tab` left: what it was asked goes to another tab at once. */
  left(tab: Tab): void;
  /** Every question fails (the hub stopped). */
  stop(): void;
}

/** The questions of the hub of `ctx`. */
export function createQuestions(ctx: HubContext): Questions {
  const { clock, n } = ctx;
  const questions = new Map<number, Asking>();
  let asked = 0;

  /** Asks the next live tab that was not asked yet, visible ones first. */
  function askNext(asking: Asking) {
    questions.delete(asking.q);
    if (asking.timer !== undefined) clock.clearTimeout(asking.timer);
    const left = [...asking.shared.tabs].filter((tab) => !asking.tried.has(tab));
    const tab = left.find((t) => t.visible) ?? left[0];
    if (tab === undefined) {
      const tried = asking.tried.size;
      return asking.done(undefined, new Error(why('no_tab_answered', asking.what, tried)));
    }
    asking.tried.add(tab);
    asking.tab = tab;
    asking.q = ++asked;
    questions.set(asking.q, asking);
    asking.timer = clock.setTimeout(() => askNext(asking), n.askTimeoutMs);
    const { what, input } = asking;
    ctx.send(tab, { v: 1, t: 'ask', q: asking.q, what, ...(input && { input }) });
  }

  return {
    ask(shared, what, input) {
      return new Promise((resolve, reject) => {
        const asking: Asking = {
          what,
          input,
          shared,
          tried: new Set(),
          tab: null,
          q: 0,
          timer: undefined,
          done(value, error) {
            questions.delete(asking.q);
            if (asking.timer !== undefined) clock.clearTimeout(asking.timer);
            asking.tab = null;
            if (error) reject(error);
            else resolve(value);
          },
        };
        askNext(asking);
      });
    },
    answered(tab, message) {
      const asking = questions.get(message.q);
      // A late answer (the question went to another tab meanwhile) is not news.
      if (asking === undefined || asking.tab !== tab) return;
      if ('error' in message) {
        const error = message.unauthorized ? unauthorized(message.error) : new Error(message.error);
        return asking.done(undefined, error);
      }
      asking.done(message.value);
    },
    left(tab) {
      for (const asking of [...questions.values()]) if (asking.tab === tab) askNext(asking);
    },
    stop() {
      for (const asking of [...questions.values()])
        asking.done(undefined, new Error(why('hub_stopped')));
    },
  };
}
