/**
 * The field a chaos test puts its figures in (`task.meta.chaosFigures`). Apart from the figures
 * themselves, so the reporter loads no part of the soak.
 */
declare module 'vitest' {
  interface TaskMeta {
    /** The figures a chaos test reports; the reporter prints them after the summary. */
    chaosFigures?: string;
  }
}

export {};
