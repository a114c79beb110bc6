// @vitest-environment node
// createRedisHistory against a real redis-server: the HistoryStore contract, shared by two
// instances (two stores, two clients), the owner rule, the lease, pub/sub, and Redis going away.
import type { RedisClientType } from 'redis';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import {
  createRedisHistory,
  type OpenedSession,
  type RedisHistory,
  type RedisHistoryOptions,
  type SessionBinding,
  type SessionEvent,
  UnknownSessionError,
} from '../../src/server/index.js';
import { hashSecret } from '../../src/server/session/identity.js';
import { type RedisServer, startRedisServer } from '../support/redis-server.js';
import { describeRedis, redisClient } from '../support/redis-suite.js';

let redis: RedisServer;
const clients: RedisClientType[] = [];
const stores: RedisHistory[] = [];
let ids = 0;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const until = async (check: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(10);
  }
};

/** One "instance": its own client and store (a prefix per test keeps tests apart). */
async function instance(options: Partial<RedisHistoryOptions> = {}, prefix = `t${ids}:`) {
  const client = await redisClient(redis.url);
  clients.push(client);
  const store = createRedisHistory({ client, prefix, commandTimeoutMs: 500, ...options });
  stores.push(store);
  return store;
}

/** The binding every session of these tests is created with and opened under. */
const BOUND: SessionBinding = { principal: 'alice', secretHash: hashSecret('secret') };
const create = (store: RedisHistory, id: string, owner: string) => store.create(id, owner, BOUND);
const open = (store: RedisHistory, id: string, afterSeq: number, owner: string) =>
  store.open(id, afterSeq, owner, BOUND) as Promise<OpenedSession | undefined>;

/** Frames as the layer encodes them: the seq in meta. */
const frame = (text: string) => (seq: number) =>
  `{"type":"t","data":"${text}","meta":{"seq":${seq}}}`;

describeRedis('createRedisHistory on a real redis-server', () => {
  beforeAll(async () => {
    redis = await startRedisServer();
  }, 20_000);

  afterEach(async () => {
    ids++;
    for (const store of stores.splice(0)) await store.close();
    for (const client of clients.splice(0)) client.destroy();
  });

  afterAll(async () => {
    await redis?.close();
  });

  it('numbers frames from 1 across two instances and replays after a seq, in order, as encoded', async () => {
    const a = await instance();
    const b = await instance();
    await create(a, 's', 'a:1');
    const seqs: number[] = [];
    for (let i = 0; i < 20; i++) {
      const [x, y] = await Promise.all([
        a.append('s', frame(`a${i}`)),
        b.append('s', frame(`b${i}`)),
      ]);
      seqs.push(x, y);
    }
    expect([...seqs].sort((p, q) => p - q)).toEqual(Array.from({ length: 40 }, (_, k) => k + 1));
    const opened = await open(b, 's', 37, 'b:1');
    expect(opened?.seq).toBe(40);
    expect(opened?.replay?.map((text) => JSON.parse(text).meta.seq)).toEqual([38, 39, 40]);
    expect(await open(b, 's', 40, 'b:2')).toEqual({ seq: 40, acked: 0, replay: [] });
  });

  it('cannot serve a gap once frames are trimmed by count or bytes, or are older than maxAgeMs', async () => {
    const byCount = await instance({ maxMessages: 2 }, `count${ids}:`);
    await create(byCount, 's', 'o');
    for (const text of ['a', 'b', 'c', 'd']) await byCount.append('s', frame(text));
    expect((await open(byCount, 's', 1, 'o'))?.replay).toBeUndefined();
    expect((await open(byCount, 's', 2, 'o'))?.replay).toHaveLength(2);

    const byBytes = await instance({ maxBytes: 80 }, `bytes${ids}:`);
    await create(byBytes, 's', 'o');
    await byBytes.append('s', frame('x'.repeat(20))); // about 50 bytes
    await byBytes.append('s', frame('y'.repeat(20))); // 100 in all: the first goes
    expect((await open(byBytes, 's', 0, 'o'))?.replay).toBeUndefined();
    expect((await open(byBytes, 's', 1, 'o'))?.replay).toHaveLength(1);

    const byAge = await instance({ maxAgeMs: 150 }, `age${ids}:`);
    await create(byAge, 's', 'o');
    await byAge.append('s', frame('old'));
    await sleep(200);
    await byAge.append('s', frame('new'));
    expect((await open(byAge, 's', 0, 'o'))?.replay).toBeUndefined();
    expect((await open(byAge, 's', 1, 'o'))?.replay).toHaveLength(1);
    expect((await open(byAge, 's', 9, 'o'))?.replay).toBeUndefined(); // more than was ever sent
  });

  it('keeps the highest acked, and never brings back a forgotten session', async () => {
    const a = await instance();
    const b = await instance();
    await create(a, 's', 'o');
    await Promise.all([
      a.setAcked('s', 5),
      b.setAcked('s', 3),
      b.setAcked('s', 7),
      a.setAcked('s', 6),
    ]);
    expect((await open(a, 's', 0, 'o'))?.acked).toBe(7);
    await a.setAcked('never-created', 9);
    expect(await open(a, 'never-created', 0, 'o')).toBeUndefined();
    await expect(a.append('never-created', frame('x'))).rejects.toBeInstanceOf(UnknownSessionError);
  });

  it('ignores a late expire from the instance the client left: the session lives on where it is held', async () => {
    const left = await instance();
    const now = await instance();
    await create(left, 's', 'left:1');
    await left.append('s', frame('before'));
    await open(now, 's', 1, 'now:1'); // the client resumed on the other instance
    await left.expire('s', 50, 'left:1'); // the old instance only now saw its connection close
    await sleep(150);
    expect(await open(now, 's', 1, 'now:2')).toEqual({ seq: 1, acked: 0, replay: [] });
    // The latest claim's own expire does end it.
    await now.expire('s', 50, 'now:2');
    await sleep(150);
    expect(await open(now, 's', 1, 'now:3')).toBeUndefined();
  });

  it('a retained session (expire with historyMs): the stream goes after historyMs, the hash (binding, seq, acked) after ttlMs; numbering and byte bounds go on', async () => {
    const a = await instance({ maxBytes: 200 });
    await create(a, 's', 'o1');
    await a.append('s', frame('one'));
    await a.append('s', frame('two'));
    await a.setAcked('s', 4);
    await a.expire('s', 5000, 'o1', 100);
    await sleep(250);
    // Missed frames cannot be replayed; nothing missed resumes; the numbering is the session's.
    expect(await open(a, 's', 0, 'o2')).toEqual({ seq: 2, acked: 4, replay: undefined });
    expect(await open(a, 's', 2, 'o3')).toEqual({ seq: 2, acked: 4, replay: [] });
    // The byte count started again with the new history: a frame that fits is kept.
    const text = frame('x'.repeat(120));
    expect(await a.append('s', text)).toBe(3);
    expect((await open(a, 's', 2, 'o4'))?.replay).toEqual([text(3)]);
    // Another secret still opens nothing, and past ttlMs the session is gone.
    await a.expire('s', 300, 'o4', 100);
    expect(await a.open('s', 0, 'o5', { ...BOUND, secretHash: hashSecret('other') })).toBe(
      undefined,
    );
    await sleep(450);
    expect(await open(a, 's', 3, 'o6')).toBeUndefined();
  });

  it('keeps a held session past its lease by refreshing it, and lets the lease of a crashed instance run out', async () => {
    const kept = await instance({ leaseMs: 1000 });
    const crashed = await instance({ leaseMs: 1000 });
    await create(kept, 'kept', 'k');
    await create(crashed, 'orphan', 'c');
    expect(kept.held).toBe(1);
    await crashed.close(); // no refresh from now on, and no expire ever: what a crash leaves
    await sleep(1600);
    expect(await open(kept, 'kept', 0, 'k')).toBeDefined();
    expect(await open(kept, 'orphan', 0, 'k2')).toBeUndefined();
  });

  it('publishes every frame and claim to subscribers, in the order Redis took them', async () => {
    const a = await instance();
    const b = await instance();
    const events: SessionEvent[] = [];
    const unsubscribe = await b.subscribe('s', (event) => events.push(event));
    await create(a, 's', 'a:1');
    await Promise.all([
      a.append('s', frame('1')),
      b.append('s', frame('2')),
      a.append('s', frame('3')),
    ]);
    await open(b, 's', 3, 'b:1');
    await until(() => events.length === 5);
    expect(events[0]).toEqual({ type: 'claimed', owner: 'a:1' });
    expect(events.slice(1, 4).map((e) => (e.type === 'frame' ? e.seq : 0))).toEqual([1, 2, 3]);
    const third = events[3];
    expect(third?.type === 'frame' && JSON.parse(third.text).meta.seq).toBe(3);
    expect(events[4]).toEqual({ type: 'claimed', owner: 'b:1' });
    unsubscribe();
    await a.append('s', frame('4'));
    await sleep(100);
    expect(events).toHaveLength(5);
  });

  it('fails fast while Redis is down, tells subscribers they lost events once it is back, and works again', async () => {
    const a = await instance();
    const events: SessionEvent[] = [];
    await a.subscribe('s', (event) => events.push(event));
    await create(a, 's', 'a:1');
    await a.append('s', frame('kept'));
    await redis.kill();
    const started = Date.now();
    await expect(a.append('s', frame('lost'))).rejects.toThrow();
    await expect(open(a, 's', 0, 'a:2')).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(1200); // bounded by commandTimeoutMs, never a hang
    await redis.start();
    await until(() => events.some((e) => e.type === 'lost'));
    // A restarted Redis without persistence has forgotten the session (and its scripts).
    await until(() => clients.every((client) => client.isReady));
    expect(await open(a, 's', 0, 'a:3')).toBeUndefined();
    await create(a, 's2', 'a:4');
    expect(await a.append('s2', frame('again'))).toBe(1);
  }, 15_000);
});
