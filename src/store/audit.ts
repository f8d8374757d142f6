/** The append-only audit log. */
import type { Kysely } from 'kysely';
import type { AuditEntry, AuditStore, NewAuditEntry } from '../core/store.js';
import { toMs } from './codec.js';
import { auditFromRow, auditRow } from './rows.js';
import type { Database } from './schema.js';

/** Rows per query when exporting: bounded memory however long the history. */
export const AUDIT_PAGE_SIZE = 500;

/** Appends one entry; `db` may be a transaction, so the entry commits with the change it records. */
export async function insertAudit(db: Kysely<Database>, entry: NewAuditEntry): Promise<AuditEntry> {
  const { id } = await db.insertInto('audit').values(auditRow(entry)).returning('id').executeTakeFirstOrThrow();
  return { ...entry, id };
}

export function createAuditStore(db: Kysely<Database>): AuditStore {
  return {
    append: (entry) => insertAudit(db, entry),

    async recent(limit) {
      const rows = await db.selectFrom('audit').selectAll().orderBy('id', 'desc').limit(limit).execute();
      return rows.map(auditFromRow);
    },

    async *since(from) {
      // Keyset paging by id: each page is its own short query, so an export never holds a
      // transaction open or the whole table in memory.
      let after = 0;
      for (;;) {
        let query = db.selectFrom('audit').selectAll().where('id', '>', after).orderBy('id', 'asc').limit(AUDIT_PAGE_SIZE);
        if (from !== null) query = query.where('at', '>=', toMs(from));
        const rows = await query.execute();
        for (const row of rows) yield auditFromRow(row);
        const last = rows.at(-1);
        if (last === undefined || rows.length < AUDIT_PAGE_SIZE) return;
        after = last.id;
      }
    },
  };
}
