/**
 * A DOM for the React benchmark without a test runner: a happy-dom `Window` whose objects are set
 * on `globalThis` (@happy-dom/global-registrator is not installed). Call before importing
 * react-dom, which checks for a DOM when it loads; `uninstall` puts the globals back.
 */
import { Window } from 'happy-dom';

const NAMES = [
  'window',
  'document',
  'navigator',
  'location',
  'Node',
  'Element',
  'HTMLElement',
  'HTMLIFrameElement',
  'Text',
  'DocumentFragment',
  'MutationObserver',
  'getComputedStyle',
  'requestAnimationFrame',
  'cancelAnimationFrame',
] as const;

/** Installs the globals; returns the function that removes them and closes the window. */
export function installDom(): () => Promise<void> {
  const window = new Window({ url: 'http://localhost/' });
  const saved = NAMES.map(
    (name) => [name, Object.getOwnPropertyDescriptor(globalThis, name)] as const,
  );
  for (const name of NAMES) {
    const value: unknown = name === 'window' ? window : Reflect.get(window, name);
    Object.defineProperty(globalThis, name, {
      value: typeof value === 'function' && /^[a-z]/.test(name) ? value.bind(window) : value,
      configurable: true,
      writable: true,
    });
  }
  return async () => {
    for (const [name, descriptor] of saved) {
      if (descriptor) Object.defineProperty(globalThis, name, descriptor);
      else Reflect.deleteProperty(globalThis, name);
    }
    await window.happyDOM.close();
  };
}
