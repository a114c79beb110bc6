/**
 * Small helpers for play functions. Timeouts are generous: stories run as tests on a 2-core CI
 * machine where the browser shares the CPU with everything else.
 */
import { expect, waitFor, within } from 'storybook/test';

/** How long a play function waits for what the user should see. */
export const PATIENCE = { timeout: 10_000 } as const;

export type Canvas = ReturnType<typeof within>;

/** The connection badge (`role="status"`, named "Connection"). */
export const badge = (canvas: Canvas): HTMLElement =>
  canvas.getByRole('status', { name: 'Connection' });

/** Waits until the badge shows `text` (a substring, e.g. "Online" or "Reconnecting"). */
export async function expectBadge(canvas: Canvas, text: string | RegExp): Promise<void> {
  await waitFor(() => expect(badge(canvas)).toHaveTextContent(text), PATIENCE);
}

/** Waits until an element with exactly this text is on screen, and returns it. */
export async function findText(canvas: Canvas, text: string | RegExp): Promise<HTMLElement> {
  return canvas.findByText(text, {}, PATIENCE);
}

/** Waits until the fault log's newest row reads like `cells` (source, code, severity, action). */
export async function expectNewestFault(canvas: Canvas, ...cells: string[]) {
  await waitFor(() => {
    const rows = within(canvas.getByRole('table', { name: 'Fault log' })).getAllByRole('row');
    const newest = rows[1]?.textContent ?? '';
    for (const cell of cells) expect(newest).toContain(cell);
  }, PATIENCE);
}

/** Waits until some fault log row contains every one of `cells`. */
export async function expectFaultLogged(canvas: Canvas, ...cells: string[]) {
  await waitFor(() => {
    const rows = within(canvas.getByRole('table', { name: 'Fault log' }))
      .getAllByRole('row')
      .map((row) => row.textContent ?? '');
    expect(
      rows.find((row) => cells.every((cell) => row.includes(cell))),
      rows.join('\n'),
    ).toBeDefined();
  }, PATIENCE);
}

/** Resolves after `ms` of real time: only to prove that something does NOT happen. */
export const pause = (ms: number): Promise<void> =>
  new Promise((resolve) => {
    setTimeout(resolve, ms);
  });
