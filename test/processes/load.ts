/**
 * The steady load, both ways: every `everyMs` each client sends a numbered message and the test
 * asks a random live instance to push a numbered message to the client's session (so about one
 * push in three comes from the instance holding the connection, the others go through Redis to
 * it). One timer for the fleet, phases spread at random, one IPC message per instance per tick.
 */
import type { FleetClient } from './fleet.js';
import type { InstanceProcess } from './instance-process.js';
import type { PushOrder } from './shared.js';

export interface Load {
  stop(): void;
}

export function startLoad(options: {
  readonly clients: readonly FleetClient[];
  readonly instances: () => readonly InstanceProcess[];
  readonly everyMs: number;
  /** The phase messages are sent in now. */
  readonly phase: () => number;
  /** Every push asked of an instance, by id, with its phase (filled here). */
  readonly pushes: Map<string, number>;
  /** Which instance (incarnation) each push was asked of, by id (filled here). */
  readonly askedOf?: Map<string, string>;
}): Load {
  const { clients, everyMs, pushes } = options;
  const start = performance.now();
  const next = clients.map(() => start + Math.random() * everyMs);
  const timer = setInterval(() => {
    const at = performance.now();
    const phase = options.phase();
    const live = options.instances().filter((instance) => instance.up);
    const batches = new Map<InstanceProcess, PushOrder[]>();
    clients.forEach((client, i) => {
      if (at < (next[i] as number)) return;
      // A late tick sends once, not a burst: the rate stays what the run says.
      next[i] = Math.max((next[i] as number) + everyMs, at);
      client.send(phase);
      if (live.length === 0) return;
      const order = client.nextPush(phase);
      if (order === undefined) return;
      const to = live[Math.floor(Math.random() * live.length)] as InstanceProcess;
      const batch = batches.get(to) ?? [];
      batch.push(order);
      batches.set(to, batch);
      pushes.set(order.id, phase);
      options.askedOf?.set(order.id, to.name);
    });
    for (const [instance, orders] of batches) instance.push(orders);
  }, 20);
  return { stop: () => clearInterval(timer) };
}
