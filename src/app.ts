/**
 * Composition root: config → store → core (registry, policy, runner, dispatcher) → ports. Wired by
 * hand; no container. main.ts adds the adapters and the HTTP server around it.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { builtinCommands } from '../commands/index.js';
import { NotifierRouter } from './adapters/notify-router.js';
import type { LoadedConfig } from './config/types.js';
import { createAuditPort, createHelpPort, createJobsPort, createLocksPort } from './core/builtin-ports.js';
import { systemClock, type Clock } from './core/clock.js';
import type { Command } from './core/command.js';
import { confirmCommand } from './core/confirm.js';
import { Dispatcher } from './core/dispatch.js';
import type { Logger } from './core/log.js';
import { formatOwner, type OwnerIdentity } from './core/jobs/owner.js';
import { recoverInterruptedJobs } from './core/jobs/recovery.js';
import { JobRunner } from './core/jobs/runner.js';
import { AccessPolicy } from './core/policy/policy.js';
import type { Ports } from './core/ports.js';
import { CommandRegistry } from './core/registry.js';
import type { JobRecord, Store } from './core/store.js';
import { PromMetrics } from './http/metrics.js';
import { openStore } from './store/open.js';

export interface AppOptions {
  readonly loaded: LoadedConfig;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** Extra commands (tests, benchmarks); the built-ins are always there. */
  readonly extraCommands?: readonly Command[];
  /** Instance name for logs and leases (OPSBOT_INSTANCE). */
  readonly instance?: string;
  /** An already-open store (tests); otherwise opened from the config. */
  readonly store?: Store;
}

export interface App {
  readonly loaded: LoadedConfig;
  readonly logger: Logger;
  readonly store: Store;
  readonly registry: CommandRegistry;
  readonly policy: AccessPolicy;
  readonly runner: JobRunner;
  readonly dispatcher: Dispatcher;
  readonly notifier: NotifierRouter;
  readonly metrics: PromMetrics;
  readonly owner: string;
  /** Marks jobs of dead processes interrupted and tells their conversations. */
  recover(): Promise<JobRecord[]>;
  /** Re-runs recovery periodically, so one replica reports another's crash. */
  startReaper(): void;
  /** Lets running jobs finish for up to `graceMs`, interrupts the rest, closes the store. */
  close(graceMs: number): Promise<void>;
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error: unknown) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function buildApp(options: AppOptions): Promise<App> {
  const { loaded, logger } = options;
  const { config } = loaded;
  const clock = options.clock ?? systemClock;
  const identity: OwnerIdentity = { host: options.instance ?? hostname(), pid: process.pid, nonce: randomBytes(4).toString('hex') };
  const owner = formatOwner(identity);

  const registry = new CommandRegistry([...builtinCommands, confirmCommand, ...(options.extraCommands ?? [])]);
  const store = options.store ?? (await openStore(config.storage.engine === 'sqlite' ? { engine: 'sqlite', path: config.storage.path } : { engine: 'postgres', url: config.storage.url, poolSize: config.storage.poolSize }));
  const policy = new AccessPolicy(config.access);
  const metrics = new PromMetrics(store);
  const notifier = new NotifierRouter(logger);

  let ports: Ports | null = null;
  const getPorts = (): Ports => {
    if (ports === null) throw new Error('ports used before the app was built');
    return ports;
  };
  const runner = new JobRunner({
    store,
    clock,
    logger,
    metrics,
    notifier,
    owner,
    configSecrets: loaded.secrets,
    ports: getPorts,
    settings: {
      defaultTimeoutMs: config.jobs.timeout,
      lockTtlMs: config.jobs.lockTtl,
      heartbeatMs: config.jobs.heartbeat,
      progressThrottleMs: config.jobs.progressThrottle,
      outputLimitBytes: config.jobs.outputLimit,
      queuePollMs: Math.min(1_000, config.jobs.heartbeat),
    },
  });
  ports = {
    jobs: createJobsPort(store, runner, clock),
    audit: createAuditPort(store),
    locks: createLocksPort(store, clock),
    help: createHelpPort(registry),
    access: policy,
  };
  const dispatcher = new Dispatcher({ registry, policy, runner, store, clock, logger, metrics, ports: getPorts, inlineTimeoutMs: 30_000 });

  const recover = (): Promise<JobRecord[]> =>
    recoverInterruptedJobs({ store, clock, logger, notifier, me: identity, pidAlive, staleAfterMs: config.jobs.lockTtl * 2 });
  let reaper: NodeJS.Timeout | null = null;

  return {
    loaded,
    logger,
    store,
    registry,
    policy,
    runner,
    dispatcher,
    notifier,
    metrics,
    owner,
    recover,
    startReaper() {
      reaper ??= setInterval(() => {
        recover().catch((error: unknown) => logger.warn({ err: error }, 'periodic job recovery failed'));
      }, config.jobs.lockTtl);
      reaper.unref();
    },
    async close(graceMs) {
      if (reaper !== null) clearInterval(reaper);
      await runner.shutdown(graceMs);
      await store.close();
    },
  };
}
