/**
 * The ScalingStore over Kysely, for both engines. Its table is declared here (not in schema.ts) and
 * added to the database type with `withTables`, so this capability stays in its own files.
 */
import type { Generated, Kysely } from 'kysely';
import type { ScalingRecord, ScalingStore } from '../core/scaling/ports.js';
import { fromMs, toMs } from './codec.js';
import type { Database } from './schema.js';

interface ScalingEventsTable {
  id: Generated<number>;
  service: string;
  env: string;
  at: number;
  from_count: number;
  to_count: number;
  job_id: number | null;
  by_name: string;
  /** 1 while the orchestrator has not confirmed the change (migration 0017). */
  pending: Generated<number>;
}

export function createScalingStore(base: Kysely<Database>): ScalingStore {
  const db = base.withTables<{ scaling_events: ScalingEventsTable }>();
  const toRecord = (row: { service: string; env: string; at: number; from_count: number; to_count: number; job_id: number | null; by_name: string; pending: number }): ScalingRecord => ({
    service: row.service,
    env: row.env,
    // PostgreSQL may hand bigint back as text; both engines agree once it is a number.
    at: fromMs(Number(row.at)),
    from: Number(row.from_count),
    to: Number(row.to_count),
    jobId: row.job_id === null ? null : Number(row.job_id),
    by: row.by_name,
    ...(Number(row.pending) === 1 ? { pending: true as const } : {}),
  });
  return {
    async record(entry) {
      await db
        .insertInto('scaling_events')
        .values({ service: entry.service, env: entry.env, at: toMs(entry.at), from_count: entry.from, to_count: entry.to, job_id: entry.jobId, by_name: entry.by, pending: entry.pending === true ? 1 : 0 })
        .execute();
    },
    async settle(jobId, taken) {
      if (taken) await db.updateTable('scaling_events').set({ pending: 0 }).where('job_id', '=', jobId).where('pending', '=', 1).execute();
      else await db.deleteFrom('scaling_events').where('job_id', '=', jobId).where('pending', '=', 1).execute();
    },
    async last(service, env) {
      const row = await db
        .selectFrom('scaling_events')
        .selectAll()
        .where('service', '=', service)
        .where('env', '=', env)
        .orderBy('at', 'desc')
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row === undefined ? null : toRecord(row);
    },
    async ofJob(jobId) {
      const row = await db.selectFrom('scaling_events').selectAll().where('job_id', '=', jobId).orderBy('id', 'desc').limit(1).executeTakeFirst();
      return row === undefined ? null : toRecord(row);
    },
  };
}
