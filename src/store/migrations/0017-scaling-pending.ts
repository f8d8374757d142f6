/**
 * A scaling asked of the orchestrator and not yet confirmed: written before the orchestrator is told
 * and confirmed once it took the change (or removed when it refused), so a crash in between leaves a
 * scaling that may have happened, which the cooldown counts, `status` shows as unconfirmed and
 * recovery reports, instead of no trace at all. Rows written before this migration were confirmed.
 *
 * Never edit a migration that has shipped: add the next one instead.
 */
import type { Kysely, Migration } from 'kysely';

export function scalingPending0017(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('scaling_events').addColumn('pending', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.createIndex('scaling_events_job_id_idx').on('scaling_events').column('job_id').execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropIndex('scaling_events_job_id_idx').execute();
      await db.schema.alterTable('scaling_events').dropColumn('pending').execute();
    },
  };
}
