/**
 * The loaded configuration: every default filled in, every duration in milliseconds, every path
 * absolute. This is the shape the rest of the app sees; the raw YAML shape lives in ./schema.
 */
import type { LogLevel } from './log-levels.js';
import type { VariableSpec } from '../core/pipelines/catalog.js';
import type { AlertSourceName } from '../core/alerts/model.js';
import type { TicketRule } from '../core/alerts/tickets.js';
import type { Platform } from '../core/identity.js';
import type { MaintenanceSettings } from '../core/maintenance/types.js';
import type { MissedPolicy } from '../core/scheduler/types.js';
import type { PlaybooksConfig, SshConfig, StoresConfig } from './deploy-types.js';

export type { LogLevel } from './log-levels.js';

export interface OpsbotConfig {
  readonly storage: StorageConfig;
  readonly server: ServerConfig;
  readonly log: LogConfig;
  readonly access: AccessConfig;
  readonly jobs: JobsConfig;
  /** The playbook catalog and how ansible-playbook runs (./deploy-types.ts). */
  readonly playbooks: PlaybooksConfig;
  readonly ssh: SshConfig;
  readonly stores: StoresConfig;
  /** Null when the file has no `teams` section: the Teams endpoint is not served. */
  readonly teams: TeamsConfig | null;
  /** Null when the file has no `mattermost` section: the Mattermost endpoints are not served. */
  readonly mattermost: MattermostConfig | null;
  /** Null when the file has no `alerts` section: POST /alerts/:source answers 404 and the alert commands say so. */
  readonly alerts: AlertsConfig | null;
  /** Named CI pipelines (empty when the file has none). */
  readonly pipelines: PipelinesConfig;
  /** What /scale may change (empty when the file has none). */
  readonly services: ServicesConfig;
  /** Schedule name -> definition (empty when the file has none). */
  readonly schedules: SchedulesConfig;
  readonly maintenance: MaintenanceConfig;
  /** How long each kind of data is kept once it is over. */
  readonly retention: RetentionConfig;
}

export type SchedulesConfig = Readonly<Record<string, ScheduleConfig>>;

/** One `schedules.<name>` entry; its action is announce (+ to) or run (+ as), checked at load. */
export interface ScheduleConfig {
  readonly cron: string;
  readonly timezone: string;
  readonly announce: string | null;
  readonly run: string | null;
  /** Service principal of a `run` schedule (acts as schedule:<as>). */
  readonly as: string | null;
  /** Conversation keys. */
  readonly to: readonly string[];
  readonly missed: MissedPolicy;
  readonly paused: boolean;
}

/** Targets and recurring windows with every default resolved (see core/maintenance/types.ts). */
export interface MaintenanceConfig extends MaintenanceSettings {
  /** Alertmanager for silences; null: use alerts.alertmanager, if any. */
  readonly alertmanager: { readonly url: string; readonly timeout: number } | null;
}

export type StorageConfig = SqliteStorageConfig | PostgresStorageConfig;

export interface SqliteStorageConfig {
  readonly engine: 'sqlite';
  /** Absolute path of the database file, or `:memory:`. */
  readonly path: string;
}

export interface PostgresStorageConfig {
  readonly engine: 'postgres';
  /** Connection URL; usually a secret (it is listed in LoadedConfig.secrets when substituted). */
  readonly url: string;
  readonly poolSize: number;
}

export interface ServerConfig {
  /** After the PORT override. */
  readonly port: number;
  /** After the HOST override. */
  readonly host: string;
  /** Milliseconds to let running jobs and requests finish after SIGTERM. */
  readonly shutdownGrace: number;
}

export interface LogConfig {
  /** After the LOG_LEVEL override. */
  readonly level: LogLevel;
}

export interface AccessConfig {
  /** Role name -> role. */
  readonly roles: Readonly<Record<string, RoleConfig>>;
  /** Permissions every identified user has, whatever their roles. */
  readonly everyone: { readonly allow: readonly string[] };
  /** `<platform>:<conversation id>` -> what may run there. */
  readonly channels: Readonly<Record<string, ChannelBinding>>;
  /** What may run in a conversation that has no binding. */
  readonly defaultChannel: ChannelBinding;
}

export interface RoleConfig {
  /** `<platform>:<stable id>` (compare with principalKey) or `group:<name>`. */
  readonly members: readonly string[];
  /** Permission patterns; see schema/primitives.ts for the matching rules. */
  readonly allow: readonly string[];
}

export interface ChannelBinding {
  /** Command names; `*` allows every command. */
  readonly commands: readonly string[];
}

export interface JobsConfig {
  /** Milliseconds; default timeout of a job when its command sets none. */
  readonly timeout: number;
  /** Milliseconds a `--queue` job may wait for its lock. */
  readonly queueWait: number;
  /** Milliseconds; a lock lease expires this long after its last heartbeat. */
  readonly lockTtl: number;
  /** Milliseconds between lease renewals; always shorter than lockTtl. */
  readonly heartbeat: number;
  /** Milliseconds; minimum interval between progress updates reaching chat. */
  readonly progressThrottle: number;
  /** Bytes of job output kept (the tail). */
  readonly outputLimit: number;
}

export interface RetentionConfig {
  /** Milliseconds each kind is kept once it is over; null: forever. */
  readonly jobs: number | null;
  /** Null unless the file sets it: the audit is kept forever by default. */
  readonly audit: number | null;
  readonly alerts: number | null;
  readonly scheduleClaims: number | null;
  readonly maintenanceWindows: number | null;
  readonly scalingEvents: number | null;
  readonly deadOutbox: number | null;
  readonly teamsConversations: number | null;
  /** Milliseconds between the passes of `opsbot serve`. */
  readonly interval: number;
}

export interface MattermostConfig {
  /** Server base URL without a trailing slash. */
  readonly url: string;
  /** Bot account token; null: answers go through response_url only. */
  readonly botToken: string | null;
  /** Slash command trigger -> its token. */
  readonly commands: Readonly<Record<string, string>>;
  /** Outgoing webhook name -> its token and trigger words (name for logs only). */
  readonly webhooks: Readonly<Record<string, MattermostWebhookConfig>>;
  /** The trigger that takes any command as its text. */
  readonly umbrella: string;
  /** HMAC key of message buttons and dialog state. */
  readonly actionSecret: string;
  /** Milliseconds a message button stays valid. */
  readonly actionTtl: number;
  /** Where Mattermost reaches opsbot, without a trailing slash; null: derived from server.host/port. */
  readonly publicUrl: string | null;
  /** Milliseconds an inline command may take before the answer becomes "working on it". */
  readonly replyBudget: number;
  /** Milliseconds per REST call. */
  readonly requestTimeout: number;
  /** Posts and edits per second per channel. */
  readonly rateLimit: number;
  readonly editsPerMinute: number;
  /** Bytes of a finished job's log uploaded to its post when too long to show (the tail); 0: never. */
  readonly uploadLimit: number;
  /** Milliseconds: longest backoff between delivery attempts. */
  readonly retryMaxDelay: number;
  /** Milliseconds after which an undeliverable message is given up. */
  readonly giveUpAfter: number;
  /** Milliseconds a user's groups (for `group:<name>` role members) are used before they are read again. */
  readonly groupsTtl: number;
}

/** mattermost.webhooks.<name>: an outgoing webhook whose messages run commands. */
export interface MattermostWebhookConfig {
  readonly token: string;
  /** Trigger words payloads with this token may carry; empty: any. */
  readonly triggers: readonly string[];
}

export interface TeamsConfig {
  /** Microsoft App ID of the bot registration; inbound tokens must be issued for it. */
  readonly appId: string;
  readonly appPassword: string;
  /** Tenant of a single-tenant app registration; null for multi-tenant. */
  readonly appTenantId: string | null;
  /** Allowed Microsoft 365 tenant ids, lowercase. */
  readonly tenants: readonly string[];
  /** HMAC key of card buttons. */
  readonly actionSecret: string;
  /** Milliseconds a card button stays valid. */
  readonly actionTtl: number;
  /** Public https base URL without a trailing slash, or null. */
  readonly publicUrl: string | null;
  readonly manifest: TeamsManifestConfig;
}

export interface TeamsManifestConfig {
  readonly name: string;
  readonly developerName: string;
  /** Null when neither manifest.websiteUrl nor publicUrl is set; `opsbot teams manifest` then asks for one. */
  readonly websiteUrl: string | null;
  readonly privacyUrl: string | null;
  readonly termsOfUseUrl: string | null;
  readonly version: string;
  readonly accentColor: string;
}

/** How a source proves it sent an alert body (alerts.sources.<name>). */
export type AlertSourceAuth =
  | { readonly kind: 'bearer'; readonly token: string }
  | { readonly kind: 'basic'; readonly username: string; readonly password: string }
  | {
      readonly kind: 'hmac';
      readonly secret: string;
      /** Lowercase header name carrying the hex HMAC-SHA256. */
      readonly header: string;
      /** Lowercase; when set the signature covers `<timestamp>:<body>` (Grafana). */
      readonly timestampHeader: string | null;
      /** Milliseconds a signed timestamp may be old. */
      readonly maxSkew: number;
    }
  | { readonly kind: 'none' };

export interface AlertTimingsConfig {
  /** Label names whose values form a group. */
  readonly groupBy: readonly string[];
  /** Milliseconds: group_wait, group_interval, repeat_interval. */
  readonly wait: number;
  readonly interval: number;
  readonly repeat: number;
}

export interface AlertRouteConfig extends AlertTimingsConfig {
  readonly name: string;
  /** Label (or `severity`/`source`) = value. */
  readonly match: Readonly<Record<string, string>>;
  /** Label =~ anchored regex. */
  readonly matchRe: Readonly<Record<string, string>>;
  /** Conversation keys (`mattermost:<id>`). */
  readonly to: readonly string[];
  /** Where this route's alert posts go when their chat cannot be reached; absent: alerts.fallback. */
  readonly fallback?: AlertFallbackConfig;
}

/** alerts.fallback and routes[].fallback: the FallbackPolicy of src/core/outbox/fallback-policy.ts. */
export interface AlertFallbackConfig {
  /** `teams:<conversation id>`, `mattermost:<channel id>` or `webhook:<name of alerts.webhooks>`. */
  readonly to: string;
  /** After this many failed deliveries in a row; null when `after` was a duration. */
  readonly afterAttempts: number | null;
  /** Milliseconds of failing deliveries; null when `after` was a count. */
  readonly afterMs: number | null;
}

/** alerts.webhooks.<name>: a plain webhook a fallback can send to. */
export interface AlertWebhookConfig {
  readonly url: string;
  readonly bearer: string | null;
  /** Milliseconds per request. */
  readonly timeout: number;
}

export interface AlertsConfig {
  /** Bytes. */
  readonly bodyLimit: number;
  /** Enabled sources only. */
  readonly sources: Readonly<Partial<Record<AlertSourceName, AlertSourceAuth>>>;
  readonly grouping: { readonly by: readonly string[]; readonly wait: number; readonly interval: number; readonly repeat: number };
  readonly routes: readonly AlertRouteConfig[];
  readonly defaultTo: readonly string[];
  readonly alertmanager: { readonly url: string; readonly bearer: string | null; readonly timeout: number } | null;
  /** Posts + edits per second per conversation, by platform. */
  readonly rateLimits: Readonly<Record<Platform, number>>;
  readonly storm: { readonly threshold: number; readonly window: number };
  /** Milliseconds between looks for due groups. */
  readonly tick: number;
  /** A thread reply under a group's post for each change (absent: true). */
  readonly threadReplies?: boolean;
  /** Where alert posts go when their chat cannot be reached (routes may override); absent: nowhere. */
  readonly fallback?: AlertFallbackConfig;
  /** Named webhooks for fallbacks (`webhook:<name>`). */
  readonly webhooks?: Readonly<Record<string, AlertWebhookConfig>>;
  /** GitLab issues for alerts that match a rule long enough; absent: no tickets. */
  readonly tickets?: AlertTicketsConfig;
}

/** alerts.tickets (src/config/schema/alert-tickets.ts). */
export interface AlertTicketsConfig {
  readonly gitlab: {
    readonly url: string;
    /** PRIVATE-TOKEN; a secret. */
    readonly token: string;
    /** Milliseconds. */
    readonly requestTimeout: number;
  };
  /** First match wins; every rule has its project resolved. */
  readonly rules: readonly TicketRule[];
  /** Milliseconds between looks for tickets to open or resolve. */
  readonly interval: number;
  /** Milliseconds: firing again this soon after resolution reuses the ticket; 0 never does. */
  readonly reopenWithin: number;
}

/** What loadConfig returns. */
export interface LoadedConfig {
  readonly config: OpsbotConfig;
  /** Absolute path of the file that was loaded. */
  readonly file: string;
  /**
   * Every non-empty value that `${VAR}` substitution took from the environment, and the password of
   * the PostgreSQL URL however it was written, longest first, so loggers, chat renderers and the
   * command line's error output can redact them. Defaults written in the file (`${VAR:-x}`) are not
   * secrets and are not listed.
   */
  readonly secrets: readonly string[];
}

/** Pipeline name -> pipeline (src/config/schema/pipelines.ts). */
export type PipelinesConfig = Readonly<Record<string, PipelineConfig>>;

export interface PipelineConfig {
  readonly description: string | null;
  readonly backend: JenkinsPipelineConfig | GitlabPipelineConfig;
  /** Variable name -> its type; nothing else may be set. */
  readonly variables: Readonly<Record<string, VariableSpec>>;
  /** Source of the RegExp `--ref` must match. */
  readonly refPattern: string;
  /** Extra permission needed to run it, on top of `pipeline:run:<name>`. */
  readonly permission: string | null;
  /** Milliseconds between polls of a running pipeline. */
  readonly pollInterval: number;
  /** Milliseconds; limit of one request to the server. */
  readonly requestTimeout: number;
}

export interface JenkinsPipelineConfig {
  readonly kind: 'jenkins';
  readonly url: string;
  /** Job path, folders separated by `/`. */
  readonly job: string;
  readonly user: string;
  /** API token; a secret. */
  readonly token: string;
  readonly refParameter: string | null;
  readonly parameterized: boolean;
  /** Milliseconds a build may wait in the queue. */
  readonly queueTimeout: number;
}

export interface GitlabPipelineConfig {
  readonly kind: 'gitlab';
  readonly url: string;
  readonly project: string;
  /** API token (PRIVATE-TOKEN); a secret. */
  readonly token: string;
  readonly triggerToken: string | null;
  /** Secret of the project's Pipeline events webhook. */
  readonly webhookToken: string | null;
  /** Default ref. */
  readonly ref: string;
  /** Milliseconds a pipeline may wait to start before it is cancelled. */
  readonly queueTimeout: number;
}

/** Service name -> service (src/config/schema/services.ts). */
export type ServicesConfig = Readonly<Record<string, ServiceConfig>>;

export interface ServiceConfig {
  readonly description: string | null;
  /** Milliseconds between two scalings of one service environment. */
  readonly cooldown: number;
  /** Milliseconds to wait for readiness after a scale. */
  readonly readyTimeout: number;
  /** Milliseconds between readiness checks. */
  readonly pollInterval: number;
  /** The environment used without `--env`; null when there are several and none is named. */
  readonly defaultEnv: string | null;
  readonly environments: Readonly<Record<string, ServiceEnvironmentConfig>>;
}

export interface ServiceEnvironmentConfig {
  readonly min: number;
  readonly max: number;
  readonly orchestrator: OrchestratorConfig;
  /** How many orchestrators the file named here (check() insists on exactly one). */
  readonly orchestrators: number;
}

export type OrchestratorConfig = ComposeOrchestratorConfig | SwarmOrchestratorConfig | KubernetesOrchestratorConfig | AnsibleOrchestratorConfig;

export interface ComposeOrchestratorConfig {
  readonly kind: 'compose';
  readonly project: string;
  readonly service: string;
  /** Absolute path of the Compose file, or null for Compose's own lookup. */
  readonly file: string | null;
  readonly command: 'auto' | 'plugin' | 'standalone';
  readonly dockerHost: string | null;
  readonly env: Readonly<Record<string, string>>;
}

export interface SwarmOrchestratorConfig {
  readonly kind: 'swarm';
  readonly service: string;
  readonly dockerHost: string | null;
}

/** A catalogued playbook that scales the service (the generic fallback); see src/backends/containers/ansible.ts. */
export interface AnsibleOrchestratorConfig {
  readonly kind: 'ansible';
  /** Catalog id of the playbook run to scale (opsbot_action=scale). */
  readonly playbook: string;
  /** Catalog id of the playbook run to read the counts; null: `playbook` with opsbot_action=status. */
  readonly statusPlaybook: string | null;
  /** A host of the playbook's inventory to --limit to; null for the whole inventory. */
  readonly limit: string | null;
  readonly connection: 'local' | 'ssh' | null;
  /** Fixed extra vars from the config (never from chat), under opsbot's own opsbot_* variables. */
  readonly vars: Readonly<Record<string, string | number | boolean>>;
}

export interface KubernetesOrchestratorConfig {
  readonly kind: 'kubernetes';
  readonly namespace: string;
  readonly deployment: string;
  readonly server: string | null;
  /** Bearer token; a secret. */
  readonly token: string | null;
  readonly caFile: string | null;
  readonly insecureSkipTlsVerify: boolean;
  readonly kubeconfig: string | null;
  readonly context: string | null;
}
