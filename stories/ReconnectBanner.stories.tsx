import type { Meta, StoryObj } from '@storybook/react-vite';
import { expect, userEvent, waitFor, within } from 'storybook/test';
import { ConnectionBadge } from './components/ConnectionBadge.js';
import { ReconnectBanner } from './components/ReconnectBanner.js';
import { SocketScope } from './components/SocketScope.js';
import { type MockServer, mockServer, SERVER_TEXTS } from './support/mock-server.js';
import { expectBadge, PATIENCE } from './support/play.js';

const meta = {
  title: 'Demo/ReconnectBanner',
  component: ReconnectBanner,
} satisfies Meta<typeof ReconnectBanner>;
export default meta;
type Story = StoryObj<typeof meta>;

function render(server: MockServer, overrides = {}) {
  return () => (
    <SocketScope options={server.options(overrides)}>
      <div style={{ display: 'grid', gap: 8, justifyItems: 'start' }}>
        <ConnectionBadge />
        <ReconnectBanner />
      </div>
    </SocketScope>
  );
}

const blip = mockServer('banner-blip');

/** A drop that heals within the grace period (`lostAfterMs`) never shows the banner. */
export const HidesABlip: Story = {
  parameters: blip.parameters,
  render: render(blip),
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await expectBadge(canvas, 'Online');
    let bannerSeen = false;
    const observer = new MutationObserver(() => {
      if (canvas.queryByRole('alert')) bannerSeen = true;
    });
    observer.observe(canvasElement, { childList: true, subtree: true, characterData: true });
    const before = blip.scenario.connections;
    blip.scenario.drop();
    await expectBadge(canvas, 'Reconnecting');
    await expectBadge(canvas, 'Online');
    observer.disconnect();
    await expect(blip.scenario.connections).toBe(before + 1);
    await expect(bannerSeen).toBe(false);
  },
};

const countdown = mockServer('banner-countdown');

/**
 * A long outage: after the grace period the banner counts down to the next attempt ("Reconnecting
 * in N s…", ticking once a second), and "Retry now" connects at once.
 */
export const CountsDownAndRetriesNow: Story = {
  parameters: countdown.parameters,
  render: render(countdown, {
    // Every retry waits 8 s, so the countdown is visible; the banner comes after 300 ms.
    backoff: { baseMs: 8000, floorMs: 8000, factor: 1, jitter: 'none' },
    lostAfterMs: 300,
  }),
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    const { scenario } = countdown;
    await expectBadge(canvas, 'Online');
    const before = scenario.connections;
    scenario.drop();
    const banner = await canvas.findByRole('alert', { name: 'Connection problem' }, PATIENCE);
    await expect(banner).toHaveTextContent(/Reconnecting in [78] s…/);
    const secondsShown = () => Number(/in (\d) s/.exec(banner.textContent ?? '')?.[1]);
    const first = secondsShown();
    // Counts down: a lower count shows while the retry is still ahead (a busy machine may render
    // a tick late, so any lower count will do, not exactly the next one).
    await waitFor(() => expect(secondsShown()).toBeLessThan(first), PATIENCE);
    await expect(banner).toHaveTextContent(/Reconnecting in \d s…/);
    await userEvent.click(canvas.getByRole('button', { name: 'Retry now' }));
    await expectBadge(canvas, 'Online');
    await expect(canvas.queryByRole('alert')).toBeNull();
    await expect(scenario.connections).toBe(before + 1);
  },
};

const fatal = mockServer('banner-fatal');

/**
 * A fatal fault: the banner shows its message and a "Reconnect" button that starts over. The app
 * opts in to the server's texts (`englishTexts()`), so the banner gives the server's reason.
 */
export const ShowsAFatalFailure: Story = {
  parameters: fatal.parameters,
  render: render(fatal, SERVER_TEXTS),
  play: async ({ canvasElement }) => {
    const canvas = within(canvasElement);
    await expectBadge(canvas, 'Online');
    fatal.scenario.errorThenClose(4004, 'Forbidden: you cannot use this room');
    const banner = await canvas.findByRole('alert', { name: 'Connection problem' }, PATIENCE);
    await expect(banner).toHaveTextContent(
      'Connection failed: Forbidden: you cannot use this room',
    );
    await expectBadge(canvas, 'Failed');
    await userEvent.click(canvas.getByRole('button', { name: 'Reconnect' }));
    await expectBadge(canvas, 'Online');
    await waitFor(() => expect(canvas.queryByRole('alert')).toBeNull(), PATIENCE);
  },
};
