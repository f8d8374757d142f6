/** Maintenance windows. A recurring occurrence is inserted with a unique occurrence key, so replicas agree on one row. */
import type { Generated, Kysely, Selectable } from 'kysely';
import type { MaintenanceStore } from '../core/maintenance/store-port.js';
import type { Matchers, Window } from '../core/maintenance/types.js';
import { corrupt, decodeObject, decodeStringList, encodeJson, fromMs, fromMsOrNull, toMs } from './codec.js';
import type { Database } from './schema.js';

export type MaintenanceWindowsTable = {
  id: Generated<number>;
  target: string;
  starts_at: number;
  ends_at: number;
  reason: string | null;
  occurrence_key: string | null;
  created_by: string;
  created_at: number;
  matchers: string;
  announce_to: string;
  lead_ms: number;
  block_deploys: number;
  silence_ids: string;
  ended_at: number | null;
  ended_by: string | null;
};

type WindowTables = {
  maintenance_windows: MaintenanceWindowsTable;
};

function decodeMatchers(text: string): Matchers {
  const value = decodeObject(text, 'matchers');
  for (const v of Object.values(value)) if (typeof v !== 'string') throw corrupt('matcher value', v);
  return value as Matchers;
}

function windowFromRow(row: Selectable<MaintenanceWindowsTable>): Window {
  const at = row.occurrence_key?.lastIndexOf('@') ?? -1;
  return {
    id: row.id,
    target: row.target,
    startsAt: fromMs(row.starts_at),
    endsAt: fromMs(row.ends_at),
    reason: row.reason,
    recurring: row.occurrence_key === null || at < 0 ? null : row.occurrence_key.slice(0, at),
    createdBy: row.created_by,
    createdAt: fromMs(row.created_at),
    matchers: decodeMatchers(row.matchers),
    announceTo: decodeStringList(row.announce_to, 'announce channels'),
    leadMs: row.lead_ms,
    blockDeploys: row.block_deploys === 1,
    silenceIds: decodeStringList(row.silence_ids, 'silence ids'),
    endedAt: fromMsOrNull(row.ended_at),
    endedBy: row.ended_by,
  };
}

export function createMaintenanceStore(base: Kysely<Database>): MaintenanceStore {
  const db = base.withTables<WindowTables>();
  const get = async (id: number): Promise<Window | null> => {
    const row = await db.selectFrom('maintenance_windows').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? null : windowFromRow(row);
  };
  return {
    async create(window) {
      const row = await db
        .insertInto('maintenance_windows')
        .values({
          target: window.target,
          starts_at: toMs(window.startsAt),
          ends_at: toMs(window.endsAt),
          reason: window.reason,
          occurrence_key: window.occurrenceKey,
          created_by: window.createdBy,
          created_at: toMs(window.createdAt),
          matchers: encodeJson(window.matchers),
          announce_to: encodeJson(window.announceTo),
          lead_ms: window.leadMs,
          block_deploys: window.blockDeploys ? 1 : 0,
          silence_ids: '[]',
          ended_at: null,
          ended_by: null,
        })
        .onConflict((oc) => oc.column('occurrence_key').doNothing())
        .returningAll()
        .executeTakeFirst();
      return row === undefined ? null : windowFromRow(row);
    },

    get,

    async current(since) {
      const rows = await db
        .selectFrom('maintenance_windows')
        .selectAll()
        // Planned end too: a recurring occurrence ended early must stay in view as long as it could be
        // computed as in force again (up to 7 days), or it would come back once `since` passed it.
        .where((eb) => eb.or([eb('ended_at', 'is', null), eb('ended_at', '>', toMs(since)), eb('ends_at', '>', toMs(since))]))
        .orderBy('starts_at', 'asc')
        .orderBy('id', 'asc')
        .execute();
      return rows.map(windowFromRow);
    },

    async end(id, at, by) {
      const row = await db
        .updateTable('maintenance_windows')
        .set({ ended_at: toMs(at), ended_by: by })
        .where('id', '=', id)
        .where('ended_at', 'is', null)
        .returningAll()
        .executeTakeFirst();
      return row === undefined ? null : windowFromRow(row);
    },

    async setSilences(id, silenceIds) {
      await db.updateTable('maintenance_windows').set({ silence_ids: encodeJson(silenceIds) }).where('id', '=', id).execute();
    },
  };
}
