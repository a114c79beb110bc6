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

/** What the socket does on each browser event. */
export interface EnvironmentHandlers {
  online(): void;
  offline(): void;
  visible(): void;
  hidden(): void;
  /** The page goes into the back/forward cache (`pagehide` with `persisted`). */
  frozen(): void;
  /** The page came back from that cache (`pageshow` with `persisted`). */
  restored(): void;
}

/** A running watch: the current conditions, and how to stop listening. */
export interface EnvironmentWatch {
  isOnline(): boolean;
  isHidden(): boolean;
  stop(): void;
}

function eventTarget(value: unknown): EventTarget | undefined {
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
  handlers: EnvironmentHandlers,
): EnvironmentWatch {
  const env = environment === false ? {} : environment;
  const window = environment === false ? undefined : eventTarget(env.window ?? globalThis);
  const document =
    environment === false
      ? undefined
      : eventTarget(env.document ?? Reflect.get(globalThis, 'document'));
  const navigator: unknown =
    environment === false ? undefined : (env.navigator ?? Reflect.get(globalThis, 'navigator'));

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

  listen(window, 'online', () => handlers.online());
  listen(window, 'offline', () => handlers.offline());
  listen(window, 'pagehide', (event) => {
    if (persisted(event)) handlers.frozen();
  });
  listen(window, 'pageshow', (event) => {
    if (persisted(event)) handlers.restored();
  });
  listen(document, 'visibilitychange', () => (isHidden() ? handlers.hidden() : handlers.visible()));

  return {
    isOnline,
    isHidden,
    stop() {
      for (const [target, type, fn] of listeners.splice(0)) target.removeEventListener(type, fn);
    },
  };
}
