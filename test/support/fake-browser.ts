/** Browser objects a test controls, injected as a socket's `environment`: visibility, network, page life. */
export function browser() {
  const window = new EventTarget();
  const document = Object.assign(new EventTarget(), { visibilityState: 'visible' });
  const navigator = { onLine: true };
  return {
    environment: { window, document, navigator },
    offline() {
      navigator.onLine = false;
      window.dispatchEvent(new Event('offline'));
    },
    online() {
      navigator.onLine = true;
      window.dispatchEvent(new Event('online'));
    },
    hide() {
      document.visibilityState = 'hidden';
      document.dispatchEvent(new Event('visibilitychange'));
    },
    show() {
      document.visibilityState = 'visible';
      document.dispatchEvent(new Event('visibilitychange'));
    },
    pagehide(persisted = false) {
      window.dispatchEvent(Object.assign(new Event('pagehide'), { persisted }));
    },
    pageshow(persisted = false) {
      window.dispatchEvent(Object.assign(new Event('pageshow'), { persisted }));
    },
  };
}
