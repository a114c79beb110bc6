/** A chat line as the server sends it. */
export interface ChatMessage {
  readonly user: string;
  readonly text: string;
}

/**
 * Narrows an inbound `data` without a schema library, so the bundle holds only sockguard (with a
 * zod schema in `options.schemas` the hooks would type `data` for you).
 */
export function isChat(data: unknown): data is ChatMessage {
  if (typeof data !== 'object' || data === null) return false;
  const { user, text } = data as Record<string, unknown>;
  return typeof user === 'string' && typeof text === 'string';
}
