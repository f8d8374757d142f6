/**
 * The loaded configuration: every default filled in, every duration in milliseconds, every path
 * absolute. This is the shape the rest of the app sees; the raw YAML shape lives in ./schema.
 */
import type { LogLevel } from './log-levels.js';

export type { LogLevel } from './log-levels.js';

export interface OpsbotConfig {
  readonly storage: StorageConfig;
  readonly server: ServerConfig;
  readonly log: LogConfig;
  readonly access: AccessConfig;
  readonly jobs: JobsConfig;
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
  /** Milliseconds; a lock lease expires this long after its last heartbeat. */
  readonly lockTtl: number;
  /** Milliseconds between lease renewals; always shorter than lockTtl. */
  readonly heartbeat: number;
  /** Milliseconds; minimum interval between progress updates reaching chat. */
  readonly progressThrottle: number;
  /** Bytes of job output kept (the tail). */
  readonly outputLimit: number;
}

/** What loadConfig returns. */
export interface LoadedConfig {
  readonly config: OpsbotConfig;
  /** Absolute path of the file that was loaded. */
  readonly file: string;
  /**
   * Every non-empty value that `${VAR}` substitution took from the environment, longest first, so
   * loggers and chat renderers can redact them. Defaults written in the file (`${VAR:-x}`) are not
   * secrets and are not listed.
   */
  readonly secrets: readonly string[];
}
