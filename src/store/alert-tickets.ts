/**
 * The AlertTicketStore over Kysely, for both engines. Its table (0008) is declared here; the alert
 * tables it reads (and the group version it bumps so a post shows a new ticket) are declared with
 * only the columns used, next to their owner in ./alerts.ts.
 *
 * Concurrency: a subject is claimed by inserting (or reopening) its row with `open_key` set, unique
 * in the database, so of two replicas exactly one gets it; work on a ticket is leased
 * (claim_owner/claim_until) and every write that ends the work checks the lease is still ours.
 */
import { sql, type Generated, type Kysely, type Transaction } from 'kysely';
import { TICKET_ACTIONS, TICKET_SUBJECTS, type AlertTicketStore, type TicketAction, type TicketCandidate, type TicketRecord, type TicketSubject } from '../core/alerts/tickets.js';
import { corrupt, decodeStringList, decodeStringMap, fromMs, fromMsOrNull, toMs } from './codec.js';
import type { AlertGroupsTable, AlertInstancesTable } from './alerts.js';
import type { Database, StoreEngine } from './schema.js';

type AlertTicketsTable = {
  id: Generated<number>;
  ticket_key: string;
  open_key: string | null;
  per: string;
  source: string | null;
  fingerprint: string | null;
  group_key: string | null;
  group_id: number;
  rule: string;
  project: string;
  state: string;
  pending: string | null;
  token: string;
  ticket_ref: string | null;
  ticket_url: string | null;
  title: string;
  description: string;
  labels: string;
  confidential: number;
  close_on_resolve: number;
  attempts: number;
  last_error: string | null;
  claim_owner: string | null;
  claim_until: number | null;
  created_at: number;
  updated_at: number;
  resolved_at: number | null;
};

/** ./alerts.ts's tables are read (and groups bumped) here. */
type Tables = { alert_tickets: AlertTicketsTable; alert_instances: AlertInstancesTable; alert_groups: AlertGroupsTable };
type Db = Kysely<Database & Tables>;
type Trx = Transaction<Database & Tables>;
type TicketRow = Omit<AlertTicketsTable, 'id'> & { id: number };

function ticketFromRow(row: TicketRow): TicketRecord {
  const per = TICKET_SUBJECTS.find((s) => s === row.per);
  if (per === undefined) throw corrupt('ticket subject', row.per);
  if (row.state !== 'open' && row.state !== 'resolved') throw corrupt('ticket state', row.state);
  let pending: TicketAction | null = null;
  if (row.pending !== null) {
    pending = TICKET_ACTIONS.find((a) => a === row.pending) ?? null;
    if (pending === null) throw corrupt('ticket action', row.pending);
  }
  return {
    id: Number(row.id),
    key: row.ticket_key,
    per: per satisfies TicketSubject,
    rule: row.rule,
    project: row.project,
    state: row.state,
    pending,
    token: row.token,
    ticket: row.ticket_ref === null ? null : { id: row.ticket_ref, url: row.ticket_url },
    groupId: Number(row.group_id),
    title: row.title,
    description: row.description,
    labels: decodeStringList(row.labels, 'ticket labels'),
    confidential: Number(row.confidential) === 1,
    closeOnResolve: Number(row.close_on_resolve) === 1,
    attempts: Number(row.attempts),
    lastError: row.last_error,
    createdAt: fromMs(Number(row.created_at)),
    resolvedAt: fromMsOrNull(row.resolved_at === null ? null : Number(row.resolved_at)),
  };
}

/** A unique index said no: another replica claimed the same subject first. */
function lostRace(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

export function createAlertTicketStore(database: Kysely<Database>, engine: StoreEngine): AlertTicketStore {
  const db: Db = database.withTables<Tables>();
  const pg = engine === 'postgres';

  /** Rows nobody holds (never claimed, given back, or their lease ran out). */
  const unclaimed = (now: number) => sql<boolean>`(alert_tickets.claim_until is null or alert_tickets.claim_until <= ${now})`;

  /** Makes the group due at once (if it was posted already) with a new version, so its post shows the ticket. */
  async function bumpGroup(trx: Trx, groupId: number, now: number): Promise<void> {
    const q = trx.selectFrom('alert_groups').select(['id', 'version', 'next_flush_at', 'last_flush_at']).where('id', '=', groupId).where('state', '=', 'open');
    const group = await (pg ? q.forUpdate() : q).executeTakeFirst();
    if (group === undefined) return;
    const pending = group.next_flush_at === null ? now : Number(group.next_flush_at);
    // Before its first post the group keeps its group_wait: that post will show the ticket anyway.
    const next = group.last_flush_at === null ? pending : Math.min(pending, now);
    await trx.updateTable('alert_groups').set({ version: Number(group.version) + 1, next_flush_at: next, updated_at: now }).where('id', '=', groupId).execute();
  }

  /** Claims each row that is still unclaimed and still in the state it was picked for. */
  async function claimRows(ids: readonly number[], now: number, owner: string, leaseMs: number, kind: 'pending' | 'resolve'): Promise<TicketRecord[]> {
    const out: TicketRecord[] = [];
    const lease = { claim_owner: owner, claim_until: now + leaseMs, updated_at: now };
    for (const id of ids) {
      const base = db.updateTable('alert_tickets').where('id', '=', id).where(unclaimed(now));
      const q =
        kind === 'pending'
          ? base.set({ ...lease, attempts: sql<number>`attempts + 1` }).where('pending', 'is not', null)
          : base.set({ ...lease, pending: 'resolve', attempts: 1, last_error: null }).where('state', '=', 'open').where('pending', 'is', null);
      const row = await q.returningAll().executeTakeFirst();
      if (row !== undefined) out.push(ticketFromRow(row));
    }
    return out;
  }

  return {
    async candidates(firingSince, nowDate, cursor, limit) {
      const now = toMs(nowDate);
      let q = db
        .selectFrom('alert_instances as i')
        .innerJoin('alert_groups as g', 'g.id', 'i.group_id')
        .select(['i.source', 'i.fingerprint', 'i.severity', 'i.labels', 'i.annotations', 'i.summary', 'i.links', 'i.starts_at', 'i.first_seen_at', 'g.id as group_id', 'g.group_key', 'g.route', 'g.labels as group_labels'])
        .where('g.state', '=', 'open')
        .where('i.status', '=', 'firing')
        .where((eb) => eb.or([eb('i.ends_at', 'is', null), eb('i.ends_at', '>', now)]))
        // Held back by a maintenance window or a silence: no ticket until the hold ends, like the post.
        .where((eb) => eb.or([eb('i.held_until', 'is', null), eb('i.held_until', '<=', now)]))
        .where(sql<boolean>`coalesce(i.starts_at, i.first_seen_at) <= ${toMs(firingSince)}`)
        // Covered already: by an open ticket of its own, or of its group.
        .where(sql<boolean>`not exists (select 1 from alert_tickets t where t.open_key = 'alert|' || i.source || '|' || i.fingerprint)`)
        .where(sql<boolean>`not exists (select 1 from alert_tickets t where t.open_key = 'group|' || g.group_key)`);
      if (cursor !== null) q = q.where((eb) => eb.or([eb('i.source', '>', cursor.source), eb.and([eb('i.source', '=', cursor.source), eb('i.fingerprint', '>', cursor.fingerprint)])]));
      const rows = await q.orderBy('i.source').orderBy('i.fingerprint').limit(limit).execute();
      return rows.map(
        (r): TicketCandidate => ({
          source: r.source,
          fingerprint: r.fingerprint,
          severity: r.severity,
          labels: decodeStringMap(r.labels, 'alert labels'),
          annotations: decodeStringMap(r.annotations, 'alert annotations'),
          summary: r.summary,
          links: decodeStringMap(r.links, 'alert links'),
          since: fromMs(Number(r.starts_at ?? r.first_seen_at)),
          group: { id: Number(r.group_id), key: r.group_key, route: r.route, labels: decodeStringMap(r.group_labels, 'group labels') },
        }),
      );
    },

    async claim(c, owner, nowDate, leaseMs, reopenSince) {
      const now = toMs(nowDate);
      const held = { claim_owner: owner, claim_until: now + leaseMs, attempts: 1, last_error: null, updated_at: now };
      try {
        return await db.transaction().execute(async (trx) => {
          const open = await trx.selectFrom('alert_tickets').select('id').where('open_key', '=', c.key).executeTakeFirst();
          if (open !== undefined) return null;
          if (reopenSince !== null) {
            const last = await trx
              .selectFrom('alert_tickets')
              .select('id')
              .where('ticket_key', '=', c.key)
              .where('state', '=', 'resolved')
              .where('ticket_ref', 'is not', null)
              .where('resolved_at', '>=', toMs(reopenSince))
              .orderBy('resolved_at', 'desc')
              .orderBy('id', 'desc')
              .limit(1)
              .executeTakeFirst();
            if (last !== undefined) {
              // The same incident again: its ticket is reused (unique open_key: one replica wins).
              const row = await trx
                .updateTable('alert_tickets')
                .set({ state: 'open', open_key: c.key, pending: 'refire', group_id: c.groupId, resolved_at: null, ...held })
                .where('id', '=', last.id)
                .where('state', '=', 'resolved')
                .returningAll()
                .executeTakeFirst();
              return row === undefined ? null : ticketFromRow(row);
            }
          }
          const row = await trx
            .insertInto('alert_tickets')
            .values({
              ticket_key: c.key,
              open_key: c.key,
              per: c.per,
              source: c.source,
              fingerprint: c.fingerprint,
              group_key: c.groupKey,
              group_id: c.groupId,
              rule: c.rule,
              project: c.project,
              state: 'open',
              pending: 'create',
              token: c.token,
              ticket_ref: null,
              ticket_url: null,
              title: c.title,
              description: c.description,
              labels: JSON.stringify(c.labels),
              confidential: c.confidential ? 1 : 0,
              close_on_resolve: c.closeOnResolve ? 1 : 0,
              created_at: now,
              resolved_at: null,
              ...held,
            })
            .onConflict((oc) => oc.column('open_key').doNothing())
            .returningAll()
            .executeTakeFirst();
          return row === undefined ? null : ticketFromRow(row);
        });
      } catch (error: unknown) {
        if (lostRace(error)) return null;
        throw error;
      }
    },

    async claimPending(owner, nowDate, leaseMs, limit) {
      const now = toMs(nowDate);
      const ids = await db.selectFrom('alert_tickets').select('id').where('pending', 'is not', null).where(unclaimed(now)).orderBy('id').limit(limit).execute();
      return claimRows(
        ids.map((r) => Number(r.id)),
        now,
        owner,
        leaseMs,
        'pending',
      );
    },

    async claimResolved(owner, nowDate, leaseMs, limit) {
      const now = toMs(nowDate);
      const ids = await db
        .selectFrom('alert_tickets')
        .select('id')
        .where('state', '=', 'open')
        .where('pending', 'is', null)
        .where('ticket_ref', 'is not', null)
        .where(unclaimed(now))
        .where(
          sql<boolean>`not exists (
            select 1 from alert_instances i join alert_groups g on g.id = i.group_id
            where g.state = 'open' and i.status = 'firing' and (i.ends_at is null or i.ends_at > ${now})
              and ((alert_tickets.per = 'alert' and i.source = alert_tickets.source and i.fingerprint = alert_tickets.fingerprint)
                or (alert_tickets.per = 'group' and g.group_key = alert_tickets.group_key)))`,
        )
        .orderBy('id')
        .limit(limit)
        .execute();
      return claimRows(
        ids.map((r) => Number(r.id)),
        now,
        owner,
        leaseMs,
        'resolve',
      );
    },

    done(id, owner, done, nowDate) {
      const now = toMs(nowDate);
      return db.transaction().execute(async (trx) => {
        const q = trx.selectFrom('alert_tickets').select(['id', 'claim_owner', 'group_id']).where('id', '=', id);
        const row = await (pg ? q.forUpdate() : q).executeTakeFirst();
        if (row === undefined || row.claim_owner !== owner) return false;
        const free = { pending: null, claim_owner: null, claim_until: null, last_error: null, updated_at: now };
        switch (done.action) {
          case 'create':
            await trx.updateTable('alert_tickets').set({ ...free, ticket_ref: done.ticket.id, ticket_url: done.ticket.url }).where('id', '=', id).execute();
            await bumpGroup(trx, Number(row.group_id), now);
            break;
          case 'refire':
            await trx.updateTable('alert_tickets').set(free).where('id', '=', id).execute();
            await bumpGroup(trx, Number(row.group_id), now);
            break;
          case 'resolve':
            await trx.updateTable('alert_tickets').set({ ...free, state: 'resolved', open_key: null, resolved_at: now }).where('id', '=', id).execute();
            break;
        }
        return true;
      });
    },

    async failed(id, owner, error, retryAt) {
      await db
        .updateTable('alert_tickets')
        .set({ claim_owner: null, claim_until: toMs(retryAt), last_error: error.slice(0, 500), updated_at: toMs(retryAt) })
        .where('id', '=', id)
        .where('claim_owner', '=', owner)
        .execute();
    },

    async forGroup(groupId, limit) {
      const group = await db.selectFrom('alert_groups').select('group_key').where('id', '=', groupId).executeTakeFirst();
      const rows = await db
        .selectFrom('alert_tickets')
        .selectAll()
        .where('ticket_ref', 'is not', null)
        .where((eb) =>
          eb.or([
            eb('group_id', '=', groupId),
            eb.and([
              eb('state', '=', 'open'),
              eb('per', '=', 'alert'),
              eb.exists(eb.selectFrom('alert_instances as i').select('i.fingerprint').where('i.group_id', '=', groupId).whereRef('i.source', '=', 'alert_tickets.source').whereRef('i.fingerprint', '=', 'alert_tickets.fingerprint')),
            ]),
            ...(group === undefined ? [] : [eb.and([eb('state', '=', 'open'), eb('per', '=', 'group'), eb('group_key', '=', group.group_key)])]),
          ]),
        )
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.reverse().map(ticketFromRow);
    },
  };
}
