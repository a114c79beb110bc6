/**
 * Take the page offline/online and hide/show the tab in tests. Each helper changes the state the
 * library reads (`navigator.onLine`, `document.visibilityState`) and dispatches the event it listens
 * to, synchronously, so it works the same under fake timers.
 */

/** Where {@link setOnline} writes and dispatches. */
export interface OnlineTarget {
  /** Receives the `online`/`offline` event. @default globalThis (the window) */
  readonly target?: EventTarget;
  /** Gets an own `onLine` property. `null` to leave it alone. @default globalThis.navigator */
  readonly navigator?: object | null;
}

function defineValue(owner: object, key: string, value: unknown): void {
  Object.defineProperty(owner, key, {
    value,
    configurable: true,
    enumerable: true,
    writable: true,
  });
}

/**
 * Sets `navigator.onLine` and dispatches `online` or `offline` on the target (the window by
 * default). Pass your own `target`/`navigator` when the socket was given injected ones.
 */
export function setOnline(online: boolean, where: OnlineTarget = {}): void {
  const target = where.target ?? globalThis;
  const navigator = where.navigator === undefined ? globalThis.navigator : where.navigator;
  if (navigator) defineValue(navigator, 'onLine', online);
  target.dispatchEvent(new Event(online ? 'online' : 'offline'));
}

/** What `document.visibilityState` can be set to. */
export type Visibility = 'visible' | 'hidden';

/**
 * Sets `visibilityState` (and `hidden`) on the target and dispatches `visibilitychange` on it.
 * The target defaults to `globalThis.document`; a plain `EventTarget` works when the socket was
 * given it as its document (the library reads `visibilityState` from the same object). The event
 * does not bubble to `window` from a plain target.
 */
export function setVisibility(state: Visibility, target?: EventTarget): void {
  const document: EventTarget | undefined = target ?? globalThis.document;
  if (!document) throw new Error('setVisibility: no document; pass a target');
  defineValue(document, 'visibilityState', state);
  defineValue(document, 'hidden', state === 'hidden');
  document.dispatchEvent(new Event('visibilitychange', { bubbles: true }));
}

/**
 * Restores the real `navigator.onLine` and `document.visibilityState` after {@link setOnline} and
 * {@link setVisibility} overrode them on the globals (call it in `afterEach`).
 */
export function resetBrowserState(): void {
  const navigator: object | undefined = globalThis.navigator;
  if (navigator) Reflect.deleteProperty(navigator, 'onLine');
  const document: object | undefined = globalThis.document;
  if (document) {
    Reflect.deleteProperty(document, 'visibilityState');
    Reflect.deleteProperty(document, 'hidden');
  }
}
