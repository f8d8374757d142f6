/**
 * The chat outbox: every outgoing post or edit is a row first; the refs of posts that later edits
 * need (`job:42` -> a Mattermost post id), kept so any replica can edit them; and used one-time
 * tokens of signed chat buttons. Times are epoch milliseconds like in 0001.
 *
 * Never edit a migration that has shipped: add the next one instead.
 */
import { sql } from 'kysely';
import type { ColumnDefinitionBuilder, Kysely, Migration } from 'kysely';
import type { StoreEngine } from '../schema.js';

type ColumnBuilder = (column: ColumnDefinitionBuilder) => ColumnDefinitionBuilder;

export function outbox0002(engine: StoreEngine): Migration {
  const idType = engine === 'sqlite' ? 'integer' : 'bigint';
  const id: ColumnBuilder = engine === 'sqlite' ? (c) => c.primaryKey().autoIncrement() : (c) => c.primaryKey().generatedByDefaultAsIdentity();
  const notNull: ColumnBuilder = (c) => c.notNull();

  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('outbox')
        .addColumn('id', idType, id)
        .addColumn('platform', 'text', notNull)
        /** JSON: the Conversation. */
        .addColumn('conversation', 'text', notNull)
        // `<platform>:<id>`: the worker leaves out conversations that are at their rate limit.
        .addColumn('conversation_key', 'text', notNull)
        .addColumn('ref_key', 'text')
        /** JSON: the neutral Message, rendered by the adapter at delivery time. */
        .addColumn('message', 'text', notNull)
        /** JSON array of platform user ids, or null. */
        .addColumn('actors', 'text')
        .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('pending', 'dead')`))
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('not_before', 'bigint', notNull)
        // The lease: a row is being delivered while claimed_until is in the future.
        .addColumn('claimed_until', 'bigint')
        .addColumn('claimed_by', 'text')
        .addColumn('created_at', 'bigint', notNull)
        .addColumn('updated_at', 'bigint', notNull)
        .addColumn('last_error', 'text')
        .execute();
      // The worker reads pending rows oldest first and stops after a batch: (state, id) lets it stop early.
      await db.schema.createIndex('outbox_due_idx').on('outbox').columns(['state', 'id']).execute();
      await db.schema.createIndex('outbox_ref_key_idx').on('outbox').columns(['ref_key', 'state']).execute();

      await db.schema
        .createTable('message_refs')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('platform', 'text', notNull)
        .addColumn('conversation_id', 'text', notNull)
        .addColumn('message_id', 'text', notNull)
        /** JSON object of strings, or null. */
        .addColumn('extra', 'text')
        .addColumn('updated_at', 'bigint', notNull)
        .execute();

      // The nonce is the primary key: recording it is an insert, so of two concurrent uses exactly one
      // succeeds.
      await db.schema
        .createTable('nonces')
        .addColumn('nonce', 'text', (c) => c.primaryKey())
        .addColumn('expires_at', 'bigint', notNull)
        .execute();
      await db.schema.createIndex('nonces_expires_at_idx').on('nonces').column('expires_at').execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('nonces').execute();
      await db.schema.dropTable('message_refs').execute();
      await db.schema.dropTable('outbox').execute();
    },
  };
}
