/**
 * Locks as seen by people: who holds what, manual freezes (`lock <target>`) and their release.
 * Job leases are taken and dropped by the job store; here they are only listed.
 */
import type { Kysely } from 'kysely';
import type { LockStore } from '../core/store.js';
import { auditWriter } from './audit.js';
import type { TransactionRunner } from './group-commit.js';
import { toMs } from './codec.js';
import { leaseQueries } from './lease.js';
import { lockFromRow } from './rows.js';
import type { Database } from './schema.js';

/** `hot` runs freezes: `lock <target>` is a job's one write besides its own rows (kysely-store.ts). */
export function createLockStore(db: Kysely<Database>, hot: TransactionRunner): LockStore {
  const lease = leaseQueries(db);
  const auditLog = auditWriter(db);
  return {
    get: (key, now) => lease.live(db, key, toMs(now)),

    async list(now) {
      const nowMs = toMs(now);
      const rows = await db
        .selectFrom('locks')
        .selectAll()
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', nowMs)]))
        .orderBy('key', 'asc')
        .execute();
      return rows.map(lockFromRow);
    },

    freeze(lock, audit) {
      return hot.run(async (trx) => {
        const now = toMs(lock.acquiredAt);
        const holder = await lease.live(trx, lock.key, now);
        if (holder !== null) return { ok: false as const, holder };
        await lease.take(trx, { ...lock, jobId: null }, now);
        await auditLog.insert(trx, audit);
        return { ok: true as const };
      });
    },

    release(key, audit) {
      return db.transaction().execute(async (trx) => {
        // `job_id is null`: a running job's lease is never released by hand; cancel the job instead.
        const row = await trx.deleteFrom('locks').where('key', '=', key).where('job_id', 'is', null).returningAll().executeTakeFirst();
        if (row === undefined) return null;
        // A timed freeze that already ran out was not held (locks.get says so too): tidy it away
        // silently rather than report and audit an unlock of nothing. The audit time is "now".
        if (row.expires_at !== null && row.expires_at <= toMs(audit.at)) return null;
        await auditLog.insert(trx, audit);
        return lockFromRow(row);
      });
    },
  };
}
