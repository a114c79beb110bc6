/**
 * One run of the multi-instance cluster with real processes: redis-server, 3 instance processes,
 * a real proxy (nginx or HAProxy, with the documented config) and a fleet of sockguard clients
 * under a steady load both ways, through a list of scenarios, each its own phase of the books.
 * Everything started here is stopped here, failure or not. The result holds the figures, the
 * recoveries, the memory, the timings, and the claims that failed (each naming its figure).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  type DataLossWindow,
  type Direction,
  type Disruption,
  type InstanceBooks,
  type Kill,
  type Recovery,
  readBooks,
  reconcile,
  recovery,
} from './books.js';
import { BOUNDS, claims } from './claims.js';
import { createFleetClient, type FleetClient } from './fleet.js';
import {
  type InstanceProcess,
  type MemoryFigures,
  startInstanceProcess,
} from './instance-process.js';
import { startLoad } from './load.js';
import { type LoadBalancer, startHaproxy, startNginx } from './proxies.js';
import { type RedisProcess, startRedis } from './redis-process.js';
import { type InstanceConfig, now } from './shared.js';

export type Scenario = 'deploy' | 'kill' | 'stall' | 'empty';

export interface RunOptions {
  readonly proxy: 'nginx' | 'haproxy';
  readonly clients: number;
  /** Each client sends one message and gets one push this often. */
  readonly everyMs: number;
  readonly scenarios: readonly Scenario[];
  /** Plants the lockout: nginx without `max_fails=0` (the config docs/server.md had). */
  readonly plantNginxLockout?: boolean;
}

const INSTANCES = 3;
const PHASE_NAMES: Record<Scenario, string> = {
  deploy: 'rolling deploy',
  kill: 'SIGKILL instance',
  stall: 'Redis SIGSTOP',
  empty: 'Redis restarted empty',
};

export interface RunResult {
  readonly phases: readonly string[];
  readonly toServer: readonly Direction[];
  readonly toClient: readonly Direction[];
  readonly recoveries: readonly Recovery[];
  readonly memory: readonly MemoryFigures[];
  readonly timings: Record<string, number>;
  readonly books: InstanceBooks;
  readonly clients: readonly FleetClient[];
  /** Clients not connected (open, delivery on) when the run ended. */
  readonly away: ReadonlySet<number>;
  readonly proxy: { readonly kind: string; readonly refusals: Record<string, number> };
  readonly failures: readonly string[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Set by a run: throws when something it started died by itself (checked by every wait). */
let healthy: () => void = () => {};

/** Polls (to wait, never to measure); resolves false after `ms`. */
async function waitFor(check: () => boolean, ms: number, everyMs = 20): Promise<boolean> {
  const end = performance.now() + ms;
  for (;;) {
    healthy();
    if (check()) return true;
    if (performance.now() > end) return false;
    await sleep(everyMs);
  }
}

/** Waits `ms`, failing early if something died. */
const pause = async (ms: number) => {
  await waitFor(() => false, ms, 50);
};

export async function runCluster(options: RunOptions): Promise<RunResult> {
  for (const scenario of options.scenarios) {
    if (!(scenario in PHASE_NAMES)) throw new Error(`unknown scenario ${scenario}`);
  }
  const dir = mkdtempSync(path.join(tmpdir(), `sockguard-processes-${options.proxy}-`));
  const secret = `secret-${Math.random().toString(36).slice(2)}`;
  const started = now();
  const timings: Record<string, number> = {};
  const mark = (name: string, since: number) => {
    timings[name] = Math.round(now() - since);
  };
  let redis: RedisProcess | undefined;
  let proxy: LoadBalancer | undefined;
  const instances: InstanceProcess[] = [];
  const memory: MemoryFigures[] = [];
  const clients: FleetClient[] = [];
  let stopLoad = () => {};
  healthy = () => {
    const crashed = instances.find((instance) => instance.crash !== undefined);
    if (crashed !== undefined) throw new Error(`${crashed.crash}: see its stderr above`);
  };
  try {
    redis = await startRedis(dir);
    const base: Omit<InstanceConfig, 'book' | 'name' | 'port'> = {
      redisUrl: redis.url,
      prefix: 'sockguard:',
      secret,
      // The store's defaults, as documented.
      commandTimeoutMs: 1000,
      leaseMs: 120_000,
      sessionTtlMs: 120_000,
    };
    const incarnations = new Map<string, number>();
    /**
     * After a Redis restart the store's two connections come back in either order: i1's
     * subscriber first (its subscriptions are lost, its clients reconnect while its commands
     * still fail), i2's commands first, i3 as node-redis's default strategy has it (both within a
     * few hundred ms).
     */
    const reconnect: Record<string, InstanceConfig['reconnect']> = {
      i1: { commandsMs: 2500, subscriberMs: 100 },
      i2: { commandsMs: 100, subscriberMs: 2500 },
    };
    const launch = async (name: string, port: number) => {
      const incarnation = (incarnations.get(name) ?? 0) + 1;
      incarnations.set(name, incarnation);
      const instance = await startInstanceProcess(
        { ...base, name, port, reconnect: reconnect[name] },
        dir,
        incarnation,
      );
      memory.push(instance.memory);
      return instance;
    };
    for (let i = 0; i < INSTANCES; i++) instances.push(await launch(`i${i + 1}`, 0));
    const ports = instances.map((instance) => instance.port);
    proxy =
      options.proxy === 'nginx'
        ? await startNginx(dir, ports, { plantLockout: options.plantNginxLockout === true })
        : await startHaproxy(dir, ports);
    mark('startMs', started);

    const connecting = now();
    for (let c = 0; c < options.clients; c++) {
      clients.push(createFleetClient(c, proxy.url, secret));
    }
    if (!(await waitFor(() => clients.every((c) => c.ready()), 60_000))) {
      throw new Error(
        `${clients.filter((c) => !c.ready()).length} of ${clients.length} clients not welcomed within 60 s`,
      );
    }
    mark('connectMs', connecting);

    const phases = ['warm-up', ...options.scenarios.map((s) => PHASE_NAMES[s]), 'after'];
    let phase = 0;
    const phaseStarts = [now()];
    const pushes = new Map<string, number>();
    const askedOf = new Map<string, string>();
    const load = startLoad({
      askedOf,
      clients,
      instances: () => instances,
      everyMs: options.everyMs,
      phase: () => phase,
      pushes,
    });
    stopLoad = load.stop;
    const events: Disruption[] = [];
    let window: DataLossWindow | undefined;
    const kills: Kill[] = [];
    const holders = async (instance: InstanceProcess) => {
      const held = new Set(await instance.held());
      return new Set(
        clients.filter((c) => held.has(c.session() ?? '')).map((client) => client.index),
      );
    };
    /**
     * Waits until every client is back, then past the client's `minUptimeMs` (5 s): the next
     * fault then meets clients whose backoff starts over (first retry within 1 s), as clients of a
     * deploy whose steps are a few seconds apart would. Without it a client moved by every step
     * retries after up to 2, 4, 8, 16 s (its connections did not last), which measures the
     * backoff, not the recovery.
     */
    const settle = async () => {
      await waitFor(() => clients.every((c) => c.ready()), 30_000);
      await pause(5500);
    };
    const restart = async (index: number, how: 'stop' | 'kill', downMs: number) => {
      const old = instances[index] as InstanceProcess;
      const affected = await holders(old);
      let startAt: number;
      let overAt: number;
      if (how === 'stop') ({ stoppedAt: startAt, exitedAt: overAt } = await old.stop());
      else {
        overAt = startAt = await old.kill();
        kills.push({ book: old.book, at: startAt });
      }
      const name = old.name.split('#')[0] as string;
      await pause(downMs);
      instances[index] = await launch(name, old.port);
      events.push({
        name: `${how === 'stop' ? 'deploy' : 'SIGKILL'} ${name}`,
        kind: 'instance',
        startAt,
        overAt,
        measureFrom: startAt,
        affected,
      });
      await settle();
    };

    await settle();
    for (const scenario of options.scenarios) {
      phase++;
      phaseStarts.push(now());
      const begun = now();
      switch (scenario) {
        case 'deploy':
          for (let i = 0; i < INSTANCES; i++) await restart(i, 'stop', 0);
          break;
        case 'kill':
          await restart(1, 'kill', 1000);
          break;
        case 'stall': {
          const frozenAt = redis.freeze();
          await pause(500);
          // A fifth of the clients lose their connection while Redis hangs: they must resume.
          const bounced = clients.filter((c) => c.index % 5 === 0);
          const sessions = bounced.flatMap((c) => c.session() ?? []);
          for (const instance of instances) instance.bounce(sessions);
          await pause(3 * base.commandTimeoutMs - 500);
          const thawedAt = redis.thaw();
          await settle();
          // Also cut off: every client a resume was refused while Redis hung or as it thawed.
          const refused = clients.filter((c) =>
            c.welcomes.some(
              (w) => w.at >= frozenAt && w.at <= thawedAt + 3000 && !w.resumed && w.asked !== null,
            ),
          );
          events.push({
            name: 'Redis SIGSTOP',
            kind: 'stall',
            startAt: frozenAt,
            overAt: thawedAt,
            measureFrom: thawedAt,
            affected: new Set([...bounced, ...refused].map((c) => c.index)),
          });
          break;
        }
        case 'empty': {
          // Down 3 s, as a restart takes: node-redis's retries are then 2 s apart, so the
          // store's two connections come back up to 2 s apart, in either order.
          const { killedAt, upAt } = await redis.restartEmpty(3000);
          window = { from: killedAt, to: upAt + BOUNDS.resyncMs };
          const everyone = new Set(
            clients.filter((c) => c.welcomes.length > 0).map((c) => c.index),
          );
          events.push({
            name: 'Redis restarted empty',
            kind: 'empty',
            startAt: killedAt,
            overAt: upAt,
            measureFrom: upAt,
            affected: everyone,
          });
          // Waits for the resyncs (the bound is checked from the books afterwards), then a
          // moment of steady load.
          await waitFor(
            () =>
              clients.every((c) =>
                c.welcomes.some((w) => w.at >= killedAt && !w.resumed && w.session !== w.asked),
              ),
            BOUNDS.resyncMs,
          );
          await settle();
          break;
        }
      }
      mark(`${PHASE_NAMES[scenario]} ms`, begun);
    }
    phase++;
    phaseStarts.push(now());
    await pause(5000);
    load.stop();

    // Everything in flight settles: receipts, and the pushes numbered so far.
    const settling = now();
    await waitFor(() => clients.every((c) => c.ready()), 30_000);
    await waitFor(
      () => clients.every((c) => [...c.sends.values()].every((s) => s.fate !== 'pending')),
      20_000,
    );
    // Numbered pushes not seen yet: until none is left, or the count stays put for 2 s (those a
    // resync covered never come).
    let unseen = -1;
    let still = 0;
    await waitFor(
      () => {
        const books = readBooks(dir);
        const count = [...books.numbered.keys()].filter(
          (id) => clients[Number(id.split('.')[0])]?.seen.has(id) !== true,
        ).length;
        still = count === unseen ? still + 1 : 0;
        unseen = count;
        return count === 0 || still >= 4;
      },
      10_000,
      500,
    );
    await pause(500);
    mark('settleMs', settling);

    const away = new Set(clients.filter((c) => !c.ready()).map((c) => c.index));
    for (const client of clients) client.socket.close();
    await proxy.stop();
    await Promise.all(instances.filter((i) => i.up).map((i) => i.stop()));
    await redis.close();
    mark('totalMs', started);

    const books = readBooks(dir);
    const { toServer, toClient } = reconcile(
      books,
      clients,
      pushes,
      phaseStarts,
      window,
      away,
      kills,
    );
    // Losses up to 3 s after the cause was over are its own (a hello refused as Redis thaws; the
    // next fault starts only once every client is back and 5.5 s passed).
    const recoveries = events.map((event) => recovery(event, books, clients, 3000));
    const result: Omit<RunResult, 'failures'> = {
      phases,
      toServer,
      toClient,
      recoveries,
      memory,
      timings,
      books,
      clients,
      away,
      proxy: { kind: proxy.kind, refusals: proxy.refusals() },
    };
    if (process.env.SOCKGUARD_PROCESSES_KEEP === '1') {
      // For a post-mortem: the books stay, with what each client saw.
      writeFileSync(
        path.join(dir, 'clients.json'),
        JSON.stringify({
          phaseStarts,
          askedOf: [...askedOf],
          events: events.map((e) => ({ ...e, affected: [...e.affected] })),
          clients: clients.map((c) => ({
            index: c.index,
            welcomes: c.welcomes,
            closes: c.closes,
            attempts: c.attempts,
            faults: Object.fromEntries(c.faults),
            sends: [...c.sends],
            seen: [...c.seen],
          })),
        }),
      );
      console.log(`books kept in ${dir}`);
    } else rmSync(dir, { recursive: true, force: true });
    return { ...result, failures: claims(result, options) };
  } finally {
    stopLoad();
    for (const client of clients) client.socket.close();
    await proxy?.stop();
    await Promise.all(instances.filter((i) => i.up).map((i) => i.kill()));
    await redis?.close();
  }
}
