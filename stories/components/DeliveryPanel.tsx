import { type FormEvent, type ReactNode, useEffect, useRef, useState } from 'react';
import { type Delivered, type Recovery, request } from '../../src/index.js';
import { useDelivery, useSocket, useSocketMessage } from '../../src/react/index.js';
import { button, card, tone } from './styles.js';

/** The message types the panel speaks (the story's server answers the same ones). */
export const DELIVERY_TYPES = {
  /** Server to client: one update of the feed. */
  update: 'update',
  /** Request: every update so far, to rebuild the feed after a resync. */
  refresh: 'updates',
  /** Client to server: a note, sent with a receipt. */
  note: 'note',
} as const;

/** One update of the feed. */
export interface Update {
  readonly id: number;
  readonly text: string;
}

type NoteState = 'pending' | 'delivered' | 'unconfirmed' | 'not delivered';

interface Note {
  readonly id: number;
  readonly text: string;
  readonly state: NoteState;
}

function isUpdate(data: unknown): data is Update {
  const d = data as Partial<Update> | null;
  return typeof d?.id === 'number' && typeof d.text === 'string';
}

const STATE_LABEL: Record<Delivered, NoteState> = {
  acknowledged: 'delivered',
  unconfirmed: 'unconfirmed',
};

const input = { font: 'inherit', padding: '3px 6px', flex: 1 } as const;
const row = { display: 'flex', gap: 6, alignItems: 'center' } as const;
const muted = { margin: 0, color: '#5b6672' } as const;

/** What the delivery line says: sends still waiting for the server, or none. */
function deliveryLine(mode: string, unacked: number): string {
  if (unacked > 0) return `${unacked} pending`;
  if (mode === 'plain') return 'Sent, not confirmed (this server does not acknowledge)';
  if (mode === 'negotiating') return 'Connecting…';
  return 'All delivered';
}

/** What the last reconnect did for the server's messages (the resync has its own banner). */
function recoveryLine(recovery: Recovery | null): string {
  if (recovery === null || !recovery.resumed) return '';
  const { replayed } = recovery;
  if (replayed === 0) return 'Reconnected, nothing missed';
  return `Recovered ${replayed} missed ${replayed === 1 ? 'message' : 'messages'}`;
}

/**
 * A feed of server updates and a form of notes, over delivery (`delivery: delivery()` on the
 * socket, a server that speaks it). Shows what delivery promises the user: each note is "pending"
 * until the server acknowledges it, "N pending" counts them (`useDelivery().unacked`), a reconnect
 * that replayed what was missed says "Recovered N missed messages" (`useDelivery().recovery`),
 * and when the server could not replay the gap a "Missed updates: refreshing" banner shows while
 * the feed is fetched again (the `resync` the fault asks for).
 */
export function DeliveryPanel(): ReactNode {
  const { send, socket } = useSocket();
  const { mode, recovery, unacked } = useDelivery();
  const [updates, setUpdates] = useState<readonly Update[]>([]);
  const [notes, setNotes] = useState<readonly Note[]>([]);
  const [draft, setDraft] = useState('');
  const [refreshing, setRefreshing] = useState(false);
  const lastNote = useRef(0);

  useSocketMessage(DELIVERY_TYPES.update, ({ data }) => {
    if (isUpdate(data)) setUpdates((all) => [...all, data]);
  });

  // A gap the server cannot replay: the feed is stale, so it is fetched whole again.
  useEffect(() => {
    if (recovery === null || recovery.resumed) return;
    let current = true;
    setRefreshing(true);
    request<object, string, unknown>(socket, DELIVERY_TYPES.refresh, null)
      .then(({ data }) => {
        if (current && Array.isArray(data)) setUpdates(data.filter(isUpdate));
      })
      .catch(() => {})
      .finally(() => {
        if (current) setRefreshing(false);
      });
    return () => {
      current = false;
    };
  }, [recovery, socket]);

  const settle = (id: number, state: NoteState) =>
    setNotes((all) => all.map((note) => (note.id === id ? { ...note, state } : note)));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    lastNote.current += 1;
    const id = lastNote.current;
    const result = send(DELIVERY_TYPES.note, { text: draft });
    setNotes((all) => [
      ...all,
      { id, text: draft, state: result.status === 'rejected' ? 'not delivered' : 'pending' },
    ]);
    setDraft('');
    if (result.status === 'rejected') return;
    if (result.delivered === undefined) return settle(id, 'unconfirmed');
    result.delivered.then(
      (delivered) => settle(id, STATE_LABEL[delivered]),
      () => settle(id, 'not delivered'),
    );
  };

  return (
    <section aria-label="Delivery" style={{ ...card, display: 'grid', gap: 8, minWidth: 340 }}>
      {refreshing && (
        <p
          role="alert"
          style={{
            ...tone.busy,
            margin: 0,
            padding: '4px 8px',
            border: '1px solid',
            borderRadius: 6,
          }}
        >
          Missed updates: refreshing…
        </p>
      )}
      <p role="status" aria-label="Sends" style={{ margin: 0, fontWeight: 600 }}>
        {deliveryLine(mode, unacked)}
      </p>
      <p role="status" aria-label="Recovery" style={muted}>
        {recoveryLine(recovery)}
      </p>
      <ul aria-label="Updates" style={{ margin: 0, paddingLeft: 18, minHeight: 40 }}>
        {updates.map((update) => (
          <li key={update.id}>{update.text}</li>
        ))}
      </ul>
      <form aria-label="Send a note" onSubmit={submit} style={row}>
        <label style={{ ...row, flex: 1 }}>
          Note
          <input value={draft} onChange={(e) => setDraft(e.target.value)} style={input} />
        </label>
        <button type="submit" style={button} disabled={draft === ''}>
          Send
        </button>
      </form>
      <ul aria-label="Notes" style={{ margin: 0, paddingLeft: 18 }}>
        {notes.map((note) => (
          <li key={note.id} data-state={note.state}>
            {note.text} · {note.state}
          </li>
        ))}
      </ul>
    </section>
  );
}
