/**
 * The SharedWorker's side of one connection for all tabs (SPEC.md section 8, issue 21): ONE
 * ordinary core socket per key, and the tabs that asked for it, each on its own MessagePort.
 * Nothing is elected or handed over: the worker holds the socket as long as a tab holds it.
 *
 * The parts, each in its file: the tabs and their liveness (registry.ts), the socket of a key
 * (shared-socket.ts) and its environment made of every tab's (shared-environment.ts), the routing
 * of outcomes and faults to the tab that asked, by port and ids (routing.ts), a tab's sends and
 * requests (work.ts), and what only a page can answer (questions.ts). This file checks the
 * options, puts the parts together and reads what the tabs say.
 */

import { monotonicOf, systemClock } from '../core/clock.js';
import { withDefaults } from '../core/option-checks.js';
import type { SocketOptions } from '../core/options.js';
import { createSocket } from '../core/socket.js';
import type { Socket } from '../core/types.js';
import { deliveryOf } from '../delivery/plugin.js';
import { outboxOf } from '../outbox/channel.js';
import { why } from '../protocol/why.js';
import { hubContext, type Tab } from './hub-context.js';
import { checkHub, HUB_DEFAULTS, type HubOptions } from './hub-options.js';
import { createQuestions } from './questions.js';
import { createRegistry } from './registry.js';
import { createRouting } from './routing.js';
import { readTabMessage } from './tab-messages.js';
import type { PortLike } from './wire.js';
import { adoptWork, runWork } from './work.js';

export { HUB_DEFAULTS, type HubOptions } from './hub-options.js';

// The development-only form of dev.ts: bundlers fold it away in production.
declare const process: { readonly env: { readonly NODE_ENV?: string | undefined } };

/** The worker's hub: give it every port that connects (`onconnect = (e) => hub.connect(e.ports[0])`). */
export interface Hub {
  connect(port: PortLike): void;
  /** Closes every socket and forgets every tab. */
  stop(): void;
}

/** Creates the hub of a SharedWorker. Options are checked here (an error names the bad one). */
export function createHub(options: HubOptions = {}): Hub {
  try {
    if (process.env.NODE_ENV !== 'production') checkHub(options);
  } catch {
    checkHub(options); // no `process`: development (a refused option throws again)
  }
  const clock = options.clock ?? systemClock;
  const ctx = hubContext(
    clock,
    monotonicOf(clock),
    withDefaults(options, HUB_DEFAULTS),
    options.onProblem,
  );
  const routing = createRouting(ctx);
  const questions = createQuestions(ctx);
  const makeSocket = options.makeSocket ?? ((o: SocketOptions) => createSocket(o) as Socket);
  const registry = createRegistry({ ctx, makeSocket, routing, questions, outbox: options.outbox });

  /** A malformed or unexpected message: dropped, and told (to the tab too, when it has joined). */
  const problem = (tab: Tab, text: string) => {
    ctx.onProblem?.(text);
    if (tab.shared) {
      const f = ctx.fault('invalid_envelope', why('dropped_message', text));
      ctx.send(tab, { v: 1, t: 'fault', fault: f, context: {} });
    }
  };

  function onMessage(tab: Tab, data: unknown) {
    const read = readTabMessage(data);
    if (!read.ok) return problem(tab, read.problem);
    const m = read.message;
    tab.heard = ctx.elapsed();
    if (m.t === 'hello') return registry.hello(tab, m);
    const shared = tab.shared;
    // A tab that left (or was dropped) may still have messages on their way: nothing to do.
    if (shared === null) return;
    switch (m.t) {
      case 'send':
      case 'request':
        return runWork(ctx, routing, problem, tab, shared, m);
      case 'abort':
        return tab.requests.get(m.id)?.controller.abort();
      case 'adopt':
        return adoptWork(ctx, problem, tab, shared, m);
      case 'discard':
        return void outboxOf(shared.socket).discard(m.kept);
      case 'clear':
        return outboxOf(shared.socket).clear();
      case 'end':
        return deliveryOf(shared.socket).endSession();
      case 'reconnect':
        return shared.socket.reconnect();
      case 'bye':
        return registry.leave(tab, false);
      case 'pong':
        return;
      case 'conditions':
        return registry.conditions(tab, m);
      case 'answer':
        return questions.answered(tab, m);
    }
  }

  return {
    connect: (port) => registry.connect(port, onMessage),
    stop() {
      registry.stop();
      questions.stop();
    },
  };
}
