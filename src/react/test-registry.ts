/** Test-only: a registry that makes hand-driven test sockets, and the list of those it made. */
import { createErrorStore } from '../core/error-store.js';
import { createSocketRegistry } from './registry.js';
import { createTestSocket, type TestSocket } from './test-socket.js';

export function createTestRegistry(graceMs?: number) {
  const made: TestSocket[] = [];
  const registry = createSocketRegistry<{ url: string }>({
    create: () => {
      const socket = createTestSocket(createErrorStore());
      made.push(socket);
      return socket;
    },
    keyOf: (options) => options.url,
    ...(graceMs === undefined ? {} : { graceMs }),
  });
  return { registry, made };
}
