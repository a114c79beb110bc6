/**
 * The leader's view of visibility: hidden only when every tab sharing the connection is hidden.
 * The leader's socket pauses its retries in a hidden tab (SPEC.md section 3); with one socket for
 * all tabs, a hidden leader must go on while another tab is on screen. This is the `document` the
 * leader's socket watches: it reports `hidden` only when its own tab and every other tab are.
 */

/** A document for the leader's socket, and what keeps it up to date. */
export interface SharedVisibility {
  /** Give this as `environment.document` to the leader's socket. */
  readonly document: EventTarget & { readonly visibilityState: 'visible' | 'hidden' };
  /** Another tab said whether it is visible (`false` also when it leaves). */
  set(tab: string, visible: boolean): void;
  stop(): void;
}

const hiddenOf = (document: EventTarget | undefined): boolean =>
  document !== undefined && Reflect.get(document, 'visibilityState') === 'hidden';

export function shareVisibility(own: EventTarget | undefined): SharedVisibility {
  const others = new Map<string, boolean>();
  const target = new EventTarget();
  const compute = () =>
    hiddenOf(own) && ![...others.values()].some((visible) => visible) ? 'hidden' : 'visible';
  let state = compute();
  const update = () => {
    const next = compute();
    if (next === state) return;
    state = next;
    target.dispatchEvent(new Event('visibilitychange'));
  };
  own?.addEventListener('visibilitychange', update);
  const document = Object.defineProperty(target, 'visibilityState', {
    get: () => state,
  }) as SharedVisibility['document'];
  return {
    document,
    set(tab, visible) {
      if (visible) others.set(tab, true);
      else others.delete(tab);
      update();
    },
    stop: () => own?.removeEventListener('visibilitychange', update),
  };
}

/** Whether this tab's document says it is visible (no document: visible). */
export const isVisible = (document: EventTarget | undefined): boolean => !hiddenOf(document);
