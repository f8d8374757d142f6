/**
 * Indexes for the two retention rules added after 0014 (src/store/retention.ts), so a pass finds old
 * rows through an index instead of reading the table:
 * - message_refs.updated_at: a maintenance summary's post ref left behind by a window already gone
 *   ages from when it was last written;
 * - conversation_refs (platform, updated_at): a Teams conversation reference ages from the last
 *   activity Teams sent from that conversation (each one rewrites it).
 *
 * Never edit a migration that has shipped: add the next one instead.
 */
import type { Kysely, Migration } from 'kysely';

export function retentionRefs0015(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.createIndex('message_refs_updated_at_idx').on('message_refs').column('updated_at').execute();
      await db.schema.createIndex('conversation_refs_updated_idx').on('conversation_refs').columns(['platform', 'updated_at']).execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropIndex('conversation_refs_updated_idx').execute();
      await db.schema.dropIndex('message_refs_updated_at_idx').execute();
    },
  };
}
