/**
 * Reading one client frame and handling it the same way for plain and delivery clients: malformed
 * frames are answered as the `sockguard/server` helpers and the demo always did (error 4000; a
 * binary frame also closes with 4000), reserved `sockguard.*` types never reach the app.
 */
import { DeliveryType } from '../../protocol/delivery.js';
import type { WireMeta } from '../../protocol/envelope.js';
import { type Envelope, parseFrame } from '../../protocol/envelope.js';
import type { LayerContext } from './context.js';
import { byteLengthOf, textOf } from './frame-text.js';
import type { Inbound, ReadOptions } from './frames.js';
import type { Session, SessionSocket } from './types.js';

export type { Inbound, ReadOptions } from './frames.js';

/** The envelope type prefix the extension reserves. */
export const RESERVED_PREFIX = 'sockguard.';

/** `{"type":"pong"}`, exactly as `sendEnvelope(socket, 'pong', undefined)` writes it. */
export const PONG_TEXT = '{"type":"pong"}';

/**
 * Reads one `ws` message. Never throws. A frame over `maxFrameBytes` is refused by its byte length
 * before it is decoded to text (a 100 MB Buffer costs no decoding); depth and the rest are
 * `parseFrame`'s, before `JSON.parse`.
 */
export function readInbound(data: unknown, isBinary: boolean, options: ReadOptions): Inbound {
  const size = byteLengthOf(data);
  if (isBinary || size === undefined) {
    return { ok: false, binary: true, requestId: undefined, size: size ?? 0 };
  }
  if (size > options.maxFrameBytes) return { ok: false, binary: false, requestId: undefined, size };
  const text = textOf(data);
  if (text === undefined) return { ok: false, binary: true, requestId: undefined, size };
  const parsed = parseFrame(text, options.parse);
  if (parsed.ok) return { ok: true, envelope: parsed.envelope, size };
  return { ok: false, binary: false, requestId: parsed.requestId, size };
}

/** True for the first frame of a delivery client. */
export const isHello = (item: Inbound): item is Extract<Inbound, { ok: true }> =>
  item.ok && item.envelope.type === DeliveryType.hello;

/** True for a heartbeat ping. */
export const isPing = (item: Inbound): boolean => item.ok && item.envelope.type === 'ping';

/** `meta` of a reply to `request`: its `request_id`, or none. */
export function replyMeta(request: Envelope): WireMeta | undefined {
  const id = request.meta?.request_id;
  return typeof id === 'string' ? { request_id: id } : undefined;
}

/** `sendError`'s options for a reply to the request `id` (none when it had no id). */
export const requestOption = (id: string | undefined) =>
  id === undefined ? {} : { requestId: id };

/**
 * Handles one frame for `session`: answers a malformed or reserved one, gives the others to the
 * app. Returns the app's Promise when it returned one (never rejecting).
 */
export function handleInbound<S extends SessionSocket>(
  context: LayerContext<S>,
  session: Session,
  socket: S,
  item: Inbound,
): void | Promise<void> {
  if (!item.ok) {
    if (item.binary) {
      void session.closeWithError(4000, 'Bad request: binary frames are not supported');
    } else {
      void session.sendError(
        4000,
        'Bad request: not a valid envelope',
        requestOption(item.requestId),
      );
    }
    return;
  }
  const { envelope } = item;
  if (envelope.type.startsWith(RESERVED_PREFIX)) {
    const message =
      envelope.type === DeliveryType.hello
        ? `Bad request: ${DeliveryType.hello} must be the first frame`
        : `Bad request: ${envelope.type} is reserved`;
    void session.sendError(4000, message, requestOption(envelope.meta?.request_id));
    return;
  }
  return context.deliver(envelope, session, socket);
}
