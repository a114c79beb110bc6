/// <reference types="vite/client" />
/**
 * The Live story's link to the real demo server (demo/server.ts): where it is, how to get a token,
 * how to make it fail, and the msw handler that lets its WebSocket through.
 */
import { ws } from 'msw';
import type { Socket, SocketOptions } from '../../src/index.js';
import type { FailureName } from '../components/failures.js';
import { FAST_OPTIONS, SERVER_TEXTS } from './mock-server.js';

/** Set by .storybook/vitest-setup.ts when the stories run as tests (a server on a free port). */
const INJECTED = '__SOCKGUARD_DEMO_URL__';

/**
 * The demo server's WebSocket URL: the one the test run started, else `STORYBOOK_DEMO_URL` from
 * the environment, else `npm start`'s default `ws://127.0.0.1:8787`.
 */
export function demoUrl(): string {
  const injected: unknown = Reflect.get(globalThis, INJECTED);
  if (typeof injected === 'string') return injected;
  const fromEnv: unknown = import.meta.env.STORYBOOK_DEMO_URL;
  return typeof fromEnv === 'string' && fromEnv !== '' ? fromEnv : 'ws://127.0.0.1:8787';
}

/** The HTTP base of the same server (`POST /token`, `POST /control/<fault>`). */
export const httpUrlOf = (url: string): string => url.replace(/^ws/, 'http').replace(/\/$/, '');

/**
 * msw intercepts every WebSocket in Storybook; this handler connects the demo server's sockets to
 * the real server and forwards frames and closes both ways. (msw opens the page's socket at once,
 * before the real handshake answers: see docs/storybook.md.)
 */
export function passThrough(url: string) {
  return ws.link(`${url.replace(/\/$/, '')}/*`).addEventListener('connection', ({ server }) => {
    server.connect();
  });
}

/** A fresh `valid-…` token from the demo server. */
export async function fetchToken(url: string): Promise<string> {
  const response = await fetch(`${httpUrlOf(url)}/token`, { method: 'POST' });
  if (!response.ok) throw new Error(`POST /token answered ${response.status}`);
  const body: unknown = await response.json();
  const token = typeof body === 'object' && body !== null ? Reflect.get(body, 'token') : undefined;
  if (typeof token !== 'string') throw new Error('POST /token gave no token');
  return token;
}

/**
 * Socket options for the demo server: a token fetched before the first attempt and a fresh one
 * on `refreshAuth` (so an expired token is refreshed once and the socket reconnects), and the
 * server's own texts shown (`englishTexts()`), as in the playground.
 */
export function liveOptions(url: string): SocketOptions {
  let token: string | null = null;
  return {
    ...FAST_OPTIONS,
    ...SERVER_TEXTS,
    url: async () => {
      token ??= await fetchToken(url);
      return `${url.replace(/\/$/, '')}/?token=${token}`;
    },
    refreshAuth: async () => {
      token = await fetchToken(url);
    },
  };
}

/** Makes `failure` happen on this socket only, by a control message the demo server obeys. */
export function triggerOnDemo(failure: FailureName, socket: Socket): void {
  const data = failure === 'refuse' ? { fault: failure, seconds: 1 } : { fault: failure };
  socket.send('control', data);
}
