/**
 * Where a socket's faults are made and sent: every failure goes through `classify` (with the app's
 * overrides and texts) and into the error store with the context a log needs.
 */
import { classify, type FaultInput, type FaultOverrides } from '../protocol/classify.js';
import type { ClassificationOverride, ClientCode, Fault } from '../protocol/fault.js';
import { redactText } from '../protocol/redact.js';
import type { Clock } from './clock.js';
import type { ErrorStore } from './error-store/error-store.js';
import type { ClassificationOptions } from './options.js';

export interface Reporter {
  /**
   * A classified fault (not reported yet). `forced` replaces the classification of this one fault,
   * so its user text matches what the socket does (e.g. giving up after the last retry).
   */
  fault(input: FaultInput, forced?: ClassificationOverride): Fault;
  /** A classified client-side fault (not reported yet). */
  client(code: ClientCode, cause?: string, requestId?: string): Fault;
  /** Sends a fault to the store (and its logger) with the socket's context; returns it. */
  report<F extends Fault>(fault: F): F;
  /**
   * Runs an app callback; a throw becomes one `callback_error` fault and `fallback` is returned,
   * so the socket goes on as if the callback had returned.
   */
  isolate<T>(what: string, callback: () => T, fallback: T): T;
  /** Reports an app callback's throw caught elsewhere, as `isolate` would have. */
  thrown(what: string, error: unknown): void;
  /** A fresh id, unique per socket (faults and request ids). */
  nextId(): string;
  /** This socket's token in the store (the id prefix): its reports carry it as their `origin`. */
  readonly origin: string;
  /** The redacted URL of the current attempt, for faults and logs. */
  url: string;
  /**
   * Strings this socket knows are credentials (its URL's query values, the resume secret): from
   * now on they are redacted from every fault it makes and every description of a thrown error,
   * wherever they appear (a server may echo a token bare). The last {@link MAX_KNOWN} are kept.
   */
  conceal(secrets: readonly string[]): void;
  /** A short, redacted description of anything thrown, without the strings `conceal` was told. */
  describe(error: unknown): string;
}

/** How many concealed strings a reporter keeps (a token per attempt, a secret per session). */
export const MAX_KNOWN = 32;

/** A short, redacted description of anything thrown. */
export function describeError(error: unknown, known?: readonly string[]): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  // Redacted before the cut: a cut first could leave half a token no pattern or string matches.
  return redactText(text, known).slice(0, 200);
}

function force(
  overrides: FaultOverrides | undefined,
  input: FaultInput,
  forced: ClassificationOverride,
): FaultOverrides {
  const table = { ...overrides?.[input.source], [input.code]: forced };
  return { ...overrides, [input.source]: table };
}

/** Sockets made in this realm: part of each one's id prefix. */
let socketsMade = 0;

export function createReporter(
  store: ErrorStore,
  clock: Clock,
  random: () => number,
  classification: ClassificationOptions | undefined,
  state: () => { readonly attempt: number; readonly status: string },
): Reporter {
  // The count keeps two sockets apart when they share a store and one injected `random` (tests,
  // a seeded demo): the same draw would give them the same ids, merging their faults.
  socketsMade += 1;
  const prefix = `${Math.floor(random() * 36 ** 6).toString(36)}${socketsMade.toString(36)}`;
  let ids = 0;
  const nextId = () => `${prefix}-${++ids}`;
  /**
   * The one place a socket's known credentials are taken out: every fault it makes is classified
   * with them (before texts are capped, so no half token survives a cut), and so is every
   * description of a thrown error (the text a fault amended later carries).
   */
  let known: readonly string[] = [];
  const reporter: Reporter = {
    url: '',
    nextId,
    origin: prefix,
    fault: (input, forced) =>
      classify(input, {
        id: nextId(),
        now: clock.now(),
        url: reporter.url || undefined,
        overrides: forced
          ? force(classification?.overrides, input, forced)
          : classification?.overrides,
        messages: classification?.messages,
        maxMessageLength: classification?.maxMessageLength,
        known,
      }),
    client: (code, cause, requestId) =>
      reporter.fault({ source: 'client', code, cause, requestId }),
    conceal(secrets) {
      const next = known.filter((secret) => !secrets.includes(secret));
      next.push(...secrets);
      known = next.slice(-MAX_KNOWN);
    },
    describe: (error) => describeError(error, known),
    report(fault) {
      try {
        store.getState().report(fault, context());
      } catch (error) {
        // The store changed before its subscribers ran: the fault is kept; only a subscriber threw.
        callbackFailed('an error store subscriber', error);
      }
      return fault;
    },
    thrown: (what, error) => callbackFailed(what, error),
    isolate(what, callback, fallback) {
      try {
        return callback();
      } catch (error) {
        callbackFailed(what, error);
        return fallback;
      }
    },
  };
  const context = () => {
    const { attempt, status } = state();
    return { attempt, status, origin: prefix, ...(reporter.url ? { url: reporter.url } : {}) };
  };
  /** Reports a throw once: a subscriber that throws again while this is reported is not re-reported. */
  let reportingThrow = false;
  const callbackFailed = (what: string, error: unknown) => {
    if (reportingThrow) return;
    reportingThrow = true;
    try {
      const fault = reporter.client('callback_error', `${what} threw ${reporter.describe(error)}`);
      store.getState().report(fault, context());
    } catch {
      // The same subscriber threw on this report too: the fault is in the store all the same.
    } finally {
      reportingThrow = false;
    }
  };
  return reporter;
}
