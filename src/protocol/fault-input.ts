/**
 * The inputs of `classify`: a failure as the core sees it, and the app's options (overrides of the
 * default table, user texts).
 */
import type { ClassificationOverride, ClientCode, Fault, TransportCode } from './fault.js';

/** A failure as the core sees it, before classification. */
export type FaultInput =
  | {
      readonly source: 'envelope';
      readonly code: number;
      readonly message: unknown;
      readonly requestId?: string | undefined;
      readonly retryAfterMs?: number | undefined;
    }
  | {
      readonly source: 'close';
      readonly code: number;
      readonly reason: string;
      readonly wasClean: boolean;
      /** The client asked for this close (`close()`, or the server's reply to it). */
      readonly requested: boolean;
    }
  | {
      readonly source: 'transport';
      readonly code: TransportCode;
      readonly cause?: string | undefined;
    }
  | {
      readonly source: 'client';
      readonly code: ClientCode;
      readonly cause?: string | undefined;
      readonly requestId?: string | undefined;
    };

/** Per-source replacements of the default severity and/or action, by code. */
export interface FaultOverrides {
  readonly envelope?: Readonly<Record<number, ClassificationOverride>>;
  /** Not applied to a close the client asked for: that one is always `recoverable`/`none`. */
  readonly close?: Readonly<Record<number, ClassificationOverride>>;
  readonly transport?: Readonly<Partial<Record<TransportCode, ClassificationOverride>>>;
  readonly client?: Readonly<Partial<Record<ClientCode, ClassificationOverride>>>;
}

/**
 * App-supplied user texts (i18n): a function, or a record by code (number or named code; an
 * envelope and a close with the same number share a key). Return undefined to keep the default.
 */
export type FaultMessages =
  | ((fault: Fault) => string | undefined)
  | Readonly<Record<string | number, string>>;

/** What `classify` needs besides the failure itself. */
export interface ClassifyContext {
  readonly id: string;
  /** Epoch milliseconds, from the injected clock. */
  readonly now: number;
  /** The connection URL; only its redacted form ({@link redactUrl}) reaches `detail.url`. */
  readonly url?: string | undefined;
  readonly overrides?: FaultOverrides | undefined;
  /**
   * Replaces the classification of this one fault, the app's override of its code included, so its
   * text says what the socket does (a setup the socket cannot retry, a backoff that gave up).
   */
  readonly forced?: ClassificationOverride | undefined;
  readonly messages?: FaultMessages | undefined;
  /**
   * Exact strings the caller knows are credentials (the query values of its connection URL, a
   * resume secret): redacted wherever they appear in the fault, even bare (`redactKnown`).
   */
  readonly known?: readonly string[] | undefined;
}
