/**
 * The Lua scripts of the Redis history store. Each runs atomically in Redis, so a session's `seq`
 * is taken, its frame kept and published in one step whichever instance asks: numbers stay
 * monotonic per session across instances, and subscribers see frames in `seq` order.
 *
 * Keys of a session (one hash tag, so a cluster keeps them in one slot): the hash `KEYS[1]`
 * (`seq`, `acked`, `bytes`, `owner`, `principal`, `secret`: the SHA-256 of the resume secret, never
 * the secret) and the stream `KEYS[2]` (entry id `<seq>-0`, fields `t`: the frame text, `a`: when
 * it was kept, in Redis's clock, ms). Channel messages: `f<seq> <text>` for a frame, `c<owner>`
 * for a claim, `x` when a script found the session gone (its holder ends it and the client is
 * told).
 *
 * The secret's hash is compared with Lua's `~=`, not in constant time: what a timing difference
 * could leak is how many leading characters of an attacker's own hash match, which says nothing
 * about a secret whose hash it is not (SHA-256 is not invertible); the layer's comparisons in
 * memory are constant time all the same.
 */

/** A script: its name (in errors) and its Lua text. */
export interface Script {
  readonly name: string;
  readonly body: string;
}

const script = (name: string, body: string): Script => ({ name, body });

const NOW = `local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)`;

/**
 * ARGV: owner, leaseMs, channel, principal, secretHash. Starts the session afresh, bound to the
 * principal and the secret's hash, claimed by owner.
 */
export const CREATE = script(
  'create',
  `redis.call('DEL', KEYS[1], KEYS[2])
redis.call('HSET', KEYS[1], 'seq', 0, 'acked', 0, 'bytes', 0, 'owner', ARGV[1], 'principal', ARGV[4], 'secret', ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PUBLISH', ARGV[3], 'c' .. ARGV[1])
return 1`,
);

/**
 * ARGV: afterSeq, owner, leaseMs, maxAgeMs, channel, principal, secretHash. The binding is checked
 * before anything is claimed or read: 0 for an unknown session or another secret (one answer for
 * both), -1 for the right secret and another principal. Else claims it and returns
 * {seq, acked, servable, texts...}: servable 1 when the stream holds every frame after afterSeq
 * and the oldest of them is younger than maxAgeMs.
 */
export const OPEN = script(
  'open',
  `local bound = redis.call('HMGET', KEYS[1], 'secret', 'principal')
if not bound[1] or bound[1] ~= ARGV[7] then return 0 end
if bound[2] ~= ARGV[6] then return -1 end
redis.call('HSET', KEYS[1], 'owner', ARGV[2])
-- A retained session whose history expired: its byte count starts again with the new history.
if redis.call('EXISTS', KEYS[2]) == 0 then redis.call('HSET', KEYS[1], 'bytes', 0) end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('PUBLISH', ARGV[5], 'c' .. ARGV[2])
local seq = tonumber(redis.call('HGET', KEYS[1], 'seq'))
local acked = tonumber(redis.call('HGET', KEYS[1], 'acked'))
local after = tonumber(ARGV[1])
local out = {seq, acked, 0}
if after > seq then return out end
if after == seq then out[3] = 1 return out end
local entries = redis.call('XRANGE', KEYS[2], string.format('%d-0', after + 1), '+')
if #entries ~= seq - after then return out end
${NOW}
if now - tonumber(entries[1][2][4]) >= tonumber(ARGV[4]) then return out end
out[3] = 1
for i = 1, #entries do out[3 + i] = entries[i][2][2] end
return out`,
);

/**
 * ARGV: channel, maxMessages, maxBytes, then the frame text in parts: the text is the parts
 * joined with the new seq. Returns the seq, or -1 for an unknown session (and says so on the
 * channel: an instance still holding it, its data lost, ends it at once).
 */
export const APPEND = script(
  'append',
  `if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('PUBLISH', ARGV[1], 'x')
  return -1
end
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
local digits = string.format('%d', seq)
local parts = {}
for i = 4, #ARGV do parts[#parts + 1] = ARGV[i] end
local text = table.concat(parts, digits)
${NOW}
redis.call('XADD', KEYS[2], digits .. '-0', 't', text, 'a', now)
local bytes = redis.call('HINCRBY', KEYS[1], 'bytes', #text)
local length = redis.call('XLEN', KEYS[2])
local maxMessages = tonumber(ARGV[2])
local maxBytes = tonumber(ARGV[3])
while length > 0 and (length > maxMessages or bytes > maxBytes) do
  local oldest = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)[1]
  redis.call('XDEL', KEYS[2], oldest[1])
  bytes = bytes - #oldest[2][2]
  length = length - 1
end
redis.call('HSET', KEYS[1], 'bytes', bytes)
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
redis.call('PUBLISH', ARGV[1], 'f' .. digits .. ' ' .. text)
return seq`,
);

/** ARGV: acked. Keeps the highest value; never creates a forgotten session. */
export const SET_ACKED = script(
  'setAcked',
  `local current = redis.call('HGET', KEYS[1], 'acked')
if not current then return 0 end
if tonumber(ARGV[1]) > tonumber(current) then redis.call('HSET', KEYS[1], 'acked', ARGV[1]) end
return 1`,
);

/**
 * ARGV: owner, ttlMs, and historyMs (optional, at most ttlMs: the stream's own time to live, so a
 * retained session keeps its hash only). Sets the session's time to live when owner is its latest
 * claim (an expiry, or the refresh of a lease); returns 0 when another claim holds it, -1 when it
 * is gone.
 */
export const EXPIRE = script(
  'expire',
  `local owner = redis.call('HGET', KEYS[1], 'owner')
if not owner then return -1 end
if owner ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[3] or ARGV[2])
return 1`,
);
