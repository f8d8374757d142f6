/**
 * Alerts: instances by (source, fingerprint), groups with their Alertmanager-like timers and flush
 * claims, chat posts per group and conversation, storm digests and local silences. Times are epoch
 * milliseconds like in 0001; JSON is text.
 *
 * Never edit a migration that has shipped: add the next one instead.
 */
import { sql } from 'kysely';
import type { ColumnDefinitionBuilder, Kysely, Migration } from 'kysely';
import type { StoreEngine } from '../schema.js';

type ColumnBuilder = (column: ColumnDefinitionBuilder) => ColumnDefinitionBuilder;

export function alerts0003(engine: StoreEngine): Migration {
  const idType = engine === 'sqlite' ? 'integer' : 'bigint';
  const id: ColumnBuilder = engine === 'sqlite' ? (c) => c.primaryKey().autoIncrement() : (c) => c.primaryKey().generatedByDefaultAsIdentity();
  const notNull: ColumnBuilder = (c) => c.notNull();

  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('alert_groups')
        .addColumn('id', idType, id)
        .addColumn('group_key', 'text', notNull)
        // The group key while the group is open, null once closed: the unique index makes "one open
        // group per key" a database rule, so two replicas cannot open the same group twice.
        .addColumn('open_key', 'text')
        .addColumn('route', 'text', notNull)
        .addColumn('labels', 'text', notNull)
        .addColumn('conversations', 'text', notNull)
        .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('open', 'closed')`))
        .addColumn('created_at', 'bigint', notNull)
        .addColumn('updated_at', 'bigint', notNull)
        .addColumn('version', 'integer', notNull)
        .addColumn('flushed_version', 'integer', notNull)
        .addColumn('next_flush_at', 'bigint')
        .addColumn('last_flush_at', 'bigint')
        .addColumn('wait_ms', 'bigint', notNull)
        .addColumn('interval_ms', 'bigint', notNull)
        .addColumn('repeat_ms', 'bigint', notNull)
        // The flush lease: one replica posts a group at a time.
        .addColumn('claim_owner', 'text')
        .addColumn('claim_until', 'bigint')
        .addColumn('acked_platform', 'text')
        .addColumn('acked_id', 'text')
        .addColumn('acked_name', 'text')
        .addColumn('acked_at', 'bigint')
        .execute();
      await db.schema.createIndex('alert_groups_open_key_idx').on('alert_groups').column('open_key').unique().execute();
      await db.schema.createIndex('alert_groups_due_idx').on('alert_groups').columns(['state', 'next_flush_at']).execute();

      await db.schema
        .createTable('alert_instances')
        .addColumn('source', 'text', notNull)
        .addColumn('fingerprint', 'text', notNull)
        .addColumn('group_id', 'bigint', (c) => c.notNull().references('alert_groups.id').onDelete('cascade'))
        .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('firing', 'resolved')`))
        .addColumn('severity', 'text', notNull)
        .addColumn('summary', 'text', notNull)
        .addColumn('labels', 'text', notNull)
        .addColumn('annotations', 'text', notNull)
        .addColumn('links', 'text', notNull)
        .addColumn('starts_at', 'bigint')
        .addColumn('ends_at', 'bigint')
        .addColumn('first_seen_at', 'bigint', notNull)
        .addColumn('last_seen_at', 'bigint', notNull)
        .addColumn('changed_at', 'bigint', notNull)
        .addColumn('received_count', 'integer', notNull)
        .addPrimaryKeyConstraint('alert_instances_pk', ['source', 'fingerprint'])
        .execute();
      await db.schema.createIndex('alert_instances_group_idx').on('alert_instances').column('group_id').execute();

      await db.schema
        .createTable('alert_digests')
        .addColumn('id', idType, id)
        .addColumn('conversation_key', 'text', notNull)
        .addColumn('ref', 'text')
        .addColumn('opened_at', 'bigint', notNull)
        .addColumn('last_at', 'bigint', notNull)
        .execute();
      await db.schema.createIndex('alert_digests_conversation_idx').on('alert_digests').columns(['conversation_key', 'last_at']).execute();

      await db.schema
        .createTable('alert_posts')
        .addColumn('group_id', 'bigint', (c) => c.notNull().references('alert_groups.id').onDelete('cascade'))
        .addColumn('conversation_key', 'text', notNull)
        /** The key the group's own post is shown under (the outbox keeps the chat ref), or null while it is in a digest. */
        .addColumn('ref', 'text')
        .addColumn('digest_id', 'bigint', (c) => c.references('alert_digests.id').onDelete('set null'))
        .addColumn('updated_at', 'bigint', notNull)
        .addPrimaryKeyConstraint('alert_posts_pk', ['group_id', 'conversation_key'])
        .execute();
      await db.schema.createIndex('alert_posts_digest_idx').on('alert_posts').column('digest_id').execute();

      await db.schema
        .createTable('alert_silences')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('matchers', 'text', notNull)
        .addColumn('starts_at', 'bigint', notNull)
        .addColumn('ends_at', 'bigint', notNull)
        .addColumn('created_platform', 'text', notNull)
        .addColumn('created_id', 'text', notNull)
        .addColumn('created_name', 'text', notNull)
        .addColumn('comment', 'text', notNull)
        .addColumn('in_alertmanager', 'integer', notNull)
        .addColumn('expired_at', 'bigint')
        .execute();
      await db.schema.createIndex('alert_silences_ends_at_idx').on('alert_silences').column('ends_at').execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('alert_silences').execute();
      await db.schema.dropTable('alert_posts').execute();
      await db.schema.dropTable('alert_digests').execute();
      await db.schema.dropTable('alert_instances').execute();
      await db.schema.dropTable('alert_groups').execute();
    },
  };
}
