// @vitest-environment node
// Several session-layer instances sharing a real redis-server, sockguard clients with delivery()
// reaching them through a TCP load balancer: a client that lands on another instance resumes
// there, and a push from any instance reaches it. Counted by id in both directions.
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { allBack, drain, sleep, startLoad, until } from '../support/cluster-run.js';
import { createFleetClient, type FleetClient, figures } from '../support/delivery-fleet.js';
import { type InstanceProxy, startInstanceProxy } from '../support/instance-proxy.js';
import { type RedisServer, startRedisServer } from '../support/redis-server.js';
import { describeRedis } from '../support/redis-suite.js';
import {
  type Books,
  createBooks,
  type Instance,
  startInstance,
} from '../support/session-cluster.js';

let redis: RedisServer;
let proxy: InstanceProxy | undefined;
let instances: Instance[] = [];
let clients: FleetClient[] = [];
let run = 0;

async function cluster(count: number, clientCount: number) {
  run++;
  const books = createBooks();
  instances = [];
  for (let i = 0; i < count; i++) {
    instances.push(
      await startInstance({ name: `i${i}`, redisUrl: redis.url, books, prefix: `run${run}:` }),
    );
  }
  proxy = await startInstanceProxy(() => instances.map((instance) => instance.port));
  const url = `ws://127.0.0.1:${proxy.port}`;
  clients = Array.from({ length: clientCount }, (_, i) => createFleetClient(i, url, books));
  await until('every client welcomed', () => allBack(clients), 10_000);
  return books;
}

const print = (title: string, books: Books, extra: Record<string, unknown> = {}) => {
  const figs = figures(books, clients);
  console.log(
    `\n${title}\n${JSON.stringify({ ...figs, ...extra, refusedResumes: Object.fromEntries(books.refused), layerErrors: Object.fromEntries(books.errors) }, null, 1)}`,
  );
  return figs;
};

describeRedis('session layer on Redis across instances', () => {
  beforeAll(async () => {
    redis = await startRedisServer();
  }, 20_000);

  afterEach(async () => {
    for (const client of clients) client.socket.close();
    clients = [];
    await proxy?.close();
    proxy = undefined;
    await Promise.allSettled(instances.filter((i) => i.up).map((i) => i.stop()));
    instances = [];
  });

  afterAll(async () => {
    await redis?.close();
  });

  it('an instance killed while it streams: its clients resume on the others, 0 lost and 0 duplicated both ways', async () => {
    const books = await cluster(3, 60);
    const victim = instances[0] as Instance;
    const load = startLoad({ clients, instances: () => instances, books, everyMs: 100 });
    await sleep(1000);
    const onVictim = clients.filter((c) => victim.holds(c.session() ?? ''));
    expect(onVictim.length).toBeGreaterThan(5);
    const sessionsBefore = onVictim.map((c) => c.session());
    const welcomesBefore = onVictim.map((c) => c.welcomes);
    victim.crash();
    const recoveryMs = await until(
      'every client of the killed instance welcomed again elsewhere',
      () =>
        allBack(clients) && onVictim.every((c, i) => c.welcomes > (welcomesBefore[i] as number)),
      15_000,
    );
    await sleep(1000);
    load.stop();
    await drain(books, clients, 15_000);
    const figs = print('kill one of 3 instances (60 clients)', books, {
      onKilledInstance: onVictim.length,
      recoveryMs: Math.round(recoveryMs),
    });
    // They moved, and kept their sessions (resumed, not resynced).
    expect(onVictim.every((c) => !victim.holds(c.session() ?? ''))).toBe(true);
    expect(onVictim.map((c) => c.session())).toEqual(sessionsBefore);
    expect(figs.resyncs).toBe(0);
    expect(figs.toServer.pending).toBe(0);
    expect(figs.toServer.rejected).toBe(0);
    expect(figs.toServer.lost).toBe(0);
    expect(figs.toServer.duplicated).toBe(0);
    expect(figs.toServer.outOfOrder).toBe(0);
    expect(figs.toServer.acked).toBeGreaterThan(1000);
    expect(figs.toClient.lost).toBe(0);
    expect(figs.toClient.duplicated).toBe(0);
    expect(figs.toClient.numbered).toBeGreaterThan(1000);
  }, 60_000);

  it('Redis restarted during a run: clients resync, nothing crashes, and traffic flows again', async () => {
    const books = await cluster(2, 30);
    const load = startLoad({ clients, instances: () => instances, books, everyMs: 100 });
    await sleep(500);
    await redis.restart(300);
    const recoveryMs = await until(
      'every client resynced and back',
      () => allBack(clients) && clients.every((c) => c.resyncs > 0),
      15_000,
    );
    load.stop();
    await drain(books, clients, 15_000);
    const whole = print('Redis restarted under 2 instances (30 clients): the whole run', books, {
      recoveryMs: Math.round(recoveryMs),
    });
    expect(whole.resyncs).toBeGreaterThanOrEqual(clients.length);
    expect(instances.every((i) => i.up)).toBe(true);

    // Then a second run on the recovered cluster: its messages must all balance.
    const sentBefore = new Map(clients.map((c) => [c, c.sent]));
    const processedBefore = new Map(books.processed);
    const pushedBefore = new Set(books.pushed);
    const load2 = startLoad({ clients, instances: () => instances, books, everyMs: 100 });
    await sleep(800);
    load2.stop();
    await drain(books, clients, 15_000);
    let lost = 0;
    let duplicated = 0;
    for (const c of clients) {
      for (let n = (sentBefore.get(c) as number) + 1; n <= c.sent; n++) {
        const key = `${c.index}:${n}`;
        const count = (books.processed.get(key) ?? 0) - (processedBefore.get(key) ?? 0);
        if (count === 0 && c.ackedIds.has(n)) lost++;
        if (count > 1) duplicated++;
      }
    }
    let pushLost = 0;
    let pushDuplicated = 0;
    for (const id of books.pushed) {
      if (pushedBefore.has(id)) continue;
      const seen = books.seen.get(id) ?? 0;
      if (seen === 0) pushLost++;
      if (seen > 1) pushDuplicated++;
    }
    const numbered = books.pushed.size - pushedBefore.size;
    console.log(
      `after the restart: ${JSON.stringify({ numbered, lost, duplicated, pushLost, pushDuplicated })}`,
    );
    expect(numbered).toBeGreaterThan(150);
    expect({ lost, duplicated, pushLost, pushDuplicated }).toEqual({
      lost: 0,
      duplicated: 0,
      pushLost: 0,
      pushDuplicated: 0,
    });
    expect(clients.every((c) => c.acked + c.rejected === c.sent)).toBe(true);
  }, 60_000);
});
