/**
 * The AlertStore over Kysely, for both engines. Its tables are declared here and added to the
 * database type with `withTables`, so this capability stays in its files.
 *
 * Concurrency: on PostgreSQL the rows a transaction decides on are read FOR UPDATE, the open group
 * is unique by key in the database, and a transaction that loses a race (deadlock, a concurrent
 * insert of the same key) is retried; SQLite has one writer (BEGIN IMMEDIATE).
 */
import type { Generated, Kysely, Transaction } from 'kysely';
import type { Principal } from '../core/identity.js';
import { ALERT_SEVERITIES, type AlertSeverity } from '../core/alerts/model.js';
import type { Matcher } from '../core/alerts/matchers.js';
import type {
  AlertGroupRecord,
  AlertPostRecord,
  AlertStore,
  DigestRecord,
  GroupSummary,
  IncomingAlert,
  RecordOutcome,
  SilenceRecord,
  StoredAlert,
} from '../core/alerts/store.js';
import { corrupt, decodePrincipal, decodeStringList, decodeStringMap, fromMs, fromMsOrNull, toMs } from './codec.js';
import type { Database, StoreEngine } from './schema.js';

export type AlertGroupsTable = {
  id: Generated<number>;
  group_key: string;
  open_key: string | null;
  route: string;
  labels: string;
  conversations: string;
  state: string;
  created_at: number;
  updated_at: number;
  version: number;
  flushed_version: number;
  next_flush_at: number | null;
  last_flush_at: number | null;
  wait_ms: number;
  interval_ms: number;
  repeat_ms: number;
  claim_owner: string | null;
  claim_until: number | null;
  acked_platform: string | null;
  acked_id: string | null;
  acked_name: string | null;
  acked_at: number | null;
  /** Set when a held alert joined (its hold end); null: the group never held one since its last look. */
  held_until: number | null;
};

export type AlertInstancesTable = {
  source: string;
  fingerprint: string;
  group_id: number;
  status: string;
  severity: string;
  summary: string;
  labels: string;
  annotations: string;
  links: string;
  starts_at: number | null;
  ends_at: number | null;
  first_seen_at: number;
  last_seen_at: number;
  changed_at: number;
  received_count: number;
  held_until: number | null;
  held_by: string | null;
};

type AlertPostsTable = {
  group_id: number;
  conversation_key: string;
  ref: string | null;
  digest_id: number | null;
  updated_at: number;
};

type AlertDigestsTable = {
  id: Generated<number>;
  conversation_key: string;
  ref: string | null;
  opened_at: number;
  last_at: number;
};

type AlertSilencesTable = {
  id: string;
  matchers: string;
  starts_at: number;
  ends_at: number;
  created_platform: string;
  created_id: string;
  created_name: string;
  comment: string;
  in_alertmanager: number;
  expired_at: number | null;
};

type AlertTables = {
  alert_groups: AlertGroupsTable;
  alert_instances: AlertInstancesTable;
  alert_posts: AlertPostsTable;
  alert_digests: AlertDigestsTable;
  alert_silences: AlertSilencesTable;
};

type Db = Kysely<Database & AlertTables>;
type Trx = Transaction<Database & AlertTables>;
type GroupRow = Omit<AlertGroupsTable, 'id'> & { id: number };
type InstanceRow = AlertInstancesTable;

function severityOf(value: string): AlertSeverity {
  const s = ALERT_SEVERITIES.find((x) => x === value);
  if (s === undefined) throw corrupt('severity', value);
  return s;
}

function groupFromRow(row: GroupRow): AlertGroupRecord {
  if (row.state !== 'open' && row.state !== 'closed') throw corrupt('group state', row.state);
  const acked = row.acked_platform !== null && row.acked_id !== null ? decodePrincipal(row.acked_platform, row.acked_id, row.acked_name ?? row.acked_id, null) : null;
  return {
    id: Number(row.id),
    key: row.group_key,
    route: row.route,
    labels: decodeStringMap(row.labels, 'group labels'),
    conversations: decodeStringList(row.conversations, 'group conversations'),
    state: row.state,
    createdAt: fromMs(Number(row.created_at)),
    version: Number(row.version),
    flushedVersion: Number(row.flushed_version),
    nextFlushAt: fromMsOrNull(row.next_flush_at === null ? null : Number(row.next_flush_at)),
    lastFlushAt: fromMsOrNull(row.last_flush_at === null ? null : Number(row.last_flush_at)),
    wait: Number(row.wait_ms),
    interval: Number(row.interval_ms),
    repeat: Number(row.repeat_ms),
    ackedBy: acked,
    ackedAt: fromMsOrNull(row.acked_at === null ? null : Number(row.acked_at)),
  };
}

function alertFromRow(row: InstanceRow): StoredAlert {
  if (row.status !== 'firing' && row.status !== 'resolved') throw corrupt('alert status', row.status);
  return {
    source: row.source as StoredAlert['source'],
    fingerprint: row.fingerprint,
    status: row.status,
    severity: severityOf(row.severity),
    labels: decodeStringMap(row.labels, 'alert labels'),
    annotations: decodeStringMap(row.annotations, 'alert annotations'),
    summary: row.summary,
    links: decodeStringMap(row.links, 'alert links'),
    startsAt: fromMsOrNull(row.starts_at === null ? null : Number(row.starts_at)),
    endsAt: fromMsOrNull(row.ends_at === null ? null : Number(row.ends_at)),
    groupId: Number(row.group_id),
    receivedCount: Number(row.received_count),
    firstSeenAt: fromMs(Number(row.first_seen_at)),
    lastSeenAt: fromMs(Number(row.last_seen_at)),
    heldUntil: fromMsOrNull(row.held_until === null ? null : Number(row.held_until)),
    heldBy: row.held_by,
  };
}

function silenceFromRow(row: AlertSilencesTable): SilenceRecord {
  const matchers = JSON.parse(row.matchers) as Matcher[];
  if (!Array.isArray(matchers)) throw corrupt('silence matchers', matchers);
  return {
    id: row.id,
    matchers,
    startsAt: fromMs(Number(row.starts_at)),
    endsAt: fromMs(Number(row.ends_at)),
    createdBy: decodePrincipal(row.created_platform, row.created_id, row.created_name, null),
    comment: row.comment,
    inAlertmanager: Number(row.in_alertmanager) === 1,
    expiredAt: fromMsOrNull(row.expired_at === null ? null : Number(row.expired_at)),
  };
}

/** When a changed group should be flushed: its first flush if still pending, else group_interval after the last. */
function nextFlushAfterChange(group: GroupRow, now: number): number {
  const pending = group.next_flush_at === null ? Number.POSITIVE_INFINITY : Number(group.next_flush_at);
  if (group.last_flush_at === null) return Math.min(pending, Number(group.created_at) + Number(group.wait_ms));
  return Math.min(pending, Math.max(now, Number(group.last_flush_at) + Number(group.interval_ms)));
}

const RETRYABLE = new Set(['40P01', '40001', '23505']);
class LostRace extends Error {}

async function retrying<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error: unknown) {
      const code = (error as { code?: unknown }).code;
      const retry = error instanceof LostRace || (typeof code === 'string' && RETRYABLE.has(code));
      if (!retry || attempt >= 8) throw error;
    }
  }
}

export function createAlertStore(database: Kysely<Database>, engine: StoreEngine): AlertStore {
  const db: Db = database.withTables<AlertTables>();
  const pg = engine === 'postgres';

  async function lockedGroup(trx: Trx, id: number): Promise<GroupRow | undefined> {
    const q = trx.selectFrom('alert_groups').selectAll().where('id', '=', id);
    return (pg ? q.forUpdate() : q).executeTakeFirst();
  }

  /** What one batch transaction has read and still has to write. */
  interface BatchState {
    readonly groups: Map<number, GroupRow>;
    readonly openByKey: Map<string, GroupRow>;
    /** Groups whose version moves (once per batch). */
    readonly dirty: Set<number>;
    /** Deliveries that changed nothing but the counters: `source\0fingerprint` -> how many. */
    readonly counted: Map<string, number>;
    /** Groups with a held alert recorded: due by the earliest hold end, without a version step. */
    readonly holdEnds: Map<number, number>;
  }

  function holdUntil(state: BatchState, groupId: number, until: number): void {
    state.holdEnds.set(groupId, Math.min(until, state.holdEnds.get(groupId) ?? Number.POSITIVE_INFINITY));
  }

  async function openGroupFor(trx: Trx, incoming: IncomingAlert, now: number, state: BatchState): Promise<GroupRow> {
    const t = incoming.target;
    const cached = state.openByKey.get(t.key);
    if (cached !== undefined) return cached;
    const q = trx.selectFrom('alert_groups').selectAll().where('open_key', '=', t.key);
    const existing = await (pg ? q.forUpdate() : q).executeTakeFirst();
    if (existing !== undefined) {
      state.openByKey.set(t.key, existing);
      state.groups.set(Number(existing.id), existing);
      return existing;
    }
    const created = await trx
      .insertInto('alert_groups')
      .values({
        group_key: t.key,
        open_key: t.key,
        route: t.route,
        labels: JSON.stringify(t.labels),
        conversations: JSON.stringify(t.conversations),
        state: 'open',
        created_at: now,
        updated_at: now,
        version: 0,
        flushed_version: 0,
        next_flush_at: now + t.wait,
        last_flush_at: null,
        wait_ms: t.wait,
        interval_ms: t.interval,
        repeat_ms: t.repeat,
        claim_owner: null,
        claim_until: null,
        acked_platform: null,
        acked_id: null,
        acked_name: null,
        acked_at: null,
        held_until: null,
      })
      .onConflict((oc) => oc.column('open_key').doNothing())
      .returningAll()
      .executeTakeFirst();
    // Another replica opened it between our read and insert: start again and join theirs.
    if (created === undefined) throw new LostRace();
    state.openByKey.set(t.key, created);
    state.groups.set(Number(created.id), created);
    return created;
  }

  /**
   * One version step per changed group per batch: the flush shows the batch as one change. A group
   * that only got held alerts keeps its version (nothing to show yet) but is due by their hold end.
   */
  async function bumpDirty(trx: Trx, state: BatchState, now: number): Promise<void> {
    for (const id of [...new Set([...state.dirty, ...state.holdEnds.keys()])].sort((a, b) => a - b)) {
      const group = state.groups.get(id);
      if (group === undefined) continue;
      const dirty = state.dirty.has(id);
      const pending = dirty ? nextFlushAfterChange(group, now) : group.next_flush_at === null ? Number.POSITIVE_INFINITY : Number(group.next_flush_at);
      const holdEnd = state.holdEnds.get(id);
      const next = Math.min(pending, holdEnd ?? Number.POSITIVE_INFINITY);
      // A stale (past) held_until may stay smaller: it only tells the flush to look the holds up.
      const heldUntil = holdEnd === undefined ? group.held_until : Math.min(holdEnd, group.held_until === null ? Number.POSITIVE_INFINITY : Number(group.held_until));
      await trx
        .updateTable('alert_groups')
        .set({ version: Number(group.version) + (dirty ? 1 : 0), next_flush_at: next, updated_at: now, held_until: heldUntil })
        .where('id', '=', id)
        .execute();
    }
  }

  /** The earliest end of a hold on a firing alert of the group still in force at `now`, or null. */
  async function firstHoldEnd(trx: Trx, groupId: number, now: number): Promise<number | null> {
    const row = await trx
      .selectFrom('alert_instances')
      .select((eb) => eb.fn.min<number | string | null>('held_until').as('until'))
      .where('group_id', '=', groupId)
      .where('status', '=', 'firing')
      .where('held_until', '>', now)
      .where((eb) => eb.or([eb('ends_at', 'is', null), eb('ends_at', '>', now)]))
      .executeTakeFirst();
    return row?.until === null || row?.until === undefined ? null : Number(row.until);
  }

  /** Counter-only duplicates in one statement per source and count. */
  async function applyCounts(trx: Trx | Db, counted: ReadonlyMap<string, number>, now: number): Promise<void> {
    const bySourceAndCount = new Map<string, { source: string; n: number; fingerprints: string[] }>();
    for (const [key, n] of counted) {
      const [source = '', fingerprint = ''] = key.split('\u0000');
      const k = `${source}\u0000${n}`;
      const entry = bySourceAndCount.get(k) ?? { source, n, fingerprints: [] };
      entry.fingerprints.push(fingerprint);
      bySourceAndCount.set(k, entry);
    }
    for (const { source, n, fingerprints } of bySourceAndCount.values()) {
      for (let i = 0; i < fingerprints.length; i += 500) {
        await trx
          .updateTable('alert_instances')
          .set((eb) => ({ received_count: eb('received_count', '+', n), last_seen_at: now }))
          .where('source', '=', source)
          .where('fingerprint', 'in', fingerprints.slice(i, i + 500))
          .execute();
      }
    }
  }

  function alertValues(incoming: IncomingAlert, stored: InstanceRow | undefined, now: number): Pick<InstanceRow, 'status' | 'severity' | 'summary' | 'labels' | 'annotations' | 'links' | 'starts_at' | 'ends_at'> {
    const a = incoming.alert;
    // A resolve often says nothing about severity (Netdata's clear, Alerta's normal): keep what it fired with.
    const severity = a.severity === 'unknown' && stored !== undefined ? stored.severity : a.severity;
    // An alert still firing keeps the start it was recorded with: a repeat may carry the time of its
    // own delivery (Uptime Kuma's resend of a down, on a later heartbeat; Netdata's warning turning
    // critical), and "since" in the post and tickets' `after` count from when the trouble began.
    const stillFiring = stored !== undefined && stored.status === 'firing' && a.status === 'firing' && (stored.ends_at === null || Number(stored.ends_at) > now);
    const keptStart = stillFiring && stored.starts_at !== null ? Number(stored.starts_at) : null;
    return {
      status: a.status,
      severity,
      summary: a.summary,
      labels: JSON.stringify(a.labels),
      annotations: JSON.stringify(a.annotations),
      links: JSON.stringify(a.links),
      starts_at: keptStart ?? (a.startsAt === null ? (stored?.starts_at ?? null) : toMs(a.startsAt)),
      ends_at: a.endsAt === null ? null : toMs(a.endsAt),
    };
  }

  function sameContent(values: ReturnType<typeof alertValues>, stored: InstanceRow): boolean {
    return (
      values.severity === stored.severity &&
      values.summary === stored.summary &&
      values.labels === stored.labels &&
      values.annotations === stored.annotations &&
      values.links === stored.links &&
      values.starts_at === (stored.starts_at === null ? null : Number(stored.starts_at)) &&
      values.ends_at === (stored.ends_at === null ? null : Number(stored.ends_at))
    );
  }

  async function recordOne(trx: Trx, incoming: IncomingAlert, stored: InstanceRow | undefined, state: BatchState, now: number): Promise<RecordOutcome> {
    const a = incoming.alert;
    const key = `${a.source}\u0000${a.fingerprint}`;
    const group = stored === undefined ? undefined : state.groups.get(Number(stored.group_id));
    const where = { source: a.source, fingerprint: a.fingerprint };
    if (stored !== undefined && group !== undefined && group.state === 'open' && stored.held_until !== null && Number(stored.held_until) > now) {
      // Held back and not shown yet. Resolved before its hold ended: nobody was told it fired, so it
      // is forgotten (a later "resolved" is stale) and its group may close quietly.
      if (a.status === 'resolved') {
        await trx.deleteFrom('alert_instances').where('source', '=', where.source).where('fingerprint', '=', where.fingerprint).execute();
        return 'stale';
      }
      const values = alertValues(incoming, stored, now);
      if (incoming.hold !== undefined) {
        // Still held: keep the latest words, hidden until the later of the two ends.
        const until = Math.max(Number(stored.held_until), toMs(incoming.hold.until));
        await trx.updateTable('alert_instances').set({ ...values, last_seen_at: now, received_count: Number(stored.received_count) + 1, held_until: until }).where('source', '=', where.source).where('fingerprint', '=', where.fingerprint).execute();
        holdUntil(state, Number(group.id), until);
        return 'duplicate';
      }
      // Intake sees no hold any more (ended before the store heard of it): it is news now.
      await trx.updateTable('alert_instances').set({ ...values, last_seen_at: now, changed_at: now, received_count: Number(stored.received_count) + 1, held_until: now }).where('source', '=', where.source).where('fingerprint', '=', where.fingerprint).execute();
      state.dirty.add(Number(group.id));
      return 'changed';
    }
    if (stored !== undefined && group !== undefined && group.state === 'open' && incoming.hold !== undefined && stored.status === 'resolved' && a.status === 'firing') {
      // Shown resolved, firing again during a hold: news held back like a new alert.
      const values = alertValues(incoming, stored, now);
      const until = toMs(incoming.hold.until);
      await trx
        .updateTable('alert_instances')
        .set({ ...values, last_seen_at: now, changed_at: now, received_count: Number(stored.received_count) + 1, held_until: until, held_by: incoming.hold.by })
        .where('source', '=', where.source)
        .where('fingerprint', '=', where.fingerprint)
        .execute();
      holdUntil(state, Number(group.id), until);
      return 'changed';
    }
    if (stored !== undefined && group !== undefined && group.state === 'open') {
      // Shown already: a hold does not hide it again (a repeat, a new severity); the resolve of a
      // shown alert always goes through.
      const values = alertValues(incoming, stored, now);
      // Sources that keep one alert through its states (Netdata, Alerta, Zabbix) send a new
      // severity with the same status: warning to critical is news for the post, not a repeat.
      if (stored.status === a.status && values.severity === stored.severity) {
        if (sameContent(values, stored)) {
          state.counted.set(key, (state.counted.get(key) ?? 0) + 1);
        } else {
          // New annotations or links: keep the latest words, still no post.
          await trx.updateTable('alert_instances').set({ ...values, last_seen_at: now, received_count: Number(stored.received_count) + 1 }).where('source', '=', a.source).where('fingerprint', '=', a.fingerprint).execute();
        }
        return 'duplicate';
      }
      await trx
        .updateTable('alert_instances')
        .set({ ...values, last_seen_at: now, changed_at: now, received_count: Number(stored.received_count) + 1 })
        .where('source', '=', a.source)
        .where('fingerprint', '=', a.fingerprint)
        .execute();
      state.dirty.add(Number(group.id));
      return 'changed';
    }
    if (a.status === 'resolved') {
      if (stored === undefined) return 'stale';
      state.counted.set(key, (state.counted.get(key) ?? 0) + 1);
      return 'duplicate';
    }
    const open = await openGroupFor(trx, incoming, now, state);
    const hold = incoming.hold === undefined ? null : { until: toMs(incoming.hold.until), by: incoming.hold.by };
    const values = {
      ...alertValues(incoming, undefined, now),
      group_id: Number(open.id),
      first_seen_at: now,
      last_seen_at: now,
      changed_at: now,
      received_count: 1,
      held_until: hold?.until ?? null,
      held_by: hold?.by ?? null,
    };
    if (stored === undefined) {
      const inserted = await trx
        .insertInto('alert_instances')
        .values({ source: a.source, fingerprint: a.fingerprint, ...values })
        .onConflict((oc) => oc.columns(['source', 'fingerprint']).doNothing())
        .returning('fingerprint')
        .executeTakeFirst();
      if (inserted === undefined) throw new LostRace();
    } else {
      await trx.updateTable('alert_instances').set(values).where('source', '=', a.source).where('fingerprint', '=', a.fingerprint).execute();
    }
    if (hold === null) state.dirty.add(Number(open.id));
    else holdUntil(state, Number(open.id), hold.until);
    return 'new';
  }

  async function summaries(rows: readonly GroupRow[]): Promise<GroupSummary[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => Number(r.id));
    const alerts = await db.selectFrom('alert_instances').select(['group_id', 'status', 'severity', 'summary', 'received_count', 'ends_at']).where('group_id', 'in', ids).execute();
    const byGroup = new Map<number, typeof alerts>();
    for (const a of alerts) {
      const list = byGroup.get(Number(a.group_id)) ?? [];
      list.push(a);
      byGroup.set(Number(a.group_id), list);
    }
    return rows.map((row) => {
      const list = byGroup.get(Number(row.id)) ?? [];
      const firing = list.filter((a) => a.status === 'firing');
      const rank = (s: string): number => ALERT_SEVERITIES.indexOf(severityOf(s));
      const top = [...firing].sort((x, y) => rank(x.severity) - rank(y.severity))[0];
      return {
        ...groupFromRow(row),
        counts: { firing: firing.length, resolved: list.length - firing.length, duplicates: list.reduce((n, a) => n + Number(a.received_count) - 1, 0) },
        top: top === undefined ? null : { severity: severityOf(top.severity), summary: top.summary },
      };
    });
  }

  return {
    record(batch, nowDate) {
      const now = toMs(nowDate);
      // A fixed order: two replicas recording overlapping batches lock rows in the same order.
      const order = batch.map((_, i) => i).sort((x, y) => {
        const a = batch[x]?.alert;
        const b = batch[y]?.alert;
        return `${a?.source}\u0000${a?.fingerprint}` < `${b?.source}\u0000${b?.fingerprint}` ? -1 : 1;
      });
      return retrying(() =>
        db.transaction().execute(async (trx) => {
          const outcomes: RecordOutcome[] = new Array<RecordOutcome>(batch.length).fill('duplicate');
          const bySource = new Map<string, string[]>();
          for (const item of batch) bySource.set(item.alert.source, [...(bySource.get(item.alert.source) ?? []), item.alert.fingerprint]);
          const existing = new Map<string, InstanceRow>();
          for (const [source, fingerprints] of bySource) {
            for (let i = 0; i < fingerprints.length; i += 500) {
              const q = trx.selectFrom('alert_instances').selectAll().where('source', '=', source).where('fingerprint', 'in', fingerprints.slice(i, i + 500)).orderBy('fingerprint');
              for (const row of await (pg ? q.forUpdate() : q).execute()) existing.set(`${row.source}\u0000${row.fingerprint}`, row);
            }
          }
          const state: BatchState = { groups: new Map(), openByKey: new Map(), dirty: new Set(), counted: new Map(), holdEnds: new Map() };
          // The groups of the alerts already known, in one read (locked on PostgreSQL, in id order).
          const groupIds = [...new Set([...existing.values()].map((r) => Number(r.group_id)))].sort((a, b) => a - b);
          for (let i = 0; i < groupIds.length; i += 500) {
            const q = trx.selectFrom('alert_groups').selectAll().where('id', 'in', groupIds.slice(i, i + 500)).orderBy('id');
            for (const row of await (pg ? q.forUpdate() : q).execute()) state.groups.set(Number(row.id), row);
          }
          const keyOf = (i: number): string => `${batch[i]?.alert.source}\u0000${batch[i]?.alert.fingerprint}`;
          const remaining = new Map<string, number>();
          for (const i of order) remaining.set(keyOf(i), (remaining.get(keyOf(i)) ?? 0) + 1);
          for (const i of order) {
            const item = batch[i];
            if (item === undefined) continue;
            const key = keyOf(i);
            outcomes[i] = await recordOne(trx, item, existing.get(key), state, now);
            const left = (remaining.get(key) ?? 1) - 1;
            remaining.set(key, left);
            if (left === 0) continue;
            // The same alert again later in this batch: it must see this one's row.
            const row = await trx.selectFrom('alert_instances').selectAll().where('source', '=', item.alert.source).where('fingerprint', '=', item.alert.fingerprint).executeTakeFirst();
            if (row === undefined) existing.delete(key);
            else existing.set(key, row);
          }
          await applyCounts(trx, state.counted, now);
          await bumpDirty(trx, state, now);
          return outcomes;
        }),
      );
    },

    async count(deliveries, nowDate) {
      if (deliveries.length === 0) return;
      const counted = new Map<string, number>();
      for (const d of deliveries) counted.set(`${d.source}\u0000${d.fingerprint}`, (counted.get(`${d.source}\u0000${d.fingerprint}`) ?? 0) + d.times);
      await db.transaction().execute((trx) => applyCounts(trx, counted, toMs(nowDate)));
    },

    async due(now, limit) {
      const ms = toMs(now);
      const rows = await db
        .selectFrom('alert_groups')
        .selectAll()
        .where('state', '=', 'open')
        .where('next_flush_at', '<=', ms)
        .where((eb) => eb.or([eb('claim_until', 'is', null), eb('claim_until', '<=', ms)]))
        .orderBy('next_flush_at')
        .limit(limit)
        .execute();
      return rows.map(groupFromRow);
    },

    async claim(groupId, owner, now, leaseMs) {
      const ms = toMs(now);
      const row = await db
        .updateTable('alert_groups')
        .set({ claim_owner: owner, claim_until: ms + leaseMs })
        .where('id', '=', groupId)
        .where('state', '=', 'open')
        .where('next_flush_at', '<=', ms)
        .where((eb) => eb.or([eb('claim_until', 'is', null), eb('claim_until', '<=', ms)]))
        .returningAll()
        .executeTakeFirst();
      return row === undefined ? null : groupFromRow(row);
    },

    async release(groupId, owner, retryAt) {
      // claim_until doubles as "not before": due() skips the group until then.
      await db.updateTable('alert_groups').set({ claim_owner: null, claim_until: toMs(retryAt) }).where('id', '=', groupId).where('claim_owner', '=', owner).execute();
    },

    flushed(groupId, owner, version, stillFiring, nextExpiry, nowDate) {
      const now = toMs(nowDate);
      return retrying(() =>
        db.transaction().execute(async (trx) => {
          const group = await lockedGroup(trx, groupId);
          if (group === undefined || group.claim_owner !== owner) return;
          const changedMeanwhile = Number(group.version) > version;
          let next: number | null;
          if (changedMeanwhile) next = now + Number(group.interval_ms);
          else if (stillFiring) next = Math.min(now + Number(group.repeat_ms), nextExpiry === null ? Number.POSITIVE_INFINITY : Math.max(now, toMs(nextExpiry)));
          else next = null;
          // Held firing alerts keep the group open and bring it back when their hold ends (read
          // under the group's lock: intake recording a held alert meanwhile is seen here). Only
          // groups a held alert joined are looked at.
          const heldEnd = group.held_until === null ? null : await firstHoldEnd(trx, groupId, now);
          if (heldEnd !== null) next = Math.min(next ?? Number.POSITIVE_INFINITY, heldEnd);
          const close = next === null;
          await trx
            .updateTable('alert_groups')
            .set({
              flushed_version: version,
              last_flush_at: now,
              next_flush_at: next,
              updated_at: now,
              claim_owner: null,
              claim_until: null,
              held_until: heldEnd,
              ...(close ? { state: 'closed', open_key: null } : {}),
            })
            .where('id', '=', groupId)
            .execute();
        }),
      );
    },

    postpone(groupId, owner, version, nowDate) {
      const now = toMs(nowDate);
      return retrying(() =>
        db.transaction().execute(async (trx) => {
          const group = await lockedGroup(trx, groupId);
          if (group === undefined || group.claim_owner !== owner) return;
          const heldEnd = await firstHoldEnd(trx, groupId, now);
          const next = Number(group.version) > version || heldEnd === null ? now : heldEnd;
          await trx.updateTable('alert_groups').set({ next_flush_at: next, claim_owner: null, claim_until: null, held_until: heldEnd }).where('id', '=', groupId).execute();
        }),
      );
    },

    endHolds(by, nowDate) {
      const now = toMs(nowDate);
      return retrying(() =>
        db.transaction().execute(async (trx) => {
          const rows = await trx.selectFrom('alert_instances').select('group_id').where('held_by', '=', by).where('held_until', '>', now).execute();
          if (rows.length === 0) return 0;
          const ids = [...new Set(rows.map((r) => Number(r.group_id)))].sort((a, b) => a - b);
          await trx.updateTable('alert_instances').set({ held_until: now }).where('held_by', '=', by).where('held_until', '>', now).execute();
          for (let i = 0; i < ids.length; i += 500) {
            // A version step too: a flush that read the alerts still held and finishes after this
            // sees a change and comes back, instead of waiting for repeat_interval.
            await trx
              .updateTable('alert_groups')
              .set((eb) => ({ version: eb('version', '+', 1), next_flush_at: now, updated_at: now }))
              .where('id', 'in', ids.slice(i, i + 500))
              .where('state', '=', 'open')
              .execute();
          }
          return rows.length;
        }),
      );
    },

    async alertsOf(groupId) {
      const rows = await db.selectFrom('alert_instances').selectAll().where('group_id', '=', groupId).orderBy('changed_at', 'desc').orderBy('fingerprint').execute();
      return rows.map(alertFromRow);
    },

    async group(id) {
      const row = await db.selectFrom('alert_groups').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? null : groupFromRow(row);
    },

    async openGroups(limit) {
      const rows = await db.selectFrom('alert_groups').selectAll().where('state', '=', 'open').orderBy('updated_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
      return summaries(rows);
    },

    ack(groupId, by: Principal, at) {
      const now = toMs(at);
      return db.transaction().execute(async (trx) => {
        const group = await lockedGroup(trx, groupId);
        if (group === undefined || group.state !== 'open') return null;
        const row = await trx
          .updateTable('alert_groups')
          .set({ acked_platform: by.platform, acked_id: by.id, acked_name: by.name, acked_at: now, version: Number(group.version) + 1, next_flush_at: now, updated_at: now })
          .where('id', '=', groupId)
          .returningAll()
          .executeTakeFirstOrThrow();
        return groupFromRow(row);
      });
    },

    async posts(groupId) {
      const rows = await db.selectFrom('alert_posts').selectAll().where('group_id', '=', groupId).execute();
      return rows.map((r): AlertPostRecord => ({ groupId: Number(r.group_id), conversationKey: r.conversation_key, postKey: r.ref, digestId: r.digest_id === null ? null : Number(r.digest_id) }));
    },

    async savePost(post) {
      const values = { ref: post.postKey, digest_id: post.digestId, updated_at: Date.now() };
      await db
        .insertInto('alert_posts')
        .values({ group_id: post.groupId, conversation_key: post.conversationKey, ...values })
        .onConflict((oc) => oc.columns(['group_id', 'conversation_key']).doUpdateSet(values))
        .execute();
    },

    async openDigest(conversationKey, now, windowMs) {
      const row = await db
        .selectFrom('alert_digests')
        .selectAll()
        .where('conversation_key', '=', conversationKey)
        .where('last_at', '>', toMs(now) - windowMs)
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
      return row === undefined ? null : digestFromRow(row);
    },

    async createDigest(conversationKey, now) {
      const ms = toMs(now);
      const row = await db.insertInto('alert_digests').values({ conversation_key: conversationKey, ref: null, opened_at: ms, last_at: ms }).returningAll().executeTakeFirstOrThrow();
      return digestFromRow(row);
    },

    async updateDigest(id, postKey, lastAt) {
      await db.updateTable('alert_digests').set({ ref: postKey, last_at: toMs(lastAt) }).where('id', '=', id).execute();
    },

    async digestGroups(digestId) {
      const rows = await db.selectFrom('alert_groups').selectAll().where('id', 'in', db.selectFrom('alert_posts').select('group_id').where('digest_id', '=', digestId)).orderBy('id').execute();
      return summaries(rows);
    },

    async addSilence(s) {
      await db
        .insertInto('alert_silences')
        .values({
          id: s.id,
          matchers: JSON.stringify(s.matchers),
          starts_at: toMs(s.startsAt),
          ends_at: toMs(s.endsAt),
          created_platform: s.createdBy.platform,
          created_id: s.createdBy.id,
          created_name: s.createdBy.name,
          comment: s.comment,
          in_alertmanager: s.inAlertmanager ? 1 : 0,
          expired_at: s.expiredAt === null ? null : toMs(s.expiredAt),
        })
        .execute();
    },

    async activeSilences(now) {
      const ms = toMs(now);
      const rows = await db.selectFrom('alert_silences').selectAll().where('starts_at', '<=', ms).where('ends_at', '>', ms).where('expired_at', 'is', null).orderBy('ends_at').execute();
      return rows.map(silenceFromRow);
    },

    async getSilence(id) {
      const row = await db.selectFrom('alert_silences').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? null : silenceFromRow(row);
    },

    async expireSilence(id, at) {
      const ms = toMs(at);
      const row = await db.updateTable('alert_silences').set({ expired_at: ms }).where('id', '=', id).where('expired_at', 'is', null).where('ends_at', '>', ms).returningAll().executeTakeFirst();
      return row === undefined ? null : silenceFromRow(row);
    },
  };
}

function digestFromRow(row: Omit<AlertDigestsTable, 'id'> & { id: number }): DigestRecord {
  return { id: Number(row.id), conversationKey: row.conversation_key, postKey: row.ref, openedAt: fromMs(Number(row.opened_at)), lastAt: fromMs(Number(row.last_at)) };
}
