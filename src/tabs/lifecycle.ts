/**
 * The page events after which a tab must not hold the shared connection: the back/forward cache
 * (`pagehide` with `persisted`) and a page freeze (`freeze` on the document). A frozen or cached
 * page runs no script, yet would keep its Web Lock, so every other tab would wait on it; it steps
 * down first, and competes again when it comes back (`pageshow` with `persisted`, `resume`).
 */

/** Where the page's lifecycle events arrive. */
export interface PageTargets {
  /** Receives `pagehide` and `pageshow`. */
  readonly window?: EventTarget | undefined;
  /** Receives `freeze` and `resume`. */
  readonly document?: EventTarget | undefined;
}

/** Calls `away` when the page is cached or frozen and `back` when it runs again; returns a stop. */
export function watchPage(
  targets: PageTargets,
  on: { readonly away: () => void; readonly back: () => void },
): () => void {
  const persisted = (event: Event) => Reflect.get(event, 'persisted') === true;
  const onHide = (event: Event) => {
    if (persisted(event)) on.away();
  };
  const onShow = (event: Event) => {
    if (persisted(event)) on.back();
  };
  const away = () => on.away();
  const back = () => on.back();
  targets.window?.addEventListener('pagehide', onHide);
  targets.window?.addEventListener('pageshow', onShow);
  targets.document?.addEventListener('freeze', away);
  targets.document?.addEventListener('resume', back);
  return () => {
    targets.window?.removeEventListener('pagehide', onHide);
    targets.window?.removeEventListener('pageshow', onShow);
    targets.document?.removeEventListener('freeze', away);
    targets.document?.removeEventListener('resume', back);
  };
}
