/**
 * Jobs. Every state change commits together with its audit entry and its lock change, so a crash
 * can never leave a running job without a lease, a lease without a job, or a transition unaudited.
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import { ConflictError, NotFoundError } from '../core/errors.js';
import { JOB_STATES } from '../core/store.js';
import type { Principal } from '../core/identity.js';
import type { BeginResult, FinalPost, JobFinal, JobRecord, JobState, JobStore, LockRecord, LockRequest, LostJob, NewAuditEntry, PromoteResult, Refs } from '../core/store.js';
import { auditWriter } from './audit.js';
import { decodeJobState, decodeRefs, encodeJson, toMs } from './codec.js';
import type { TransactionRunner } from './group-commit.js';
import { leaseQueries, retryOnLockRace } from './lease.js';
import type { OutboxWriter } from './outbox.js';
import { prepareInsert, prepareQuery, type SqlValue } from './prepared.js';
import { JOB_INSERT_COLUMNS, jobFromRow, newJobRow } from './rows.js';
import type { Database, JobsTable, StoreEngine } from './schema.js';

const UNFINISHED: readonly JobState[] = ['queued', 'running'];

/** The PostgreSQL notification channel of cancel requests (pg-cancel-wakeups.ts listens on it). */
export const CANCEL_CHANNEL = 'opsbot_job_cancel';

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

interface HeartbeatRow {
  readonly id: number;
  readonly state: string;
  readonly lockKey: string | null;
  readonly cancelRequested: number;
  readonly leaseKey: string | null;
  readonly leaseUntil: number | null;
}

/**
 * Which of a process's jobs it still holds, after renewing their leases at `nowMs` (see LostJob):
 * a queued job holds no lease yet, and a running job without a lock key never needs one.
 */
function heartbeatVerdict(jobIds: readonly number[], rows: readonly HeartbeatRow[], nowMs: number): { held: number[]; cancelRequested: number[]; lost: LostJob[] } {
  const byId = new Map(rows.map((row) => [row.id, row]));
  const held: number[] = [];
  const cancelRequested: number[] = [];
  const lost: LostJob[] = [];
  for (const jobId of [...new Set(jobIds)].sort((a, b) => a - b)) {
    const row = byId.get(jobId);
    if (row === undefined) {
      lost.push({ jobId, why: 'ended', state: null });
      continue;
    }
    const state = decodeJobState(row.state);
    if (!UNFINISHED.includes(state)) {
      lost.push({ jobId, why: 'ended', state });
      continue;
    }
    const leaseGone = row.leaseKey === null || (row.leaseUntil !== null && row.leaseUntil <= nowMs);
    if (state === 'running' && row.lockKey !== null && leaseGone) {
      lost.push({ jobId, why: 'lease', lockKey: row.lockKey });
      continue;
    }
    held.push(jobId);
    if (row.cancelRequested === 1) cancelRequested.push(jobId);
  }
  return { held, cancelRequested, lost };
}

type SettleColumn = 'id' | 'state' | 'summary' | 'error' | 'output' | 'finished_at';
const SETTLE: readonly SettleColumn[] = ['id', 'state', 'summary', 'error', 'output', 'finished_at'];
const SETTLE_WITH_REFS: readonly (SettleColumn | 'refs')[] = [...SETTLE, 'refs'];

/**
 * The statements every job runs, compiled once for `db`'s dialect (prepared.ts). A settle returns
 * the finished row, or nothing when the job had already finished. On SQLite that is the update and
 * then a read of the row by its key: SQLite runs RETURNING through a temporary trigger, and in the
 * job-start benchmark the update with RETURNING * took 45 µs where the two together take 36 µs.
 */
function jobQueries(db: Kysely<Database>, engine: StoreEngine) {
  const find = prepareQuery(db, ['id'], (p) => db.selectFrom('jobs').selectAll().where('id', '=', p.id));
  const insert = prepareInsert(db, engine, JOB_INSERT_COLUMNS, (row) => db.insertInto('jobs').values(row));
  const settleQuery = <C extends SettleColumn | 'refs'>(columns: readonly C[]) => {
    const update = (slots: Readonly<Record<C, never>>) => {
      const { id, ...set } = slots as Readonly<Record<C, never>> & { readonly id: never };
      return db.updateTable('jobs').set(set).where('id', '=', id).where('state', 'in', UNFINISHED);
    };
    if (engine === 'postgres') {
      const returning = prepareQuery(db, columns, (slots) => update(slots).returningAll());
      return async (trx: Kysely<Database>, values: Readonly<Record<C, SqlValue>>) => (await returning.execute(trx, values))[0];
    }
    const plain = prepareQuery(db, columns, update);
    return async (trx: Kysely<Database>, values: Readonly<Record<C, SqlValue>> & { readonly id: number }) =>
      (await plain.run(trx, values)) === 0 ? undefined : (await find.execute(trx, { id: values.id }))[0];
  };
  const settle = settleQuery(SETTLE);
  const settleWithRefs = settleQuery(SETTLE_WITH_REFS);
  const releaseLease = prepareQuery(db, ['jobId'], (p) => db.deleteFrom('locks').where('job_id', '=', p.jobId));
  return { find, insert, settle, settleWithRefs, releaseLease };
}

/**
 * The oldest queued job (older than `before`, when given) still waiting for `lock`: first come, first
 * served. One whose process has not heartbeated it for a lock TTL is not waited for (it is gone, and
 * recovery ends it), nor one whose cancel was asked for (it ends at its process's next heartbeat).
 */
async function waitingAhead(trx: Kysely<Database>, lock: LockRequest, before: number | null, nowMs: number): Promise<number | null> {
  let query = trx
    .selectFrom('jobs')
    .select('id')
    .where('state', '=', 'queued')
    .where('lock_key', '=', lock.key)
    .where('cancel_requested', '=', 0)
    .where((eb) => eb(eb.fn.coalesce('heartbeat_at', 'created_at'), '>', nowMs - lock.ttlMs))
    .orderBy('id', 'asc')
    .limit(1);
  if (before !== null) query = query.where('id', '<', before);
  const row = await query.executeTakeFirst();
  return row === undefined ? null : Number(row.id);
}

/** `hot` runs the transactions of every job start and finish (kysely-store.ts: grouped on SQLite). */
/** `writePost` stores a job's final post in its finishing transaction (finishWithPost). */
export function createJobStore(db: Kysely<Database>, hot: TransactionRunner, engine: StoreEngine, writePost: OutboxWriter): JobStore {
  const q = jobQueries(db, engine);
  const lease = leaseQueries(db);
  const auditLog = auditWriter(db);
  const findJob = async (target: Kysely<Database>, id: number) => (await q.find.execute(target, { id }))[0];

  /** See JobStore.finish and finishWithPost: `post` is written only by the call that ends the job. */
  const finishJob = (jobId: number, final: JobFinal, audit: NewAuditEntry, post: FinalPost | null): Promise<{ job: JobRecord; posted: boolean }> =>
    hot.run(async (trx) => {
      const values = { id: jobId, state: final.state, summary: final.summary, error: final.error, output: final.output, finished_at: toMs(final.now) };
      // The state guard in the WHERE makes two racing finishes safe: the second one updates
      // nothing and returns the first one's result. Refs merge into the stored ones, which takes
      // a read first; with none to add (most jobs) the row is left as it is and no read is needed.
      let row: Selectable<JobsTable> | undefined;
      if (Object.keys(final.refs).length === 0) {
        row = await q.settle(trx, values);
      } else {
        const current = await findJob(trx, jobId);
        if (current === undefined) throw new NotFoundError(`job ${jobId} does not exist`);
        row = await q.settleWithRefs(trx, { ...values, refs: mergedRefs(current.refs, final.refs) });
      }
      if (row === undefined) {
        const settled = await findJob(trx, jobId);
        if (settled === undefined) throw new NotFoundError(`job ${jobId} does not exist`);
        return { job: jobFromRow(settled), posted: false };
      }
      await q.releaseLease.run(trx, { jobId });
      await auditLog.insert(trx, { ...audit, event: 'job_finished', jobId, outcome: final.state });
      const job = jobFromRow(row);
      if (post === null) return { job, posted: false };
      await writePost(trx, post(job));
      return { job, posted: true };
    });

  return {
    begin(job, audit, { lock, queueIfLocked }) {
      return hot.run(async (trx): Promise<BeginResult> => {
        const now = toMs(job.now);
        const holder = lock === null ? null : await lease.live(trx, lock.key, now);
        if (holder !== null && !queueIfLocked) return { ok: false, holder };

        // A job that would rather wait joins the end of the queue, even while the lock is free for a
        // moment between one queued job's end and the next one's start (a second at most).
        const behindQueue = holder === null && lock !== null && queueIfLocked && (await waitingAhead(trx, lock, null, now)) !== null;
        const state = holder === null && !behindQueue ? 'running' : 'queued';
        const values = newJobRow(job, state, lock?.key ?? job.lockKey);
        const id = await q.insert.insert(trx, values);
        if (state === 'running' && lock !== null) await lease.take(trx, jobLease(id, job.principal, lock, now), now);
        await auditLog.insert(trx, { ...audit, event: state === 'running' ? 'job_started' : 'job_queued', jobId: id });
        // The row is exactly the values just bound plus its id and the one column left to its
        // default: decoding those gives what reading the row back would, without the read.
        return { ok: true, job: jobFromRow({ ...values, id, cancel_requested: 0 }) };
      });
    },

    promote(jobId, lock, audit) {
      return retryOnLockRace(() =>
        db.transaction().execute(async (trx): Promise<PromoteResult> => {
          const current = await findJob(trx, jobId);
          if (current === undefined) throw new NotFoundError(`job ${jobId} does not exist`);
          if (current.state !== 'queued') throw new ConflictError(`job ${jobId} is ${current.state}, not queued`);

          // The port gives promote no clock of its own: the audit entry's time is "now".
          const now = toMs(audit.at);
          const holder = await lease.live(trx, lock.key, now);
          if (holder !== null) return { ok: false, holder };
          const behind = await waitingAhead(trx, lock, jobId, now);
          if (behind !== null) return { ok: false, holder: null, behind };

          await lease.take(trx, jobLease(jobId, jobFromRow(current).principal, lock, now), now);
          const row = await trx
            .updateTable('jobs')
            .set({ state: 'running', started_at: now, heartbeat_at: now, lock_key: lock.key })
            .where('id', '=', jobId)
            .where('state', '=', 'queued')
            .returningAll()
            .executeTakeFirst();
          // Another replica promoted or cancelled it after our read: undo our lease with the rest.
          if (row === undefined) throw new ConflictError(`job ${jobId} is no longer queued`);
          await auditLog.insert(trx, { ...audit, event: 'job_started', jobId });
          return { ok: true, job: jobFromRow(row) };
        }),
      );
    },

    async finish(jobId, final, audit) {
      return (await finishJob(jobId, final, audit, null)).job;
    },

    finishWithPost(jobId, final, audit, post) {
      return finishJob(jobId, final, audit, post);
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
      if (jobIds.length === 0) return { cancelRequested: [], lost: [] };
      const nowMs = toMs(now);
      const until = nowMs + ttlMs;
      return db.transaction().execute(async (trx) => {
        // Only a lease still live at `now` is renewed. An expired one is no longer ours even when
        // nobody has taken the key yet: from its expiry on, any process may take it (lease.take
        // replaces an expired row), so renewing it would hide that the job ran unprotected.
        // Only ever extends: a lease taken with a longer TTL is not shortened by a heartbeat.
        await trx
          .updateTable('locks')
          .set({ expires_at: until })
          .where('job_id', 'in', jobIds)
          .where('expires_at', '>', nowMs)
          .where('expires_at', '<', until)
          .execute();
        // Each job with its lease in one statement: one snapshot of both (PostgreSQL's read
        // committed gives every statement its own).
        const rows = await trx
          .selectFrom('jobs')
          .leftJoin('locks', (join) => join.onRef('locks.job_id', '=', 'jobs.id').onRef('locks.key', '=', 'jobs.lock_key'))
          .select(['jobs.id as id', 'jobs.state as state', 'jobs.lock_key as lockKey', 'jobs.cancel_requested as cancelRequested', 'locks.key as leaseKey', 'locks.expires_at as leaseUntil'])
          .where('jobs.id', 'in', jobIds)
          .execute();
        const verdict = heartbeatVerdict(jobIds, rows, nowMs);
        if (verdict.held.length > 0) {
          await trx.updateTable('jobs').set({ heartbeat_at: nowMs }).where('id', 'in', verdict.held).where('state', 'in', UNFINISHED).execute();
        }
        return { cancelRequested: verdict.cancelRequested, lost: verdict.lost };
      });
    },

    async requestCancel(jobId) {
      // A finished job has nothing left to cancel; flagging it would only confuse recovery.
      const flagged = await db.updateTable('jobs').set({ cancel_requested: 1 }).where('id', '=', jobId).where('state', 'in', UNFINISHED).executeTakeFirst();
      // Wakes the replica running it (pg-cancel-wakeups.ts), once the flag is committed for it to read.
      if (engine === 'postgres' && flagged.numUpdatedRows > 0n) await sql`select pg_notify(${CANCEL_CHANNEL}, ${String(jobId)})`.execute(db);
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
