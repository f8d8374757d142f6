/**
 * Thread replies and fallback delivery (issue #6, items 4 and 7):
 * - outbox.thread_key: the key of the message a row replies under; it waits until that message is
 *   posted, and its platform id becomes the reply's thread (Mattermost root_id, Teams reply chain);
 * - outbox.fallback: JSON, where the row also goes when its conversation cannot be reached;
 *   outbox.fallback_sent: a digest of the content last sent there, so a fallback goes out once per
 *   content, not once per retry, whichever replica retries;
 * - alert_threads: what each alert group post last showed (firing alerts, who acked), so the next
 *   change is told as a reply ("+2 firing: web-3, web-4") on any replica, after any restart.
 *
 * Never edit a migration that has shipped: add the next one instead.
 */
import type { ColumnDefinitionBuilder, Kysely, Migration } from 'kysely';
import type { StoreEngine } from '../schema.js';

type ColumnBuilder = (column: ColumnDefinitionBuilder) => ColumnDefinitionBuilder;

export function alertThreads0009(_engine: StoreEngine): Migration {
  const notNull: ColumnBuilder = (c) => c.notNull();
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('outbox').addColumn('thread_key', 'text').execute();
      await db.schema.alterTable('outbox').addColumn('fallback', 'text').execute();
      await db.schema.alterTable('outbox').addColumn('fallback_sent', 'text').execute();
      // A conversation's rows go out oldest first: the worker looks for an older row still waiting.
      await db.schema.createIndex('outbox_conversation_idx').on('outbox').columns(['conversation_key', 'state', 'id']).execute();

      await db.schema
        .createTable('alert_threads')
        .addColumn('group_id', 'bigint', (c) => c.notNull().references('alert_groups.id').onDelete('cascade'))
        .addColumn('conversation_key', 'text', notNull)
        /** JSON: the ThreadState of src/core/alerts/thread.ts. */
        .addColumn('state', 'text', notNull)
        .addColumn('updated_at', 'bigint', notNull)
        .addPrimaryKeyConstraint('alert_threads_pk', ['group_id', 'conversation_key'])
        .execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('alert_threads').execute();
      await db.schema.dropIndex('outbox_conversation_idx').execute();
      await db.schema.alterTable('outbox').dropColumn('fallback_sent').execute();
      await db.schema.alterTable('outbox').dropColumn('fallback').execute();
      await db.schema.alterTable('outbox').dropColumn('thread_key').execute();
    },
  };
}
