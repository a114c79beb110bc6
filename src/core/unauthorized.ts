/**
 * How the app's token functions say "stop": the credentials are gone (the refresh token was
 * revoked, the user signed out elsewhere), so retrying with the same session cannot help.
 */

// A registered symbol, not a class: two copies of the package (a monorepo, a bundle next to a
// dependency) still recognise each other's errors, where `instanceof` would not.
const UNAUTHORIZED: unique symbol = Symbol.for('sockguard.unauthorized');

/** An Error marked by {@link unauthorized}. */
export interface UnauthorizedError extends Error {
  readonly [UNAUTHORIZED]: true;
}

/**
 * An Error that tells the socket the credentials are gone. Throw it (or reject with it) from the
 * `url`, `protocols` or `refreshAuth` function: the socket then fails (status `failed`) with a
 * fatal fault whose action is `reauthenticate`, so `useAuthRedirect` fires, and it does not retry
 * until `reconnect()`. The fault's code is `unauthorized`, except when `refreshAuth` was answering
 * a server's auth failure (4003, 3000): that fault is the one made final.
 * @param message for logs only (`detail.cause`), never shown; the user text is the fault's.
 * @example
 * createSocket({
 *   url: async () => {
 *     const token = await getToken();
 *     if (token === null) throw unauthorized('signed out');
 *     return `wss://example.com/ws?token=${token}`;
 *   },
 * });
 */
export function unauthorized(message = 'the credentials are gone'): UnauthorizedError {
  const error = new Error(message) as Error & { [UNAUTHORIZED]?: true };
  error.name = 'UnauthorizedError';
  Object.defineProperty(error, UNAUTHORIZED, { value: true });
  return error as UnauthorizedError;
}

/** True for an error made by {@link unauthorized} (by any copy of the package). */
export function isUnauthorized(error: unknown): error is UnauthorizedError {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { [UNAUTHORIZED]?: unknown })[UNAUTHORIZED] === true
  );
}
