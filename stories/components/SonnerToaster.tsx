import { type ReactNode, useEffect, useRef } from 'react';
import { Toaster, toast } from 'sonner';
import type { Toast } from '../../src/index.js';
import { useErrorToasts } from '../../src/react/index.js';
import { codes } from './ErrorToaster.js';

/** "4001 · ×3": the codes behind the toast, and the count once there is more than one. */
function describe(toast: Toast): string {
  return toast.count > 1 ? `${codes(toast)} · ×${toast.count}` : codes(toast);
}

/**
 * The socket's faults through the `sonner` toast library. The error store stays the source of
 * truth: one sonner toast per store toast id (updated in place when its count grows), kept until
 * the store drops it (dismissal, expiry, a reopened connection), and closing a sonner toast
 * dismisses the faults behind it too.
 */
export function SonnerToaster(): ReactNode {
  const { toasts, dismiss } = useErrorToasts();
  // What sonner shows now: fault id -> the count it shows.
  const shown = useRef(new Map<string, number>());

  useEffect(() => {
    const active = new Set(toasts.map((t) => t.id));
    for (const t of toasts) {
      if (shown.current.get(t.id) === t.count) continue;
      shown.current.set(t.id, t.count);
      const show = t.severity === 'fatal' ? toast.error : toast.warning;
      show(t.message, {
        id: t.id,
        description: describe(t),
        // The store decides when a toast goes (its TTL), not sonner's timer.
        duration: Number.POSITIVE_INFINITY,
        onDismiss: () => {
          shown.current.delete(t.id);
          dismiss(t.id);
        },
      });
    }
    for (const id of [...shown.current.keys()]) {
      if (active.has(id)) continue;
      shown.current.delete(id);
      toast.dismiss(id);
    }
  }, [toasts, dismiss]);

  // sonner keeps its toasts in a module-level store: take ours away when unmounted.
  useEffect(() => {
    const current = shown.current;
    return () => {
      for (const id of current.keys()) toast.dismiss(id);
      current.clear();
    };
  }, []);

  return <Toaster position="bottom-right" expand closeButton visibleToasts={5} />;
}
