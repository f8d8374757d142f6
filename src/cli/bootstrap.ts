/** Shared start-up for every CLI subcommand: environment → config file → logger → app. */
import { userInfo } from 'node:os';
import { buildApp, type App } from '../app.js';
import { commandRegistry } from '../command-registry.js';
import { demoConfigPath } from '../config/demo-path.js';
import { readEnvironment, type Environment } from '../config/env.js';
import { loadConfig } from '../config/load.js';
import type { LoadedConfig } from '../config/types.js';
import { createLogger } from '../logging.js';
import type { Command } from '../core/command.js';
import type { DestinationStream } from 'pino';

export interface BootOptions {
  /** `--config`; else OPSBOT_CONFIG; else the demo config that ships with opsbot. */
  readonly configPath: string | undefined;
  readonly extraCommands?: readonly Command[];
  readonly logDestination?: DestinationStream;
  /** Terminal sessions log errors only, unless LOG_LEVEL asks for more. */
  readonly quiet?: boolean;
  /** serve: chat delivery waits for `app.startWorkers()` (see AppOptions.deferDelivery). */
  readonly deferDelivery?: boolean;
}

export interface Booted {
  readonly env: Environment;
  readonly app: App;
}

/** The secrets of every config this process loaded (see `loadedSecrets`). */
const secretsSeen = new Set<string>();

/**
 * The config every subcommand runs on (check-config included), checked against the commands of the
 * bot that will run it: `extraCommands` are those boot adds (tests, benchmarks).
 */
export function resolveConfig(configPath: string | undefined, extraCommands: readonly Command[] = []): { env: Environment; loaded: LoadedConfig } {
  const env = readEnvironment();
  const file = configPath ?? env.OPSBOT_CONFIG ?? demoConfigPath();
  const loaded = loadConfig(file, env, { commands: commandRegistry(extraCommands) });
  for (const secret of loaded.secrets) secretsSeen.add(secret);
  return { env, loaded };
}

/**
 * What the command line masks in a failure it prints: the failure reaches main.ts's last handler,
 * far from the config it came with, and a driver's error may hold the database URL.
 */
export function loadedSecrets(): readonly string[] {
  return [...secretsSeen];
}

export async function boot(options: BootOptions): Promise<Booted> {
  const { env, loaded } = resolveConfig(options.configPath, options.extraCommands);
  const logger = createLogger({
    // In a terminal the person sees every outcome as it happens; the log adds only what went wrong unexpectedly.
    level: options.quiet === true && env.LOG_LEVEL === undefined ? 'error' : loaded.config.log.level,
    secrets: loaded.secrets,
    bindings: env.OPSBOT_INSTANCE === undefined ? {} : { instance: env.OPSBOT_INSTANCE },
    ...(options.logDestination === undefined ? {} : { destination: options.logDestination }),
  });
  const app = await buildApp({
    loaded,
    logger,
    ...(options.extraCommands === undefined ? {} : { extraCommands: options.extraCommands }),
    ...(options.deferDelivery === undefined ? {} : { deferDelivery: options.deferDelivery }),
    ...(env.OPSBOT_INSTANCE === undefined ? {} : { instance: env.OPSBOT_INSTANCE }),
  });
  return { env, app };
}

/**
 * The local terminal user: `shell:local` (the demo operator) unless `--as` names someone else. The
 * access config writes these as `shell:<name>`, so `--as shell:guest` means `guest`, not `shell:shell:guest`.
 */
export function localIdentity(as: string | undefined, channel: string | undefined): { user: string; displayName: string; channel: string } {
  const bare = (name: string): string => name.replace(/^shell:/, '');
  return {
    user: as === undefined ? 'local' : bare(as),
    displayName: as === undefined ? safeUserName() : bare(as),
    channel: channel === undefined ? 'local' : bare(channel),
  };
}

function safeUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return 'local';
  }
}
