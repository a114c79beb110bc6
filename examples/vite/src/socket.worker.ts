// The SharedWorker of tabs.html: it holds the one WebSocket every tab of this origin shares.
import { serveSharedSocket } from 'sockguard/worker';

serveSharedSocket();
