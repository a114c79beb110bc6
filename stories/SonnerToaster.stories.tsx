import type { Meta, StoryObj } from '@storybook/react-vite';
import type { ReactNode } from 'react';
import { expect, userEvent, waitFor, within } from 'storybook/test';
import { useErrorToasts } from '../src/react/index.js';
import { ConnectionBadge } from './components/ConnectionBadge.js';
import { SocketScope } from './components/SocketScope.js';
import { SonnerToaster } from './components/SonnerToaster.js';
import { button } from './components/styles.js';
import { mockServer, SERVER_TEXTS } from './support/mock-server.js';
import { expectBadge, PATIENCE } from './support/play.js';

const meta = { title: 'Demo/SonnerToaster', component: SonnerToaster } satisfies Meta<
  typeof SonnerToaster
>;
export default meta;
type Story = StoryObj<typeof meta>;

/** What the error store holds, beside sonner's view of it, to show both stay in step. */
function StoreView(): ReactNode {
  const { toasts, dismissAll } = useErrorToasts();
  return (
    <p style={{ display: 'flex', gap: 8, alignItems: 'center' }}>
      <output aria-label="Active faults">{toasts.length} active</output>
      <button type="button" style={button} onClick={dismissAll}>
        Dismiss all in the store
      </button>
    </p>
  );
}

const server = mockServer('sonner');

/** The sonner toast elements showing `title`. */
const sonnerToasts = (title: string) =>
  [...document.querySelectorAll<HTMLElement>('[data-sonner-toast]')].filter(
    (el) =>
      el.querySelector('[data-title]')?.textContent === title && el.dataset.removed !== 'true',
  );

/**
 * One sonner toast per stored fault: a repeat updates it in place ("4001 · ×2"), closing it in
 * sonner dismisses the fault in the store, and dismissing in the store closes the sonner toast.
 * The app opts in to the server's texts (`englishTexts()`), so 4001 and 4002 read differently.
 */
export const OneToastPerFault: Story = {
  parameters: server.parameters,
  render: () => (
    <SocketScope options={server.options(SERVER_TEXTS)}>
      <ConnectionBadge />
      <StoreView />
      <SonnerToaster />
    </SocketScope>
  ),
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const { scenario } = server;
    await expectBadge(canvas, 'Online');

    scenario.sendError(4001, 'Room "nowhere" not found');
    await waitFor(() => expect(sonnerToasts('Room "nowhere" not found')).toHaveLength(1), PATIENCE);
    scenario.sendError(4001, 'Room "nowhere" not found');
    await waitFor(
      () => expect(sonnerToasts('Room "nowhere" not found')[0]).toHaveTextContent('4001 · ×2'),
      PATIENCE,
    );
    await expect(sonnerToasts('Room "nowhere" not found')).toHaveLength(1);

    scenario.sendError(4002, 'Room "archive" is closed');
    await waitFor(() => expect(sonnerToasts('Room "archive" is closed')).toHaveLength(1), PATIENCE);
    await expect(canvas.getByRole('status', { name: 'Active faults' })).toHaveTextContent(
      '2 active',
    );

    const first = sonnerToasts('Room "nowhere" not found')[0] as HTMLElement;
    await userEvent.click(within(first).getByRole('button', { name: 'Close toast' }));
    await waitFor(() => expect(sonnerToasts('Room "nowhere" not found')).toHaveLength(0), PATIENCE);
    await waitFor(
      () =>
        expect(canvas.getByRole('status', { name: 'Active faults' })).toHaveTextContent('1 active'),
      PATIENCE,
    );

    await userEvent.click(canvas.getByRole('button', { name: 'Dismiss all in the store' }));
    await waitFor(() => expect(sonnerToasts('Room "archive" is closed')).toHaveLength(0), PATIENCE);
    await expect(canvas.getByRole('status', { name: 'Active faults' })).toHaveTextContent(
      '0 active',
    );
  },
};
