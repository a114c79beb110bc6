import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, userEvent, waitFor, within } from 'storybook/test';
import { AuthGate } from './components/AuthGate.js';
import { ConnectionBadge } from './components/ConnectionBadge.js';
import { SocketScope } from './components/SocketScope.js';
import { mockServer } from './support/mock-server.js';
import { expectBadge, PATIENCE, pause } from './support/play.js';

const meta = { title: 'Demo/AuthGate', component: AuthGate } satisfies Meta<typeof AuthGate>;
export default meta;
type Story = StoryObj<typeof meta>;

const server = mockServer('auth');
// The app's session: the socket's URL function reads the token on every attempt.
const session = { token: 'valid-1', signIns: 0 };
// Like the demo server: a token that is not `valid-…` gets 4003 then close 4003 on connect.
server.scenario.onConnection(({ url }) => {
  if (!url.searchParams.get('token')?.startsWith('valid-')) server.scenario.expireToken();
});

/**
 * The token expires (error 4003, then close 4003): the gate swaps the app for a "Session expired"
 * screen with the fault's text, and the socket does not retry with the dead token. Signing in fetches a fresh token and
 * reconnects; the new handshake carries it.
 */
export const SignsInAgain: Story = {
  parameters: server.parameters,
  args: { signIn: () => {} },
  beforeEach: () => {
    session.token = 'valid-1';
  },
  render: () => (
    <SocketScope options={server.options({ url: () => `${server.url}?token=${session.token}` })}>
      <div style={{ display: 'grid', gap: 8, justifyItems: 'start' }}>
        <ConnectionBadge />
        <AuthGate
          signIn={(user) => {
            session.signIns += 1;
            session.token = `valid-${user}-${session.signIns}`;
          }}
        >
          <p>Welcome back: the app is connected.</p>
        </AuthGate>
      </div>
    </SocketScope>
  ),
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const { scenario } = server;
    await expectBadge(canvas, 'Online');
    await expect(canvas.getByText('Welcome back: the app is connected.')).toBeVisible();

    const before = scenario.connections;
    scenario.expireToken();
    await canvas.findByRole('heading', { name: 'Session expired, sign in again' }, PATIENCE);
    // The app keeps the default texts: the fault's text is the one for its action, whatever the
    // server said ("Token expired" stays in the fault's detail, for logs).
    const form = canvas.getByRole('form', { name: 'Sign in' });
    await expect(form).toHaveTextContent('Your session has expired. Please sign in again.');
    await expect(form).not.toHaveTextContent('Token expired');
    await expectBadge(canvas, 'Failed');
    await expect(canvas.queryByText('Welcome back: the app is connected.')).toBeNull();
    // Longer than any retry delay of the story: a retry with the dead token would show by now.
    await pause(800);
    await expect(scenario.connections).toBe(before);

    const name = canvas.getByRole('textbox', { name: 'Name' });
    await userEvent.clear(name);
    await userEvent.type(name, 'grace');
    await userEvent.click(canvas.getByRole('button', { name: 'Sign in' }));
    await expectBadge(canvas, 'Online');
    await waitFor(
      () => expect(canvas.getByText('Welcome back: the app is connected.')).toBeVisible(),
      PATIENCE,
    );
    await expect(scenario.connections).toBe(before + 1);
    await expect(scenario.urls.at(-1)?.searchParams.get('token')).toMatch(/^valid-grace-\d+$/);
  },
};
