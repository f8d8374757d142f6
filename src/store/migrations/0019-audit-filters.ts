/**
 * Indexes for `audit --command` and `audit --by` (src/store/audit.ts): newest entries of one command
 * or one person, read backwards through the index. Without them a filter that matches fewer entries
 * than asked for reads the whole audit log, which is kept forever by default.
 *
 * Never edit a migration that has shipped: add the next one instead.
 */
import type { Kysely, Migration } from 'kysely';

export function auditFilters0019(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.createIndex('audit_command_idx').on('audit').columns(['command', 'id']).execute();
      await db.schema.createIndex('audit_principal_idx').on('audit').columns(['principal_platform', 'principal_id', 'id']).execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropIndex('audit_principal_idx').execute();
      await db.schema.dropIndex('audit_command_idx').execute();
    },
  };
}
