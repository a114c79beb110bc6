/**
 * Answering a `sockguard.hello` (docs/protocol.md, "Delivery", rules of the server side 1 and 4,
 * and "Identity"): find or start the session, welcome, replay what the client missed, attach the
 * connection.
 *
 * A resume must prove itself before it touches anything: the session's resume secret (its hash
 * compared in constant time) and the connection's principal. A session held here is checked in
 * memory before the hello even queues behind its frames; one held elsewhere by the store's `open`,
 * which checks before it claims. A wrong or missing secret reads exactly as an unknown session; the
 * right secret with another principal gets `other_principal`. Either way the hello gets a new
 * session and the asked one is not claimed, replayed, expired or disturbed on any instance.
 */
import {
  type HelloData,
  type ResumeFailure,
  type WelcomeData,
  welcomeFrame,
} from '../../protocol/delivery.js';
import type { Connection } from './connection.js';
import type { LayerContext } from './context.js';
import { DeliverySession, type Subscription } from './delivery-session.js';
import { OTHER_PRINCIPAL, type SessionBinding, type Unsubscribe } from './history-store.js';
import { bindingMatch, hashSecret, isSafeSessionId, newSecret } from './identity.js';
import { LiveFeed } from './live-feed.js';
import type { SessionSocket } from './types.js';

type Outcome = 'attached' | 'unknown' | 'other_principal' | 'unavailable' | 'retry' | 'gone';

/** How often a hello looks again for a session that was forgotten while the hello waited. */
const MAX_LOOKUPS = 3;

/** 1013: recoverable, the client comes back after a backoff and resumes (nothing was served). */
const UNAVAILABLE = { code: 1013, reason: 'Session store unavailable: try again later' } as const;
const FULL = { code: 1013, reason: 'Too many sessions: try again later' } as const;

function writeWelcome<S extends SessionSocket>(
  connection: Connection<S>,
  data: Omit<WelcomeData, 'v'>,
  requestId: string | undefined,
  replay: readonly string[],
): void {
  connection.writeWelcome(welcomeFrame(data, requestId), replay);
}

/**
 * With a shared store: subscribes `connection` to the session's frames before the session is
 * opened, so nothing numbered elsewhere after the open's snapshot can slip past. The feed holds
 * what comes until the welcome is out.
 */
async function subscribe<S extends SessionSocket>(
  context: LayerContext<S>,
  session: DeliverySession<S>,
  connection: Connection<S>,
  claim: string,
): Promise<Subscription | undefined> {
  const { store } = context;
  if (store.subscribe === undefined) return undefined;
  const feed = new LiveFeed(claim, context.instance, session.feedOwner(connection));
  const subscribed = await context.attempt(session.id, 'subscribe', () =>
    store.subscribe?.(session.id, feed.listener),
  );
  // A store that broke its promise never to reject: frames from other instances are not seen here.
  if (!subscribed.ok || typeof subscribed.value !== 'function') return undefined;
  const end = subscribed.value as Unsubscribe;
  const unsubscribe = () => {
    try {
      end();
    } catch (error) {
      context.report('store', 'unsubscribe', error, session.id);
    }
  };
  return { feed, unsubscribe };
}

function drop(subscription: Subscription | undefined): void {
  subscription?.feed.stop();
  subscription?.unsubscribe();
}

/** Whether the layer may hold one more session; if not, the connection is closed (1013). */
function roomFor<S extends SessionSocket>(
  context: LayerContext<S>,
  connection: Connection<S>,
): boolean {
  if (context.sessions.size < context.maxSessions) return true;
  connection.stop(FULL);
  return false;
}

/**
 * A new session for `connection`, welcomed with `resumed: false` (and `reason` if one was asked
 * for) and a fresh resume secret. A store that cannot create it gets the connection closed (1013)
 * without a welcome: the client tries again later, nothing was served.
 */
async function start<S extends SessionSocket>(
  context: LayerContext<S>,
  connection: Connection<S>,
  requestId: string | undefined,
  reason: ResumeFailure | undefined,
): Promise<DeliverySession<S> | undefined> {
  if (context.closed || !connection.live || !roomFor(context, connection)) return undefined;
  const id = context.newId();
  const secret = newSecret();
  const binding: SessionBinding = {
    principal: connection.principal,
    secretHash: hashSecret(secret),
  };
  const session = new DeliverySession(id, context, binding);
  context.sessions.set(id, session);
  await session.outbound.run(async () => {
    const claim = context.claim();
    const subscription = await subscribe(context, session, connection, claim);
    const created = await context.attempt(id, 'create', () =>
      context.store.create(id, claim, binding),
    );
    if (!created.ok || session.dead) {
      drop(subscription);
      session.end();
      if (!created.ok) connection.stop(UNAVAILABLE);
      return;
    }
    session.attach(connection, claim, subscription);
    const data = { session: id, resumed: false, seq: 0, acked: 0, secret };
    writeWelcome(connection, reason === undefined ? data : { ...data, reason }, requestId, []);
    session.started(0);
  });
  return session.dead ? undefined : session;
}

/**
 * Lets go of a placeholder the store refused (its session is unknown, or not this client's): it
 * leaves the map unless another hello for the same id waits behind this one (that one asks the
 * store with its own proof). Nothing is expired or closed: a placeholder holds nothing.
 */
function release<S extends SessionSocket>(
  context: LayerContext<S>,
  session: DeliverySession<S>,
): void {
  const waiting = session.inbound.size > 1 || session.outbound.size > 1;
  if (!waiting && context.sessions.get(session.id) === session) context.sessions.delete(session.id);
}

/**
 * Resumes `session` for `connection` when `proof` is its binding; runs inside both of the
 * session's queues. On `unavailable` the welcome (the session asked for, what this instance knows
 * of it, nothing replayed) is written here and the connection closed (1013) before any of its
 * frames is processed: an `acked` read from nowhere must never let frames be processed twice.
 */
async function resume<S extends SessionSocket>(
  context: LayerContext<S>,
  session: DeliverySession<S>,
  connection: Connection<S>,
  hello: HelloData & { readonly secret: string },
  proof: SessionBinding,
  requestId: string | undefined,
): Promise<Outcome> {
  if (session.dead) return 'retry';
  // Closed while it waited (a limit, or the client left): claim nothing for it.
  if (!connection.live) {
    if (session.binding === undefined) release(context, session);
    return 'gone';
  }
  if (session.binding !== undefined) {
    // Opened by a hello that waited ahead of this one: its binding is known now.
    const match = bindingMatch(session.binding, proof);
    if (match !== 'same') return match === 'wrong_secret' ? 'unknown' : 'other_principal';
  }
  const { id } = session;
  const claim = context.claim();
  const subscription = await subscribe(context, session, connection, claim);
  const opened = await context.attempt(id, 'open', () =>
    context.store.open(id, hello.last_seq, claim, proof),
  );
  if (session.dead) {
    drop(subscription);
    return 'retry';
  }
  if (!opened.ok) {
    drop(subscription);
    const known = session.binding !== undefined;
    if (!known) release(context, session);
    writeWelcome(
      connection,
      {
        session: id,
        resumed: false,
        reason: 'unavailable',
        // Never below what the client has seen: a welcome must not move its counter back.
        seq: Math.max(session.seq, hello.last_seq),
        acked: known ? session.acked : 0,
        secret: hello.secret,
      },
      requestId,
      [],
    );
    connection.stop(UNAVAILABLE);
    return 'unavailable';
  }
  const state = opened.value;
  if (state === undefined || state === OTHER_PRINCIPAL) {
    drop(subscription);
    if (session.binding === undefined) release(context, session);
    // Proved here, unknown to the store: the store forgot it (expired, or lost with its data).
    else if (state === undefined) session.end();
    return state === undefined ? 'unknown' : 'other_principal';
  }
  session.binding ??= proof;
  let replay: readonly string[] = [];
  let reason: ResumeFailure | undefined;
  const { seq, acked, replay: kept } = state;
  session.seq = Math.max(session.seq, seq);
  session.acked = Math.max(session.acked, acked);
  if (kept !== undefined && hello.last_seq <= seq) replay = kept;
  else reason = 'history_gone';
  session.attach(connection, claim, subscription);
  const data = { session: id, seq: session.seq, acked: session.acked, secret: hello.secret };
  writeWelcome(
    connection,
    reason === undefined
      ? { ...data, resumed: true, replay: replay.length }
      : { ...data, resumed: false, reason },
    requestId,
    replay,
  );
  session.started(session.seq);
  return 'attached';
}

/**
 * Welcomes `connection`: resumes the session the hello names when the hello proves it may (the
 * store knows it, the secret is its own, the principal is its own), else starts a new one.
 * Resolves with the session, or undefined when none was attached (the layer closed meanwhile, or
 * the connection was closed: store unavailable, too many sessions).
 */
export async function welcome<S extends SessionSocket>(
  context: LayerContext<S>,
  connection: Connection<S>,
  hello: HelloData,
  requestId: string | undefined,
): Promise<DeliverySession<S> | undefined> {
  const asked = hello.session;
  if (asked === null) return start(context, connection, requestId, undefined);
  // An id no key is built from, or no secret: the same answer as for a session never seen.
  if (!isSafeSessionId(asked) || hello.secret === undefined) {
    return start(context, connection, requestId, 'unknown_session');
  }
  const proven = { ...hello, secret: hello.secret };
  const proof: SessionBinding = {
    principal: connection.principal,
    secretHash: hashSecret(hello.secret),
  };
  for (let lookup = 0; lookup < MAX_LOOKUPS; lookup++) {
    if (context.closed || !connection.live) return undefined;
    const held = context.sessions.get(asked) as DeliverySession<S> | undefined;
    // Held here and known: checked before the hello queues behind the session's frames, so a
    // stranger's hello does not even delay its owner.
    if (held?.binding !== undefined && !held.dead) {
      const match = bindingMatch(held.binding, proof);
      if (match === 'wrong_secret') return start(context, connection, requestId, 'unknown_session');
      if (match === 'other_principal') {
        return start(context, connection, requestId, 'other_principal');
      }
    }
    if (held === undefined && !roomFor(context, connection)) return undefined;
    // Not held here: a placeholder under the asked id, so a second hello for it waits behind
    // this one instead of opening it twice.
    const session = held ?? new DeliverySession<S>(asked, context);
    if (held === undefined) context.sessions.set(asked, session);
    // The inbound queue first: frames of an older connection are processed before the welcome
    // says how far `acked` got.
    const outcome = await session.inbound.run(() =>
      session.outbound.run(() => resume(context, session, connection, proven, proof, requestId)),
    );
    if (outcome === 'attached') return session;
    if (outcome === 'unavailable' || outcome === 'gone') return undefined;
    if (outcome === 'unknown') return start(context, connection, requestId, 'unknown_session');
    if (outcome === 'other_principal') {
      return start(context, connection, requestId, 'other_principal');
    }
  }
  return start(context, connection, requestId, 'unknown_session');
}
