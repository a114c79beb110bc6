/**
 * The soak of issue 21 with delivery off: the scenario, what it counts and asserts, its plants and
 * its run time are in worker-support/soak.ts.
 */
import { soak } from './worker-support/soak.js';

soak(false);
