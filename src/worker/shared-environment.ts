/**
 * The browser conditions a shared socket sees: the core's injectable environment
 * (core/environment.ts), made of every tab's. Hidden only when every tab is hidden (retries pause
 * only then), offline only when every tab is offline.
 */

import type { BrowserEnvironment } from '../core/environment.js';

/** The environment objects the shared socket listens to. */
export interface SharedEnvironment {
  readonly window: EventTarget;
  readonly document: EventTarget & { visibilityState: 'visible' | 'hidden' };
  readonly navigator: { onLine: boolean };
}

/** A visible, online environment (no tab has said otherwise yet). */
export function sharedEnvironment(): SharedEnvironment {
  const document = Object.assign(new EventTarget(), { visibilityState: 'visible' as const });
  return {
    window: new EventTarget(),
    document: document as SharedEnvironment['document'],
    navigator: { onLine: true },
  };
}

/** As the core's option takes it. */
export const asBrowser = (environment: SharedEnvironment): BrowserEnvironment =>
  environment as unknown as BrowserEnvironment;

/** Sets `environment` from `tabs`, firing the events the socket listens to when it changes. */
export function aggregate(
  environment: SharedEnvironment,
  tabs: Iterable<{ readonly visible: boolean; readonly online: boolean }>,
): void {
  const all = [...tabs];
  const { window, document, navigator } = environment;
  const hidden = all.length > 0 && all.every((t) => !t.visible);
  const online = all.length === 0 || all.some((t) => t.online);
  if ((document.visibilityState === 'hidden') !== hidden) {
    document.visibilityState = hidden ? 'hidden' : 'visible';
    document.dispatchEvent(new Event('visibilitychange'));
  }
  if (navigator.onLine !== online) {
    navigator.onLine = online;
    window.dispatchEvent(new Event(online ? 'online' : 'offline'));
  }
}
