/**
 * Every migration, in order. Names sort lexically (Kysely checks the order), so they carry a
 * zero-padded sequence number. Append new migrations here; never rename or remove one.
 */
import type { Migration } from 'kysely';
import type { StoreEngine } from '../schema.js';
import { core0001 } from './0001-core.js';
import { outbox0002 } from './0002-outbox.js';
import { alerts0003 } from './0003-alerts.js';
import { deployState0004 } from './0004-deploy-state.js';
import { schedules0005 } from './0005-schedules.js';
import { teams0006 } from './0006-teams.js';
import { scaling0007 } from './0007-scaling.js';
import { alertTickets0008 } from './0008-alert-tickets.js';
import { alertThreads0009 } from './0009-alert-threads.js';
import { rateBudgets0010 } from './0010-rate-budgets.js';
import { auditDryRun0011 } from './0011-audit-dry-run.js';
import { deployRolledBack0012 } from './0012-deploy-rolled-back.js';
import { approvalOnBehalfOf0013 } from './0013-approval-on-behalf-of.js';
import { retentionIndexes0014 } from './0014-retention-indexes.js';
import { retentionRefs0015 } from './0015-retention-refs.js';
import { deploySwitching0016 } from './0016-deploy-switching.js';
import { scalingPending0017 } from './0017-scaling-pending.js';
import { alertHolds0018 } from './0018-alert-holds.js';
import { auditFilters0019 } from './0019-audit-filters.js';

export function allMigrations(engine: StoreEngine): Record<string, Migration> {
  return {
    '0001-core': core0001(engine),
    '0002-outbox': outbox0002(engine),
    '0003-alerts': alerts0003(engine),
    '0004-deploy-state': deployState0004(engine),
    '0005-schedules': schedules0005(engine),
    '0006-teams': teams0006(engine),
    '0007-scaling': scaling0007(engine),
    '0008-alert-tickets': alertTickets0008(engine),
    '0009-alert-threads': alertThreads0009(engine),
    '0010-rate-budgets': rateBudgets0010(engine),
    '0011-audit-dry-run': auditDryRun0011(),
    '0012-deploy-rolled-back': deployRolledBack0012(),
    '0013-approval-on-behalf-of': approvalOnBehalfOf0013(),
    '0014-retention-indexes': retentionIndexes0014(),
    '0015-retention-refs': retentionRefs0015(),
    '0016-deploy-switching': deploySwitching0016(),
    '0017-scaling-pending': scalingPending0017(),
    '0018-alert-holds': alertHolds0018(),
    '0019-audit-filters': auditFilters0019(),
  };
}
