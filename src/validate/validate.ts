/**
 * `validate(schemas)`: Standard Schema validators (zod, valibot, arktype...) per message type, as
 * an extension of the socket: `data` of a registered type is validated (and transformed) before
 * any handler or request sees it; a frame that fails is an `invalid_envelope` fault and goes no
 * further. A function to import: an app without schemas ships none of this.
 */

import type { ExtensionFactory } from '../core/extension.js';
import { type DataSchemas, validateData } from '../protocol/standard-schema.js';
import { why } from '../protocol/why.js';

/** What `validate` returns: pass it as `createSocket({ schemas })`; it carries the map's types. */
export interface Validation<S extends DataSchemas> extends ExtensionFactory {
  readonly schemas: S;
}

/**
 * Validates inbound `data` per message type, and types the socket's messages from the schemas.
 *
 * ```ts
 * const socket = createSocket({ url, schemas: validate({ chat: z.object({ text: z.string() }) }) });
 * socket.on('chat', (m) => m.data.text); // typed
 * ```
 */
export function validate<S extends DataSchemas>(schemas: S): Validation<S> {
  return {
    schemas,
    create: (host) => ({
      inbound(envelope) {
        const { type } = envelope;
        if (type === 'error' || !Object.hasOwn(schemas, type)) return undefined;
        const checked = validateData(schemas[type] as S[string], envelope.data);
        if (checked.ok)
          return checked.data === envelope.data ? undefined : { ...envelope, data: checked.data };
        const requestId = envelope.meta?.request_id;
        const cause = why('bad_data', type, checked.cause);
        host.report(host.fault({ source: 'client', code: 'invalid_envelope', cause, requestId }));
        return null;
      },
    }),
  };
}
