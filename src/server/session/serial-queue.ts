/**
 * One-at-a-time task runner. A session's store calls may be asynchronous, and a frame must not
 * overtake an earlier one: each task starts only when the previous one has settled.
 */
/** Runs tasks in the order given, each after the previous one settled (fulfilled or not). */
export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();
  private queued = 0;

  /** True when no task is queued or running. */
  get idle(): boolean {
    return this.queued === 0;
  }

  /** Tasks queued or running (a running task counts itself). */
  get size(): number {
    return this.queued;
  }

  /** Queues `task`; the result settles as the task does. A failing task does not stop the queue. */
  run<T>(task: () => T | Promise<T>): Promise<T> {
    this.queued++;
    const result = this.tail.then(task);
    const settled = () => {
      this.queued--;
    };
    this.tail = result.then(settled, settled);
    return result;
  }
}
