/**
 * The first schema: jobs, audit, locks, confirmations. Written once for both engines; the only
 * difference is how an integer id is generated, because SQLite's AUTOINCREMENT and PostgreSQL's
 * identity columns have no common spelling.
 *
 * Never edit a migration that has shipped: add the next one instead.
 */
import { sql } from 'kysely';
import type { ColumnDefinitionBuilder, Kysely, Migration } from 'kysely';
import type { StoreEngine } from '../schema.js';

type ColumnBuilder = (column: ColumnDefinitionBuilder) => ColumnDefinitionBuilder;

export function core0001(engine: StoreEngine): Migration {
  // SQLite: an INTEGER PRIMARY KEY is the rowid; AUTOINCREMENT stops ids being reused after the
  // newest rows are deleted, so `job 42` never names two different jobs over the store's life.
  const idType = engine === 'sqlite' ? 'integer' : 'bigint';
  const id: ColumnBuilder =
    engine === 'sqlite'
      ? (c) => c.primaryKey().autoIncrement()
      : (c) => c.primaryKey().generatedByDefaultAsIdentity();
  const notNull: ColumnBuilder = (c) => c.notNull();

  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('jobs')
        .addColumn('id', idType, id)
        .addColumn('command', 'text', notNull)
        .addColumn('text', 'text', notNull)
        .addColumn('args', 'text', notNull)
        .addColumn('state', 'text', (c) =>
          c.notNull().check(sql`state in ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'timed_out', 'interrupted')`),
        )
        .addColumn('principal_platform', 'text', notNull)
        .addColumn('principal_id', 'text', notNull)
        .addColumn('principal_name', 'text', notNull)
        .addColumn('principal_groups', 'text')
        .addColumn('conversation_platform', 'text', notNull)
        .addColumn('conversation_id', 'text', notNull)
        .addColumn('conversation_thread_id', 'text')
        .addColumn('conversation_name', 'text')
        .addColumn('lock_key', 'text')
        .addColumn('dry_run', 'integer', notNull)
        .addColumn('owner', 'text', notNull)
        .addColumn('timeout_ms', 'bigint', notNull)
        .addColumn('created_at', 'bigint', notNull)
        .addColumn('started_at', 'bigint')
        .addColumn('finished_at', 'bigint')
        .addColumn('heartbeat_at', 'bigint')
        .addColumn('step', 'text')
        .addColumn('progress_done', 'integer')
        .addColumn('progress_total', 'integer')
        .addColumn('summary', 'text')
        .addColumn('error', 'text')
        .addColumn('output', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('refs', 'text', (c) => c.notNull().defaultTo('{}'))
        // Set by `requestCancel` on any replica; the owning replica sees it on its next heartbeat.
        .addColumn('cancel_requested', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.createIndex('jobs_state_idx').on('jobs').column('state').execute();
      await db.schema.createIndex('jobs_created_at_idx').on('jobs').column('created_at').execute();

      // No foreign key to jobs: the audit outlives any pruning of old jobs.
      await db.schema
        .createTable('audit')
        .addColumn('id', idType, id)
        .addColumn('at', 'bigint', notNull)
        .addColumn('event', 'text', notNull)
        .addColumn('principal_platform', 'text', notNull)
        .addColumn('principal_id', 'text', notNull)
        .addColumn('principal_name', 'text', notNull)
        .addColumn('principal_groups', 'text')
        .addColumn('conversation_platform', 'text', notNull)
        .addColumn('conversation_id', 'text', notNull)
        .addColumn('conversation_thread_id', 'text')
        .addColumn('conversation_name', 'text')
        .addColumn('command', 'text')
        .addColumn('args', 'text')
        .addColumn('permission', 'text')
        .addColumn('job_id', 'bigint')
        .addColumn('outcome', 'text')
        .addColumn('detail', 'text')
        .addColumn('refs', 'text', (c) => c.notNull().defaultTo('{}'))
        .execute();
      await db.schema.createIndex('audit_at_idx').on('audit').column('at').execute();

      // The key is the primary key: taking a lock is an insert, so two concurrent takers conflict
      // in the database instead of both passing a read-then-write check.
      await db.schema
        .createTable('locks')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('job_id', 'bigint', (c) => c.references('jobs.id').onDelete('cascade'))
        .addColumn('holder_platform', 'text', notNull)
        .addColumn('holder_id', 'text', notNull)
        .addColumn('holder_name', 'text', notNull)
        .addColumn('holder_groups', 'text')
        .addColumn('reason', 'text')
        .addColumn('acquired_at', 'bigint', notNull)
        .addColumn('expires_at', 'bigint')
        .execute();
      await db.schema.createIndex('locks_job_id_idx').on('locks').column('job_id').execute();

      await db.schema
        .createTable('confirmations')
        .addColumn('code', 'text', (c) => c.primaryKey())
        .addColumn('principal_key', 'text', notNull)
        .addColumn('conversation_key', 'text', notNull)
        .addColumn('text', 'text', notNull)
        .addColumn('expires_at', 'bigint', notNull)
        .execute();
      await db.schema.createIndex('confirmations_expires_at_idx').on('confirmations').column('expires_at').execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('confirmations').execute();
      await db.schema.dropTable('locks').execute();
      await db.schema.dropTable('audit').execute();
      await db.schema.dropTable('jobs').execute();
    },
  };
}
