import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, userEvent, waitFor, within } from 'storybook/test';
import { delivery } from '../src/index.js';
import type { WireEnvelope } from '../src/testing/index.js';
import { ConnectionBadge } from './components/ConnectionBadge.js';
import { DELIVERY_TYPES, DeliveryPanel } from './components/DeliveryPanel.js';
import { FaultLog } from './components/FaultLog.js';
import { SocketScope } from './components/SocketScope.js';
import { silenceThisConnection } from './support/mock-failures.js';
import { type MockServer, mockServer } from './support/mock-server.js';
import {
  type Canvas,
  expectBadge,
  expectFaultLogged,
  findText,
  PATIENCE,
  pause,
} from './support/play.js';
import { serveUpdates } from './support/updates-server.js';

const meta = {
  title: 'Demo/Delivery',
  component: DeliveryPanel,
} satisfies Meta<typeof DeliveryPanel>;
export default meta;
type Story = StoryObj<typeof meta>;

/** A scripted server that speaks delivery, at its own URL. */
const deliveryServer = (name: string) => {
  const server = mockServer(name, { delivery: true });
  return { server, updates: serveUpdates(server.scenario) };
};

function render(server: MockServer) {
  return () => (
    <SocketScope options={server.options({ delivery: delivery() })}>
      <div style={{ display: 'grid', gap: 8, justifyItems: 'start' }}>
        <ConnectionBadge />
        <DeliveryPanel />
        <FaultLog rows={4} />
      </div>
    </SocketScope>
  );
}

/** Waits until the send line (`role="status"`, named "Sends") reads `text`. */
const expectSends = (canvas: Canvas, text: string) =>
  waitFor(
    () => expect(canvas.getByRole('status', { name: 'Sends' })).toHaveTextContent(text),
    PATIENCE,
  );

const listText = (canvas: Canvas, name: string) =>
  within(canvas.getByRole('list', { name }))
    .queryAllByRole('listitem')
    .map((item) => item.textContent);

/** Waits until the list named `name` holds exactly `items`, in order. */
const expectList = (canvas: Canvas, name: string, items: readonly string[]) =>
  waitFor(() => expect(listText(canvas, name)).toEqual(items), PATIENCE);

async function sendNote(canvas: Canvas, text: string) {
  await userEvent.type(canvas.getByRole('textbox', { name: 'Note' }), text);
  await userEvent.click(canvas.getByRole('button', { name: 'Send' }));
}

/** The notes the server processed since `from` (duplicates and unprocessed frames left out). */
const processedNotes = (server: MockServer, from: number) =>
  server.scenario.processed
    .slice(from)
    .filter((e: WireEnvelope) => e.type === DELIVERY_TYPES.note)
    .map((e) => (e.data as { text?: unknown }).text);

/** Waits until the socket is open and delivery was negotiated. */
async function ready(canvas: Canvas) {
  await expectBadge(canvas, 'Online');
  await expectSends(canvas, 'All delivered');
}

const held = deliveryServer('delivery-held');

/**
 * The server holds its acknowledgements: each note reads "pending" and the line counts them
 * ("2 pending"), for as long as the server is silent about them; one cumulative ack turns both to
 * "delivered" and the line to "All delivered". The server processed each note once.
 */
export const PendingUntilAcknowledged: Story = {
  parameters: held.server.parameters,
  render: render(held.server),
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const { scenario } = held.server;
    await ready(canvas);
    const from = scenario.processed.length;
    scenario.holdAcks();
    await sendNote(canvas, 'first');
    await expectSends(canvas, '1 pending');
    await sendNote(canvas, 'second');
    await expectSends(canvas, '2 pending');
    await expectList(canvas, 'Notes', ['first · pending', 'second · pending']);
    // Processed, yet without an ack the user is never told it arrived.
    await waitFor(() => expect(processedNotes(held.server, from)).toHaveLength(2), PATIENCE);
    await pause(300);
    await expect(canvas.getByRole('status', { name: 'Sends' })).toHaveTextContent('2 pending');
    scenario.releaseAcks();
    await expectSends(canvas, 'All delivered');
    await expectList(canvas, 'Notes', ['first · delivered', 'second · delivered']);
    await expect(processedNotes(held.server, from)).toEqual(['first', 'second']);
  },
};

const frozen = deliveryServer('delivery-frozen');

/**
 * The link freezes (the server stops answering, no close): the note stays "1 pending"; the
 * heartbeat gives up on the link, the socket reconnects, the note goes again first under the same
 * `seq`, and is "delivered", processed once although it was sent twice.
 */
export const DeliveredAcrossAFrozenLink: Story = {
  parameters: frozen.server.parameters,
  render: render(frozen.server),
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const { scenario } = frozen.server;
    await ready(canvas);
    const from = scenario.processed.length;
    const sentFrom = scenario.sent.length;
    silenceThisConnection(scenario);
    await sendNote(canvas, 'through the freeze');
    await expectSends(canvas, '1 pending');
    await expectBadge(canvas, 'Reconnecting');
    await expectBadge(canvas, 'Online');
    await expectSends(canvas, 'All delivered');
    await expectList(canvas, 'Notes', ['through the freeze · delivered']);
    await expect(processedNotes(frozen.server, from)).toEqual(['through the freeze']);
    const copies = scenario.sent.slice(sentFrom).filter((e) => e.type === DELIVERY_TYPES.note);
    await expect(copies).toHaveLength(2);
    await expect(copies[1]?.meta?.seq).toBe(copies[0]?.meta?.seq);
  },
};

const replay = deliveryServer('delivery-replay');

/**
 * Updates published while the link is down are kept by the server and replayed when the socket
 * resumes its session: "Recovered 2 missed messages", and the feed has every update once, in order.
 */
export const RecoversMissedMessages: Story = {
  parameters: replay.server.parameters,
  render: render(replay.server),
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const { scenario } = replay.server;
    await ready(canvas);
    replay.updates.publish('Build 41 started');
    await expectList(canvas, 'Updates', ['Build 41 started']);
    scenario.drop();
    // The link is already closing: these two reach the client only through the replay.
    replay.updates.publish('Build 41 passed');
    replay.updates.publish('Deployed to staging');
    await expectBadge(canvas, 'Online');
    await findText(canvas, 'Recovered 2 missed messages');
    await expectList(canvas, 'Updates', [
      'Build 41 started',
      'Build 41 passed',
      'Deployed to staging',
    ]);
    await expect(scenario.welcomes.at(-1)).toMatchObject({ resumed: true, replay: 2 });
    await expect(canvas.queryByRole('alert')).toBeNull();
  },
};

const gone = deliveryServer('delivery-gone');

/**
 * The server lost the history of the gap (`history_gone`): the update published while away can
 * never be replayed, so the socket reports a `resync` fault and the panel shows "Missed updates:
 * refreshing…" while it fetches the feed again; then the feed is whole and the banner gone.
 */
export const ResyncsWhenHistoryIsGone: Story = {
  parameters: gone.server.parameters,
  render: render(gone.server),
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const { scenario } = gone.server;
    await ready(canvas);
    gone.updates.publish('Price 100');
    await expectList(canvas, 'Updates', ['Price 100']);
    const release = gone.updates.holdRefresh();
    scenario.failNextResume('history_gone');
    scenario.drop();
    gone.updates.publish('Price 105');
    await waitFor(
      () => expect(canvas.getByRole('alert')).toHaveTextContent('Missed updates: refreshing…'),
      PATIENCE,
    );
    await expectFaultLogged(canvas, 'resync', 'recoverable');
    // The missed update never reached the handlers: only the refetch brings it.
    await expect(listText(canvas, 'Updates')).toEqual(['Price 100']);
    release();
    await expectList(canvas, 'Updates', ['Price 100', 'Price 105']);
    await waitFor(() => expect(canvas.queryByRole('alert')).toBeNull(), PATIENCE);
    await expect(scenario.welcomes.at(-1)).toMatchObject({
      resumed: false,
      reason: 'history_gone',
    });
  },
};
