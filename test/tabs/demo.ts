/**
 * `npm run demo:tabs`: the tab page and its server, for a person to open in several tabs and see
 * one of them lead and the server hold one connection. PORT picks the port (default 8788).
 */
import { startTabServer } from './tab-server.js';

const server = await startTabServer({
  port: Number(process.env.PORT ?? 8788),
  log: (line) => console.log(`[server] ${line}`),
  relay: true,
});
console.log(`One connection for all tabs: open ${server.url} in several tabs of one browser.`);
console.log(
  'Each tab shows whether it leads and how many connections the server holds. Ctrl-C stops.',
);
process.on('SIGINT', () => {
  void server.close().then(() => process.exit(0));
});
