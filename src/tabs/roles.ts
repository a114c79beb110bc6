/** Which tab leads, for apps and tests: `tabRole(socket)`. */

/** The role of each shared socket's tab, read by {@link tabRole}. */
export const roles = new WeakMap<object, () => 'leader' | 'follower' | 'closed'>();

/**
 * Whether this tab holds the shared connection (`leader`), uses another tab's (`follower`), or
 * left it (`closed`); null for a socket not made with `tabs: shareTabs()` (or where sharing is
 * not possible, so each tab has its own).
 */
export function tabRole(socket: object): 'leader' | 'follower' | 'closed' | null {
  return roles.get(socket)?.() ?? null;
}
