/**
 * Brings a database to the latest schema. Kysely's Migrator serializes concurrent runs: on
 * PostgreSQL it holds an advisory lock for the whole run, so several replicas booting at once
 * apply each migration exactly once; SQLite has one writer anyway.
 */
import { Migrator } from 'kysely';
import type { Kysely } from 'kysely';
import { StoreOpenError } from './errors.js';
import { allMigrations } from './migrations/index.js';
import type { Database, StoreEngine } from './schema.js';

export async function migrateToLatest(db: Kysely<Database>, engine: StoreEngine): Promise<void> {
  const migrations = allMigrations(engine);
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve(migrations) },
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new StoreOpenError(`store migration ${failed ?? '(setup)'} failed on ${engine}`, { cause: error });
  }
}
