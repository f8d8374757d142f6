/**
 * Audit entries say whether they were a dry run (1) or real (0). Without it, `lock web --dry-run`
 * read in the audit exactly like a real freeze. Rows written before this migration were not marked,
 * and read as real.
 *
 * Never edit a migration that has shipped: add the next one instead.
 */
import type { Kysely, Migration } from 'kysely';

export function auditDryRun0011(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .alterTable('audit')
        .addColumn('dry_run', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('audit').dropColumn('dry_run').execute();
    },
  };
}
