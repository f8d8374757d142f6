/**
 * Deploy state: per store the live colour, the previous one, the version on each colour; and the
 * second-person approvals of production switches. Times are epoch milliseconds like in 0001.
 *
 * Never edit a migration that has shipped: add the next one instead.
 */
import { sql } from 'kysely';
import type { Kysely, Migration } from 'kysely';
import type { StoreEngine } from '../schema.js';

export function deployState0004(_engine: StoreEngine): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('deploy_state')
        .addColumn('store', 'text', (c) => c.primaryKey())
        .addColumn('live_colour', 'text', (c) => c.check(sql`live_colour in ('blue', 'green')`))
        .addColumn('previous_colour', 'text', (c) => c.check(sql`previous_colour in ('blue', 'green')`))
        .addColumn('blue_version', 'text')
        .addColumn('green_version', 'text')
        .addColumn('blue_deployed_at', 'bigint')
        .addColumn('green_deployed_at', 'bigint')
        .addColumn('switched_at', 'bigint')
        .addColumn('job_id', 'bigint')
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();

      // One row per deploy job that asked for approval; deciding is an update guarded by
      // `decision is null`, so two approvers racing cannot both decide.
      await db.schema
        .createTable('deploy_approvals')
        .addColumn('job_id', 'bigint', (c) => c.primaryKey())
        .addColumn('store', 'text', (c) => c.notNull())
        .addColumn('requester_key', 'text', (c) => c.notNull())
        .addColumn('requester_name', 'text', (c) => c.notNull())
        .addColumn('summary', 'text', (c) => c.notNull())
        .addColumn('requested_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('decision', 'text', (c) => c.check(sql`decision in ('approved', 'rejected')`))
        .addColumn('decided_by', 'text')
        .addColumn('decided_by_name', 'text')
        .addColumn('decided_at', 'bigint')
        .execute();
      await db.schema.createIndex('deploy_approvals_store_idx').on('deploy_approvals').column('store').execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('deploy_approvals').execute();
      await db.schema.dropTable('deploy_state').execute();
    },
  };
}
