import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, userEvent, waitFor, within } from 'storybook/test';
import { ChatRoom } from './components/ChatRoom.js';
import { SocketScope } from './components/SocketScope.js';
import { serveChat } from './support/chat-server.js';
import { mockServer, SERVER_TEXTS } from './support/mock-server.js';
import { type Canvas, PATIENCE } from './support/play.js';

const meta = { title: 'Demo/ChatRoom', component: ChatRoom } satisfies Meta<typeof ChatRoom>;
export default meta;
type Story = StoryObj<typeof meta>;

const server = mockServer('chat');
serveChat(server.scenario);

async function join(canvas: Canvas, room: string) {
  const input = canvas.getByRole('textbox', { name: 'Room' });
  await userEvent.clear(input);
  await userEvent.type(input, room);
  await userEvent.click(canvas.getByRole('button', { name: 'Join' }));
}

async function say(canvas: Canvas, text: string) {
  const input = canvas.getByRole('textbox', { name: 'Message' });
  await userEvent.clear(input);
  await userEvent.type(input, text);
  await userEvent.click(canvas.getByRole('button', { name: 'Send' }));
}

const alertText = (canvas: Canvas, text: string) =>
  waitFor(() => expect(canvas.getByRole('alert')).toHaveTextContent(text), PATIENCE);

/**
 * Join by request/response, chat both ways (own lines and other users' lines arrive through
 * `useSocketMessage`), and each failed request shows inline: unknown room (4001), closed room
 * (4002), and too many messages (4005 with its retry hint). The app opts in to the server's texts
 * (`englishTexts()`): by default each of these would read "The request failed.".
 */
export const ChatsAndShowsRequestErrors: Story = {
  parameters: server.parameters,
  render: () => (
    <SocketScope options={server.options(SERVER_TEXTS)}>
      <ChatRoom />
    </SocketScope>
  ),
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const messages = () => canvas.getByRole('list', { name: 'Messages' });

    await join(canvas, 'general');
    await canvas.findByText('Joined #general (2 online)', {}, PATIENCE);
    await say(canvas, 'hello');
    await waitFor(() => expect(messages()).toHaveTextContent('me: hello'), PATIENCE);
    server.scenario.send('chat', { room: 'general', text: 'hi there', from: 'alice' });
    await waitFor(() => expect(messages()).toHaveTextContent('alice: hi there'), PATIENCE);

    await join(canvas, 'nowhere');
    await alertText(canvas, 'Room "nowhere" not found (4001)');

    await join(canvas, 'archive');
    await canvas.findByText('Joined #archive (2 online, read-only)', {}, PATIENCE);
    await expect(canvas.queryByRole('alert')).toBeNull();
    await say(canvas, 'anyone?');
    await alertText(canvas, 'Room "archive" is closed (4002)');

    await join(canvas, 'general');
    await canvas.findByText('Joined #general (2 online)', {}, PATIENCE);
    for (const text of ['one', 'two']) {
      await say(canvas, text);
      await waitFor(() => expect(messages()).toHaveTextContent(`me: ${text}`), PATIENCE);
    }
    await say(canvas, 'three');
    await alertText(canvas, 'Too many messages (4005) Try again in 2 s.');
    await expect(messages()).not.toHaveTextContent('me: three');
  },
};
