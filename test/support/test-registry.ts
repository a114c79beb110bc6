/**
 * Test-only: a registry that makes hand-driven test sockets, and the list of those it made. It
 * keys and compares options as the real React registry does.
 */
import { createErrorStore } from '../../src/core/error-store/error-store.js';
import { createSocketRegistry } from '../../src/core/socket-registry.js';
import {
  conflictingOptions,
  keyOfOptions,
  type ReactSocketOptions,
} from '../../src/react/default-registry.js';
import { createTestSocket, type TestSocket } from './test-socket.js';

export function createTestRegistry(graceMs?: number) {
  const made: TestSocket[] = [];
  const registry = createSocketRegistry<ReactSocketOptions>({
    create: () => {
      const socket = createTestSocket(createErrorStore());
      made.push(socket);
      return socket;
    },
    keyOf: keyOfOptions,
    compare: conflictingOptions,
    ...(graceMs === undefined ? {} : { graceMs }),
  });
  return { registry, made };
}
