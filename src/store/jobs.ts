/**
 * Jobs. Every state change commits together with its audit entry and its lock change, so a crash
 * can never leave a running job without a lease, a lease without a job, or a transition unaudited.
 */
import type { Kysely, Selectable } from 'kysely';
import { ConflictError, NotFoundError } from '../core/errors.js';
import { JOB_STATES } from '../core/store.js';
import type { Principal } from '../core/identity.js';
import type { BeginResult, JobState, JobStore, LockRecord, LockRequest, Refs } from '../core/store.js';
import { insertAudit } from './audit.js';
import { decodeRefs, encodeJson, toMs } from './codec.js';
import { liveLock, retryOnLockRace, takeLock } from './lease.js';
import { jobFromRow, newJobRow } from './rows.js';
import type { Database, JobsTable } from './schema.js';

const UNFINISHED: readonly JobState[] = ['queued', 'running'];

function jobLease(jobId: number, holder: Principal, lock: LockRequest, nowMs: number): LockRecord {
  return {
    key: lock.key,
    jobId,
    holder,
    reason: null,
    acquiredAt: new Date(nowMs),
    expiresAt: new Date(nowMs + lock.ttlMs),
  };
}

/** Refs accumulate over a job's life: a later report adds or overwrites keys, never drops them. */
function mergedRefs(current: string, update: Refs): string {
  return encodeJson({ ...decodeRefs(current), ...update });
}

async function findJob(db: Kysely<Database>, id: number): Promise<Selectable<JobsTable> | undefined> {
  return db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
}

export function createJobStore(db: Kysely<Database>): JobStore {
  return {
    begin(job, audit, { lock, queueIfLocked }) {
      return retryOnLockRace(() =>
        db.transaction().execute(async (trx): Promise<BeginResult> => {
          const now = toMs(job.now);
          const holder = lock === null ? null : await liveLock(trx, lock.key, now);
          if (holder !== null && !queueIfLocked) return { ok: false, holder };

          const state = holder === null ? 'running' : 'queued';
          const row = await trx
            .insertInto('jobs')
            .values(newJobRow(job, state, lock?.key ?? job.lockKey))
            .returningAll()
            .executeTakeFirstOrThrow();
          if (state === 'running' && lock !== null) await takeLock(trx, jobLease(row.id, job.principal, lock, now), now);
          await insertAudit(trx, { ...audit, event: state === 'running' ? 'job_started' : 'job_queued', jobId: row.id });
          return { ok: true, job: jobFromRow(row) };
        }),
      );
    },

    promote(jobId, lock, audit) {
      return retryOnLockRace(() =>
        db.transaction().execute(async (trx): Promise<BeginResult> => {
          const current = await findJob(trx, jobId);
          if (current === undefined) throw new NotFoundError(`job ${jobId} does not exist`);
          if (current.state !== 'queued') throw new ConflictError(`job ${jobId} is ${current.state}, not queued`);

          // The port gives promote no clock of its own: the audit entry's time is "now".
          const now = toMs(audit.at);
          const holder = await liveLock(trx, lock.key, now);
          if (holder !== null) return { ok: false, holder };

          await takeLock(trx, jobLease(jobId, jobFromRow(current).principal, lock, now), now);
          const row = await trx
            .updateTable('jobs')
            .set({ state: 'running', started_at: now, heartbeat_at: now, lock_key: lock.key })
            .where('id', '=', jobId)
            .where('state', '=', 'queued')
            .returningAll()
            .executeTakeFirst();
          // Another replica promoted or cancelled it after our read: undo our lease with the rest.
          if (row === undefined) throw new ConflictError(`job ${jobId} is no longer queued`);
          await insertAudit(trx, { ...audit, event: 'job_started', jobId });
          return { ok: true, job: jobFromRow(row) };
        }),
      );
    },

    finish(jobId, final, audit) {
      return db.transaction().execute(async (trx) => {
        const current = await findJob(trx, jobId);
        if (current === undefined) throw new NotFoundError(`job ${jobId} does not exist`);
        // The state guard in the WHERE (not just this read) makes two racing finishes safe: the
        // second one updates nothing and returns the first one's result.
        const row = await trx
          .updateTable('jobs')
          .set({
            state: final.state,
            summary: final.summary,
            error: final.error,
            output: final.output,
            refs: mergedRefs(current.refs, final.refs),
            finished_at: toMs(final.now),
          })
          .where('id', '=', jobId)
          .where('state', 'in', UNFINISHED)
          .returningAll()
          .executeTakeFirst();
        if (row === undefined) {
          const settled = await findJob(trx, jobId);
          return jobFromRow(settled ?? current);
        }
        await trx.deleteFrom('locks').where('job_id', '=', jobId).execute();
        await insertAudit(trx, { ...audit, event: 'job_finished', jobId, outcome: final.state });
        return jobFromRow(row);
      });
    },

    async progress(jobId, progress) {
      await db.transaction().execute(async (trx) => {
        const current = await findJob(trx, jobId);
        if (current?.state !== 'running') return;
        await trx
          .updateTable('jobs')
          .set({
            step: progress.step,
            progress_done: progress.done,
            progress_total: progress.total,
            output: progress.output,
            refs: mergedRefs(current.refs, progress.refs),
          })
          .where('id', '=', jobId)
          .where('state', '=', 'running')
          .execute();
      });
    },

    async heartbeat(jobIds, now, ttlMs) {
      if (jobIds.length === 0) return [];
      const nowMs = toMs(now);
      const until = nowMs + ttlMs;
      return db.transaction().execute(async (trx) => {
        await trx.updateTable('jobs').set({ heartbeat_at: nowMs }).where('id', 'in', jobIds).where('state', 'in', UNFINISHED).execute();
        // Only ever extends: a lease taken with a longer TTL is not shortened by a heartbeat.
        await trx
          .updateTable('locks')
          .set({ expires_at: until })
          .where('job_id', 'in', jobIds)
          .where('expires_at', 'is not', null)
          .where('expires_at', '<', until)
          .execute();
        const cancelled = await trx
          .selectFrom('jobs')
          .select('id')
          .where('id', 'in', jobIds)
          .where('state', 'in', UNFINISHED)
          .where('cancel_requested', '=', 1)
          .orderBy('id', 'asc')
          .execute();
        return cancelled.map((r) => r.id);
      });
    },

    async requestCancel(jobId) {
      // A finished job has nothing left to cancel; flagging it would only confuse recovery.
      await db.updateTable('jobs').set({ cancel_requested: 1 }).where('id', '=', jobId).where('state', 'in', UNFINISHED).execute();
    },

    async get(id) {
      const row = await findJob(db, id);
      return row === undefined ? null : jobFromRow(row);
    },

    async list({ states, limit }) {
      if (states?.length === 0) return [];
      let query = db.selectFrom('jobs').selectAll().orderBy('id', 'desc').limit(limit);
      if (states !== undefined) query = query.where('state', 'in', states);
      return (await query.execute()).map(jobFromRow);
    },

    async unfinished() {
      const rows = await db.selectFrom('jobs').selectAll().where('state', 'in', UNFINISHED).orderBy('id', 'asc').execute();
      return rows.map(jobFromRow);
    },

    async countByState() {
      const rows = await db
        .selectFrom('jobs')
        .select((eb) => ['state', eb.fn.countAll<number | string | bigint>().as('n')])
        .groupBy('state')
        .execute();
      const counts = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
      for (const { state, n } of rows) {
        const known = JOB_STATES.find((s) => s === state);
        if (known !== undefined) counts[known] = Number(n);
      }
      return counts;
    },
  };
}
