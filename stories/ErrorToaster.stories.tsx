import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, userEvent, waitFor, within } from 'storybook/test';
import { ConnectionBadge } from './components/ConnectionBadge.js';
import { ErrorToaster } from './components/ErrorToaster.js';
import { SocketScope } from './components/SocketScope.js';
import { mockServer, SERVER_TEXTS } from './support/mock-server.js';
import { type Canvas, expectBadge, PATIENCE } from './support/play.js';

const meta = { title: 'Demo/ErrorToaster', component: ErrorToaster } satisfies Meta<
  typeof ErrorToaster
>;
export default meta;
type Story = StoryObj<typeof meta>;

const server = mockServer('toaster');

const toasts = (canvas: Canvas) =>
  within(canvas.getByRole('list', { name: 'Errors' })).queryAllByRole('listitem');

/**
 * Three identical errors are one toast "×3"; another error is a second toast on top; dismissing
 * one leaves the other; a 5000 shows a generic text, never the server's; "Dismiss all" clears.
 * The app opts in to the server's texts (`englishTexts()`); with the default texts every request
 * error reads "The request failed." and is one toast.
 */
export const MergesRepeatsAndDismisses: Story = {
  parameters: server.parameters,
  render: () => (
    <SocketScope options={server.options(SERVER_TEXTS)}>
      <div style={{ display: 'grid', gap: 8, maxWidth: 420 }}>
        <ConnectionBadge />
        <ErrorToaster />
      </div>
    </SocketScope>
  ),
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const { scenario } = server;
    await expectBadge(canvas, 'Online');

    for (let i = 0; i < 3; i++) scenario.sendError(4001, 'Room "nowhere" not found');
    await waitFor(
      () => expect(toasts(canvas)[0]).toHaveTextContent('Room "nowhere" not found×3'),
      PATIENCE,
    );
    await expect(toasts(canvas)).toHaveLength(1);

    scenario.sendError(4000, 'Bad request: missing field "room"');
    await waitFor(() => expect(toasts(canvas)).toHaveLength(2), PATIENCE);
    await expect(toasts(canvas)[0]).toHaveTextContent('Bad request: missing field "room"');

    await userEvent.click(
      canvas.getByRole('button', { name: 'Dismiss: Room "nowhere" not found' }),
    );
    await waitFor(() => expect(toasts(canvas)).toHaveLength(1), PATIENCE);
    await expect(toasts(canvas)[0]).toHaveTextContent('Bad request');

    // Plain prose the sanitiser would let through: only the 5000 rule keeps it off the screen.
    scenario.sendError(5000, 'The billing database is down');
    await waitFor(() => expect(toasts(canvas)).toHaveLength(2), PATIENCE);
    await expect(toasts(canvas)[0]).toHaveTextContent('Something went wrong. Please try again.');
    await expect(canvasElement).not.toHaveTextContent('billing database');

    await userEvent.click(canvas.getByRole('button', { name: 'Dismiss all' }));
    await waitFor(() => expect(toasts(canvas)).toHaveLength(0), PATIENCE);
    await expectBadge(canvas, 'Online');
  },
};
