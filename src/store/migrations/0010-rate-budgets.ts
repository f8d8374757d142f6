/**
 * Rate budgets shared by replicas: one token bucket per conversation (`<platform>:<id>`), as of its
 * last use. The outbox of every replica on this database spends from the same bucket, so together
 * they stay within the chat server's rate. A missing row is a full bucket. Times are epoch
 * milliseconds like in 0001.
 *
 * Never edit a migration that has shipped: add the next one instead.
 */
import type { Kysely, Migration } from 'kysely';
import type { StoreEngine } from '../schema.js';

export function rateBudgets0010(engine: StoreEngine): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('rate_budgets')
        .addColumn('key', 'text', (c) => c.primaryKey())
        // Fractions of a token accumulate between uses.
        .addColumn('tokens', engine === 'sqlite' ? 'real' : 'double precision', (c) => c.notNull())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .execute();
      // Pruning deletes buckets by their last use.
      await db.schema.createIndex('rate_budgets_at_idx').on('rate_budgets').column('at').execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('rate_budgets').execute();
    },
  };
}
