/**
 * The worked example of docs/extensions.md, as it runs in test/unit/docs-extension-example.test.ts.
 * Everything between the two markers is the page's code block (but for the import paths): that
 * test fails when they differ.
 */
// --- docs/extensions.md example: begin ---
import { type Extension, type Host, hostOf } from '../../src/core/extension.js';
import type { Socket } from '../../src/core/types.js';

/** One line of the trail: what went out, what came in, and when the link was left. */
export type AuditEntry =
  | { readonly event: 'written'; readonly text: string }
  | { readonly event: 'received'; readonly type: string }
  | { readonly event: 'closed'; readonly dead: boolean; readonly stop: boolean };

/** The hosts that have the trail already: one extension per socket, however often it is asked. */
const audited = new WeakSet<Host>();

/**
 * Calls `log` for every frame the socket writes and every envelope it receives (before any
 * handler), and stamps every app send with `meta.timestamp` from the socket's clock. An import:
 * an app that never calls it ships none of it.
 */
export function audit(socket: Socket, log: (entry: AuditEntry) => void): void {
  const host = hostOf(socket); // throws for anything createSocket did not make
  if (audited.has(host)) return;
  audited.add(host);
  // `log` is the app's code: a throw becomes one `callback_error` fault, and the socket goes on.
  const tell = (entry: AuditEntry) => host.isolate('the audit log', () => log(entry), undefined);
  const extension: Extension = {
    outbound(meta) {
      meta.timestamp ??= new Date(host.clock.now()).toISOString();
      return undefined; // no receipt of its own, and no refusal
    },
    written: (frame) => tell({ event: 'written', text: frame.text }),
    inbound(envelope) {
      tell({ event: 'received', type: envelope.type });
      return undefined; // the envelope goes on unchanged
    },
    closed(dead, stop) {
      tell({ event: 'closed', dead, stop });
      return undefined; // nothing of its own to send again
    },
  };
  host.use(extension);
}
// --- docs/extensions.md example: end ---
