/**
 * `sockguard/testing`: script a sockguard server in your own tests (msw `ws.link`), and take the
 * page offline or hide the tab. Works under fake timers. Needs `msw` 2 (an optional peer).
 */
export { AppErrorCode, closeCodeForAppCode } from '../protocol/app-codes.js';
export type { ResumeFailure, WelcomeData } from '../protocol/delivery.js';
export type { WireEnvelope, WireMeta } from '../protocol/envelope.js';
export {
  type OnlineTarget,
  resetBrowserState,
  setOnline,
  setVisibility,
  type Visibility,
} from './browser.js';
export type { DeliveryScenarioOptions } from './delivery-sessions.js';
export { type ErrorReply, errorReply, type ReplyHandler } from './reply.js';
export {
  createScenario,
  type ErrorThenCloseOptions,
  type Scenario,
  type ScenarioOptions,
} from './scenario.js';
