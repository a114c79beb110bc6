import {
  type FormEvent,
  type ReactNode,
  type RefObject,
  useCallback,
  useEffect,
  useRef,
  useState,
} from 'react';
import {
  createSocket,
  type Delivered,
  delivery,
  type KeptSend,
  type Socket,
  type SocketOptions,
} from '../../src/index.js';
import { durable, indexedDbOutbox, indexedDbStorage } from '../../src/outbox/index.js';
import { SocketProvider, useOutbox, useSocket } from '../../src/react/index.js';
import { type StoryPage, storyPage } from '../support/page.js';
import { ConnectionBadge } from './ConnectionBadge.js';
import { button, card, page as pageStyle, tone } from './styles.js';

/** The message type of a note (the story's server processes it). */
export const NOTE_TYPE = 'note';

/** Props of {@link OutboxPanel}. */
export interface OutboxPanelProps {
  /** The server's address. */
  readonly url: string;
  /**
   * An address that refuses every connection: where the socket dials while "Offline" is on, and
   * where the socket of a page that went dials from then on.
   */
  readonly offlineUrl: string;
  /** The IndexedDB database the outbox keeps sends in. */
  readonly database: string;
  /** Whose sends these are (`indexedDbOutbox({ user })`). */
  readonly user: string;
  /** The rest of each page's socket options (e.g. short timings); `url` and `delivery` are set here. */
  readonly options?: Omit<Partial<SocketOptions>, 'url' | 'delivery'>;
  /** The note texts the server processed, in order; read a few times a second. */
  readonly processed?: () => readonly string[];
}

type NoteState = 'pending' | 'delivered' | 'unconfirmed' | 'not delivered';

/** A note sent on this page, with its fate and whether it was kept on the device. */
interface Note {
  readonly id: number;
  readonly text: string;
  readonly state: NoteState;
  readonly kept?: boolean;
}

const STATE_LABEL: Record<Delivered, NoteState> = {
  acknowledged: 'delivered',
  unconfirmed: 'unconfirmed',
};

const KEPT_LABEL: Record<KeptSend['status'], string> = {
  pending: 'pending',
  acknowledged: 'delivered',
  unconfirmed: 'unconfirmed',
  failed: 'failed',
};

const OUTBOX_LINE: Record<ReturnType<typeof useOutbox>['status'], string> = {
  off: 'No outbox',
  loading: 'Reading what earlier pages kept…',
  durable: 'Sends are kept on this device',
  not_durable: 'Sends are not kept on this device',
};

const input = { font: 'inherit', padding: '3px 6px', flex: 1 } as const;
const row = { display: 'flex', gap: 8, alignItems: 'center' } as const;
const heading = { margin: 0, fontSize: 13, fontWeight: 600, color: '#3d4650' } as const;
const list = { margin: 0, paddingLeft: 18 } as const;
const muted = { margin: 0, color: '#5b6672' } as const;

const noteText = (data: unknown): string => {
  const text = (data as { text?: unknown } | null)?.text;
  return typeof text === 'string' ? text : JSON.stringify(data);
};

/** One page load: its own socket over the shared database, and how it goes. */
interface Load {
  readonly number: number;
  readonly page: StoryPage;
  readonly socket: Socket;
}

/**
 * A page with a durable outbox (`delivery({ outbox: indexedDbOutbox({ user }) })`) that can be
 * "reloaded": "Reload the page" abandons this page's socket as a reload does (not closed, so what
 * it kept stays on the device; it never connects again) and makes the next page's socket over
 * the same database, which shows what earlier pages kept (`useOutbox().kept`) as each settles.
 * "Offline" sends the socket to an address that refuses every connection until it is switched
 * off. Beside it, the notes the server processed.
 */
export function OutboxPanel(props: OutboxPanelProps): ReactNode {
  const offline = useRef(false);
  const [isOffline, setOffline] = useState(false);
  const loads = useRef<Load[]>([]);
  const [load, setLoad] = useState(() => open(props, offline, loads.current, 1));

  useEffect(() => {
    load.socket.connect();
  }, [load]);
  // Leaving the story ends every page, the abandoned ones too (nothing dials on in the background),
  // and closes their databases (a closed socket's outbox leaves its connection open).
  useEffect(
    () => () => {
      for (const each of loads.current) {
        each.socket.close();
        each.page.leave();
      }
    },
    [],
  );

  const [events, setEvents] = useState<readonly string[]>([]);
  const log = useCallback((event: string) => setEvents((all) => [...all, event]), []);

  const toggleOffline = (value: boolean) => {
    offline.current = value;
    setOffline(value);
    log(value ? 'Offline: the server refuses connections' : 'Back online');
    // Like the browser's `online`/`offline` events: the link is dropped, or retried now.
    load.socket.reconnect();
  };

  const reload = () => {
    load.page.leave();
    load.socket.reconnect(); // drops its link, if it had one: it dials nowhere from now on
    log(`Reloaded: page ${load.number} gone, its socket not closed`);
    setLoad(open(props, offline, loads.current, load.number + 1));
  };

  return (
    <section aria-label="Outbox" style={{ ...pageStyle, maxWidth: 860, padding: 16 }}>
      <div style={{ ...row, gap: 12 }}>
        <SocketProvider key={load.number} socket={load.socket}>
          <ConnectionBadge />
        </SocketProvider>
        <label style={row}>
          <input
            type="checkbox"
            checked={isOffline}
            onChange={(event) => toggleOffline(event.target.checked)}
          />
          Offline
        </label>
        <button type="button" style={button} onClick={reload}>
          Reload the page
        </button>
      </div>
      <div
        style={{ display: 'grid', gridTemplateColumns: '1fr 1fr', gap: 12, alignItems: 'start' }}
      >
        <div style={{ ...card, display: 'grid', gap: 8 }}>
          <SocketProvider key={load.number} socket={load.socket}>
            <PageView number={load.number} log={log} />
          </SocketProvider>
        </div>
        <div style={{ ...card, display: 'grid', gap: 8 }}>
          <h3 style={heading}>What happened</h3>
          <ol aria-label="What happened" style={list}>
            {events.map((event, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: the log only grows; a line may repeat
              <li key={i}>{event}</li>
            ))}
          </ol>
          <ServerNotes processed={props.processed} />
        </div>
      </div>
    </section>
  );
}

/** Makes page load `number`: a socket with a durable outbox over `props.database`. */
function open(
  props: OutboxPanelProps,
  offline: RefObject<boolean>,
  loads: Load[],
  number: number,
): Load {
  const page = storyPage();
  const outbox = indexedDbOutbox({
    user: props.user,
    storage: page.storage(indexedDbStorage({ name: props.database })),
    locks: page.locks,
  });
  const socket = createSocket({
    ...props.options,
    url: page.url(() => (offline.current ? props.offlineUrl : props.url), props.offlineUrl),
    autoConnect: false,
    delivery: delivery({ outbox }),
  });
  const made = { number, page, socket };
  loads.push(made);
  return made;
}

/** What one page shows: the outbox line, the note form, its own notes, and earlier pages' notes. */
function PageView({
  number,
  log,
}: {
  readonly number: number;
  /** Adds a line to "What happened". */
  readonly log: (event: string) => void;
}): ReactNode {
  const { send } = useSocket();
  const outbox = useOutbox();
  const { status, kept } = outbox;
  const loaded = useRef(false);
  const settled = useRef(false);

  // What the outbox found when this page loaded, and when every kept send was delivered: told once.
  useEffect(() => {
    if (status === 'loading' || loaded.current) return;
    loaded.current = true;
    if (kept.length > 0) log(`Page ${number} found ${kept.length} kept sends, pending`);
  }, [status, kept, number, log]);
  useEffect(() => {
    if (settled.current || kept.length === 0) return;
    if (!kept.every((send) => send.status === 'acknowledged')) return;
    settled.current = true;
    log(`The ${kept.length} kept sends delivered`);
  }, [kept, log]);
  const [notes, setNotes] = useState<readonly Note[]>([]);
  const [draft, setDraft] = useState('');
  const lastNote = useRef(0);

  const update = (id: number, change: Partial<Note>) =>
    setNotes((all) => all.map((note) => (note.id === id ? { ...note, ...change } : note)));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    lastNote.current += 1;
    const id = lastNote.current;
    const result = send(NOTE_TYPE, { text: draft });
    const rejected = result.status === 'rejected';
    setNotes((all) => [...all, { id, text: draft, state: rejected ? 'not delivered' : 'pending' }]);
    setDraft('');
    const text = draft;
    void durable(result).then((kept) => {
      update(id, { kept });
      log(`Page ${number} sent “${text}”: ${kept ? 'kept on this device' : 'not kept'}`);
    });
    if (rejected) return;
    if (result.delivered === undefined) return update(id, { state: 'unconfirmed' });
    result.delivered.then(
      (delivered) => update(id, { state: STATE_LABEL[delivered] }),
      () => update(id, { state: 'not delivered' }),
    );
  };

  return (
    <div style={{ display: 'grid', gap: 8 }}>
      <p role="status" aria-label="Page" style={{ margin: 0, fontWeight: 600 }}>
        Page {number} · {OUTBOX_LINE[outbox.status]}
      </p>
      <form aria-label="Send a note" onSubmit={submit} style={row}>
        <label style={{ ...row, flex: 1 }}>
          Note
          <input value={draft} onChange={(e) => setDraft(e.target.value)} style={input} />
        </label>
        <button type="submit" style={button} disabled={draft === ''}>
          Send
        </button>
      </form>
      <h3 style={heading}>Sent on this page</h3>
      {notes.length === 0 && <p style={muted}>Nothing yet</p>}
      <ul aria-label="Sent on this page" style={list}>
        {notes.map((note) => (
          <li key={note.id} data-state={note.state}>
            {note.text} · {note.state}
            {note.kept !== undefined && (
              <span style={note.kept ? tone.ok : tone.bad}>
                {note.kept ? ' · kept on this device' : ' · not kept'}
              </span>
            )}
          </li>
        ))}
      </ul>
      <h3 style={heading}>Kept by earlier pages</h3>
      <ul aria-label="Kept by earlier pages" style={list}>
        {outbox.kept.map((send) => (
          <li key={send.id} data-state={send.status}>
            {noteText(send.data)} · {KEPT_LABEL[send.status]}
            {send.fault && ` (${send.fault.code})`}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The notes the server processed, read every 100 ms (the scripted server has no event for it). */
function ServerNotes({
  processed,
}: {
  readonly processed: OutboxPanelProps['processed'] | undefined;
}): ReactNode {
  const [texts, setTexts] = useState<readonly string[]>([]);
  useEffect(() => {
    if (processed === undefined) return;
    const read = () =>
      setTexts((shown) => {
        const now = processed();
        return now.length === shown.length && now.every((t, i) => t === shown[i])
          ? shown
          : [...now];
      });
    read();
    const timer = setInterval(read, 100);
    return () => clearInterval(timer);
  }, [processed]);
  if (processed === undefined) return null;
  return (
    <div style={{ display: 'grid', gap: 4, borderTop: '1px solid #d5dbe1', paddingTop: 8 }}>
      <h3 style={heading}>Server processed</h3>
      <ol aria-label="Server processed" style={list}>
        {texts.map((text, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: the list only grows; a text may repeat
          <li key={i}>{text}</li>
        ))}
      </ol>
    </div>
  );
}
