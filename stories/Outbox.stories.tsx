import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, userEvent, waitFor, within } from 'storybook/test';
import type { WireEnvelope } from '../src/testing/index.js';
import { NOTE_TYPE, OutboxPanel } from './components/OutboxPanel.js';
import { FAST_OPTIONS, mockServer, refusingServer } from './support/mock-server.js';
import { deleteDatabase } from './support/page.js';
import { type Canvas, expectBadge, PATIENCE } from './support/play.js';

/** The story's own database: deleted before it renders, so every run starts with nothing kept. */
const DATABASE = 'sockguard-story-outbox';
const USER = 'ada';

const server = mockServer('outbox', { delivery: true });
const refusing = refusingServer('outbox-offline');

/** The note texts the server processed (duplicates dropped by the session are not processed). */
const processed = (): readonly string[] =>
  server.scenario.processed
    .filter((e: WireEnvelope) => e.type === NOTE_TYPE)
    .map((e) => String((e.data as { text?: unknown }).text));

const meta = {
  title: 'Demo/Outbox',
  component: OutboxPanel,
  args: {
    url: server.url,
    offlineUrl: refusing.url,
    database: DATABASE,
    user: USER,
    options: FAST_OPTIONS,
    processed,
  },
  parameters: { msw: { handlers: [server.scenario.handler, refusing.scenario.handler] } },
  beforeEach: () => deleteDatabase(DATABASE),
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

/**
 * Offline, three notes are sent and each is kept on the device (`durable()` true); the page is
 * reloaded while still offline (the old page's socket abandoned, not closed; a new socket over
 * the same database); the new page lists the three as "pending" (`useOutbox().kept`); back
 * online it resumes the session and sends them: each "delivered", and the server processed each
 * exactly once, in order.
 */
export const SurvivesAReload: Story = {
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const { scenario } = server;
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
