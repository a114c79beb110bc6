/** What a client frame is once read, and the limits it is read with: types the layer's parts share. */
import type { Envelope, ParseOptions } from '../../protocol/envelope.js';

/**
 * A client frame after reading: an envelope, or what was wrong with it; `size` is its length on
 * the wire in bytes (what the layer's queues count).
 */
export type Inbound =
  | { readonly ok: true; readonly envelope: Envelope; readonly size: number }
  | {
      readonly ok: false;
      readonly binary: boolean;
      readonly requestId: string | undefined;
      readonly size: number;
    };

/** How a frame is read: `parseFrame`'s limits and the size in bytes checked before decoding. */
export interface ReadOptions {
  readonly parse: ParseOptions;
  readonly maxFrameBytes: number;
}
