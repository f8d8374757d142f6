/**
 * Everything a handler may touch, injected through CommandContext.ports. Built-in commands use the
 * ports below; each capability (deploy, pipelines, scaling, alerts, schedules) adds its own port
 * interface here and its implementation under src/backends, wired in main.ts.
 */
import type { AlertsPort } from './alerts/service.js';
import type { Command } from './command.js';
import type { DeployPorts } from './deploy/ports.js';
import type { Conversation, Principal } from './identity.js';
import type { MaintenanceAdminPort } from './maintenance/port.js';
import type { PipelinePort } from './pipelines/ports.js';
import type { ScalingPort } from './scaling/ports.js';
import type { SchedulesPort } from './scheduler/port.js';
import type { AuditEntry, AuditFilter, JobRecord, JobState, LockRecord } from './store.js';
import type { ProfilesPort } from './profiles.js';

export interface JobsPort {
  list(query: { limit: number; states?: readonly JobState[] }): Promise<JobRecord[]>;
  get(id: number): Promise<JobRecord | null>;
  /** Signals the job's AbortSignal; on another replica, marks it for cancellation. */
  cancel(id: number, by: Principal, conversation: Conversation): Promise<'cancelling' | 'already_finished' | 'not_found'>;
}

export interface AuditPort {
  recent(limit: number, filter?: AuditFilter): Promise<AuditEntry[]>;
}

export interface LocksPort {
  list(): Promise<LockRecord[]>;
  /** Who holds `target` now (a job's lease or a freeze), or null. */
  get(target: string): Promise<LockRecord | null>;
  freeze(target: string, by: Principal, conversation: Conversation, reason: string | null): Promise<{ ok: true } | { ok: false; holder: LockRecord }>;
  release(target: string, by: Principal, conversation: Conversation): Promise<LockRecord | null>;
}

export interface HelpPort {
  commands(): readonly Command[];
  find(nameOrAlias: string): Command | null;
  usage(command: Command): string;
}

export interface AccessDescription {
  readonly roles: readonly string[];
  readonly allow: readonly string[];
  /** Command names allowed in this conversation, or '*' for all. */
  readonly channelCommands: readonly string[] | '*';
}

export interface AccessPort {
  describe(principal: Principal, conversation: Conversation): AccessDescription;
  /**
   * The access policy's decision for a permission only known after a lookup (a window's target, a
   * schedule's principal): `command` must be enabled in the conversation and `permission` granted.
   * Throws DeniedError naming what is missing.
   */
  authorize(principal: Principal, conversation: Conversation, command: string, permission: string): void;
}

export interface Ports {
  readonly jobs: JobsPort;
  readonly audit: AuditPort;
  readonly locks: LocksPort;
  readonly help: HelpPort;
  readonly access: AccessPort;
  /** Stores, playbooks, traffic, health, SSH, git and build (src/core/deploy/ports.ts). */
  readonly deploy: DeployPorts;
  /** Schedules from config and chat (src/core/scheduler/port.ts). */
  readonly schedules: SchedulesPort;
  /** Maintenance windows: the read side for alerts and deploys, the management side for `maintenance`. */
  readonly maintenance: MaintenanceAdminPort;
  /** Named CI pipelines: Jenkins and GitLab (src/core/pipelines/ports.ts). */
  readonly pipelines: PipelinePort;
  /** Replica counts of configured services (src/core/scaling/ports.ts). */
  readonly scaling: ScalingPort;
  /** Alert groups, acks and silences (src/core/alerts/service.ts). */
  readonly alerts: AlertsPort;
  /** What the viewer's platform says about them: their time zone (src/core/profiles.ts). */
  readonly profiles: ProfilesPort;
}
