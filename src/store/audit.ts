/** The append-only audit log. */
import type { Kysely } from 'kysely';
import type { AuditEntry, AuditStore, NewAuditEntry } from '../core/store.js';
import { toMs } from './codec.js';
import { prepareQuery } from './prepared.js';
import { AUDIT_INSERT_COLUMNS, auditFromRow, auditRow } from './rows.js';
import type { Database } from './schema.js';

/** How far replicas' clocks may disagree on an entry's time (see `recent` by job). */
const CLOCK_SKEW_MS = 60_000;

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

    async recent(limit, filter = {}) {
      let query = db.selectFrom('audit').selectAll();
      if (filter.command !== undefined) query = query.where('command', '=', filter.command);
      if (filter.principal !== undefined) query = query.where('principal_platform', '=', filter.principal.platform).where('principal_id', '=', filter.principal.id);
      if (filter.jobId !== undefined) {
        // A job's entries are never older than the job (its start is its first), so the search
        // begins at the first entry of the minute before it was created, found through the index
        // on `at`, instead of reading back to the first entry ever. The minute covers replicas'
        // clocks disagreeing on `at` while ids follow one sequence. A job deleted by retention
        // bounds nothing: its entries may outlive it.
        const jobId = filter.jobId;
        query = query.where('job_id', '=', jobId).where('id', '>=', (eb) =>
          eb.fn.coalesce(
            eb
              .selectFrom('audit as first')
              .select('first.id')
              .where('first.at', '>=', eb.selectFrom('jobs').select((j) => j('created_at', '-', CLOCK_SKEW_MS).as('from')).where('jobs.id', '=', jobId))
              .orderBy('first.at')
              .limit(1),
            eb.val(0),
          ),
        );
      }
      const rows = await query.orderBy('id', 'desc').limit(limit).execute();
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
