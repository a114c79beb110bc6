import type { ReactNode } from 'react';
import type { Toast } from '../../src/index.js';
import { useErrorToasts } from '../../src/react/index.js';
import { button, tone } from './styles.js';

/** The codes behind a toast, e.g. "invalid_envelope, invalid_frame". */
export const codes = (toast: Toast): string =>
  [...new Set(toast.faults.map((fault) => String(fault.code)))].join(', ');

/** Props of {@link ErrorToaster}. */
export interface ErrorToasterProps {
  /** Toasts shown at most (newest first); the rest wait their turn. @default 6 */
  readonly max?: number;
}

/**
 * The socket's faults as plain toasts: one per text a user would read (repeats, and different
 * faults that say the same, merged into a "×N" badge), each with its own dismiss button.
 * Recoverable ones leave by themselves (the store's TTL), connection faults once it is open again.
 */
export function ErrorToaster({ max = 6 }: ErrorToasterProps): ReactNode {
  const { toasts, dismiss, dismissAll } = useErrorToasts();
  return (
    <section aria-label="Notifications" style={{ display: 'grid', gap: 6, alignContent: 'start' }}>
      <ul
        aria-label="Errors"
        style={{ listStyle: 'none', margin: 0, padding: 0, display: 'grid', gap: 6 }}
      >
        {toasts.slice(0, max).map((t) => (
          <li
            key={t.id}
            data-severity={t.severity}
            style={{
              ...(t.severity === 'fatal' ? tone.bad : tone.busy),
              border: '1px solid',
              borderRadius: 8,
              padding: '6px 8px 6px 12px',
              display: 'flex',
              alignItems: 'center',
              gap: 8,
            }}
          >
            <span style={{ flex: 1 }}>{t.message}</span>
            {t.count > 1 && (
              <span title={`${t.count} times (${codes(t)})`} style={{ fontWeight: 700 }}>
                ×{t.count}
              </span>
            )}
            <button
              type="button"
              aria-label={`Dismiss: ${t.message}`}
              style={{ ...button, padding: '0 7px' }}
              onClick={() => dismiss(t.id)}
            >
              ×
            </button>
          </li>
        ))}
      </ul>
      {toasts.length > 1 && (
        <button type="button" style={{ ...button, justifySelf: 'end' }} onClick={dismissAll}>
          Dismiss all
        </button>
      )}
    </section>
  );
}
