/**
 * The one implementation of the Store port, over Kysely, shared by SQLite and PostgreSQL. Engine
 * differences live in the dialect set-up (sqlite.ts, postgres.ts), not here.
 */
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { Store } from '../core/store.js';
import { createAlertStore } from './alerts.js';
import { createAlertThreadStore } from './alert-threads.js';
import { createAlertTicketStore } from './alert-tickets.js';
import { createAuditStore } from './audit.js';
import { createConfirmationStore } from './confirmations.js';
import { createDeployStateStore } from './deploy-state.js';
import { createJobStore } from './jobs.js';
import { createLockStore } from './locks.js';
import { createMaintenanceStore } from './maintenance-windows.js';
import { createMessageRefStore, createNonceStore, createOutboxStore } from './outbox.js';
import { createRateBudgetStore } from './rate-budgets.js';
import type { Database, StoreEngine } from './schema.js';
import { createScheduleStore } from './schedules.js';
import { createScalingStore } from './scaling.js';
import { createConversationRefStore } from './teams-refs.js';

export function createKyselyStore(db: Kysely<Database>, engine: StoreEngine): Store {
  let closing: Promise<void> | undefined;
  return {
    engine,
    jobs: createJobStore(db, engine),
    audit: createAuditStore(db),
    locks: createLockStore(db),
    confirmations: createConfirmationStore(db),
    deployState: createDeployStateStore(db),
    outbox: createOutboxStore(db),
    messageRefs: createMessageRefStore(db),
    // SQLite has one process: the in-memory limiter is exact there and costs no write per message.
    rateBudgets: engine === 'postgres' ? createRateBudgetStore(db, engine) : null,
    nonces: createNonceStore(db),
    schedules: createScheduleStore(db),
    maintenance: createMaintenanceStore(db),
    conversationRefs: createConversationRefStore(db),
    scaling: createScalingStore(db),
    alerts: createAlertStore(db, engine),
    alertThreads: createAlertThreadStore(db),
    alertTickets: createAlertTicketStore(db, engine),
    async ping() {
      await sql`select 1`.execute(db);
    },
    close() {
      // Idempotent: shutdown paths may close twice, and pg's Pool.end() throws the second time.
      closing ??= db.destroy();
      return closing;
    },
  };
}
