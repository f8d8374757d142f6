/**
 * Alert tickets: one row per ticket (a GitLab issue) opened for an alert or an alert group. While
 * the ticket is open, `open_key` holds its subject key and the unique index on it makes "one open
 * ticket per subject" a database rule: two replicas can never both claim the same subject, so they
 * never open two issues for it. Resolution frees the key (null) for a later incident. Times are
 * epoch milliseconds like in 0001; JSON is text.
 *
 * Never edit a migration that has shipped: add the next one instead.
 */
import { sql } from 'kysely';
import type { ColumnDefinitionBuilder, Kysely, Migration } from 'kysely';
import type { StoreEngine } from '../schema.js';

type ColumnBuilder = (column: ColumnDefinitionBuilder) => ColumnDefinitionBuilder;

export function alertTickets0008(engine: StoreEngine): Migration {
  const notNull: ColumnBuilder = (c) => c.notNull();
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('alert_tickets')
        .addColumn('id', engine === 'sqlite' ? 'integer' : 'bigint', (c) => (engine === 'sqlite' ? c.primaryKey().autoIncrement() : c.primaryKey().generatedByDefaultAsIdentity()))
        .addColumn('ticket_key', 'text', notNull)
        .addColumn('open_key', 'text')
        .addColumn('per', 'text', (c) => c.notNull().check(sql`per in ('alert', 'group')`))
        // The subject: an alert (source, fingerprint) or a group (its key).
        .addColumn('source', 'text')
        .addColumn('fingerprint', 'text')
        .addColumn('group_key', 'text')
        /** The group whose post links the ticket (the one it was last opened or reopened for). */
        .addColumn('group_id', 'bigint', notNull)
        .addColumn('rule', 'text', notNull)
        .addColumn('project', 'text', notNull)
        .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('open', 'resolved')`))
        .addColumn('pending', 'text', (c) => c.check(sql`pending in ('create', 'refire', 'resolve')`))
        .addColumn('token', 'text', notNull)
        .addColumn('ticket_ref', 'text')
        .addColumn('ticket_url', 'text')
        .addColumn('title', 'text', notNull)
        .addColumn('description', 'text', notNull)
        .addColumn('labels', 'text', notNull)
        .addColumn('confidential', 'integer', notNull)
        .addColumn('close_on_resolve', 'integer', notNull)
        .addColumn('attempts', 'integer', notNull)
        .addColumn('last_error', 'text')
        // The work lease: one replica talks to the ticket system about a ticket at a time.
        .addColumn('claim_owner', 'text')
        .addColumn('claim_until', 'bigint')
        .addColumn('created_at', 'bigint', notNull)
        .addColumn('updated_at', 'bigint', notNull)
        .addColumn('resolved_at', 'bigint')
        .execute();
      await db.schema.createIndex('alert_tickets_open_key_idx').on('alert_tickets').column('open_key').unique().execute();
      await db.schema.createIndex('alert_tickets_key_idx').on('alert_tickets').columns(['ticket_key', 'resolved_at']).execute();
      await db.schema.createIndex('alert_tickets_pending_idx').on('alert_tickets').columns(['pending', 'claim_until']).execute();
      await db.schema.createIndex('alert_tickets_group_idx').on('alert_tickets').column('group_id').execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('alert_tickets').execute();
    },
  };
}
