// The Vite example's config for the size comparison: index.html alone (a socket per tab), built
// into dist-size/. tabs.html and its SharedWorker stay out, so the figure is what sockguard adds
// to an app that does not share tabs (a tab's share is the lead's size check, bench/size.ts).
import type { UserConfig } from 'vite';
import base from './vite.config';

const config: UserConfig = {
  ...base,
  build: { ...base.build, outDir: 'dist-size', rolldownOptions: { input: 'index.html' } },
};

export default config;
