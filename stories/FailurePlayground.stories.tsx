import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, userEvent, waitFor, within } from 'storybook/test';
import { FailurePlayground } from './components/FailurePlayground.js';
import { SocketScope } from './components/SocketScope.js';
import { REFUSALS, RESTART_REFUSALS, triggerOnScenario } from './support/mock-failures.js';
import { mockServer, SERVER_TEXTS } from './support/mock-server.js';
import {
  type Canvas,
  expectBadge,
  expectFaultLogged,
  expectNewestFault,
  PATIENCE,
} from './support/play.js';

const meta = {
  title: 'Demo/FailurePlayground',
  component: FailurePlayground,
  parameters: { layout: 'fullscreen' },
} satisfies Meta<typeof FailurePlayground>;
export default meta;
type Story = StoryObj<typeof meta>;

const server = mockServer('playground');

const click = (canvas: Canvas, label: RegExp) =>
  userEvent.click(canvas.getByRole('button', { name: label }));

/** The toasts whose text contains `text`. */
const toastsWith = (canvas: Canvas, text: string) =>
  within(canvas.getByRole('list', { name: 'Errors' }))
    .queryAllByRole('listitem')
    .filter((item) => item.textContent?.includes(text));

/** The toast whose text contains `text`. */
const toast = (canvas: Canvas, text: string) => toastsWith(canvas, text)[0];

const LOST = 'Connection lost. Reconnecting…';

/** Once the badge is back to Online, no toast still says the connection is down. */
async function expectConnectionToastsGone(canvas: Canvas) {
  await expectBadge(canvas, 'Online');
  await waitFor(() => {
    for (const text of [LOST, 'Reconnecting…', 'cannot be reached']) {
      expect(toastsWith(canvas, text), text).toHaveLength(0);
    }
  }, PATIENCE);
}

/**
 * Clicks through the failures of the protocol and checks what the user sees after each: request
 * errors are toasts (merged "×2"; the invalid frames of different kinds one toast "×3") while the
 * badge stays Online; a restart, a kill and silence reconnect by themselves, and their "Connection
 * lost" toasts close once the socket is open again; forbidden and an expired token stop with a
 * banner until "Reconnect"; refused handshakes end in "The server cannot be reached" and then a
 * connection, which closes that toast too. The toasts left at the end are the ones still true.
 * The playground opts in to the server's texts and the English texts per code (`englishTexts()`),
 * as an app that shows them would.
 */
export const ClicksThroughFailures: Story = {
  parameters: server.parameters,
  args: { trigger: (failure) => triggerOnScenario(server.scenario, failure) },
  render: (args) => (
    <div style={{ padding: 16 }}>
      <SocketScope
        options={server.options({ ...SERVER_TEXTS, errors: { recoverableTtlMs: 60_000 } })}
      >
        <FailurePlayground {...args} title="Failure playground (msw)" />
      </SocketScope>
    </div>
  ),
  play: async ({ canvasElement, step }) => {
    const canvas = within(canvasElement);
    const { scenario } = server;
    await expectBadge(canvas, 'Online');

    // Connection failures first: the core merges a close arriving within `errorCloseWindowMs` of
    // ANY error envelope into that envelope's fault (a 4005 then a 1012 restart would be logged as
    // "4005 … reconnect"), see the report to the lead.
    await step('a server restart (1012, then refused handshakes) reconnects', async () => {
      const before = scenario.connections;
      await click(canvas, /^Server restart/);
      await expectFaultLogged(canvas, 'close', '1012', 'recoverable', 'reconnect');
      await expectConnectionToastsGone(canvas);
      await expect(scenario.connections).toBe(before + RESTART_REFUSALS + 1);
    });

    await step('silence: no pong, the heartbeat times out and reconnects', async () => {
      const before = scenario.connections;
      await click(canvas, /^Silence/);
      await expectFaultLogged(canvas, 'transport', 'heartbeat_timeout', 'reconnect');
      await expectConnectionToastsGone(canvas);
      await expect(scenario.connections).toBe(before + 1);
    });

    await step('request errors are toasts; the connection stays up', async () => {
      await click(canvas, /^Room not found/);
      await waitFor(
        () => expect(toast(canvas, 'Room "nowhere" not found')).toBeDefined(),
        PATIENCE,
      );
      await click(canvas, /^Closed room/);
      await click(canvas, /^Closed room/);
      await waitFor(
        () => expect(toast(canvas, 'Room "archive" is closed')).toHaveTextContent('×2'),
        PATIENCE,
      );
      await expectNewestFault(canvas, 'envelope', '4002', 'recoverable', 'none');
      await click(canvas, /^Internal error/);
      await waitFor(
        () => expect(toast(canvas, 'Something went wrong. Please try again.')).toBeDefined(),
        PATIENCE,
      );
      await click(canvas, /^Rate limit/);
      await expectNewestFault(canvas, 'envelope', '4005', 'recoverable', 'backoff');
      // Three frames, two client codes (invalid_frame, invalid_envelope), one text: one toast.
      await click(canvas, /^Garbage frames/);
      await waitFor(
        () => expect(toast(canvas, 'Received an invalid message.')).toHaveTextContent('×3'),
        PATIENCE,
      );
      await expect(toastsWith(canvas, 'Received an invalid message.')).toHaveLength(1);
      await expectFaultLogged(canvas, 'client', 'invalid_frame');
      await expectFaultLogged(canvas, 'client', 'invalid_envelope');
      await expectBadge(canvas, 'Online');
    });

    await step('forbidden (4004 + close) stops until Reconnect', async () => {
      await click(canvas, /^Forbidden/);
      const banner = await canvas.findByRole('alert', { name: 'Connection problem' }, PATIENCE);
      await expect(banner).toHaveTextContent(
        'Connection failed: Forbidden: you cannot use this room',
      );
      await expectBadge(canvas, 'Failed');
      await expectNewestFault(canvas, '4004', 'fatal', 'stop');
      await expect(toast(canvas, 'Forbidden: you cannot use this room')).toBeDefined();
      await userEvent.click(canvas.getByRole('button', { name: 'Reconnect' }));
      await expectConnectionToastsGone(canvas);
      await expect(toastsWith(canvas, 'Forbidden')).toHaveLength(0);
    });

    await step('an expired token (4003 + close) asks for a new session', async () => {
      await click(canvas, /^Expired token/);
      const banner = await canvas.findByRole('alert', { name: 'Connection problem' }, PATIENCE);
      await expect(banner).toHaveTextContent('Connection failed: Token expired');
      await expectNewestFault(canvas, '4003', 'fatal', 'reauthenticate');
      await userEvent.click(canvas.getByRole('button', { name: 'Reconnect' }));
      await expectConnectionToastsGone(canvas);
      await expect(toastsWith(canvas, 'Token expired')).toHaveLength(0);
    });

    await step('refused handshakes, then a kill: unreachable, then back', async () => {
      const before = scenario.connections;
      await click(canvas, /^Refuse connections/);
      await click(canvas, /^Killed connection/);
      await expectFaultLogged(canvas, 'transport', 'unreachable');
      const row = within(canvas.getByRole('table', { name: 'Fault log' }))
        .getAllByRole('row')
        .find((r) => r.textContent?.includes('unreachable'));
      const message = row?.querySelectorAll('td')[4]?.textContent ?? '';
      await expect(message).toMatch(/server/i);
      // Connected again: "The server cannot be reached" is no longer true, so its toast is gone
      // (the log keeps the fault); the request errors are still shown.
      await expectConnectionToastsGone(canvas);
      await expect(toastsWith(canvas, message)).toHaveLength(0);
      await expect(toast(canvas, 'Room "nowhere" not found')).toBeDefined();
      await expect(scenario.connections).toBe(before + REFUSALS + 1);
      await expect(canvas.queryByRole('alert')).toBeNull();
    });
  },
};
