/**
 * The checker both sides of the worker's wire run on what they receive (wire.ts): small checks
 * that compose, each giving the path of what is wrong, and the checks of a fault, a snapshot and
 * an envelope as the worker sends them. Neither side trusts the other.
 */

/** A checked message, or why it was refused. */
export type Read<T> =
  | { readonly ok: true; readonly message: T }
  | { readonly ok: false; readonly problem: string };

/** The version of the wire: every message carries it as `v`. */
export const WIRE_VERSION = 1;

/** A message or a field of one, as read before it is checked. */
export type Fields = Record<string, unknown>;

/**
 * A check of one value: undefined when it passes, else the path of what is wrong in it ('' for
 * the value itself, `lastFault.id` for a field of a field). Paths, not prose: the tab's bundle
 * carries the checker, and a path says exactly what was malformed.
 */
export type Check = (value: unknown) => string | undefined;

export const isObject = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
export const is =
  (test: (value: unknown) => boolean): Check =>
  (value) =>
    test(value) ? undefined : '';
export const opt =
  (check: Check): Check =>
  (value) =>
    value === undefined ? undefined : check(value);
/** `check`, or null. */
export const orNull =
  (check: Check): Check =>
  (value) =>
    value === null ? undefined : check(value);
export const oneOf = (...values: unknown[]): Check => is((value) => values.includes(value));
/** An object whose `fields` pass (others are not read). */
export const shape =
  (fields: Readonly<Record<string, Check>>): Check =>
  (value) => {
    if (!isObject(value)) return '';
    for (const key in fields) {
      const bad = fields[key]?.(value[key]);
      if (bad !== undefined) return bad ? `${key}.${bad}` : key;
    }
    return undefined;
  };

export const ID = is(
  (value) => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0,
);
export const TEXT = is((value) => typeof value === 'string' && value !== '');
export const STRING = is((value) => typeof value === 'string');
export const NUMBER = is((value) => typeof value === 'number');
export const BOOL = is((value) => typeof value === 'boolean');
export const OBJECT = is(isObject);
export const ms = (min: number, max: number) =>
  is((value) => typeof value === 'number' && value >= min && value <= max);

export const FAULT = shape({
  id: TEXT,
  source: oneOf('envelope', 'close', 'transport', 'client'),
  kind: oneOf('connection', 'application', 'transport'),
  code: (value) => (typeof value === 'number' ? undefined : TEXT(value)),
  message: STRING,
  severity: oneOf('recoverable', 'fatal'),
  action: oneOf('none', 'reconnect', 'backoff', 'reauthenticate', 'stop', 'resync'),
  timestamp: NUMBER,
  detail: OBJECT,
  requestId: opt(STRING),
});

/** What a snapshot of each status has besides the common fields. */
const BY_STATUS: Readonly<Record<string, Check>> = {
  open: shape({ openedAt: NUMBER }),
  reconnecting: shape({ nextRetryAt: orNull(NUMBER) }),
  failed: shape({ fault: FAULT }),
};
export const SNAPSHOT: Check = (value) =>
  shape({
    status: oneOf('idle', 'connecting', 'open', 'reconnecting', 'closed', 'failed'),
    attempt: ID,
    lost: BOOL,
    suspended: BOOL,
    lastFault: orNull(FAULT),
  })(value) ?? BY_STATUS[(value as Fields).status as string]?.(value);

export const CONDITIONS = { visible: BOOL, online: BOOL };

/** The checks of each message kind, of its fields (its `v` and `t` are checked before). */
export type Checks = Readonly<Record<string, Check>>;

/** The problem is `kind.path` of the field that is wrong (`welcome.snapshot.lastFault.id`). */
export function read<T>(data: unknown, checks: Checks): Read<T> {
  if (!isObject(data)) return { ok: false, problem: 'not an object' };
  const { v, t } = data;
  if (v !== WIRE_VERSION) return { ok: false, problem: `wire version ${String(v)}` };
  const check = typeof t === 'string' && Object.hasOwn(checks, t) ? checks[t] : undefined;
  if (check === undefined) return { ok: false, problem: `unknown kind ${String(t)}` };
  const bad = check(data);
  return bad === undefined
    ? { ok: true, message: data as T }
    : { ok: false, problem: `${t}.${bad}` };
}
