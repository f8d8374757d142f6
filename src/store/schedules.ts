/**
 * Schedules and tick claims. A claim is an INSERT … ON CONFLICT DO NOTHING on the primary key
 * (key, scheduled_at), RETURNING the rows it inserted: of several replicas claiming the same tick at
 * the same moment exactly one gets the row back, on SQLite and PostgreSQL alike.
 */
import type { Kysely, Selectable } from 'kysely';
import { MISSED_POLICIES } from '../core/scheduler/types.js';
import type { ScheduleStore } from '../core/scheduler/store-port.js';
import type { ClaimKind, ClaimRecord, MissedPolicy, NewSchedule, ScheduleAction, ScheduleRecord, ScheduleSource } from '../core/scheduler/types.js';
import { asStringList, corrupt, decodeObject, encodeJson, fromMs, fromMsOrNull, toMs } from './codec.js';
import type { Database } from './schema.js';

export type SchedulesTable = {
  id: string;
  source: string;
  cron: string;
  timezone: string;
  action: string;
  missed: string;
  paused: number;
  created_by: string | null;
  created_by_key: string | null;
  created_at: number;
  updated_at: number;
  cursor_at: number;
  last_tick_at: number | null;
  last_outcome: string | null;
};

export type ScheduleClaimsTable = {
  key: string;
  scheduled_at: number;
  kind: string;
  claimed_by: string;
  claimed_at: number;
  outcome: string | null;
  finished_at: number | null;
};

export type ScheduleTables = {
  schedules: SchedulesTable;
  schedule_claims: ScheduleClaimsTable;
};

/** Rows per INSERT: well under SQLite's limit on bound parameters. */
const CLAIM_CHUNK = 200;
const CLAIM_KINDS: readonly ClaimKind[] = ['run', 'missed', 'event'];

export function decodeAction(text: string): ScheduleAction {
  const raw = decodeObject(text, 'schedule action');
  const to = asStringList(raw.to, 'schedule channels');
  if (raw.kind === 'announce' && typeof raw.text === 'string') return { kind: 'announce', text: raw.text, to };
  if (raw.kind === 'command' && typeof raw.command === 'string' && typeof raw.as === 'string') return { kind: 'command', command: raw.command, as: raw.as, to };
  throw corrupt('schedule action', raw);
}

function decodeMissed(value: string): MissedPolicy {
  const policy = MISSED_POLICIES.find((p) => p === value);
  if (policy === undefined) throw corrupt('missed policy', value);
  return policy;
}

function decodeSource(value: string): ScheduleSource {
  if (value !== 'config' && value !== 'chat') throw corrupt('schedule source', value);
  return value;
}

function scheduleFromRow(row: Selectable<SchedulesTable>): ScheduleRecord {
  return {
    id: row.id,
    cron: row.cron,
    timezone: row.timezone,
    action: decodeAction(row.action),
    missed: decodeMissed(row.missed),
    source: decodeSource(row.source),
    paused: row.paused === 1,
    createdBy: row.created_by,
    createdByKey: row.created_by_key,
    createdAt: fromMs(row.created_at),
    updatedAt: fromMs(row.updated_at),
    cursorAt: fromMs(row.cursor_at),
    lastTickAt: fromMsOrNull(row.last_tick_at),
    lastOutcome: row.last_outcome,
  };
}

function claimFromRow(row: Selectable<ScheduleClaimsTable>): ClaimRecord {
  const kind = CLAIM_KINDS.find((k) => k === row.kind);
  if (kind === undefined) throw corrupt('claim kind', row.kind);
  return { key: row.key, scheduledAt: fromMs(row.scheduled_at), kind, claimedBy: row.claimed_by, claimedAt: fromMs(row.claimed_at), outcome: row.outcome };
}

function newRow(schedule: NewSchedule): SchedulesTable {
  const now = toMs(schedule.now);
  return {
    id: schedule.id,
    source: schedule.source,
    cron: schedule.cron,
    timezone: schedule.timezone,
    action: encodeJson(schedule.action),
    missed: schedule.missed,
    paused: schedule.paused ? 1 : 0,
    created_by: schedule.createdBy,
    created_by_key: schedule.createdByKey ?? null,
    created_at: now,
    updated_at: now,
    cursor_at: now,
    last_tick_at: null,
    last_outcome: null,
  };
}

export function createScheduleStore(base: Kysely<Database>): ScheduleStore {
  const db = base.withTables<ScheduleTables>();
  const get = async (id: string): Promise<ScheduleRecord | null> => {
    const row = await db.selectFrom('schedules').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? null : scheduleFromRow(row);
  };

  return {
    async list() {
      const rows = await db.selectFrom('schedules').selectAll().orderBy('id', 'asc').execute();
      return rows.map(scheduleFromRow);
    },

    get,

    async create(schedule) {
      const inserted = await db
        .insertInto('schedules')
        .values(newRow(schedule))
        .onConflict((oc) => oc.column('id').doNothing())
        .returning('id')
        .executeTakeFirst();
      return inserted !== undefined;
    },

    syncConfig(schedules, now) {
      return db.transaction().execute(async (trx) => {
        const added: string[] = [];
        const updated: string[] = [];
        const nowMs = toMs(now);
        for (const schedule of schedules) {
          const row = newRow({ ...schedule, source: 'config', now });
          const existing = await trx.selectFrom('schedules').selectAll().where('id', '=', schedule.id).executeTakeFirst();
          if (existing === undefined) {
            // ON CONFLICT: another replica booting at the same moment may have inserted it first.
            const inserted = await trx.insertInto('schedules').values(row).onConflict((oc) => oc.column('id').doNothing()).returning('id').executeTakeFirst();
            if (inserted !== undefined) added.push(schedule.id);
            continue;
          }
          const same =
            existing.source === 'config' && existing.cron === row.cron && existing.timezone === row.timezone && existing.action === row.action && existing.missed === row.missed;
          if (same) continue;
          // The cursor and the pause state are kept: an edit of the file neither replays nor re-enables ticks.
          await trx
            .updateTable('schedules')
            .set({ source: 'config', cron: row.cron, timezone: row.timezone, action: row.action, missed: row.missed, created_by: null, created_by_key: null, updated_at: nowMs })
            .where('id', '=', schedule.id)
            .execute();
          updated.push(schedule.id);
        }
        const keep = schedules.map((s) => s.id);
        let gone = trx.deleteFrom('schedules').where('source', '=', 'config');
        if (keep.length > 0) gone = gone.where('id', 'not in', keep);
        const removed = await gone.returning('id').execute();
        return { added, updated, removed: removed.map((r) => r.id) };
      });
    },

    async setPaused(id, paused, now) {
      const nowMs = toMs(now);
      await db.updateTable('schedules').set({ paused: paused ? 1 : 0, updated_at: nowMs }).where('id', '=', id).execute();
      // Ticks that passed while paused were skipped on purpose, not missed.
      if (!paused) await db.updateTable('schedules').set({ cursor_at: nowMs }).where('id', '=', id).where('cursor_at', '<', nowMs).execute();
      return get(id);
    },

    async remove(id) {
      const removed = await db.deleteFrom('schedules').where('id', '=', id).returning('id').executeTakeFirst();
      return removed !== undefined;
    },

    async advanceCursor(id, to) {
      const toMsValue = toMs(to);
      await db.updateTable('schedules').set({ cursor_at: toMsValue }).where('id', '=', id).where('cursor_at', '<', toMsValue).execute();
    },

    async claim(key, instants, kind, owner, now) {
      const won: Date[] = [];
      const claimedAt = toMs(now);
      for (let i = 0; i < instants.length; i += CLAIM_CHUNK) {
        const rows = instants.slice(i, i + CLAIM_CHUNK).map((at) => ({ key, scheduled_at: toMs(at), kind, claimed_by: owner, claimed_at: claimedAt, outcome: null, finished_at: null }));
        const inserted = await db
          .insertInto('schedule_claims')
          .values(rows)
          .onConflict((oc) => oc.columns(['key', 'scheduled_at']).doNothing())
          .returning('scheduled_at')
          .execute();
        for (const row of inserted) won.push(fromMs(row.scheduled_at));
      }
      return won.sort((a, b) => a.getTime() - b.getTime());
    },

    async recordOutcome(claim, scheduleId, outcome, now) {
      const at = toMs(claim.scheduledAt);
      const text = outcome.length > 1_000 ? `${outcome.slice(0, 999)}…` : outcome;
      await db.updateTable('schedule_claims').set({ outcome: text, finished_at: toMs(now) }).where('key', '=', claim.key).where('scheduled_at', '=', at).execute();
      if (scheduleId === null) return;
      // Only the newest tick's outcome is the schedule's "last outcome" (a slow job may finish after a newer tick).
      await db
        .updateTable('schedules')
        .set({ last_outcome: text, last_tick_at: at })
        .where('id', '=', scheduleId)
        .where((eb) => eb.or([eb('last_tick_at', 'is', null), eb('last_tick_at', '<=', at)]))
        .execute();
    },

    async claims(key, limit) {
      const rows = await db.selectFrom('schedule_claims').selectAll().where('key', '=', key).orderBy('scheduled_at', 'desc').limit(limit).execute();
      return rows.map(claimFromRow);
    },
  };
}
