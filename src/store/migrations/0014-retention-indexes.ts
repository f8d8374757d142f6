/**
 * Indexes for retention (src/store/retention.ts): each pass deletes old rows in small batches, found
 * through an index on the column that ages them, so a pass reads what it deletes and not the table.
 * The other kinds already had one (jobs.created_at, audit.at, maintenance_windows.ends_at,
 * nonces/confirmations.expires_at, outbox (state, id)).
 * - schedule_claims.claimed_at: claims age by when they were claimed;
 * - scaling_events.at;
 * - alert_groups (state, updated_at): a closed group ages from its last change (its close);
 * - outbox.thread_key (rows that have one): a closed group is kept while a pending reply waits for
 *   its post, and that is looked up by the post's key.
 *
 * Never edit a migration that has shipped: add the next one instead.
 */
import { sql } from 'kysely';
import type { Kysely, Migration } from 'kysely';

export function retentionIndexes0014(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.createIndex('schedule_claims_claimed_at_idx').on('schedule_claims').column('claimed_at').execute();
      await db.schema.createIndex('scaling_events_at_idx').on('scaling_events').column('at').execute();
      await db.schema.createIndex('alert_groups_state_updated_idx').on('alert_groups').columns(['state', 'updated_at']).execute();
      await db.schema.createIndex('outbox_thread_key_idx').on('outbox').columns(['thread_key', 'state']).where(sql.ref('thread_key'), 'is not', null).execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropIndex('outbox_thread_key_idx').execute();
      await db.schema.dropIndex('alert_groups_state_updated_idx').execute();
      await db.schema.dropIndex('scaling_events_at_idx').execute();
      await db.schema.dropIndex('schedule_claims_claimed_at_idx').execute();
    },
  };
}
