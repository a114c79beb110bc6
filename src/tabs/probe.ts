/**
 * A hung leader (its main thread blocked, so no page event fires and the lock is never freed)
 * would keep the connection forever. Each follower probes it over the channel: a probe is
 * answered by the leader's message handler, so a hidden but live leader (whose timers the
 * browser throttles) still answers. A leader silent for `hungAfterMs` after a probe is hung: one
 * follower takes the lock from it. The leader's own timers play no part.
 */
import type { TabCore } from './tab-core.js';
import type { TabMessage } from './wire.js';

/** What the leader says on the channel: any of it shows it runs. */
const FROM_LEADER = new Set<TabMessage['k']>([
  'state',
  'message',
  'fault',
  'done',
  'alive',
  'leader',
  'delivery',
  'numbered',
]);

/** The probing of a follower tab. */
export interface Prober {
  /** A channel message arrived (from another tab). */
  heard(message: TabMessage): void;
  /** Starts probing while this tab follows. */
  start(): void;
  stop(): void;
}

/** Probes the leader every `hungAfterMs / 4`; calls `steal` once it went unanswered long enough. */
export function createProber(
  core: TabCore,
  hungAfterMs: number,
  steal: (hung: () => boolean) => void,
): Prober {
  const { parts } = core;
  let timer: unknown;
  let nonce = 0;
  /** When the unanswered probe went out (null: none out). */
  let probedAt: number | null = null;
  const every = Math.max(1, Math.floor(hungAfterMs / 4));
  let lastTick = parts.elapsed();
  const hung = () => probedAt !== null && parts.elapsed() - probedAt >= hungAfterMs;
  const tick = () => {
    timer = parts.setTimeout(tick, every);
    const now = parts.elapsed();
    // A tick this late means this tab was throttled or frozen itself: the answer may be waiting
    // behind this timer, so the probe starts over rather than blame the leader.
    const late = now - lastTick > every * 2;
    lastTick = now;
    if (late || core.local || !core.joined || core.away || core.closed) {
      probedAt = null;
      return;
    }
    if (probedAt === null) {
      probedAt = parts.elapsed();
      core.post({ k: 'probe', from: core.tab, nonce: ++nonce });
    } else if (hung()) steal(hung);
  };
  return {
    heard(message) {
      if (FROM_LEADER.has(message.k)) probedAt = null;
    },
    start() {
      lastTick = parts.elapsed();
      if (timer === undefined) timer = parts.setTimeout(tick, 0);
    },
    stop() {
      if (timer !== undefined) parts.clearTimeout(timer);
      timer = undefined;
      probedAt = null;
    },
  };
}
