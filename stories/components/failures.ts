/**
 * Every failure of the protocol the playground can trigger. The names are the demo server's
 * fault names (docs/demo.md), so the same buttons drive an msw scenario or the real server.
 */
export const FAILURES = [
  { name: 'bad-request', label: 'Bad request', detail: '4000' },
  { name: 'not-found', label: 'Room not found', detail: '4001' },
  { name: 'closed-room', label: 'Closed room', detail: '4002' },
  { name: 'expire-token', label: 'Expired token', detail: '4003 + close' },
  { name: 'forbidden', label: 'Forbidden', detail: '4004 + close' },
  { name: 'rate-limit', label: 'Rate limit', detail: '4005' },
  { name: 'internal', label: 'Internal error', detail: '5000' },
  { name: 'restart', label: 'Server restart', detail: 'close 1012' },
  { name: 'kill', label: 'Killed connection', detail: '1006' },
  { name: 'silence', label: 'Silence', detail: 'no pong' },
  { name: 'garbage', label: 'Garbage frames', detail: 'invalid JSON' },
  { name: 'refuse', label: 'Refuse connections', detail: 'HTTP 503' },
] as const;

/** A failure's name, e.g. `'rate-limit'`. */
export type FailureName = (typeof FAILURES)[number]['name'];
