/**
 * A traffic switch begun and not yet settled: the colours it moves between, the job, and whether it
 * is a rollback. Written before the balancer is touched and cleared once the switch is recorded or
 * undone, so a crash in between leaves a trace that the next deploy or rollback reconciles with the
 * balancer (and that recovery reports), instead of a record that silently disagrees with it. Rows
 * written before this migration have no switch under way.
 *
 * Never edit a migration that has shipped: add the next one instead.
 */
import { sql } from 'kysely';
import type { Kysely, Migration } from 'kysely';

export function deploySwitching0016(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('deploy_state').addColumn('switching_from', 'text', (c) => c.check(sql`switching_from in ('blue', 'green')`)).execute();
      await db.schema.alterTable('deploy_state').addColumn('switching_to', 'text', (c) => c.check(sql`switching_to in ('blue', 'green')`)).execute();
      await db.schema.alterTable('deploy_state').addColumn('switching_job_id', 'bigint').execute();
      await db.schema.alterTable('deploy_state').addColumn('switching_rollback', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.alterTable('deploy_state').addColumn('switching_at', 'bigint').execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      for (const column of ['switching_at', 'switching_rollback', 'switching_job_id', 'switching_to', 'switching_from']) {
        await db.schema.alterTable('deploy_state').dropColumn(column).execute();
      }
    },
  };
}
