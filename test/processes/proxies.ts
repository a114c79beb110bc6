/**
 * The real load balancers, run with the configs documented in docs/deploy/: nginx (Debian's
 * /usr/sbin/nginx) and HAProxy. Each file is read as written; only what ties it to a machine is
 * replaced (the three upstream addresses by the instances' ports, the TLS listen line by a plain
 * port on 127.0.0.1, the certificate lines dropped), and a replacement that finds nothing fails:
 * the test can never drift from the documented file. Each proxy runs in the foreground with its
 * own prefix, pid file and logs in the test's temp dir, on a free port.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../support/redis-server.js';
import { stopChild, track } from './children.js';
import { waitForPort } from './ports.js';

const deploy = (file: string) =>
  fileURLToPath(new URL(`../../docs/deploy/${file}`, import.meta.url));

export interface LoadBalancer {
  readonly kind: 'nginx' | 'haproxy';
  /** Where clients connect (path included). */
  readonly url: string;
  /** The config as it ran. */
  readonly config: string;
  /** Lines of its error log that say it refused clients, by what they say. */
  refusals(): Record<string, number>;
  stop(): Promise<void>;
}

/** Replaces every match of `pattern` with `replace(index)`; throws unless it matched `count` times. */
function substitute(
  text: string,
  pattern: RegExp,
  count: number,
  replace: (index: number) => string,
  what: string,
): string {
  let index = 0;
  const out = text.replace(pattern, () => replace(index++));
  if (index !== count) {
    throw new Error(`docs/deploy: expected ${count} ${what}, found ${index}: update proxies.ts`);
  }
  return out;
}

/** Which binary, or why the test cannot run (CI installs both in .ci/run). */
export function findBinary(name: 'nginx' | 'haproxy'): string | undefined {
  for (const candidate of [`/usr/sbin/${name}`, `/usr/local/sbin/${name}`]) {
    if (existsSync(candidate)) return candidate;
  }
  try {
    return (
      execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined
    );
  } catch {
    return undefined;
  }
}

/** nginx's http-level config from docs/deploy/nginx.conf for these instance ports. */
export function renderNginx(
  ports: readonly number[],
  listen: number,
  plantLockout = false,
): string {
  let site = readFileSync(deploy('nginx.conf'), 'utf8');
  site = substitute(
    site,
    /server 10\.0\.0\.1\d:8080/g,
    ports.length,
    (i) => `server 127.0.0.1:${ports[i]}`,
    'upstream server lines',
  );
  site = substitute(site, /listen 443 ssl;/g, 1, () => `listen 127.0.0.1:${listen};`, 'listen');
  site = substitute(site, /^\s*ssl_certificate(_key)?\s.*$/gm, 2, () => '', 'certificate lines');
  // Planting the lockout (SOCKGUARD_NGINX_MAX_FAILS=1): the config docs/server.md had before.
  if (plantLockout)
    site = substitute(site, / max_fails=0;/g, ports.length, () => ';', 'max_fails=0');
  return site;
}

export async function startNginx(
  dir: string,
  ports: readonly number[],
  options: { plantLockout?: boolean } = {},
): Promise<LoadBalancer> {
  const binary = findBinary('nginx');
  if (binary === undefined) throw new Error('nginx is not installed (apt-get install -y nginx)');
  const prefix = path.join(dir, 'nginx');
  mkdirSync(path.join(prefix, 'temp'), { recursive: true });
  const listen = await freePort();
  const site = renderNginx(ports, listen, options.plantLockout === true);
  writeFileSync(path.join(prefix, 'sockguard.conf'), site);
  const errorLog = path.join(prefix, 'error.log');
  const temp = path.join(prefix, 'temp');
  // The main config a distribution's nginx.conf would be, with everything in the temp dir.
  const main = [
    'worker_processes 1;',
    // Workers as root when the test is root (nginx's default user may not read the temp dir).
    ...(process.getuid?.() === 0 ? ['user root;'] : []),
    `pid ${path.join(prefix, 'nginx.pid')};`,
    `error_log ${errorLog} warn;`,
    'events { worker_connections 8192; }',
    'http {',
    '  access_log off;',
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(
      (kind) => `  ${kind}_temp_path ${path.join(temp, kind)};`,
    ),
    `  include ${path.join(prefix, 'sockguard.conf')};`,
    '}',
    '',
  ].join('\n');
  const conf = path.join(prefix, 'nginx.conf');
  writeFileSync(conf, main);
  const child: ChildProcess = spawn(
    binary,
    ['-p', prefix, '-e', errorLog, '-c', conf, '-g', 'daemon off;'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  track(child);
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += String(chunk);
  });
  await waitForPort('nginx', listen, 10_000, () =>
    child.exitCode === null ? undefined : `exited with ${child.exitCode}: ${stderr}`,
  );
  return {
    kind: 'nginx',
    url: `ws://127.0.0.1:${listen}/ws`,
    config: site,
    refusals() {
      const log = existsSync(errorLog) ? readFileSync(errorLog, 'utf8') : '';
      const count = (text: string) => log.split(text).length - 1;
      return {
        'no live upstreams': count('no live upstreams'),
        'connect() failed': count('connect() failed'),
      };
    },
    // SIGTERM: nginx's fast shutdown (SIGQUIT would wait for every WebSocket to close).
    stop: () => stopChild(child, 'SIGTERM'),
  };
}

/** HAProxy's config from docs/deploy/haproxy.cfg for these instance ports. */
export function renderHaproxy(ports: readonly number[], listen: number): string {
  let config = readFileSync(deploy('haproxy.cfg'), 'utf8');
  config = substitute(
    config,
    /(server i\d) 10\.0\.0\.1\d:8080/g,
    ports.length,
    (i) => `server i${i + 1} 127.0.0.1:${ports[i]}`,
    'server lines',
  );
  config = substitute(
    config,
    /bind :443 ssl crt \S+/g,
    1,
    () => `bind 127.0.0.1:${listen}`,
    'bind',
  );
  // Sized for this machine's file descriptor limit (HAProxy refuses to start above it); the test
  // needs two per client, for a few hundred clients.
  config = substitute(config, /maxconn 10000/g, 1, () => 'maxconn 4000', 'maxconn');
  return config;
}

export async function startHaproxy(dir: string, ports: readonly number[]): Promise<LoadBalancer> {
  const binary = findBinary('haproxy');
  if (binary === undefined)
    throw new Error('haproxy is not installed (apt-get install -y haproxy)');
  const prefix = path.join(dir, 'haproxy');
  mkdirSync(prefix, { recursive: true });
  const listen = await freePort();
  const config = renderHaproxy(ports, listen);
  const file = path.join(prefix, 'haproxy.cfg');
  writeFileSync(file, config);
  // -db: foreground, no daemon; -p: our pid file.
  const child: ChildProcess = spawn(
    binary,
    ['-db', '-f', file, '-p', path.join(prefix, 'haproxy.pid')],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  track(child);
  let log = '';
  child.stderr?.on('data', (chunk) => {
    log += String(chunk);
  });
  await waitForPort('haproxy', listen, 10_000, () =>
    child.exitCode === null ? undefined : `exited with ${child.exitCode}: ${log}`,
  );
  return {
    kind: 'haproxy',
    url: `ws://127.0.0.1:${listen}/ws`,
    config,
    refusals() {
      const count = (text: string) => log.split(text).length - 1;
      return {
        'is DOWN': count(' is DOWN'),
        'no server available': count('has no server available'),
      };
    },
    stop: () => stopChild(child, 'SIGTERM'),
  };
}
