import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Tests run the TypeScript sources; '#core' must be the same module instance as src/core.
    alias: { '#core': fileURLToPath(new URL('./src/core/index.ts', import.meta.url)) },
  },
  test: {
    include: ['test/**/*.test.ts'],
    restoreMocks: true,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
  },
});
