/** The hub's check of what a tab says (wire.ts): only the worker's bundle carries it. */

import type { Read, TabMessage } from './wire.js';
import {
  BOOL,
  type Checks,
  CONDITIONS,
  type Fields,
  ID,
  is,
  ms,
  OBJECT,
  opt,
  read,
  STRING,
  shape,
  TEXT,
} from './wire-check.js';

/** A send's tag: the tab's random mark (tab.ts), bounded; it becomes an id on the device. */
const TAG = is((value) => typeof value === 'string' && /^[\w.-]{1,64}$/.test(value));

const TAB_CHECKS: Checks = {
  hello: shape({ key: TEXT, options: OBJECT, ...CONDITIONS }),
  send: shape({ id: ID, type: TEXT, meta: opt(OBJECT), tag: opt(TAG) }),
  request: shape({
    id: ID,
    type: TEXT,
    timeoutMs: opt((value) => (value === null ? undefined : ms(1, 2 ** 31 - 1)(value))),
    retryOnReconnect: opt(BOOL),
  }),
  abort: shape({ id: ID }),
  adopt: shape({ id: ID, kept: TEXT }),
  discard: shape({ kept: TEXT }),
  clear: OBJECT,
  end: OBJECT,
  reconnect: OBJECT,
  bye: OBJECT,
  pong: shape({ n: ID }),
  conditions: shape(CONDITIONS),
  answer: (m) =>
    shape({ q: ID })(m) ??
    ('error' in (m as Fields) ? shape({ error: STRING, unauthorized: BOOL })(m) : undefined),
};

/** Checks what a tab sent the worker. */
export const readTabMessage = (data: unknown): Read<TabMessage> => read(data, TAB_CHECKS);
