/**
 * Each failure of the playground, made by an msw scenario the way the demo server makes it
 * (demo/faults.ts): same codes, same texts, same close codes.
 */

import type { Scenario } from '../../src/testing/index.js';
import type { FailureName } from '../components/failures.js';

/** Handshakes refused by "Server restart" (like the demo's pause) and by "Refuse connections". */
export const RESTART_REFUSALS = 2;
export const REFUSALS = 3;

/** Mutes the current connection only: a reconnect gets a server that answers again. */
export function silenceThisConnection(scenario: Scenario): void {
  scenario.goSilent(true);
  const undo = scenario.onConnection(() => {
    scenario.goSilent(false);
    undo();
  });
}

/** How the scenario makes each failure, as the demo server does. */
const ACTIONS: Record<FailureName, (scenario: Scenario) => void> = {
  'bad-request': (s) => s.sendError(4000, 'Bad request: missing field "room"'),
  'not-found': (s) => s.sendError(4001, 'Room "nowhere" not found'),
  'closed-room': (s) => s.sendError(4002, 'Room "archive" is closed'),
  'expire-token': (s) => s.expireToken(),
  forbidden: (s) => s.errorThenClose(4004, 'Forbidden: you cannot use this room'),
  'rate-limit': (s) => s.rateLimit(3000),
  internal: (s) => s.sendError(5000, 'Internal server error'),
  restart: (s) => {
    s.refuseNext(RESTART_REFUSALS);
    s.close(1012, 'Service restart');
  },
  kill: (s) => s.drop(),
  silence: silenceThisConnection,
  garbage: (s) => {
    for (const frame of ['{not json', '[]', '{"type":5}']) s.sendRaw(frame);
  },
  // Like the demo's `refuse`: open sockets stay open; the next handshakes fail.
  refuse: (s) => s.refuseNext(REFUSALS),
};

/** Makes `failure` happen on every open connection of `scenario`. */
export function triggerOnScenario(scenario: Scenario, failure: FailureName): void {
  ACTIONS[failure](scenario);
}
