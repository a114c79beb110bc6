/**
 * The embedded {@link HistoryStore}: sessions in a Map, each history bounded by count, bytes and
 * age. No timers: ages and expiries are read from the injected monotonic clock when the store is
 * used, so a stepped wall clock neither trims early nor keeps a session forever.
 */
import {
  type HistoryStore,
  type OpenedSession,
  OTHER_PRINCIPAL,
  type SessionBinding,
  UnknownSessionError,
} from './history-store.js';
import { bindingMatch } from './identity.js';
import { checkOptions } from './option-checks.js';

/** Options of {@link createMemoryHistory}. */
export interface MemoryHistoryOptions {
  /** Frames kept per session; older ones are dropped first. @default 1000 */
  readonly maxMessages?: number | undefined;
  /** Frame text kept per session, in characters (UTF-16 code units of the JSON text). @default 1_048_576 */
  readonly maxBytes?: number | undefined;
  /** Frames older than this are dropped. @default 120_000 */
  readonly maxAgeMs?: number | undefined;
  /**
   * Sessions kept at most, those waiting for a resume included: past it, creating one forgets the
   * one whose expiry is nearest (never one a connection holds). With the layer's
   * `sessionRetainMs`, this is what bounds the retained records. @default 100_000
   */
  readonly maxSessions?: number | undefined;
  /**
   * Monotonic milliseconds (only ever go forward), for ages and expiries.
   * @default () => performance.now()
   */
  readonly now?: (() => number) | undefined;
}

/**
 * The memory store: a {@link HistoryStore} that answers synchronously, with how many sessions it
 * holds (expired ones are dropped as it is used).
 */
export interface MemoryHistory extends HistoryStore {
  /** Sessions held, expired ones not yet swept included. */
  readonly size: number;
  /** Frames held in every history (counted when read: for tests and monitoring). */
  readonly frames: number;
  create(session: string, owner: string | undefined, binding: SessionBinding): void;
  open(
    session: string,
    afterSeq: number,
    owner: string | undefined,
    binding: SessionBinding,
  ): OpenedSession | typeof OTHER_PRINCIPAL | undefined;
  append(session: string, encode: (seq: number) => string): number;
  setAcked(session: string, acked: number): void;
  expire(session: string, ttlMs: number, owner?: string, historyMs?: number): void;
}

interface Entry {
  readonly seq: number;
  readonly text: string;
  readonly at: number;
}

interface Record {
  seq: number;
  acked: number;
  /** Kept frames, `seq` contiguous from `trimmed + 1`; `head` skips the dropped ones. */
  entries: Entry[];
  head: number;
  chars: number;
  /** The highest `seq` dropped from the history (0: none). */
  trimmed: number;
  expiresAt: number | undefined;
  /** When its history goes while the record stays (`sessionRetainMs`), if it does. */
  fadesAt: number | undefined;
  /** The latest claim's token (`undefined`: a caller that passes none). */
  owner: string | undefined;
  /** Who it belongs to and its secret's hash: `open` checks them first. */
  readonly binding: SessionBinding;
}

const SCOPE = 'createMemoryHistory';
const MAX = Number.MAX_SAFE_INTEGER;

/** Creates the in-memory history store: the session layer's default. */
export function createMemoryHistory(options: MemoryHistoryOptions = {}): MemoryHistory {
  checkOptions(SCOPE, options, {
    maxMessages: { kind: 'integer', min: 1, max: MAX },
    maxBytes: { kind: 'integer', min: 1, max: MAX },
    maxAgeMs: { kind: 'integer', min: 1, max: MAX, unit: ' (milliseconds)' },
    maxSessions: { kind: 'integer', min: 1, max: MAX },
    now: { kind: 'function' },
  });
  const maxMessages = options.maxMessages ?? 1000;
  const maxChars = options.maxBytes ?? 1_048_576;
  const maxAgeMs = options.maxAgeMs ?? 120_000;
  const maxSessions = options.maxSessions ?? 100_000;
  const now = options.now ?? (() => globalThis.performance.now());
  const sessions = new Map<string, Record>();
  // Insertion order is expiry order while every caller uses one TTL: the sweep stops at the first
  // live one. With mixed TTLs a later expiry only waits for the next sweep (reads still check it).
  const expiring = new Map<string, number>();
  // The same for histories that go before their record (sessionRetainMs): swept so a retained
  // session costs its record only, not the frames nobody can be replayed any more.
  const fading = new Map<string, number>();

  const drop = (id: string): void => {
    sessions.delete(id);
    expiring.delete(id);
    fading.delete(id);
  };

  /** Forgets the history and keeps the numbering: a resume that missed anything is told so. */
  const fade = (record: Record): void => {
    record.entries = [];
    record.head = 0;
    record.chars = 0;
    record.trimmed = record.seq;
    record.fadesAt = undefined;
  };

  const sweep = (time: number): void => {
    for (const [id, deadline] of fading) {
      if (deadline > time) break;
      fading.delete(id);
      const record = sessions.get(id);
      if (record) fade(record);
    }
    for (const [id, deadline] of expiring) {
      if (deadline > time) return;
      drop(id);
    }
  };

  const live = (id: string): Record | undefined => {
    const record = sessions.get(id);
    if (record?.expiresAt !== undefined && record.expiresAt <= now()) {
      drop(id);
      return undefined;
    }
    return record;
  };

  const shift = (record: Record): void => {
    const entry = record.entries[record.head] as Entry;
    record.head++;
    record.chars -= entry.text.length;
    record.trimmed = entry.seq;
    // Compact once half the array is dropped entries, so shifting stays O(1) amortized.
    if (record.head > 64 && record.head * 2 > record.entries.length) {
      record.entries = record.entries.slice(record.head);
      record.head = 0;
    }
  };

  const trim = (record: Record, time: number): void => {
    while (record.head < record.entries.length) {
      const count = record.entries.length - record.head;
      const oldest = record.entries[record.head] as Entry;
      if (count > maxMessages || record.chars > maxChars || time - oldest.at >= maxAgeMs) {
        shift(record);
      } else {
        return;
      }
    }
  };

  return {
    get size() {
      return sessions.size;
    },
    get frames() {
      let count = 0;
      for (const record of sessions.values()) count += record.entries.length - record.head;
      return count;
    },
    create(id, owner, binding) {
      sweep(now());
      drop(id);
      // Full: the session nearest its expiry goes (a held one never: it is not expiring).
      if (sessions.size >= maxSessions) {
        const nearest = expiring.keys().next();
        if (!nearest.done) drop(nearest.value);
      }
      sessions.set(id, {
        binding: { principal: binding.principal, secretHash: binding.secretHash },
        seq: 0,
        acked: 0,
        entries: [],
        head: 0,
        chars: 0,
        trimmed: 0,
        expiresAt: undefined,
        fadesAt: undefined,
        owner,
      });
    },
    open(id, afterSeq, owner, binding) {
      const record = live(id);
      if (record === undefined) return undefined;
      // Before anything is claimed or read: a wrong secret is an unknown session.
      const match = bindingMatch(record.binding, binding);
      if (match === 'wrong_secret') return undefined;
      if (match === 'other_principal') return OTHER_PRINCIPAL;
      record.owner = owner;
      record.expiresAt = undefined;
      expiring.delete(id);
      const time = now();
      if (record.fadesAt !== undefined && record.fadesAt <= time) fade(record);
      record.fadesAt = undefined;
      fading.delete(id);
      trim(record, time);
      const servable = afterSeq >= record.trimmed && afterSeq <= record.seq;
      const replay = servable
        ? record.entries.slice(record.head + (afterSeq - record.trimmed)).map((entry) => entry.text)
        : undefined;
      return { seq: record.seq, acked: record.acked, replay };
    },
    append(id, encode) {
      const record = live(id);
      if (record === undefined) throw new UnknownSessionError(id);
      const seq = record.seq + 1;
      const text = encode(seq);
      record.seq = seq;
      const time = now();
      record.entries.push({ seq, text, at: time });
      record.chars += text.length;
      trim(record, time);
      return seq;
    },
    setAcked(id, acked) {
      const record = live(id);
      if (record !== undefined && acked > record.acked) record.acked = acked;
    },
    expire(id, ttlMs, owner, historyMs) {
      const time = now();
      sweep(time);
      const record = live(id);
      if (record === undefined) return;
      // A newer claim holds it (another layer sharing this store): this expiry is stale.
      if (record.owner !== undefined && owner !== undefined && record.owner !== owner) return;
      record.expiresAt = time + ttlMs;
      expiring.delete(id);
      expiring.set(id, record.expiresAt);
      fading.delete(id);
      record.fadesAt = historyMs !== undefined && historyMs < ttlMs ? time + historyMs : undefined;
      if (record.fadesAt !== undefined) fading.set(id, record.fadesAt);
    },
  };
}
