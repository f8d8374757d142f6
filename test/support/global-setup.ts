/**
 * Vitest global setup: one PostgreSQL cluster for the whole run, its URL provided to tests as
 * `inject('postgresUrl')`. There is deliberately no skip when PostgreSQL is missing: a green run
 * that never touched the PostgreSQL engine would be a lie, so setup fails and says what to install.
 */
// Loads vitest's types so the augmentation below has a module to extend.
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { writeConfigValidator } from '../../src/config/validator-module.js';
import { startPostgresCluster } from './postgres.js';
import type { PostgresCluster } from './postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser URL of the run's throwaway cluster; make a database per test file from it. */
    postgresUrl: string;
  }
}

let cluster: PostgresCluster | undefined;

export async function setup(project: TestProject): Promise<void> {
  // The tests run src, which validates configs with ajv's generated code (never committed): write it
  // from today's schema, as `npm run build` does for dist.
  writeConfigValidator();
  cluster = await startPostgresCluster();
  project.provide('postgresUrl', cluster.url);
}

export async function teardown(): Promise<void> {
  await cluster?.stop();
  cluster = undefined;
}
