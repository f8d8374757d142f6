/**
 * The DeployStateStore over Kysely, for both engines. Its tables are declared here (not in
 * schema.ts) and added to the database type with `withTables`, so this capability stays in its files.
 */
import type { ExpressionBuilder, Kysely } from 'kysely';
import type { ApprovalDecision, ApprovalRequest, DeployStateStore } from '../core/deploy/ports.js';
import { COLOURS, type Colour, type DeployState, type PendingSwitch } from '../core/deploy/types.js';
import { fromMsOrNull, toMs } from './codec.js';
import type { Database } from './schema.js';

type DeployStateTable = {
  store: string;
  live_colour: string | null;
  previous_colour: string | null;
  blue_version: string | null;
  green_version: string | null;
  blue_deployed_at: number | null;
  green_deployed_at: number | null;
  switched_at: number | null;
  /** 1 when the previous colour holds the release a rollback left. */
  rolled_back: number;
  job_id: number | null;
  updated_at: number;
  /** A switch begun and not yet settled (migration 0016); switching_to is null when none is. */
  switching_from: string | null;
  switching_to: string | null;
  switching_job_id: number | null;
  switching_rollback: number;
  switching_at: number | null;
};

type DeployApprovalsTable = {
  job_id: number;
  store: string;
  requester_key: string;
  requester_name: string;
  on_behalf_of: string | null;
  summary: string;
  requested_at: number;
  expires_at: number;
  decision: string | null;
  decided_by: string | null;
  decided_by_name: string | null;
  decided_at: number | null;
};

type DeployTables = {
  deploy_state: DeployStateTable;
  deploy_approvals: DeployApprovalsTable;
};

type Row = DeployStateTable;

function colourOf(value: string | null): Colour | null {
  if (value === null) return null;
  const colour = COLOURS.find((c) => c === value);
  if (colour === undefined) throw new Error(`store: unexpected colour ${JSON.stringify(value)}`);
  return colour;
}

function fromRow(row: Row): DeployState {
  return {
    store: row.store,
    live: colourOf(row.live_colour),
    previous: colourOf(row.previous_colour),
    versions: { blue: row.blue_version, green: row.green_version },
    deployedAt: { blue: fromMsOrNull(numberOrNull(row.blue_deployed_at)), green: fromMsOrNull(numberOrNull(row.green_deployed_at)) },
    switchedAt: fromMsOrNull(numberOrNull(row.switched_at)),
    rolledBack: Number(row.rolled_back) === 1,
    jobId: numberOrNull(row.job_id),
    switching: pendingSwitch(row),
  };
}

function pendingSwitch(row: Row): PendingSwitch | null {
  const to = colourOf(row.switching_to);
  if (to === null) return null;
  return {
    from: colourOf(row.switching_from),
    to,
    jobId: numberOrNull(row.switching_job_id),
    rollback: Number(row.switching_rollback) === 1,
    at: new Date(Number(row.switching_at)),
  };
}

/** Settles a pending switch: what a record of the switch, or undoing it, writes with its changes. */
const NO_SWITCH = { switching_from: null, switching_to: null, switching_job_id: null, switching_rollback: 0, switching_at: null } as const;

/** PostgreSQL returns bigint as a string unless the pool parses it; accept both. */
function numberOrNull(value: number | string | null): number | null {
  return value === null ? null : Number(value);
}

function emptyRow(store: string, now: number): Row {
  return { store, live_colour: null, previous_colour: null, blue_version: null, green_version: null, blue_deployed_at: null, green_deployed_at: null, switched_at: null, rolled_back: 0, job_id: null, updated_at: now, ...NO_SWITCH };
}

function decisionOf(value: string | null): 'approved' | 'rejected' | null {
  if (value === null) return null;
  if (value === 'approved' || value === 'rejected') return value;
  throw new Error(`store: unexpected approval decision ${JSON.stringify(value)}`);
}

/**
 * An approval is open only while its deploy job may still act on it: one whose job has ended (opsbot
 * died while it waited, and recovery marked it interrupted; or it was cancelled) would otherwise be
 * "approved" for nothing until it expires.
 */
function notEnded(eb: ExpressionBuilder<Database & DeployTables, 'deploy_approvals'>) {
  return eb.not(eb.exists(eb.selectFrom('jobs').select('jobs.id').whereRef('jobs.id', '=', 'deploy_approvals.job_id').where('jobs.state', 'not in', ['queued', 'running'])));
}

export function createDeployStateStore(base: Kysely<Database>): DeployStateStore {
  const db = base.withTables<DeployTables>();
  return {
    async get(store) {
      const row = await db.selectFrom('deploy_state').selectAll().where('store', '=', store).executeTakeFirst();
      return row === undefined ? null : fromRow(row);
    },

    async list() {
      const rows = await db.selectFrom('deploy_state').selectAll().orderBy('store', 'asc').execute();
      return rows.map(fromRow);
    },

    async recordVersion(store, colour, version, at, jobId) {
      const now = toMs(at);
      const changes = colour === 'blue' ? { blue_version: version, blue_deployed_at: now } : { green_version: version, green_deployed_at: now };
      await db
        .insertInto('deploy_state')
        .values({ ...emptyRow(store, now), ...changes, job_id: jobId })
        .onConflict((oc) => oc.column('store').doUpdateSet({ ...changes, job_id: jobId, updated_at: now }))
        .execute();
    },

    async recordSwitch(store, live, previous, at, jobId, rolledBack) {
      const now = toMs(at);
      const changes = { live_colour: live, previous_colour: previous, switched_at: now, rolled_back: rolledBack ? 1 : 0, ...NO_SWITCH };
      await db
        .insertInto('deploy_state')
        .values({ ...emptyRow(store, now), ...changes, job_id: jobId })
        .onConflict((oc) => oc.column('store').doUpdateSet({ ...changes, job_id: jobId, updated_at: now }))
        .execute();
    },

    async beginSwitch(store, pending) {
      const now = toMs(pending.at);
      const changes = { switching_from: pending.from, switching_to: pending.to, switching_job_id: pending.jobId, switching_rollback: pending.rollback ? 1 : 0, switching_at: now };
      await db
        .insertInto('deploy_state')
        .values({ ...emptyRow(store, now), ...changes })
        .onConflict((oc) => oc.column('store').doUpdateSet({ ...changes, updated_at: now }))
        .execute();
    },

    async clearSwitch(store) {
      await db.updateTable('deploy_state').set(NO_SWITCH).where('store', '=', store).execute();
    },

    async requestApproval(request: ApprovalRequest) {
      await db.transaction().execute(async (trx) => {
        // Only the newest request of a store stays open: an older job waiting would be stale.
        await trx.deleteFrom('deploy_approvals').where('store', '=', request.store).where('decision', 'is', null).execute();
        await trx
          .insertInto('deploy_approvals')
          .values({
            job_id: request.jobId,
            store: request.store,
            requester_key: request.requester,
            requester_name: request.requesterName,
            on_behalf_of: request.onBehalfOf,
            summary: request.summary,
            requested_at: toMs(request.requestedAt),
            expires_at: toMs(request.expiresAt),
            decision: null,
            decided_by: null,
            decided_by_name: null,
            decided_at: null,
          })
          .execute();
      });
    },

    async pendingApproval(store, now) {
      const row = await db
        .selectFrom('deploy_approvals')
        .selectAll()
        .where('store', '=', store)
        .where('decision', 'is', null)
        .where('expires_at', '>', toMs(now))
        .where(notEnded)
        .orderBy('requested_at', 'desc')
        .executeTakeFirst();
      if (row === undefined) return null;
      return {
        store: row.store,
        jobId: Number(row.job_id),
        requester: row.requester_key,
        requesterName: row.requester_name,
        onBehalfOf: row.on_behalf_of,
        summary: row.summary,
        requestedAt: new Date(Number(row.requested_at)),
        expiresAt: new Date(Number(row.expires_at)),
      };
    },

    async decideApproval(store, jobId, decision: ApprovalDecision) {
      const result = await db
        .updateTable('deploy_approvals')
        .set({ decision: decision.decision, decided_by: decision.by, decided_by_name: decision.byName, decided_at: toMs(decision.at) })
        .where('store', '=', store)
        .where('job_id', '=', jobId)
        .where('decision', 'is', null)
        .where(notEnded)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async approvalDecision(jobId) {
      const row = await db.selectFrom('deploy_approvals').selectAll().where('job_id', '=', jobId).executeTakeFirst();
      const decision = decisionOf(row?.decision ?? null);
      if (row === undefined || decision === null) return null;
      return { decision, by: row.decided_by ?? '', byName: row.decided_by_name ?? '', at: new Date(Number(row.decided_at)) };
    },
  };
}
