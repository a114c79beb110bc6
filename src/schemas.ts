/**
 * `sockguard/schemas`: the wire format (SPEC.md section 1) as zod/mini schemas, for servers,
 * proxies and tests that validate envelopes with zod. It is its own entry because it is the only
 * code of the package that imports zod at run time: the client checks frames with a hand-written
 * guard, so apps that never import this entry need no zod (an optional peer dependency).
 */
export {
  envelopeMetaSchema,
  envelopeSchema,
  errorDataSchema,
  errorEnvelopeSchema,
} from './protocol/schemas.js';
