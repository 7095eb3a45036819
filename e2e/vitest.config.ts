// End-to-end tests: Playwright (playwright-core + the system Chromium) against the BUILT site in dist/.
// Run with `npm run build && npx vitest run --config e2e/vitest.config.ts` (`npm test` does both).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    include: ['e2e/**/*.test.ts'],
    environment: 'node',
    fileParallelism: false,
    // Model loads (two ~10 MB models, a 27 MB wasm compiled per worker) on a small shared CPU are slow.
    testTimeout: 240_000,
    hookTimeout: 240_000,
    teardownTimeout: 30_000,
    reporters: ['verbose'],
  },
});
