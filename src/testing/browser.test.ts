import { afterEach, describe, expect, it, vi } from 'vitest';
import { resetBrowserState, setOnline, setVisibility } from './browser.js';

afterEach(() => {
  resetBrowserState();
  vi.useRealTimers();
});

describe('setOnline', () => {
  it('sets navigator.onLine and dispatches offline then online on the window', () => {
    const seen: string[] = [];
    const record = (event: Event) => seen.push(`${event.type}:${navigator.onLine}`);
    window.addEventListener('offline', record);
    window.addEventListener('online', record);
    setOnline(false);
    setOnline(true);
    window.removeEventListener('offline', record);
    window.removeEventListener('online', record);
    expect(seen).toEqual(['offline:false', 'online:true']);
  });

  it('works on an injected target and navigator, synchronously under fake timers', () => {
    vi.useFakeTimers();
    const target = new EventTarget();
    const fakeNavigator = { onLine: true };
    const listener = vi.fn();
    target.addEventListener('offline', listener);
    setOnline(false, { target, navigator: fakeNavigator });
    expect(listener).toHaveBeenCalledTimes(1);
    expect(fakeNavigator.onLine).toBe(false);
  });

  it('resetBrowserState restores the real navigator.onLine', () => {
    const real = navigator.onLine;
    setOnline(!real);
    expect(navigator.onLine).toBe(!real);
    resetBrowserState();
    expect(navigator.onLine).toBe(real);
  });
});

describe('setVisibility', () => {
  it('sets document.visibilityState and hidden, then dispatches visibilitychange', () => {
    const seen: string[] = [];
    const record = () => seen.push(`${document.visibilityState}:${document.hidden}`);
    document.addEventListener('visibilitychange', record);
    setVisibility('hidden');
    setVisibility('visible');
    document.removeEventListener('visibilitychange', record);
    expect(seen).toEqual(['hidden:true', 'visible:false']);
  });

  it('works on an injected document-like target that the library reads visibilityState from', () => {
    const fakeDocument = new EventTarget();
    const states: unknown[] = [];
    fakeDocument.addEventListener('visibilitychange', () =>
      states.push(Reflect.get(fakeDocument, 'visibilityState')),
    );
    setVisibility('hidden', fakeDocument);
    expect(states).toEqual(['hidden']);
  });
});
