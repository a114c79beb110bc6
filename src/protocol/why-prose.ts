/**
 * The prose of each cause code (`why.ts`), for development builds and docs/protocol.md: `{0}`,
 * `{1}` stand for the figures. Production builds keep only the code and the figures.
 */
const PROSE: Readonly<Record<string, string>> = {
  url_timeout: 'url/protocols did not settle within {0} ms',
  open_timeout: 'no open within {0} ms',
  no_pong: 'no frame within {0} ms of a ping',
  offline_probe: 'went offline with the socket open; the probe got no answer',
  gave_up: 'gave up after {0} retries (last: {1})',
  handshakes: '{0} handshakes failed in a row (last: {1})',
  while_offline: '{0} while offline',
  protocols:
    '{0}; subprotocols asked: {1} (a server that selects none of them fails every handshake)',
  refresh_failed: 'refreshAuth failed: {0}',
  refresh_timeout: 'Error: it did not settle within {0} ms',
  reconnect_called: 'connection lost (reconnect() was called)',
  close_called: 'close() was called',
  failed: 'the connection failed ({0})',
  suspended: 'suspended: down for {0} ms',
  frozen: 'the page entered the back/forward cache',
  no_websocket: 'neither options.WebSocket nor globalThis.WebSocket is a constructor',
  url_failed: 'url/protocols function failed: {0}',
  not_text_url: 'the URL is a {0}, not a string',
  url_unparsed: 'the URL does not parse',
  url_scheme: 'the scheme {0} is not ws:, wss:, http: or https:',
  bad_protocols: 'protocols() returned {0}, not a string or an array of strings',
  // A figure of bad_protocols.
  mixed_array: 'an array with a non-string',
  constructor_threw: 'WebSocket constructor threw {0}',
  handler_threw: 'handler of "{0}" threw {1}',
  callback_threw: '{0} threw {1}',
  // The socket's own callbacks, as the first figure of callback_threw.
  listener: 'a subscribe listener',
  store_subscriber: 'an error store subscriber',
  backoff_policy: 'the backoff function',
  not_sent: '{0} before it was sent',
  queue_full: 'the send queue is full ({0})',
  socket_stopped: 'the socket is {0}: nothing is sent until {1} is called',
  suspended_send: 'suspended: the connection has been down too long',
  send_type: 'send(type, data) needs a non-empty string type',
  not_json: 'the data of "{0}" cannot be sent as JSON ({1})',
  request_lost: 'connection lost ({0}: {1})',
  aborted_before: 'aborted before it was sent',
  aborted: 'the signal was aborted',
  no_reply: 'no reply to "{0}" within {1} ms',
  bad_reply: 'reply to "{0}": {1}',
  bad_data: '"{0}" data: {1}',
  not_delivery:
    "delivery must be what delivery() returns: import { delivery } from 'sockguard' and pass delivery: delivery()",
  not_tabs:
    "tabs must be what shareTabs() returns: import { shareTabs } from 'sockguard' and pass tabs: shareTabs()",
  not_schemas:
    "schemas must be what validate() returns: import { validate } from 'sockguard' and pass schemas: validate({ ... })",
  not_text: 'not text: {0}',
  frame_too_long: 'frame of {0} chars exceeds {1}',
  too_deep: 'nested deeper than {0}',
  too_deep_to_parse: 'nested too deep to parse',
  bad_json: 'invalid JSON: {0}',
  proto_key: 'forbidden key "__proto__"',
  not_object: 'not an object: {0}',
  no_type: 'missing type',
  type_not_string: 'type is not a string',
  empty_type: 'empty type',
  meta_not_object: 'meta is not an object',
  meta_request_id: 'meta.request_id is not a string',
  meta_timestamp: 'meta.timestamp is not a string',
  meta_retry_after: 'meta.retry_after_ms is not a finite number >= 0',
  error_data: 'error data is not an object',
  error_code: 'error data.code is not a finite number',
  error_message: 'error data.message is not a string',
  on_type: 'on(type) needs a non-empty type, or "*" for every message',
  on_handler: 'on("{0}", handler) needs a function',
  // What the error store writes to console.error (with the error) when its onFault logger throws.
  on_fault_threw: 'the error store onFault logger threw',
  // Delivery (src/delivery): the server is checked, and what a send's fate is.
  no_ack: 'a send got no acknowledgement within {0} ms',
  no_welcome: 'no welcome within {0} ms of the hello',
  missed: 'missed messages cannot be replayed ({0})',
  other_user: 'new session: the old one belongs to another user (other_principal)',
  other_user_sent:
    'new session: the old one belongs to another user (other_principal); sent in the old one, it may have been processed',
  other_user_kept:
    'new session: the old one belongs to another user (other_principal); {0} kept sends not sent',
  forgotten: 'the server forgot its session ({0}): it may have been processed, not sent again',
  store_unavailable: 'welcome reason unavailable: the server cannot read its session store',
  bad_welcome: 'a malformed welcome (v, session, resumed, seq, acked and secret are required)',
  max_unacked: 'delivery.maxUnacked ({0}) reached',
  max_resends: 'sent on {0} connections without an acknowledgement; it may have arrived',
  sent_unacked: '{0}; it was sent but not acknowledged, so it may have arrived',
  ended_sent: 'endSession() was called before an ack: it may have been processed',
  ended_unsent: 'endSession() was called before it was sent',
  ended_reply: 'endSession() was called before the reply came',
  discarded: 'the app discarded it from the outbox before it was sent',
  discarded_sent:
    'the app discarded it from the outbox; it was sent before, so it may have been processed',
  outbox_held: 'another socket of this key and user holds the outbox (one tab at a time)',
  outbox_load: 'what the outbox kept could not be read ({0})',
  outbox_write: 'the outbox could not keep a send ({0})',
  outbox_session: 'the outbox could not keep the session ({0})',
  went_plain: 'the server no longer speaks delivery: sent before, it may have arrived',
  early_ack: 'ack before the welcome',
  early_numbered: 'numbered message before the welcome',
  welcome_acked: 'welcome acked {0}, above {1}, the highest seq sent in the session',
  welcome_seq: 'welcome resumed at seq {0}, below last_seq {1}',
  new_acked: 'new session with acked {0}: nothing was sent in it',
  new_resumed: 'new session said resumed',
  bad_ack: 'malformed ack',
  ack_above: 'ack {0}, above {1}, the highest seq sent on this connection',
  bad_seq: 'meta.seq {0} is not a positive safe integer',
  gap: 'gap: seq {0} after {1}; resuming after {1}',
  // Schemas (validate(), a request's reply schema).
  invalid_data: 'invalid data',
  schema_threw: 'schema threw: {0}',
  async_schema: 'async schema: data schemas must validate synchronously',
  no_result: 'schema returned no result',
  // Tab sharing (src/worker/share-tabs.ts, tab.ts).
  tabs_key: 'shareTabs() needs a key when url is a function: shareTabs({ key: "chat" })',
  tab_closed: 'close() was called in this tab',
  tabs_no_worker:
    "no worker given: shareTabs({ worker: () => new SharedWorker(new URL('./socket.worker.ts', import.meta.url), { type: 'module', name: 'sockguard' }) })",
  tabs_no_shared_worker: 'this browser has no SharedWorker',
  tabs_worker_threw: 'the worker factory threw: {0}',
  not_shared_worker:
    "serveSharedSocket() runs in a SharedWorker's script (new SharedWorker(new URL('./socket.worker.ts', import.meta.url), { type: 'module' })), not here",
  // Shared worker (src/worker): one socket in a SharedWorker, tabs on MessagePorts.
  dropped_message: 'the shared worker dropped a message of this tab: {0}',
  worker_options: 'the shared socket "{0}" runs with other {1} (options must agree across tabs)',
  not_tab_option: '{0} is not an option a tab can give the shared worker',
  worker_function: '{0} cannot be a function in a shared worker',
  no_tab_answered: 'no tab answered {0}() ({1} asked in turn)',
  hub_stopped: 'the hub stopped',
  worker_threw: 'the {0} threw in the shared worker: {1}',
  work_in_flight: 'work {0} is in flight already',
  tab_work_full: 'this tab has {0} sends and requests in flight',
  worker_silent: 'the shared worker did not answer for {0} ms',
  worker_unstarted: 'the shared worker did not start (no welcome in {0} ms)',
  tab_dropped: 'the shared worker dropped this tab (it did not answer in time)',
  worker_lost_work:
    'handed to a shared worker this tab lost before it told the outcome: it may have arrived',
  worker_malformed: 'a malformed message from the shared worker: {0}',
  // The tab's settled hook, as the first figure of callback_threw.
  settled_hook: 'the settled hook',
  port_factory: 'the port factory',
  answer_unsendable: '{0}() returned what cannot be sent',
  tab_outbox:
    'delivery.outbox with its own storage or locks cannot cross to the shared worker (give indexedDbOutbox() only user, key and bounds)',
  worker_no_outbox:
    'the tabs ask for delivery.outbox, but the worker file gave none: call serveSharedSocket({ outbox: indexedDbOutbox }) with indexedDbOutbox from sockguard/outbox',
  outbox_user: 'delivery.outbox.user is required (whose sends are kept)',
  tab_function:
    '{0} cannot be a function on a shared worker socket (it runs in the worker): give its object form',
  tab_messages:
    'classification.messages cannot be a function on a shared worker socket: give a record by code',
};

/** `code`'s prose with its figures, or the code and figures when it has none. */
export function prose(code: string, args: ReadonlyArray<string | number>): string {
  const text = PROSE[code];
  if (text === undefined) return args.length > 0 ? `${code} ${args.join(' ')}` : code;
  return text.replace(/\{(\d)\}/g, (_, i: string) => String(args[Number(i)] ?? ''));
}
