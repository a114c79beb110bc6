/**
 * The few inline styles the demo components share. Plain objects, no CSS framework, so a team can
 * copy a component and restyle it with whatever it uses.
 */
import type { CSSProperties } from 'react';

/** Colours of the connection states and fault severities. */
export const tone = {
  ok: { background: '#e7f6ec', color: '#13622f', borderColor: '#9fd9b2' },
  busy: { background: '#fff6dc', color: '#7a5400', borderColor: '#f0d283' },
  bad: { background: '#fdeaea', color: '#9c1c1c', borderColor: '#f1a9a9' },
  idle: { background: '#f1f3f5', color: '#3d4650', borderColor: '#d5dbe1' },
} as const satisfies Record<string, CSSProperties>;

export const pill: CSSProperties = {
  display: 'inline-flex',
  alignItems: 'center',
  gap: 6,
  padding: '3px 10px',
  borderRadius: 999,
  border: '1px solid',
  fontSize: 13,
  fontWeight: 600,
};

export const card: CSSProperties = {
  border: '1px solid #d5dbe1',
  borderRadius: 8,
  padding: 12,
  background: '#fff',
};

export const button: CSSProperties = {
  font: 'inherit',
  fontSize: 13,
  padding: '4px 10px',
  borderRadius: 6,
  border: '1px solid #b9c2cb',
  background: '#fff',
  cursor: 'pointer',
};

export const page: CSSProperties = {
  fontFamily: 'ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  fontSize: 14,
  color: '#1d2630',
  display: 'grid',
  gap: 12,
};
