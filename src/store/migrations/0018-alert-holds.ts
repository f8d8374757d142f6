/**
 * Alerts held back by a maintenance window or an opsbot silence are recorded, not dropped: the
 * posting stage skips them until `held_until`, then posts what still fires (sources such as Zabbix,
 * Uptime Kuma and Netdata send a problem once, so a dropped one never came back). `held_by` names
 * the hold (`maintenance:<target>@<start ms>`, `silence:<id>`) so ending it early releases its
 * alerts, and the post can say the alert started during it. Rows before this were never held.
 * `alert_groups.held_until` is set when a held alert joins the group (the earliest hold end then): a
 * flush looks up its held alerts only when it is set, so groups that never held one cost nothing.
 *
 * Never edit a migration that has shipped: add the next one instead.
 */
import type { Kysely, Migration } from 'kysely';

export function alertHolds0018(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('alert_instances').addColumn('held_until', 'bigint').execute();
      await db.schema.alterTable('alert_instances').addColumn('held_by', 'text').execute();
      await db.schema.createIndex('alert_instances_held_by_idx').on('alert_instances').column('held_by').execute();
      await db.schema.alterTable('alert_groups').addColumn('held_until', 'bigint').execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('alert_groups').dropColumn('held_until').execute();
      await db.schema.dropIndex('alert_instances_held_by_idx').execute();
      await db.schema.alterTable('alert_instances').dropColumn('held_by').execute();
      await db.schema.alterTable('alert_instances').dropColumn('held_until').execute();
    },
  };
}
