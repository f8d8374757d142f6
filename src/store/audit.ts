/** The append-only audit log. */
import type { Kysely } from 'kysely';
import type { AuditEntry, AuditStore, NewAuditEntry } from '../core/store.js';
import { toMs } from './codec.js';
import { prepareQuery } from './prepared.js';
import { AUDIT_INSERT_COLUMNS, auditFromRow, auditRow } from './rows.js';
import type { Database } from './schema.js';

/** Rows per query when exporting: bounded memory however long the history. */
export const AUDIT_PAGE_SIZE = 500;

export interface AuditWriter {
  /** Appends one entry to `db`, which may be a transaction, so the entry commits with the change it records. */
  append(db: Kysely<Database>, entry: NewAuditEntry): Promise<AuditEntry>;
  /** The same without reading the new id back: what every job transition does. */
  insert(db: Kysely<Database>, entry: NewAuditEntry): Promise<void>;
}

/** The audit inserts, compiled once for `db`'s dialect (prepared.ts); they run on every job transition. */
export function auditWriter(db: Kysely<Database>): AuditWriter {
  const insert = prepareQuery(db, AUDIT_INSERT_COLUMNS, (row) => db.insertInto('audit').values(row));
  const insertReturningId = prepareQuery(db, AUDIT_INSERT_COLUMNS, (row) => db.insertInto('audit').values(row).returning('id'));
  return {
    async append(target, entry) {
      const [inserted] = await insertReturningId.execute(target, auditRow(entry));
      if (inserted === undefined) throw new Error('store: audit insert returned no id');
      return { ...entry, dryRun: entry.dryRun === true, id: inserted.id };
    },
    async insert(target, entry) {
      await insert.run(target, auditRow(entry));
    },
  };
}

export function createAuditStore(db: Kysely<Database>): AuditStore {
  const writer = auditWriter(db);
  return {
    append: (entry) => writer.append(db, entry),

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
