/**
 * What the socket does about a fault that ended (or would end) its connection, decided once, in
 * one pure function: fail, or retry (after a token refresh, at once or after backoff). It turns a
 * run of failed handshakes into `unreachable`, a reconnecting fault while offline into `offline`,
 * and softens a first auth failure when the app gave a refresher. The socket runs the plan; the
 * backoff delay (a mechanism) is not decided here.
 */

import type { Fault } from '../protocol/fault.js';
import type { FaultInput } from '../protocol/fault-input.js';

/** What the policy knows about the connection when the fault arrives. */
export interface FaultContext {
  /** The fault ended an attempt that never opened (a close before open, a connect timeout). */
  readonly handshake: boolean;
  readonly online: boolean;
  /** Failed handshakes in a row before this fault. */
  readonly handshakeFailures: number;
  readonly maxHandshakeFailures: number;
  /** An auth failure happened since the last stable open: the next one is final. */
  readonly authFailed: boolean;
  /** The app gave `refreshAuth`. */
  readonly canRefresh: boolean;
}

/** A fault the socket must make (classify) before acting on it. */
export interface FaultRequest {
  readonly make: FaultInput;
}

/** What to do. `fault` is the one fault reported for this failure. */
export type FaultPlan =
  | { readonly do: 'fail'; readonly fault: Fault | FaultRequest }
  | {
      readonly do: 'retry';
      readonly fault: Fault | FaultRequest;
      /** Call `refreshAuth` before the next attempt. */
      readonly refreshFirst: boolean;
      /** The next attempt goes at once (fresh credentials: the refresh itself was the wait). */
      readonly immediate: boolean;
    };

/** The plan and the counters the socket keeps for the next fault. */
export interface FaultDecision {
  readonly plan: FaultPlan;
  readonly handshakeFailures: number;
  readonly authFailed: boolean;
}

/** A first auth failure with a refresher is recoverable: the refresh may fix it unseen. */
export function softenAuth<F extends Fault>(
  fault: F,
  ctx: Pick<FaultContext, 'authFailed' | 'canRefresh'>,
): F {
  return ctx.canRefresh && !ctx.authFailed && fault.severity === 'fatal'
    ? { ...fault, severity: 'recoverable' }
    : fault;
}

const describe = (fault: Fault): string =>
  fault.source === 'close' ? `close ${fault.code}` : (fault.detail.cause ?? String(fault.code));

/** Decides what a fault means for the connection. Pure: same input, same decision. */
export function decideFault(fault: Fault, ctx: FaultContext): FaultDecision {
  let handshakeFailures = ctx.handshakeFailures;
  let subject: Fault | FaultRequest = fault;
  let code: Fault['code'] = fault.code;
  if (ctx.handshake && fault.action === 'reconnect') {
    handshakeFailures += 1;
    // An HTTP 401/403 on upgrade shows in a browser only as 1006: after a few in a row, say so.
    if (handshakeFailures >= ctx.maxHandshakeFailures) {
      const cause = `${handshakeFailures} handshakes failed in a row (last: ${describe(fault)})`;
      subject = { make: { source: 'transport', code: 'unreachable', cause } };
      code = 'unreachable';
    }
  }
  if (!ctx.online && fault.action === 'reconnect' && fault.code !== 'offline') {
    // Retries wait for `online`: the fault says offline, not "Connection lost. Reconnecting...".
    const cause = `${describe(fault)} while offline`;
    subject = { make: { source: 'transport', code: 'offline', cause } };
    code = 'offline';
  }
  const keep = { handshakeFailures, authFailed: ctx.authFailed };
  if ('make' in subject) {
    const refreshFirst =
      code === 'unreachable' && handshakeFailures === ctx.maxHandshakeFailures && ctx.canRefresh;
    return {
      ...keep,
      plan: { do: 'retry', fault: subject, refreshFirst, immediate: refreshFirst },
    };
  }
  if (fault.action === 'reauthenticate') {
    const soft = softenAuth(fault, ctx);
    if (soft.severity === 'fatal') return { ...keep, plan: { do: 'fail', fault: soft } };
    return {
      handshakeFailures,
      authFailed: true,
      plan: { do: 'retry', fault: soft, refreshFirst: true, immediate: true },
    };
  }
  if (fault.severity === 'fatal') return { ...keep, plan: { do: 'fail', fault } };
  return { ...keep, plan: { do: 'retry', fault, refreshFirst: false, immediate: false } };
}
