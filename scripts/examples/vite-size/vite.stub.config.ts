// The Vite example's config with sockguard/react replaced by a no-op stub, built into dist-stub/:
// the gzip difference between dist/ and dist-stub/ is what sockguard adds to the app.
import { fileURLToPath } from 'node:url';
import { mergeConfig } from 'vite';
import base from './vite.config';

export default mergeConfig(base, {
  resolve: {
    alias: {
      'sockguard/react': fileURLToPath(new URL('./sockguard-react-stub.tsx', import.meta.url)),
    },
  },
  build: { outDir: 'dist-stub' },
});
