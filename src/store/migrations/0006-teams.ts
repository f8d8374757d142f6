/**
 * Conversation references for proactive posts (Teams first): one row per (platform, conversation),
 * with the platform's addressing data as JSON text and the group (team) it belongs to, so the bot's
 * removal from a team forgets all of that team's channels at once.
 *
 * Never edit a migration that has shipped: add the next one instead.
 */
import type { Kysely, Migration } from 'kysely';
import type { StoreEngine } from '../schema.js';

export function teams0006(_engine: StoreEngine): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('conversation_refs')
        .addColumn('platform', 'text', (c) => c.notNull())
        .addColumn('conversation_id', 'text', (c) => c.notNull())
        .addColumn('address', 'text', (c) => c.notNull())
        .addColumn('group_id', 'text')
        .addColumn('name', 'text')
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('conversation_refs_pk', ['platform', 'conversation_id'])
        .execute();
      await db.schema.createIndex('conversation_refs_group_idx').on('conversation_refs').columns(['platform', 'group_id']).execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('conversation_refs').execute();
    },
  };
}
