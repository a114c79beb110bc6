import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { SocketProvider } from 'sockguard/react';
import { App } from './App';
import { tabs } from './shared-tabs';
import { socketOptions } from './socket-options';

// tabs.html: the same app, its socket shared by every tab of this origin (one WebSocket).
const root = document.getElementById('root');
if (root === null) throw new Error('tabs.html has no #root');

createRoot(root).render(
  <StrictMode>
    <SocketProvider options={{ ...socketOptions(window.location), tabs }}>
      <App />
    </SocketProvider>
  </StrictMode>,
);
