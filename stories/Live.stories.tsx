import type { Meta, StoryObj } from '@storybook/react-vite';
import { type ReactNode, useState } from 'react';
import { expect, userEvent, waitFor, within } from 'storybook/test';
import { ChatRoom } from './components/ChatRoom.js';
import { FailurePlayground } from './components/FailurePlayground.js';
import { SocketScope } from './components/SocketScope.js';
import { demoUrl, liveOptions, passThrough, triggerOnDemo } from './support/live.js';
import { badge, type Canvas, expectBadge, expectFaultLogged, PATIENCE } from './support/play.js';

const url = demoUrl();

/** The playground and a chat room on one socket to the real demo server. */
function LiveDemo(): ReactNode {
  const [options] = useState(() => liveOptions(url));
  return (
    <div style={{ padding: 16 }}>
      <SocketScope options={options}>
        <FailurePlayground trigger={triggerOnDemo} title={`Live: ${url}`}>
          <ChatRoom />
        </FailurePlayground>
      </SocketScope>
    </div>
  );
}

const meta = {
  title: 'Demo/Live',
  component: LiveDemo,
  parameters: { layout: 'fullscreen', msw: { handlers: [passThrough(url)] } },
} satisfies Meta<typeof LiveDemo>;
export default meta;
type Story = StoryObj<typeof meta>;

/** Online, and stayed up long enough for the attempt counter to reset (a real connection). */
const expectSettled = (canvas: Canvas) =>
  waitFor(() => {
    expect(badge(canvas)).toHaveTextContent('Online');
    expect(badge(canvas)).not.toHaveTextContent('attempt');
  }, PATIENCE);

async function say(canvas: Canvas, text: string) {
  const input = canvas.getByRole('textbox', { name: 'Message' });
  await userEvent.clear(input);
  await userEvent.type(input, text);
  await userEvent.click(canvas.getByRole('button', { name: 'Send' }));
  await waitFor(
    () => expect(canvas.getByRole('list', { name: 'Messages' })).toHaveTextContent(text),
    PATIENCE,
  );
}

/**
 * Talks to the real demo server (`npm start`, or the server the test run starts): fetch a token,
 * join a room and chat, then make the server fail: a request error, a restart (1012 and refused
 * upgrades) after which the chat works again, and an expired token that `refreshAuth` renews.
 */
export const AgainstTheDemoServer: Story = {
  play: async ({ canvasElement, step }) => {
    const canvas = within(canvasElement);
    await expectSettled(canvas);

    await step('join and chat', async () => {
      await userEvent.click(canvas.getByRole('button', { name: 'Join' }));
      await canvas.findByText(/^Joined #general/, {}, PATIENCE);
      await say(canvas, 'hello from storybook');
    });

    // The restart comes before the request error: a close within `errorCloseWindowMs` of any
    // error envelope is merged into it by the core (reported to the lead).
    await step('a restart reconnects, and the chat works again', async () => {
      await userEvent.click(canvas.getByRole('button', { name: /^Server restart/ }));
      await expectFaultLogged(canvas, 'close', '1012', 'reconnect');
      await expectSettled(canvas);
      await say(canvas, 'back after the restart');
    });

    await step('a request error is a toast', async () => {
      await userEvent.click(canvas.getByRole('button', { name: /^Closed room/ }));
      const toasts = canvas.getByRole('list', { name: 'Errors' });
      await within(toasts).findByText('Room "archive" is closed', {}, PATIENCE);
      await expectBadge(canvas, 'Online');
    });

    await step('an expired token is refreshed, no sign-in needed', async () => {
      await userEvent.click(canvas.getByRole('button', { name: /^Expired token/ }));
      await expectFaultLogged(canvas, '4003', 'recoverable', 'reauthenticate');
      await expectSettled(canvas);
      await expect(canvas.queryByRole('alert', { name: 'Connection problem' })).toBeNull();
    });
  },
};
