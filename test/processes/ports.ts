/** Waiting for a TCP port on 127.0.0.1 to accept connections (a server this test started). */
import { Socket } from 'node:net';

const accepts = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = new Socket();
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.connect(port, '127.0.0.1');
  });

/** Resolves once the port accepts; rejects after `ms` naming `what`, or when `failed()` says so. */
export async function waitForPort(
  what: string,
  port: number,
  ms: number,
  failed: () => string | undefined = () => undefined,
): Promise<void> {
  const end = performance.now() + ms;
  for (;;) {
    if (await accepts(port)) return;
    const why = failed();
    if (why !== undefined) throw new Error(`${what} did not start: ${why}`);
    if (performance.now() > end)
      throw new Error(`${what} did not listen on ${port} within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
