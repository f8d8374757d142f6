/**
 * Retention over Kysely, for both engines: which old rows may go, and never what something live
 * still needs. Every rule is one WHERE clause below, next to the reason for it.
 *
 * A prune is one short transaction: it picks at most `limit` rows through the index on the column
 * that ages them (migrations 0014 and 0015 added the missing ones), deletes what belongs to them, then them.
 * On PostgreSQL the pick is `FOR UPDATE SKIP LOCKED`, so replicas pruning at once take different
 * rows and never wait for each other; on SQLite a batch holds the write lock for one small transaction.
 *
 * The tables other capabilities own are re-declared here with just the columns retention reads.
 */
import { sql, type Kysely, type RawBuilder, type SelectQueryBuilder, type Transaction } from 'kysely';
import type { PruneTarget, RetentionKeep, RetentionStore } from '../core/retention/ports.js';
import { toMs } from './codec.js';
import type { Database, StoreEngine } from './schema.js';

type RetentionTables = {
  deploy_state: { store: string; job_id: number | null };
  deploy_approvals: { job_id: number; decision: string | null; expires_at: number };
  outbox: { id: number; state: string; conversation_key: string; ref_key: string | null; thread_key: string | null; fallback: string | null; updated_at: number };
  message_refs: { key: string; updated_at: number };
  nonces: { nonce: string; expires_at: number };
  alert_groups: { id: number; state: string; conversations: string; updated_at: number };
  alert_instances: { source: string; fingerprint: string; group_id: number };
  alert_posts: { group_id: number; conversation_key: string; ref: string | null; digest_id: number | null };
  alert_tickets: { id: number; group_id: number; state: string; pending: string | null; resolved_at: number | null; claim_until: number | null };
  alert_digests: { id: number; ref: string | null; last_at: number };
  alert_silences: { id: string; ends_at: number };
  schedule_claims: { key: string; scheduled_at: number; claimed_at: number };
  schedules: { id: string; action: string };
  maintenance_windows: { id: number; target: string; starts_at: number; ends_at: number; announce_to: string; ended_at: number | null };
  scaling_events: { id: number; service: string; env: string; at: number };
  conversation_refs: { platform: string; conversation_id: string; updated_at: number };
};

type Db = Database & RetentionTables;
type Tx = Transaction<Db>;

/** What a rule compares with: times in epoch milliseconds, and what the config keeps. */
interface Cut {
  readonly cutoff: number;
  readonly now: number;
  readonly keep: RetentionKeep;
}

/** The message key of a job's post (src/core/outbox/job-status.ts), as SQL. */
const jobKey = sql<string>`'job:' || cast(jobs.id as text)`;
/** The step claims of a maintenance window (src/core/maintenance/service.ts: stepKey). */
const WINDOW_STEPS = ['silence', 'ahead', 'start', 'end'] as const;
/** The outbox keys of maintenance summaries start so (src/core/alerts/pipeline.ts: maintenanceSummaryKey). */
const SUMMARY_PREFIX = 'alerts:maintenance:';
/**
 * Whether `key` is a key the window in `table` posts its summary of held-back alerts under, as SQL:
 * `<prefix><target>@<start ms>:<conversation key>`, one per conversation (same source as above), or
 * that without the conversation, as refs written before it had one. Compared by substring, not LIKE:
 * a target may hold `_`.
 */
function summaryOf(table: 'maintenance_windows' | 'w', key: RawBuilder<string>): RawBuilder<boolean> {
  const window = sql<string>`${sql.lit(SUMMARY_PREFIX)} || ${sql.ref(`${table}.target`)} || '@' || cast(${sql.ref(`${table}.starts_at`)} as text)`;
  return sql<boolean>`(${key} = ${window} or substr(${key}, 1, length(${window}) + 1) = ${window} || ':')`;
}

/** A Teams conversation reference's conversation key, as configs and outbox rows write it. */
const teamsKey = sql<string>`'teams:' || conversation_refs.conversation_id`;
/**
 * That key as it appears inside JSON text (a schedule's `to`, a window's announce list, a group's
 * conversations, an outbox row's fallback): `"teams:<id>"`, as a LIKE pattern. Teams ids have no
 * quotes or backslashes; a `_` or `%` in one only widens the match, which keeps more, never less.
 */
const teamsKeyInJson = sql<string>`'%"teams:' || conversation_refs.conversation_id || '"%'`;

/** A pending outbox row edits (`ref_key`) or replies under (`thread_key`) the message shown under `key`. */
function pendingOutboxFor(trx: Kysely<Db>, key: RawBuilder<string>) {
  return trx
    .selectFrom('outbox')
    .select(sql.lit(1).as('one'))
    .where('outbox.state', '=', 'pending')
    .where((eb) => eb.or([eb('outbox.ref_key', '=', key), eb('outbox.thread_key', '=', key)]));
}

/** The approval of the job in the outer query (`jobs`) still waits for its decision at `now`. */
function awaitingApproval(trx: Kysely<Db>, now: number) {
  return trx
    .selectFrom('deploy_approvals')
    .select('deploy_approvals.job_id')
    .where('deploy_approvals.job_id', '=', sql.ref<number>('jobs.id'))
    .where('deploy_approvals.decision', 'is', null)
    .where('deploy_approvals.expires_at', '>', now);
}

/** A pending outbox row edits or replies under a summary post of the window in `table`. */
function pendingSummaryOf(trx: Kysely<Db>, table: 'maintenance_windows') {
  return trx
    .selectFrom('outbox')
    .select(sql.lit(1).as('one'))
    .where('outbox.state', '=', 'pending')
    .where((eb) => eb.or([summaryOf(table, sql<string>`outbox.ref_key`), summaryOf(table, sql<string>`outbox.thread_key`)]));
}

/**
 * One target: `pick` selects the keys of the rows that may go, oldest first (the WHERE is the rule);
 * `remove` deletes those rows and what belongs to them, and says how many of the target's rows went.
 */
interface Rule<K> {
  pick(trx: Kysely<Db>, cut: Cut, limit: number | null): SelectQueryBuilder<Db, keyof Db, K>;
  remove(trx: Tx, keys: readonly K[], cut: Cut): Promise<number>;
  /** False where locking the picked rows on PostgreSQL would invert another writer's lock order. */
  readonly lockOnPick: boolean;
}

function deleted(result: { numDeletedRows: bigint }): number {
  return Number(result.numDeletedRows);
}

function limited<DB, TB extends keyof DB, O>(qb: SelectQueryBuilder<DB, TB, O>, limit: number | null): SelectQueryBuilder<DB, TB, O> {
  return limit === null ? qb : qb.limit(limit);
}

type Id = { id: number };
/** The key columns each target picks by, where they are not a numeric id. */
type Keys = {
  scheduleClaims: { key: string; scheduled_at: number };
  alertSilences: { id: string };
  nonces: { nonce: string };
  confirmations: { code: string };
  maintenanceSummaryRefs: { key: string };
  teamsConversations: { conversation_id: string };
};

const rules: { readonly [T in PruneTarget]: Rule<T extends keyof Keys ? Keys[T] : Id> } = {
  jobs: {
    lockOnPick: true,
    pick: (trx, { cutoff, now }, limit) =>
      limited(
        trx
          .selectFrom('jobs')
          .select('jobs.id as id')
          // Only finished jobs: queued and running ones are live. created_at (indexed) is never
          // later than finished_at, so it narrows the search without changing the rule.
          .where('jobs.state', 'not in', ['queued', 'running'])
          .where('jobs.created_at', '<', cutoff)
          .where('jobs.finished_at', 'is not', null)
          .where('jobs.finished_at', '<', cutoff)
          // A lock row cascades with its job (0001): a job still named by a lock keeps it.
          .where((eb) => eb.not(eb.exists(eb.selectFrom('locks').select('locks.key').whereRef('locks.job_id', '=', 'jobs.id'))))
          // The deploy that set a store's current colours is what `status` names.
          .where((eb) => eb.not(eb.exists(eb.selectFrom('deploy_state').select('deploy_state.store').whereRef('deploy_state.job_id', '=', 'jobs.id'))))
          // An approval still waiting for its decision.
          .where((eb) => eb.not(eb.exists(awaitingApproval(trx, now))))
          // A post or reply about the job still to be sent needs its message ref.
          .where((eb) => eb.not(eb.exists(pendingOutboxFor(trx, jobKey))))
          .orderBy('jobs.created_at')
          .orderBy('jobs.id'),
        limit,
      ),
    async remove(trx, keys) {
      const ids = keys.map((k) => k.id);
      // A job's decided (or expired) approval and the ref of its chat post go with it; its audit
      // entries stay (the audit has no foreign key to jobs on purpose).
      await trx.deleteFrom('deploy_approvals').where('job_id', 'in', ids).execute();
      await trx.deleteFrom('message_refs').where('key', 'in', ids.map((id) => `job:${id}`)).execute();
      return deleted(await trx.deleteFrom('jobs').where('id', 'in', ids).executeTakeFirstOrThrow());
    },
  },

  audit: {
    lockOnPick: true,
    pick: (trx, { cutoff }, limit) => limited(trx.selectFrom('audit').select('audit.id as id').where('audit.at', '<', cutoff).orderBy('audit.at').orderBy('audit.id'), limit),
    async remove(trx, keys) {
      return deleted(await trx.deleteFrom('audit').where('id', 'in', keys.map((k) => k.id)).executeTakeFirstOrThrow());
    },
  },

  alertGroups: {
    // The intake locks an alert, then its group (store/alerts.ts: record). Locking groups here first
    // could deadlock with it, so `remove` deletes the alerts first and re-checks the groups.
    lockOnPick: false,
    pick: (trx, { cutoff }, limit) =>
      limited(
        trx
          .selectFrom('alert_groups')
          .select('alert_groups.id as id')
          // Open groups are live; a closed one ages from its close (its last change).
          .where('alert_groups.state', '=', 'closed')
          .where('alert_groups.updated_at', '<', cutoff)
          // A ticket links its group's post; the group stays until its tickets are pruned.
          .where((eb) => eb.not(eb.exists(eb.selectFrom('alert_tickets').select('alert_tickets.id').whereRef('alert_tickets.group_id', '=', 'alert_groups.id'))))
          // A post of the group still being edited, or a reply still waiting under it.
          .where((eb) =>
            eb.not(
              eb.exists(
                eb.selectFrom('alert_posts')
                  .select('alert_posts.group_id')
                  .whereRef('alert_posts.group_id', '=', 'alert_groups.id')
                  .where('alert_posts.ref', 'is not', null)
                  .where((inner) => inner.exists(pendingOutboxFor(trx, sql<string>`alert_posts.ref`))),
              ),
            ),
          )
          .orderBy('alert_groups.state')
          .orderBy('alert_groups.updated_at')
          .orderBy('alert_groups.id'),
        limit,
      ),
    async remove(trx, keys, { cutoff }) {
      const ids = keys.map((k) => k.id);
      const posts = await trx.selectFrom('alert_posts').select('ref').where('group_id', 'in', ids).where('ref', 'is not', null).execute();
      // An alert of a closed group that fires again is moved to an open group by the intake, which
      // holds its row meanwhile: this waits for it and then no longer matches it.
      await trx.deleteFrom('alert_instances').where('group_id', 'in', ids).execute();
      // Posts and thread state cascade (0003, 0009); the chat refs of the posts go too.
      const groups = deleted(await trx.deleteFrom('alert_groups').where('id', 'in', ids).where('state', '=', 'closed').where('updated_at', '<', cutoff).executeTakeFirstOrThrow());
      const refs = posts.flatMap((p) => (p.ref === null ? [] : [p.ref]));
      if (refs.length > 0) await trx.deleteFrom('message_refs').where('key', 'in', refs).execute();
      return groups;
    },
  },

  alertTickets: {
    lockOnPick: true,
    pick: (trx, { cutoff, now }, limit) =>
      limited(
        trx
          .selectFrom('alert_tickets')
          .select('alert_tickets.id as id')
          // Open tickets are live, and so is one with work pending (a resolve comment to post) or
          // held by a replica talking to the ticket system.
          .where('alert_tickets.state', '=', 'resolved')
          .where('alert_tickets.pending', 'is', null)
          .where('alert_tickets.resolved_at', '<', cutoff)
          .where((eb) => eb.or([eb('alert_tickets.claim_until', 'is', null), eb('alert_tickets.claim_until', '<=', now)]))
          .orderBy('alert_tickets.id'),
        limit,
      ),
    async remove(trx, keys) {
      return deleted(await trx.deleteFrom('alert_tickets').where('id', 'in', keys.map((k) => k.id)).executeTakeFirstOrThrow());
    },
  },

  alertDigests: {
    lockOnPick: true,
    pick: (trx, { cutoff }, limit) =>
      limited(
        trx
          .selectFrom('alert_digests')
          .select('alert_digests.id as id')
          .where('alert_digests.last_at', '<', cutoff)
          // A digest still shows the groups folded into it.
          .where((eb) => eb.not(eb.exists(eb.selectFrom('alert_posts').select('alert_posts.group_id').whereRef('alert_posts.digest_id', '=', 'alert_digests.id'))))
          .where((eb) => eb.or([eb('alert_digests.ref', 'is', null), eb.not(eb.exists(pendingOutboxFor(trx, sql<string>`alert_digests.ref`)))]))
          .orderBy('alert_digests.id'),
        limit,
      ),
    async remove(trx, keys) {
      const ids = keys.map((k) => k.id);
      const refs = (await trx.selectFrom('alert_digests').select('ref').where('id', 'in', ids).execute()).flatMap((d) => (d.ref === null ? [] : [d.ref]));
      const n = deleted(await trx.deleteFrom('alert_digests').where('id', 'in', ids).executeTakeFirstOrThrow());
      if (refs.length > 0) await trx.deleteFrom('message_refs').where('key', 'in', refs).execute();
      return n;
    },
  },

  alertSilences: {
    lockOnPick: true,
    // A silence that ended before the cutoff silences nothing; `silence` lists only active ones.
    pick: (trx, { cutoff }, limit) => limited(trx.selectFrom('alert_silences').select('alert_silences.id as id').where('alert_silences.ends_at', '<', cutoff).orderBy('alert_silences.ends_at'), limit),
    async remove(trx, keys) {
      return deleted(await trx.deleteFrom('alert_silences').where('id', 'in', keys.map((k) => k.id)).executeTakeFirstOrThrow());
    },
  },

  scheduleClaims: {
    lockOnPick: true,
    pick: (trx, { cutoff }, limit) =>
      limited(
        trx
          .selectFrom('schedule_claims')
          .select(['schedule_claims.key as key', 'schedule_claims.scheduled_at as scheduled_at'])
          // Only schedules' tick claims. The scheduler tells due and missed ticks from the schedule's
          // own cursor (schedules.cursor_at), which is past every claim it made, so an old claim
          // decides nothing any more. A maintenance window's step claims are what keep its
          // announcements from repeating while the window is looked at: they go with the window.
          .where('schedule_claims.key', 'like', 'schedule:%')
          .where('schedule_claims.claimed_at', '<', cutoff)
          .orderBy('schedule_claims.claimed_at'),
        limit,
      ),
    async remove(trx, keys) {
      let n = 0;
      for (const k of keys) n += deleted(await trx.deleteFrom('schedule_claims').where('key', '=', k.key).where('scheduled_at', '=', k.scheduled_at).executeTakeFirstOrThrow());
      return n;
    },
  },

  maintenanceWindows: {
    lockOnPick: true,
    pick: (trx, { cutoff }, limit) =>
      limited(
        trx
          .selectFrom('maintenance_windows')
          .select('maintenance_windows.id as id')
          // Ended (a window not marked ended still has steps to take, however late) and past its
          // scheduled end too: a recurring window's occurrence is re-created from the config while
          // its scheduled end is ahead, and its row is what says it already happened.
          .where('maintenance_windows.ends_at', '<', cutoff)
          .where('maintenance_windows.ended_at', 'is not', null)
          .where('maintenance_windows.ended_at', '<', cutoff)
          // Its summary of held-back alerts, still to be posted or edited, needs its post's ref.
          .where((eb) => eb.not(eb.exists(pendingSummaryOf(trx, 'maintenance_windows'))))
          .orderBy('maintenance_windows.ends_at'),
        limit,
      ),
    async remove(trx, keys) {
      const ids = keys.map((k) => k.id);
      const claimKeys = ids.flatMap((id) => WINDOW_STEPS.map((step) => `maintenance:${id}:${step}`));
      await trx.deleteFrom('schedule_claims').where('key', 'in', claimKeys).execute();
      // Its summary posts' refs (one per conversation) go next, by the rule below, in the same pass.
      return deleted(await trx.deleteFrom('maintenance_windows').where('id', 'in', ids).executeTakeFirstOrThrow());
    },
  },

  maintenanceSummaryRefs: {
    lockOnPick: true,
    // The ref of a summary post whose window is gone (pruned by the rule above, just before this one
    // in a pass, or deleted by hand): it ages from when it was last written, which is when its
    // window ended. A window of the same target that started at the same moment keeps it.
    pick: (trx, { cutoff }, limit) =>
      limited(
        trx
          .selectFrom('message_refs')
          .select('message_refs.key as key')
          .where('message_refs.key', 'like', `${SUMMARY_PREFIX}%`)
          .where('message_refs.updated_at', '<', cutoff)
          // A window that stays keeps its summaries' refs.
          .where((eb) => eb.not(eb.exists(eb.selectFrom('maintenance_windows as w').select('w.id').where(summaryOf('w', sql<string>`message_refs.key`)))))
          .where((eb) => eb.not(eb.exists(pendingOutboxFor(trx, sql<string>`message_refs.key`))))
          .orderBy('message_refs.updated_at'),
        limit,
      ),
    async remove(trx, keys, { cutoff }) {
      // A ref written again meanwhile (a new post under the same key) is current: its age is checked again.
      return deleted(await trx.deleteFrom('message_refs').where('key', 'in', keys.map((k) => k.key)).where('updated_at', '<', cutoff).executeTakeFirstOrThrow());
    },
  },

  scalingEvents: {
    lockOnPick: true,
    pick: (trx, { cutoff }, limit) =>
      limited(
        trx
          .selectFrom('scaling_events')
          .select('scaling_events.id as id')
          .where('scaling_events.at', '<', cutoff)
          // The last scaling of each service environment stays: the cooldown and `status` read it.
          .where((eb) =>
            eb.exists(
              eb
                .selectFrom('scaling_events as n')
                .select('n.id')
                .whereRef('n.service', '=', 'scaling_events.service')
                .whereRef('n.env', '=', 'scaling_events.env')
                .where((eb) =>
                  eb.or([eb('n.at', '>', eb.ref('scaling_events.at')), eb.and([eb('n.at', '=', eb.ref('scaling_events.at')), eb('n.id', '>', eb.ref('scaling_events.id'))])]),
                ),
            ),
          )
          .orderBy('scaling_events.at'),
        limit,
      ),
    async remove(trx, keys) {
      return deleted(await trx.deleteFrom('scaling_events').where('id', 'in', keys.map((k) => k.id)).executeTakeFirstOrThrow());
    },
  },

  deadOutbox: {
    lockOnPick: true,
    // Rows given up on: nothing retries them; they are kept for a while to see what was lost.
    pick: (trx, { cutoff }, limit) => limited(trx.selectFrom('outbox').select('outbox.id as id').where('outbox.state', '=', 'dead').where('outbox.updated_at', '<', cutoff).orderBy('outbox.state').orderBy('outbox.id'), limit),
    async remove(trx, keys) {
      return deleted(await trx.deleteFrom('outbox').where('id', 'in', keys.map((k) => k.id)).where('state', '=', 'dead').executeTakeFirstOrThrow());
    },
  },

  teamsConversations: {
    lockOnPick: true,
    // A reference is what lets opsbot post to a Teams conversation unprompted, and Teams rewrites it
    // with every activity from there (so its age is the conversation's silence towards opsbot). One
    // stays, however old, while anything may still post there: a channel where nobody talks to opsbot
    // but alerts go is exactly one whose reference is old. Without it such a post fails until someone
    // @mentions opsbot there again.
    pick: (trx, { cutoff, now, keep }, limit) => {
      const configured = keep.conversations.filter((k) => k.startsWith('teams:'));
      return limited(
        trx
          .selectFrom('conversation_refs')
          .select('conversation_refs.conversation_id as conversation_id')
          .where('conversation_refs.platform', '=', 'teams')
          .where('conversation_refs.updated_at', '<', cutoff)
          // The config names it: a channel binding, an alert route, default or fallback, a schedule,
          // maintenance announcements.
          .$if(configured.length > 0, (qb) => qb.where(teamsKey, 'not in', configured))
          // A job started there that is still going, or whose approval still waits, posts there.
          .where((eb) =>
            eb.not(
              eb.exists(
                eb.selectFrom('jobs')
                  .select('jobs.id')
                  .where('jobs.conversation_platform', '=', 'teams')
                  .whereRef('jobs.conversation_id', '=', 'conversation_refs.conversation_id')
                  .where((j) =>
                    j.or([
                      j('jobs.state', 'in', ['queued', 'running']),
                      j.exists(awaitingApproval(trx, now)),
                    ]),
                  ),
              ),
            ),
          )
          // A post still to be sent there, or to fall back there.
          .where((eb) =>
            eb.not(
              eb.exists(
                eb.selectFrom('outbox')
                  .select('outbox.id')
                  .where('outbox.state', '=', 'pending')
                  .where((o) => o.or([o('outbox.conversation_key', '=', teamsKey), o('outbox.fallback', 'like', teamsKeyInJson)])),
              ),
            ),
          )
          // A schedule made from chat (paused ones too: they may be resumed) announces there.
          .where((eb) => eb.not(eb.exists(eb.selectFrom('schedules').select('schedules.id').where('schedules.action', 'like', teamsKeyInJson))))
          // A maintenance window not ended yet announces there.
          .where((eb) =>
            eb.not(eb.exists(eb.selectFrom('maintenance_windows').select('maintenance_windows.id').where('maintenance_windows.ended_at', 'is', null).where('maintenance_windows.announce_to', 'like', teamsKeyInJson))),
          )
          // An open alert group posts (and edits its post) there.
          .where((eb) => eb.not(eb.exists(eb.selectFrom('alert_groups').select('alert_groups.id').where('alert_groups.state', '=', 'open').where('alert_groups.conversations', 'like', teamsKeyInJson))))
          .orderBy('conversation_refs.platform')
          .orderBy('conversation_refs.updated_at'),
        limit,
      );
    },
    async remove(trx, keys, { cutoff }) {
      // One Teams rewrote meanwhile (an activity arrived) is current again: its age is checked again.
      return deleted(
        await trx
          .deleteFrom('conversation_refs')
          .where('platform', '=', 'teams')
          .where('conversation_id', 'in', keys.map((k) => k.conversation_id))
          .where('updated_at', '<', cutoff)
          .executeTakeFirstOrThrow(),
      );
    },
  },

  confirmations: {
    lockOnPick: true,
    // An expired code can never be confirmed (store/confirmations.ts drops them on each use, too).
    pick: (trx, { now }, limit) => limited(trx.selectFrom('confirmations').select('confirmations.code as code').where('confirmations.expires_at', '<=', now).orderBy('confirmations.expires_at'), limit),
    async remove(trx, keys) {
      return deleted(await trx.deleteFrom('confirmations').where('code', 'in', keys.map((k) => k.code)).executeTakeFirstOrThrow());
    },
  },

  nonces: {
    lockOnPick: true,
    // A button past its expiry is refused by its signature's time before its nonce is looked up.
    pick: (trx, { now }, limit) => limited(trx.selectFrom('nonces').select('nonces.nonce as nonce').where('nonces.expires_at', '<=', now).orderBy('nonces.expires_at'), limit),
    async remove(trx, keys) {
      return deleted(await trx.deleteFrom('nonces').where('nonce', 'in', keys.map((k) => k.nonce)).executeTakeFirstOrThrow());
    },
  },
};

export function createRetentionStore(base: Kysely<Database>, engine: StoreEngine): RetentionStore {
  const db = base.withTables<RetentionTables>();
  return {
    async prune(target, cutoffDate, nowDate, limit, keep) {
      const cut: Cut = { cutoff: toMs(cutoffDate), now: toMs(nowDate), keep };
      const rule = rules[target] as Rule<object>;
      return db.transaction().execute(async (trx) => {
        const pick = rule.pick(trx, cut, Math.max(1, Math.trunc(limit)));
        const keys = await (engine === 'postgres' && rule.lockOnPick ? pick.forUpdate().skipLocked() : pick).execute();
        return keys.length === 0 ? 0 : rule.remove(trx, keys, cut);
      });
    },
    async count(target, cutoffDate, nowDate, keep) {
      const cut: Cut = { cutoff: toMs(cutoffDate), now: toMs(nowDate), keep };
      const rule = rules[target] as Rule<object>;
      const row = await db
        .selectFrom(rule.pick(db, cut, null).as('picked'))
        .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}
