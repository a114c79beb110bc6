/**
 * Browser life as the socket sees it: network on/off, tab hidden/visible, and the back/forward
 * cache. Every object is injectable and read when watching starts, never at import (SSR-safe);
 * on a server none exists and nothing is watched.
 */

/** Where the socket reads and listens for browser events. */
export interface BrowserEnvironment {
  /** Receives `online`, `offline`, `pagehide`, `pageshow`. @default globalThis (the window) */
  readonly window?: EventTarget | undefined;
  /** Receives `visibilitychange`; its `visibilityState` is read. @default globalThis.document */
  readonly document?: EventTarget | undefined;
  /** Its `onLine` is read. @default globalThis.navigator */
  readonly navigator?: object | undefined;
}

/** A browser event as the socket's machine names it. */
export type BrowserEvent = 'online' | 'offline' | 'visible' | 'hidden' | 'frozen' | 'restored';

/** A running watch: the current conditions, and how to stop listening. */
export interface EnvironmentWatch {
  isOnline(): boolean;
  isHidden(): boolean;
  stop(): void;
}

/** `value` when it can take event listeners, else undefined. */
export function eventTarget(value: unknown): EventTarget | undefined {
  return typeof value === 'object' &&
    value !== null &&
    typeof Reflect.get(value, 'addEventListener') === 'function'
    ? (value as EventTarget)
    : undefined;
}

/**
 * Starts listening. `false` watches nothing (always online and visible): for servers, workers, and
 * tests that do not care.
 */
export function watchEnvironment(
  environment: BrowserEnvironment | false,
  emit: (event: BrowserEvent) => void,
): EnvironmentWatch {
  // `false`: nothing is read, so nothing is watched.
  const off = environment === false;
  const window = off ? undefined : eventTarget(environment.window ?? globalThis);
  const document = off
    ? undefined
    : eventTarget(environment.document ?? Reflect.get(globalThis, 'document'));
  const navigator: unknown = off
    ? undefined
    : (environment.navigator ?? Reflect.get(globalThis, 'navigator'));

  const isOnline = () =>
    typeof navigator !== 'object' ||
    navigator === null ||
    Reflect.get(navigator, 'onLine') !== false;
  const isHidden = () =>
    document !== undefined && Reflect.get(document, 'visibilityState') === 'hidden';

  const listeners: Array<[EventTarget, string, (event: Event) => void]> = [];
  const listen = (target: EventTarget | undefined, type: string, fn: (event: Event) => void) => {
    if (!target) return;
    target.addEventListener(type, fn);
    listeners.push([target, type, fn]);
  };
  const persisted = (event: Event) => Reflect.get(event, 'persisted') === true;

  listen(window, 'online', () => emit('online'));
  listen(window, 'offline', () => emit('offline'));
  // `frozen`: into the back/forward cache (`pagehide` persisted); `restored`: back from it.
  listen(window, 'pagehide', (event) => persisted(event) && emit('frozen'));
  listen(window, 'pageshow', (event) => persisted(event) && emit('restored'));
  listen(document, 'visibilitychange', () => emit(isHidden() ? 'hidden' : 'visible'));

  return {
    isOnline,
    isHidden,
    stop() {
      for (const [target, type, fn] of listeners.splice(0)) target.removeEventListener(type, fn);
    },
  };
}
