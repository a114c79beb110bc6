/**
 * The client's option checks are the one checker of the protocol layer (shared with the error
 * store and, next, `sockguard/server`); re-exported here for the core's files that check options.
 */
export {
  BOOLEAN,
  COUNT_1,
  checkGiven,
  checkOptions,
  checkValue,
  FUNCTION,
  MAX_TIMER_MS,
  MS_0,
  MS_1,
  OTHER,
  type Rule,
  type Rules,
  refuse,
  TEXT,
  withDefaults,
} from '../protocol/option-checks.js';
