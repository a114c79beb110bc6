import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, within } from 'storybook/test';
import { ConnectionBadge } from './components/ConnectionBadge.js';
import { SocketScope } from './components/SocketScope.js';
import { mockServer } from './support/mock-server.js';
import { expectBadge } from './support/play.js';

const meta = {
  title: 'Demo/ConnectionBadge',
  component: ConnectionBadge,
} satisfies Meta<typeof ConnectionBadge>;
export default meta;
type Story = StoryObj<typeof meta>;

const drop = mockServer('badge-drop');

/** A dropped link, one refused handshake, then back online: the badge counts the attempts. */
export const CountsReconnectAttempts: Story = {
  parameters: drop.parameters,
  render: () => (
    <SocketScope options={drop.options()}>
      <ConnectionBadge />
    </SocketScope>
  ),
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const { scenario } = drop;
    await expectBadge(canvas, 'Online');
    const before = scenario.connections;
    scenario.refuseNext(1);
    scenario.drop();
    await expectBadge(canvas, 'Reconnecting · attempt 1');
    await expectBadge(canvas, 'attempt 2');
    await expectBadge(canvas, 'Online');
    await expect(scenario.connections).toBe(before + 2);
  },
};

const forbidden = mockServer('badge-forbidden');

/** A fatal fault (4004 then close 4004) stops the socket: the badge says Failed, no retry. */
export const ShowsFailed: Story = {
  parameters: forbidden.parameters,
  render: () => (
    <SocketScope options={forbidden.options()}>
      <ConnectionBadge />
    </SocketScope>
  ),
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await expectBadge(canvas, 'Online');
    forbidden.scenario.errorThenClose(4004, 'Forbidden: you cannot use this room');
    await expectBadge(canvas, 'Failed');
    await expect(canvas.getByRole('status', { name: 'Connection' })).toHaveAttribute(
      'data-status',
      'failed',
    );
  },
};
