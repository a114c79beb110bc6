import type { ReactNode } from 'react';
import { selectFaults } from '../../src/index.js';
import { useSocketErrors } from '../../src/react/index.js';

/** Props of {@link FaultLog}. */
export interface FaultLogProps {
  /** Rows shown at most, newest first. @default 8 */
  readonly rows?: number;
}

const cell = { padding: '3px 8px', borderBottom: '1px solid #e6eaee', textAlign: 'left' } as const;

/**
 * How the library classified each failure: source, code, severity, the action it took and the
 * message a user may see. The store's history, so dismissed and expired faults stay listed.
 */
export function FaultLog({ rows = 8 }: FaultLogProps): ReactNode {
  const history = useSocketErrors(selectFaults);
  return (
    <table
      aria-label="Fault log"
      style={{ borderCollapse: 'collapse', fontSize: 12, width: '100%' }}
    >
      <thead>
        <tr style={{ color: '#5b6672' }}>
          <th style={cell}>source</th>
          <th style={cell}>code</th>
          <th style={cell}>severity</th>
          <th style={cell}>action</th>
          <th style={cell}>message</th>
          <th style={cell}>count</th>
        </tr>
      </thead>
      <tbody>
        {history.slice(0, rows).map((f) => (
          <tr key={f.id}>
            <td style={cell}>{f.source}</td>
            <td style={{ ...cell, fontFamily: 'ui-monospace, monospace' }}>{f.code}</td>
            <td style={{ ...cell, color: f.severity === 'fatal' ? '#9c1c1c' : undefined }}>
              {f.severity}
            </td>
            <td style={cell}>{f.action}</td>
            <td style={cell}>{f.message}</td>
            <td style={cell}>{f.count}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
