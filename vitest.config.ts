import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { SlowFirstSequencer } from './test/support/sequencer.js';

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
    // One worker per core. vitest's default is one less than the cores, which on a 2-core CI machine
    // is a single worker: every file one after the other, while most of them spend their time waiting
    // for a real server, ansible-playbook or an opsbot process, and the second core idles.
    maxWorkers: Math.max(availableParallelism(), 2),
    // A worker keeps its loaded modules from one test file to the next instead of starting a fresh
    // process and importing src/ again for every file (~1-2 s a file, 130+ files). Files still run one
    // at a time per worker, and nothing in the tests mocks modules; each file closes what it opened.
    isolate: false,
    // The longest files start first, so the run does not end waiting for one of them to finish.
    sequence: { sequencer: SlowFirstSequencer },
  },
});
