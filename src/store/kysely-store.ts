/**
 * The one implementation of the Store port, over Kysely, shared by SQLite and PostgreSQL. Engine
 * differences live in the dialect set-up (sqlite.ts, postgres.ts), not here.
 */
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { CancelWakeups, Store } from '../core/store.js';
import { createAlertStore } from './alerts.js';
import { createAlertThreadStore } from './alert-threads.js';
import { createAlertTicketStore } from './alert-tickets.js';
import { createAuditStore } from './audit.js';
import { createConfirmationStore } from './confirmations.js';
import { createDeployStateStore } from './deploy-state.js';
import { groupCommit, type TransactionRunner, type TransactionWork } from './group-commit.js';
import { createJobStore } from './jobs.js';
import { retryOnLockRace } from './lease.js';
import { createLockStore } from './locks.js';
import { createMaintenanceStore } from './maintenance-windows.js';
import { createMessageRefStore, createNonceStore, createOutboxStore, outboxWriter } from './outbox.js';
import { createRateBudgetStore } from './rate-budgets.js';
import { createRetentionStore } from './retention.js';
import type { Database, StoreEngine } from './schema.js';
import { createScheduleStore } from './schedules.js';
import { createScalingStore } from './scaling.js';
import { createConversationRefStore } from './teams-refs.js';

/**
 * The transactions every job writes (its start and finish, a freeze, its live post's outbox rows).
 * SQLite has one connection, so its transactions were serial anyway: those of one turn of the event
 * loop share a commit (group-commit.ts). PostgreSQL runs them side by side on its pool instead.
 */
function hotWrites(db: Kysely<Database>, engine: StoreEngine): TransactionRunner {
  // One transaction per call, retried from the top when it lost a lock race.
  const alone = <T>(work: TransactionWork<T>): Promise<T> => retryOnLockRace(() => db.transaction().execute(work));
  return engine === 'sqlite' ? groupCommit(db, alone) : { run: alone };
}

/** What only one engine has: PostgreSQL's LISTEN connection for cross-replica cancels. */
export interface EngineExtras {
  readonly cancelWakeups?: CancelWakeups & { close(): Promise<void> };
}

export function createKyselyStore(db: Kysely<Database>, engine: StoreEngine, extras: EngineExtras = {}): Store {
  let closing: Promise<void> | undefined;
  const hot = hotWrites(db, engine);
  // One set of compiled enqueue statements, for the outbox and for jobs' final posts.
  const writeOutbox = outboxWriter(db, engine);
  return {
    engine,
    jobs: createJobStore(db, hot, engine, writeOutbox),
    audit: createAuditStore(db),
    locks: createLockStore(db, hot),
    confirmations: createConfirmationStore(db),
    deployState: createDeployStateStore(db),
    outbox: createOutboxStore(db, hot, writeOutbox),
    messageRefs: createMessageRefStore(db),
    // SQLite has one process: the in-memory limiter is exact there and costs no write per message.
    rateBudgets: engine === 'postgres' ? createRateBudgetStore(db, engine) : null,
    cancelWakeups: extras.cancelWakeups ?? null,
    nonces: createNonceStore(db),
    schedules: createScheduleStore(db),
    maintenance: createMaintenanceStore(db),
    conversationRefs: createConversationRefStore(db),
    scaling: createScalingStore(db),
    alerts: createAlertStore(db, engine),
    alertThreads: createAlertThreadStore(db),
    alertTickets: createAlertTicketStore(db, engine),
    retention: createRetentionStore(db, engine),
    async ping() {
      await sql`select 1`.execute(db);
    },
    close() {
      // Idempotent: shutdown paths may close twice, and pg's Pool.end() throws the second time.
      closing ??= (async () => {
        await extras.cancelWakeups?.close();
        await db.destroy();
      })();
      return closing;
    },
  };
}
