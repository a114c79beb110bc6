/**
 * `sockguard/outbox`: the durable outbox (SPEC.md section 9). `indexedDbOutbox({ user })` goes in
 * `delivery({ outbox })`; `durable(result)` says whether a send was kept on the device. What the
 * app sees of it (`outboxOf`, `useOutbox`) is in `sockguard` and `sockguard/react`.
 */

export { type IndexedDbOptions, indexedDbStorage } from './indexeddb.js';
export { memoryStorage } from './memory.js';
export {
  durable,
  indexedDbOutbox,
  type OutboxLocks,
  type OutboxOptions,
} from './outbox.js';
export {
  ACKED_IDS,
  type KeptMessage,
  type KeptSession,
  type Loaded,
  OUTBOX_BOUNDS,
  type OutboxBounds,
  OutboxError,
  type OutboxErrorCode,
  type OutboxStorage,
} from './storage.js';
