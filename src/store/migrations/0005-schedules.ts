/**
 * Schedules, tick claims and maintenance windows.
 *
 * `schedule_claims` is what makes a tick fire exactly once across replicas: its primary key is
 * (key, scheduled_at), and a replica acts on a tick only if its INSERT … ON CONFLICT DO NOTHING
 * inserted the row. Maintenance announcements (ahead, start, end, silence) claim rows the same way.
 *
 * Never edit a migration that has shipped: add the next one instead.
 */
import type { ColumnDefinitionBuilder, Kysely, Migration } from 'kysely';
import type { StoreEngine } from '../schema.js';

type ColumnBuilder = (column: ColumnDefinitionBuilder) => ColumnDefinitionBuilder;

export function schedules0005(engine: StoreEngine): Migration {
  const idType = engine === 'sqlite' ? 'integer' : 'bigint';
  const id: ColumnBuilder = engine === 'sqlite' ? (c) => c.primaryKey().autoIncrement() : (c) => c.primaryKey().generatedByDefaultAsIdentity();
  const notNull: ColumnBuilder = (c) => c.notNull();

  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('schedules')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('source', 'text', notNull)
        .addColumn('cron', 'text', notNull)
        .addColumn('timezone', 'text', notNull)
        // JSON: {kind: 'announce', text, to} | {kind: 'command', command, as, to}
        .addColumn('action', 'text', notNull)
        .addColumn('missed', 'text', notNull)
        .addColumn('paused', 'integer', notNull)
        .addColumn('created_by', 'text')
        .addColumn('created_at', 'bigint', notNull)
        .addColumn('updated_at', 'bigint', notNull)
        .addColumn('cursor_at', 'bigint', notNull)
        .addColumn('last_tick_at', 'bigint')
        .addColumn('last_outcome', 'text')
        .execute();

      await db.schema
        .createTable('schedule_claims')
        .addColumn('key', 'text', notNull)
        .addColumn('scheduled_at', 'bigint', notNull)
        .addColumn('kind', 'text', notNull)
        .addColumn('claimed_by', 'text', notNull)
        .addColumn('claimed_at', 'bigint', notNull)
        .addColumn('outcome', 'text')
        .addColumn('finished_at', 'bigint')
        .addPrimaryKeyConstraint('schedule_claims_pk', ['key', 'scheduled_at'])
        .execute();

      await db.schema
        .createTable('maintenance_windows')
        .addColumn('id', idType, id)
        .addColumn('target', 'text', notNull)
        .addColumn('starts_at', 'bigint', notNull)
        .addColumn('ends_at', 'bigint', notNull)
        .addColumn('reason', 'text')
        // Null for a window opened from chat; `<config window>@<start ms>` for an occurrence of a
        // recurring one, unique so replicas materializing it at once create one row.
        .addColumn('occurrence_key', 'text', (c) => c.unique())
        .addColumn('created_by', 'text', notNull)
        .addColumn('created_at', 'bigint', notNull)
        // JSON: the settings resolved when the window was made, so replicas and restarts agree.
        .addColumn('matchers', 'text', notNull)
        .addColumn('announce_to', 'text', notNull)
        .addColumn('lead_ms', 'bigint', notNull)
        .addColumn('block_deploys', 'integer', notNull)
        .addColumn('silence_ids', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('ended_at', 'bigint')
        .addColumn('ended_by', 'text')
        .execute();
      await db.schema.createIndex('maintenance_windows_ends_at_idx').on('maintenance_windows').column('ends_at').execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('maintenance_windows').execute();
      await db.schema.dropTable('schedule_claims').execute();
      await db.schema.dropTable('schedules').execute();
    },
  };
}
