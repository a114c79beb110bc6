/**
 * The soak of issue 21 with delivery on (`delivery()` against the tab server's `/ws-delivery`):
 * per page, 0 lost, 0 out of order, 0 duplicated but repeats across a worker death of sends whose
 * receipts had not said `acknowledged` (the at-least-once window of src/worker/tab.ts), counted
 * apart. The scenario, the counts and the plants are in worker-support/soak.ts, and so are the
 * two src/worker/tab.ts bugs that make it red in most runs as of this commit (duplicates from a
 * page opened while the worker's host hangs; sends lost by a page cached after its worker died
 * unnoticed).
 */
import { soak } from './worker-support/soak.js';

soak(true);
