// @vitest-environment node
// A rolling deploy: 500 sockguard clients with delivery() over 3 session-layer instances on one
// redis-server, behind a TCP load balancer; the instances restart one at a time (each stops as a
// deploy stops it: 1001 to its clients, then comes back on its port). Every message is followed
// by id in both directions; the figures are printed.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { allBack, drain, sleep, startLoad, until } from '../support/cluster-run.js';
import { createFleetClient, type FleetClient, figures } from '../support/delivery-fleet.js';
import { type InstanceProxy, startInstanceProxy } from '../support/instance-proxy.js';
import { type RedisServer, startRedisServer } from '../support/redis-server.js';
import { describeRedis } from '../support/redis-suite.js';
import { createBooks, type Instance, startInstance } from '../support/session-cluster.js';

const CLIENTS = 500;
const INSTANCES = 3;

let redis: RedisServer;
let proxy: InstanceProxy | undefined;
const instances: Instance[] = [];
let clients: FleetClient[] = [];

describeRedis('rolling deploy on Redis', () => {
  beforeAll(async () => {
    redis = await startRedisServer();
  }, 20_000);

  afterAll(async () => {
    for (const client of clients) client.socket.close();
    await proxy?.close();
    await Promise.allSettled(instances.filter((i) => i.up).map((i) => i.stop()));
    await redis?.close();
  });

  it(`${CLIENTS} clients over ${INSTANCES} instances restarted one at a time: 0 lost, 0 duplicated, no resync`, async () => {
    const books = createBooks();
    const start = (name: string, port = 0) =>
      startInstance({ name, redisUrl: redis.url, books, prefix: 'deploy:', port });
    for (let i = 0; i < INSTANCES; i++) instances.push(await start(`i${i}`));
    proxy = await startInstanceProxy(() => instances.map((instance) => instance.port));
    const url = `ws://127.0.0.1:${proxy.port}`;
    clients = Array.from({ length: CLIENTS }, (_, i) => createFleetClient(i, url, books));
    const connectMs = await until('every client welcomed', () => allBack(clients), 30_000);

    // Every client sends a message and gets a push every second: 500 a second each way.
    const load = startLoad({ clients, instances: () => instances, books, everyMs: 1000 });
    await sleep(1500);
    const restarts: Array<{ instance: string; clients: number; stopMs: number; backMs: number }> =
      [];
    const deployStarted = performance.now();
    for (let i = 0; i < INSTANCES; i++) {
      const old = instances[i] as Instance;
      const moving = clients.filter((c) => old.holds(c.session() ?? ''));
      const welcomes = moving.map((c) => c.welcomes);
      const t0 = performance.now();
      await old.stop();
      const stopMs = performance.now() - t0;
      instances[i] = await start(old.name, old.port);
      const backMs = await until(
        `every client of ${old.name} back`,
        () => allBack(clients) && moving.every((c, k) => c.welcomes > (welcomes[k] as number)),
        30_000,
      );
      restarts.push({
        instance: old.name,
        clients: moving.length,
        stopMs: Math.round(stopMs),
        backMs: Math.round(stopMs + backMs),
      });
      await sleep(1000);
    }
    const deployMs = performance.now() - deployStarted;
    load.stop();
    await drain(books, clients, 30_000);
    const figs = figures(books, clients);
    console.log(
      `\nrolling deploy, ${CLIENTS} clients over ${INSTANCES} instances\n${JSON.stringify(
        {
          connectMs: Math.round(connectMs),
          restarts,
          deployMs: Math.round(deployMs),
          worstRecoveryMs: Math.max(...restarts.map((r) => r.backMs)),
          ...figs,
          refusedResumes: Object.fromEntries(books.refused),
          layerErrors: Object.fromEntries(books.errors),
        },
        null,
        1,
      )}`,
    );
    expect(restarts.every((r) => r.clients > 0)).toBe(true);
    expect(figs.toServer).toMatchObject({
      pending: 0,
      rejected: 0,
      lost: 0,
      duplicated: 0,
      outOfOrder: 0,
    });
    expect(figs.toServer.acked).toBeGreaterThan(CLIENTS * 5);
    expect(figs.toClient).toMatchObject({ lost: 0, duplicated: 0 });
    expect(figs.toClient.numbered).toBeGreaterThan(CLIENTS * 5);
    expect(figs.resyncs).toBe(0);
  }, 120_000);
});
