/**
 * Answering a `sockguard.hello` (docs/protocol.md, "Delivery", rules of the server side 1 and 4):
 * find or start the session, welcome, replay what the client missed, attach the connection.
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
import type { Unsubscribe } from './history-store.js';
import { LiveFeed } from './live-feed.js';
import type { SessionSocket } from './types.js';

type Outcome = 'attached' | 'unknown' | 'retry';

/** How often a hello looks again for a session that was forgotten while the hello waited. */
const MAX_LOOKUPS = 3;

function writeWelcome<S extends SessionSocket>(
  connection: Connection<S>,
  data: Omit<WelcomeData, 'v'>,
  requestId: string | undefined,
  replay: readonly string[],
): void {
  connection.write(welcomeFrame(data, requestId));
  for (const text of replay) connection.write(text);
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

/** A new session for `connection`, welcomed with `resumed: false` (and `reason` if one was asked for). */
async function start<S extends SessionSocket>(
  context: LayerContext<S>,
  connection: Connection<S>,
  requestId: string | undefined,
  reason: ResumeFailure | undefined,
): Promise<DeliverySession<S> | undefined> {
  if (context.closed) return undefined;
  const id = context.newId();
  const session = new DeliverySession(id, context);
  context.sessions.set(id, session);
  await session.outbound.run(async () => {
    const claim = context.claim();
    const subscription = await subscribe(context, session, connection, claim);
    // A store that cannot create it leaves a live-only session: sends go out unnumbered.
    await context.attempt(id, 'create', () => context.store.create(id, claim));
    if (session.dead) {
      subscription?.feed.stop();
      subscription?.unsubscribe();
      return;
    }
    session.attach(connection, claim, subscription);
    const data = { session: id, resumed: false, seq: 0, acked: 0, secret: session.secret };
    writeWelcome(connection, reason === undefined ? data : { ...data, reason }, requestId, []);
    session.started(0);
  });
  return session.dead ? undefined : session;
}

/** Resumes `session` for `connection`; runs inside both of the session's queues. */
async function resume<S extends SessionSocket>(
  context: LayerContext<S>,
  session: DeliverySession<S>,
  connection: Connection<S>,
  hello: HelloData,
  requestId: string | undefined,
): Promise<Outcome> {
  if (session.dead) return 'retry';
  const { id } = session;
  const claim = context.claim();
  const subscription = await subscribe(context, session, connection, claim);
  const opened = await context.attempt(id, 'open', () =>
    context.store.open(id, hello.last_seq, claim),
  );
  const state = opened.ok ? opened.value : null;
  if (session.dead || state === undefined) {
    subscription?.feed.stop();
    subscription?.unsubscribe();
    if (session.dead) return 'retry';
    session.end();
    return 'unknown';
  }
  let replay: readonly string[] = [];
  let reason: ResumeFailure | undefined;
  if (state === null) {
    // The store cannot be read: keep the session (and what this instance knows of `acked`).
    reason = 'unavailable';
  } else {
    const { seq, acked, replay: kept } = state;
    session.seq = Math.max(session.seq, seq);
    session.acked = Math.max(session.acked, acked);
    if (kept !== undefined && hello.last_seq <= seq) replay = kept;
    else reason = 'history_gone';
  }
  session.attach(connection, claim, subscription);
  const data = { session: id, seq: session.seq, acked: session.acked, secret: session.secret };
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
 * Welcomes `connection`: resumes the session the hello names when the store knows it, else starts
 * a new one. Resolves with the session, or undefined when the layer closed meanwhile.
 */
export async function welcome<S extends SessionSocket>(
  context: LayerContext<S>,
  connection: Connection<S>,
  hello: HelloData,
  requestId: string | undefined,
): Promise<DeliverySession<S> | undefined> {
  if (hello.session === null) return start(context, connection, requestId, undefined);
  for (let lookup = 0; lookup < MAX_LOOKUPS; lookup++) {
    if (context.closed) return undefined;
    const held = context.sessions.get(hello.session);
    // Not held here: a placeholder under the asked id, so a second hello for it waits behind
    // this one instead of opening it twice.
    const session =
      held instanceof DeliverySession
        ? (held as DeliverySession<S>)
        : new DeliverySession(hello.session, context);
    if (held === undefined) context.sessions.set(hello.session, session);
    // The inbound queue first: frames of an older connection are processed before the welcome
    // says how far `acked` got.
    const outcome = await session.inbound.run(() =>
      session.outbound.run(() => resume(context, session, connection, hello, requestId)),
    );
    if (outcome === 'attached') return session;
    if (outcome === 'unknown') break;
  }
  return start(context, connection, requestId, 'unknown_session');
}
