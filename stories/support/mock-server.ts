/**
 * A scripted sockguard server for a story: an msw `ws.link` scenario at its own URL, registered
 * through msw-storybook-addon's `parameters.msw`, and socket options with short timings so play
 * functions finish in seconds.
 */
import { englishTexts, type SocketOptions } from '../../src/index.js';
import { createScenario, type Scenario, type ScenarioOptions } from '../../src/testing/index.js';

/** Short timings for stories: a dead link is noticed in about a second, retries come fast. */
export const FAST_OPTIONS = {
  heartbeat: { intervalMs: 500, timeoutMs: 700, probeTimeoutMs: 500 },
  backoff: { baseMs: 200, factor: 2, floorMs: 100, capMs: 1000 },
  lostAfterMs: 1500,
  minUptimeMs: 1000,
  connectTimeoutMs: 3000,
  requestTimeoutMs: 3000,
} as const satisfies Partial<SocketOptions>;

/**
 * The opt-in a demo app makes to show the server's own text (when it is short plain prose) and
 * English texts per code, instead of the library's default one text per action. Stories that show
 * a failure mode with the server's message spread this into their options; the others keep the
 * default texts, so the stories show both.
 */
export const SERVER_TEXTS = {
  classification: { messages: englishTexts() },
} as const satisfies Partial<SocketOptions>;

/** A story's mock server. */
export interface MockServer {
  readonly url: string;
  readonly scenario: Scenario;
  /** Spread into the story's `parameters`. */
  readonly parameters: { readonly msw: { readonly handlers: [Scenario['handler']] } };
  /** Socket options for this server: {@link FAST_OPTIONS} plus `overrides`. */
  options(overrides?: Partial<SocketOptions>): SocketOptions;
}

/**
 * A scenario at `wss://demo.sockguard.test/<name>`. One per story, each at its own path, so a
 * socket of one story can never reach another story's server. `scenarioOptions` go to
 * `createScenario` (`{ delivery: true }` for a server that speaks delivery).
 */
export function mockServer(name: string, scenarioOptions?: ScenarioOptions): MockServer {
  const url = `wss://demo.sockguard.test/${name}`;
  const scenario = createScenario(url, scenarioOptions);
  return {
    url,
    scenario,
    parameters: { msw: { handlers: [scenario.handler] } },
    options: (overrides = {}) => ({ url, ...FAST_OPTIONS, ...overrides }),
  };
}

/** An address whose every handshake is refused (an `error`, then close 1006). */
export interface RefusingServer {
  readonly url: string;
  readonly scenario: Scenario;
}

/**
 * A scenario at `wss://demo.sockguard.test/<name>` that refuses every handshake: where a socket
 * dials while its network is "offline", and where a page that went dials forever. Its `handler`
 * goes in the story's `parameters.msw.handlers` beside the real server's.
 */
export function refusingServer(name: string): RefusingServer {
  const url = `wss://demo.sockguard.test/${name}`;
  const scenario = createScenario(url);
  scenario.refuseNext(Number.POSITIVE_INFINITY);
  return { url, scenario };
}
