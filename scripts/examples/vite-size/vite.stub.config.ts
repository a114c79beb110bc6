// The size comparison's config (vite.size.config.ts: index.html alone) with sockguard/react
// replaced by a no-op stub, built into dist-stub/: the gzip difference between dist-size/ and
// dist-stub/ is what sockguard adds to the app.
import { fileURLToPath } from 'node:url';
import { mergeConfig } from 'vite';
import size from './vite.size.config';

export default mergeConfig(size, {
  resolve: {
    alias: {
      'sockguard/react': fileURLToPath(new URL('./sockguard-react-stub.tsx', import.meta.url)),
    },
  },
  build: { outDir: 'dist-stub' },
});
