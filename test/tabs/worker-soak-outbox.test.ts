/**
 * The soak of issue 21 with delivery on and a durable outbox in the worker (issue 22): close,
 * crash, hang and bfcache any page, the worker's host included, while every page sends every
 * 20 ms and has requests in flight. Per page 0 lost, 0 out of order and 0 processed twice, across
 * a worker's death too (without the outbox, worker-soak-delivery.test.ts allows the repeats of that
 * at-least-once window). The scenario and what it counts are in worker-support/soak.ts.
 */
import { soak } from './worker-support/soak.js';

soak(true, true);
