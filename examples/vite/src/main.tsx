import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { SocketProvider } from 'sockguard/react';
import { App } from './App';
import { socketOptions } from './socket-options';

const root = document.getElementById('root');
if (root === null) throw new Error('index.html has no #root');

createRoot(root).render(
  <StrictMode>
    <SocketProvider options={socketOptions(window.location)}>
      <App />
    </SocketProvider>
  </StrictMode>,
);
