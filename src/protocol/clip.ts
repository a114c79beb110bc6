/**
 * Texts kept for logs (causes, server messages, close reasons) have a length limit: a server or a
 * validator can hand back megabytes. One cut for all of them.
 */

/** `text` itself when it fits in `max` characters, else its first `max - 1` and an ellipsis. */
export const clip = (text: string, max: number): string =>
  text.length > max ? `${text.slice(0, max - 1)}…` : text;
