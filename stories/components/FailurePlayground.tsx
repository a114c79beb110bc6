import type { ReactNode } from 'react';
import type { Socket } from '../../src/index.js';
import { useSocket } from '../../src/react/index.js';
import { ConnectionBadge } from './ConnectionBadge.js';
import { ErrorToaster } from './ErrorToaster.js';
import { FaultLog } from './FaultLog.js';
import { FAILURES, type FailureName } from './failures.js';
import { ReconnectBanner } from './ReconnectBanner.js';
import { button, card, page } from './styles.js';

/** Props of {@link FailurePlayground}. */
export interface FailurePlaygroundProps {
  /** Makes the failure happen: an msw scenario call, or a control message to the demo server. */
  readonly trigger: (failure: FailureName, socket: Socket) => void;
  /** Shown beside the badge, e.g. where the server is. */
  readonly title?: string;
  /** Extra content (a chat room) beside the buttons. */
  readonly children?: ReactNode;
}

/**
 * One button per failure of the protocol, with the live badge, banner, toasts and fault log, so
 * what the library does about each failure is visible at once.
 */
export function FailurePlayground({ trigger, title, children }: FailurePlaygroundProps): ReactNode {
  const { socket } = useSocket();
  return (
    <div style={{ ...page, maxWidth: 1040 }}>
      <header style={{ display: 'flex', alignItems: 'center', gap: 12, minHeight: 40 }}>
        <strong style={{ fontSize: 16 }}>{title ?? 'Failure playground'}</strong>
        <ConnectionBadge />
        <div style={{ flex: 1 }}>
          <ReconnectBanner />
        </div>
      </header>
      <div
        style={{ display: 'grid', gridTemplateColumns: 'minmax(0, 1fr) minmax(0, 1fr)', gap: 12 }}
      >
        <div style={{ display: 'grid', gap: 12, alignContent: 'start' }}>
          <fieldset style={{ ...card, margin: 0 }}>
            <legend>Make it fail</legend>
            <div
              style={{ display: 'grid', gridTemplateColumns: 'repeat(2, minmax(0, 1fr))', gap: 6 }}
            >
              {FAILURES.map((f) => (
                <button
                  key={f.name}
                  type="button"
                  style={{ ...button, textAlign: 'left' }}
                  onClick={() => trigger(f.name, socket)}
                >
                  {f.label} <span style={{ color: '#5b6672' }}>({f.detail})</span>
                </button>
              ))}
            </div>
          </fieldset>
          {children}
        </div>
        <ErrorToaster />
      </div>
      <FaultLog />
    </div>
  );
}
