/**
 * The text of frames as they go on the wire and come off it. An application frame is encoded
 * before it is numbered, so a frame whose data cannot be serialized never takes a `seq` (a hole
 * the client could not tell from a lost message), and the data is serialized once however many
 * times the frame is written.
 */
import type { WireMeta } from '../../protocol/envelope.js';

/** Builds the frame text, with `meta.seq` when given. */
export type FrameEncoder = (seq?: number) => string;

/**
 * Serializes `type`, `data` and `meta` now (throws on a cycle or a BigInt, like JSON.stringify)
 * and returns the encoder. Key order and an omitted `data` match `JSON.stringify(buildEnvelope())`;
 * a `seq` key in `meta` is replaced by the one given to the encoder.
 */
export function frameEncoder(type: string, data: unknown, meta?: WireMeta): FrameEncoder {
  const dataText: string | undefined = data === undefined ? undefined : JSON.stringify(data);
  let metaText: string | undefined;
  if (meta !== undefined) {
    const { seq: _ignored, ...rest } = meta;
    metaText = JSON.stringify(rest);
    // A toJSON could make meta something else than an object: `seq` could not be spliced in.
    if (typeof metaText !== 'string' || !metaText.startsWith('{')) {
      throw new TypeError('meta must serialize to a JSON object');
    }
  }
  const head = `{"type":${JSON.stringify(type)}${dataText === undefined ? '' : `,"data":${dataText}`}`;
  return (seq) => {
    if (seq === undefined)
      return metaText === undefined ? `${head}}` : `${head},"meta":${metaText}}`;
    if (metaText === undefined || metaText === '{}') return `${head},"meta":{"seq":${seq}}}`;
    return `${head},"meta":${metaText.slice(0, -1)},"seq":${seq}}}`;
  };
}

const decoder = new TextDecoder('utf-8');

/**
 * The length of a `ws` message in bytes, read without decoding it: a string's UTF-16 length (a
 * string message comes from an adapter; its bytes would be at least that), a Buffer's, an
 * ArrayBuffer's or a view's byte length, or the sum of a fragmented message's parts. `undefined`
 * for anything else.
 */
export function byteLengthOf(data: unknown): number | undefined {
  if (typeof data === 'string') return data.length;
  if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) return data.byteLength;
  if (Array.isArray(data) && data.every((part) => ArrayBuffer.isView(part))) {
    return (data as ArrayBufferView[]).reduce((sum, part) => sum + part.byteLength, 0);
  }
  return undefined;
}

/**
 * The text of a `ws` message: a string, or UTF-8 bytes (a Buffer, an ArrayBuffer, a view, or the
 * Buffer[] of fragmented frames). `undefined` for anything else.
 */
export function textOf(data: unknown): string | undefined {
  if (typeof data === 'string') return data;
  if (data instanceof ArrayBuffer) return decoder.decode(data);
  if (ArrayBuffer.isView(data)) return decoder.decode(data);
  if (Array.isArray(data) && data.every((part) => ArrayBuffer.isView(part))) {
    const parts = data as ArrayBufferView[];
    const length = parts.reduce((sum, part) => sum + part.byteLength, 0);
    const joined = new Uint8Array(length);
    let offset = 0;
    for (const part of parts) {
      joined.set(new Uint8Array(part.buffer, part.byteOffset, part.byteLength), offset);
      offset += part.byteLength;
    }
    return decoder.decode(joined);
  }
  return undefined;
}
