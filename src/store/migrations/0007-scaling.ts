/**
 * Scalings done by `/scale`: kept for the cooldown between two scalings of a service environment and
 * for `/status`. Times are epoch milliseconds like in 0001.
 *
 * Never edit a migration that has shipped: add the next one instead.
 */
import type { Kysely, Migration } from 'kysely';
import type { StoreEngine } from '../schema.js';

export function scaling0007(engine: StoreEngine): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('scaling_events')
        .addColumn('id', engine === 'sqlite' ? 'integer' : 'bigint', (c) => (engine === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey().generatedByDefaultAsIdentity()))
        .addColumn('service', 'text', (c) => c.notNull())
        .addColumn('env', 'text', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('from_count', 'integer', (c) => c.notNull())
        .addColumn('to_count', 'integer', (c) => c.notNull())
        .addColumn('job_id', 'bigint')
        .addColumn('by_name', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('scaling_events_service_env_at_idx').on('scaling_events').columns(['service', 'env', 'at']).execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('scaling_events').execute();
    },
  };
}
