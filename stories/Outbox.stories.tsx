import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, userEvent, waitFor, within } from 'storybook/test';
import type { WireEnvelope } from '../src/testing/index.js';
import { NOTE_TYPE, OutboxPanel } from './components/OutboxPanel.js';
import { FAST_OPTIONS, mockServer, refusingServer } from './support/mock-server.js';
import { deleteDatabase } from './support/page.js';
import { type Canvas, expectBadge, PATIENCE } from './support/play.js';

const USER = 'ada';

/**
 * A story's servers and database: a scripted server that speaks delivery, an address that refuses
 * every handshake (where the socket dials while offline, and a page that went dials forever), and
 * an IndexedDB database of the story's own, deleted before it renders (every run starts with
 * nothing kept).
 */
function outboxStory(name: string) {
  const server = mockServer(name, { delivery: true });
  const refusing = refusingServer(`${name}-offline`);
  const database = `sockguard-story-${name}`;
  /** The note texts the server processed (duplicates dropped by the session are not processed). */
  const processed = (): readonly string[] =>
    server.scenario.processed
      .filter((e: WireEnvelope) => e.type === NOTE_TYPE)
      .map((e) => String((e.data as { text?: unknown }).text));
  return {
    scenario: server.scenario,
    processed,
    story: {
      args: {
        url: server.url,
        offlineUrl: refusing.url,
        database,
        user: USER,
        options: FAST_OPTIONS,
        processed,
      },
      parameters: { msw: { handlers: [server.scenario.handler, refusing.scenario.handler] } },
      beforeEach: () => deleteDatabase(database),
    },
  };
}

const meta = {
  title: 'Demo/Outbox',
  component: OutboxPanel,
} satisfies Meta<typeof OutboxPanel>;
export default meta;
type Story = StoryObj<typeof meta>;

const listText = (canvas: Canvas, name: string) =>
  within(canvas.getByRole('list', { name }))
    .queryAllByRole('listitem')
    .map((item) => item.textContent);

/** Waits until the list named `name` holds exactly `items`, in order. */
const expectList = (canvas: Canvas, name: string, items: readonly string[]) =>
  waitFor(() => expect(listText(canvas, name)).toEqual(items), PATIENCE);

/** Waits until the page line reads `text` ("Page 2 · Sends are kept on this device"). */
const expectPage = (canvas: Canvas, text: string) =>
  waitFor(
    () => expect(canvas.getByRole('status', { name: 'Page' })).toHaveTextContent(text),
    PATIENCE,
  );

async function sendNote(canvas: Canvas, text: string) {
  await userEvent.type(canvas.getByRole('textbox', { name: 'Note' }), text);
  await userEvent.click(canvas.getByRole('button', { name: 'Send' }));
}

const NOTES = ['Buy milk', 'Call the plumber', 'Water the plants'];

const offline = outboxStory('outbox');

/**
 * Offline, three notes are sent and each is kept on the device (`durable()` true); the page is
 * reloaded while still offline (the old page's socket abandoned, not closed; a new socket over
 * the same database); the new page lists the three as "pending" (`useOutbox().kept`); back
 * online it resumes the session and sends them: each "delivered", and the server processed each
 * exactly once, in order.
 */
export const SurvivesAReload: Story = {
  ...offline.story,
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const { scenario, processed } = offline;
    await expectBadge(canvas, 'Online');
    await expectPage(canvas, 'Page 1 · Sends are kept on this device');
    const welcomed = scenario.welcomes.length;
    const first = scenario.welcomes.at(-1)?.session;

    await userEvent.click(canvas.getByRole('checkbox', { name: 'Offline' }));
    await expectBadge(canvas, 'Reconnecting');
    for (const note of NOTES) await sendNote(canvas, note);
    await expectList(
      canvas,
      'Sent on this page',
      NOTES.map((note) => `${note} · pending · kept on this device`),
    );

    await userEvent.click(canvas.getByRole('button', { name: 'Reload the page' }));
    await expectPage(canvas, 'Page 2 · Sends are kept on this device');
    await expectList(canvas, 'Sent on this page', []);
    await expectList(
      canvas,
      'Kept by earlier pages',
      NOTES.map((note) => `${note} · pending`),
    );
    // Nothing reached the server while offline.
    await expect(processed()).toEqual([]);

    await userEvent.click(canvas.getByRole('checkbox', { name: 'Offline' }));
    await expectBadge(canvas, 'Online');
    await expectList(
      canvas,
      'Kept by earlier pages',
      NOTES.map((note) => `${note} · delivered`),
    );
    await expectList(canvas, 'Server processed', NOTES);
    await expect(processed()).toEqual(NOTES);
    await expectList(canvas, 'What happened', [
      'Offline: the server refuses connections',
      ...NOTES.map((note) => `Page 1 sent “${note}”: kept on this device`),
      'Reloaded: page 1 gone, its socket not closed',
      'Page 2 found 3 kept sends, pending',
      'Back online',
      'The 3 kept sends delivered',
    ]);
    // The new page resumed the first page's session: the notes went under the numbers they had.
    await expect(scenario.welcomes.slice(welcomed).at(-1)).toMatchObject({
      session: first,
      resumed: true,
    });
  },
};

const unacked = outboxStory('outbox-unacked');

/**
 * Online, the server processes two notes but holds its acks (`holdAcks()`): they stay "pending",
 * kept on the device. The page is reloaded online: page 2 lists both as "pending" and resumes
 * the session; the server's welcome says it processed them (`acked: 2`), so they read "delivered"
 * and are not sent again (no duplicate reached the server): each processed exactly once, although
 * the page that sent them is gone before their acks.
 */
export const ProcessedButUnacknowledged: Story = {
  ...unacked.story,
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const { scenario, processed } = unacked;
    await expectBadge(canvas, 'Online');
    await expectPage(canvas, 'Page 1 · Sends are kept on this device');
    const first = scenario.welcomes.at(-1)?.session;
    scenario.holdAcks();
    const notes = ['Pay rent', 'Book tickets'];
    for (const note of notes) await sendNote(canvas, note);
    await expectList(canvas, 'Server processed', notes);
    await expectList(
      canvas,
      'Sent on this page',
      notes.map((note) => `${note} · pending · kept on this device`),
    );

    await userEvent.click(canvas.getByRole('button', { name: 'Reload the page' }));
    await expectPage(canvas, 'Page 2 · Sends are kept on this device');
    await expectList(
      canvas,
      'Kept by earlier pages',
      notes.map((note) => `${note} · delivered`),
    );
    await expect(processed()).toEqual(notes);
    await expect(scenario.welcomes.at(-1)).toMatchObject({
      session: first,
      resumed: true,
      acked: 2,
    });
    await expect(scenario.duplicates).toEqual([]);
    await expectList(canvas, 'What happened', [
      ...notes.map((note) => `Page 1 sent “${note}”: kept on this device`),
      'Reloaded: page 1 gone, its socket not closed',
      'Page 2 found 2 kept sends, pending',
      'The 2 kept sends delivered',
    ]);
    scenario.releaseAcks();
  },
};
