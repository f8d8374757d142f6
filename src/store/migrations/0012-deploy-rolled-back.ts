/**
 * Whether a store's previous colour holds the release a rollback left (1) or not (0). Without it, a
 * second `rollback` (a double click on the button, two people at once) switched back to the release
 * that had just been rolled back. Rows written before this migration read as deploys.
 *
 * Never edit a migration that has shipped: add the next one instead.
 */
import type { Kysely, Migration } from 'kysely';

export function deployRolledBack0012(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .alterTable('deploy_state')
        .addColumn('rolled_back', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('deploy_state').dropColumn('rolled_back').execute();
    },
  };
}
