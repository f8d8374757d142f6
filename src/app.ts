/**
 * Composition root: config → store → core (registry, policy, runner, dispatcher) → ports. Wired by
 * hand; no container. main.ts adds the adapters and the HTTP server around it.
 */
import { commandRegistry } from './command-registry.js';
import { NotifierRouter } from './adapters/notify-router.js';
import type { LoadedConfig } from './config/types.js';
import { createAuditPort, createHelpPort, createJobsPort, createLocksPort } from './core/builtin-ports.js';
import { systemClock, type Clock } from './core/clock.js';
import type { Command } from './core/command.js';
import { Dispatcher } from './core/dispatch.js';
import type { Logger } from './core/log.js';
import { formatOwner } from './core/jobs/owner.js';
import { ownerIdentity, wireRecovery } from './app-recovery.js';
import { createCancelAuthorizer } from './core/jobs/cancel-authorizer.js';
import { JobRunner } from './core/jobs/runner.js';
import { LiveJobPosts } from './core/outbox/live-jobs.js';
import { Outbox } from './core/outbox/outbox.js';
import { OutboxFallback } from './core/outbox/fallback.js';
import { fallbackWebhooks } from './adapters/fallback-webhook.js';
import { AccessPolicy } from './core/policy/policy.js';
import type { Ports } from './core/ports.js';
import type { CommandRegistry } from './core/registry.js';
import type { JobRecord, Store } from './core/store.js';
import { PromMetrics } from './http/metrics.js';
import { buildSchedulePorts, buildScheduler, syncConfigSchedules } from './app-schedules.js';
import type { MaintenanceService } from './core/maintenance/service.js';
import type { Scheduler } from './core/scheduler/scheduler.js';
import { openStore } from './store/open.js';
import { createDeployPorts } from './backends/deploy/wire.js';
import type { DeployPorts } from './core/deploy/ports.js';
import { createBuildPort } from './core/pipelines/build-port.js';
import { PipelineEventHub } from './core/pipelines/events.js';
import { createPipelinePortFromConfig } from './backends/gitlab/pipelines-from-config.js';
import { createScalingPortFromConfig } from './backends/containers/scaling-from-config.js';
import { wireAlerts, type AlertsWiring } from './adapters/alerts/wire.js';
import type { AlertPoster } from './core/alerts/poster.js';
import { ProfileDirectory } from './core/profiles.js';
import { Pruner } from './core/retention/pruner.js';
import { retentionSettings } from './config/named-conversations.js';

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
  /** Wraps the deploy ports (tests: spies that prove no process started). */
  readonly wrapDeployPorts?: (ports: DeployPorts) => DeployPorts;
  /** Replaces the alert pipeline's chat poster (tests, benchmarks). */
  readonly alertPoster?: AlertPoster;
  /**
   * The outbox delivers only from `startWorkers()` (serve: once the server listens), not as soon as a
   * chat registers. Default false: tests and terminal sessions deliver at once.
   */
  readonly deferDelivery?: boolean;
}

/** How long a shutdown waits for the chat to take the posts that are due (interrupted jobs' notices). */
const OUTBOX_DRAIN_MS = 5_000;

export interface App {
  readonly loaded: LoadedConfig;
  readonly logger: Logger;
  readonly store: Store;
  readonly registry: CommandRegistry;
  readonly policy: AccessPolicy;
  readonly runner: JobRunner;
  readonly dispatcher: Dispatcher;
  readonly notifier: NotifierRouter;
  /** Outgoing chat posts and edits; chat adapters register their delivery with it. */
  readonly outbox: Outbox;
  /** One live post per job, for platforms that enable it. */
  readonly liveJobs: LiveJobPosts;
  /** Pushed pipeline events (POST /webhooks/gitlab) reach the follower of that pipeline through it. */
  readonly pipelineEvents: PipelineEventHub;
  readonly metrics: PromMetrics;
  readonly owner: string;
  /** Fires schedule ticks once across replicas (started by `startScheduler`). */
  readonly scheduler: Scheduler;
  /** Maintenance windows; also the MaintenancePort the alert pipeline and deploys consult. */
  readonly maintenance: MaintenanceService;
  /** Alert intake routes, pipeline and the `alerts` port (src/adapters/alerts/wire.ts). */
  readonly alerts: AlertsWiring;
  /** Viewers' time zones; chat adapters register how their platform answers. */
  readonly profiles: ProfileDirectory;
  /** Deletes what has aged out per the `retention` config (started by `startWorkers`). */
  readonly retention: Pruner;
  /**
   * Starts the background work of a serving replica (serve, once it listens): schedule and
   * maintenance passes, alert flushes and tickets, periodic recovery, retention passes, and outbox
   * delivery when it was deferred. `close` stops them.
   */
  startWorkers(): void;
  /** Marks jobs of dead processes interrupted and tells their conversations. */
  recover(): Promise<JobRecord[]>;
  /** Re-runs recovery periodically, so one replica reports another's crash. */
  startReaper(): void;
  /**
   * Stops taking work (schedules, maintenance passes, alert intake, new jobs) and lets running jobs
   * finish for up to `graceMs`, interrupting the rest. The store stays open: a server keeps answering
   * (`/readyz` 503, "shutting down" to new commands) while this runs. `close` does it too.
   */
  drain(graceMs: number): Promise<void>;
  /** Drains (if not done yet), delivers the posts that are due (interrupted jobs' notices), closes the store. */
  close(graceMs: number): Promise<void>;
}

export async function buildApp(options: AppOptions): Promise<App> {
  const { storage } = options.loaded.config;
  const store = options.store ?? (await openStore(storage));
  try {
    return await assembleApp(options, store);
  } catch (error: unknown) {
    // A store opened here must not outlive a failed boot: a PostgreSQL pool keeps the process alive.
    if (options.store === undefined) await store.close().catch(() => undefined);
    throw error;
  }
}

async function assembleApp(options: AppOptions, store: Store): Promise<App> {
  const { loaded, logger } = options;
  const { config } = loaded;
  const clock = options.clock ?? systemClock;
  const identity = ownerIdentity(options.instance);
  const owner = formatOwner(identity);

  const registry = commandRegistry(options.extraCommands);
  const policy = new AccessPolicy(config.access);
  const metrics = new PromMetrics(store);
  const notifier = new NotifierRouter(logger);
  const profiles = new ProfileDirectory();
  // The local shell's user sits at this machine: its zone is theirs.
  profiles.register('shell', { timeZoneOf: () => Promise.resolve(Intl.DateTimeFormat().resolvedOptions().timeZone) });

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
      queueWaitMs: config.jobs.queueWait,
      queuePollMs: Math.min(1_000, config.jobs.heartbeat),
    },
  });
  const scheduleDeps = { config, store, clock, logger, notifier, registry, access: policy, owner };
  await syncConfigSchedules({ ...scheduleDeps, configFile: loaded.file });
  const { schedules, maintenance } = buildSchedulePorts(scheduleDeps);
  const pipelineEvents = new PipelineEventHub();
  const pipelines = createPipelinePortFromConfig({
    pipelines: config.pipelines,
    hub: pipelineEvents,
    authorize: (principal, conversation, permission) => void policy.authorize(principal, conversation, 'pipeline', permission),
  });
  const scaling = createScalingPortFromConfig({
    services: config.services,
    store: store.scaling,
    authorize: (principal, conversation, permission) => void policy.authorize(principal, conversation, 'scale', permission),
    playbooks: config.playbooks,
    // The deploy's RepoPort (built below): one queue for every sync of the working copy.
    syncPlaybooks: (signal) => getPorts().deploy.repo.sync(signal),
    clock,
  });
  // The outbox is built below; the poster reaches it only once alerts flow, after buildApp returned.
  const alerts = wireAlerts({
    config: config.alerts,
    store: store.alerts,
    threads: store.alertThreads,
    tickets: store.alertTickets,
    audit: store.audit,
    clock,
    logger,
    owner,
    notifier,
    outbox: { has: (platform) => outbox.has(platform), enqueue: (outgoing) => outbox.enqueue(outgoing) },
    ...(options.alertPoster === undefined ? {} : { poster: options.alertPoster }),
    maintenance,
  });
  ports = {
    jobs: createJobsPort(store, runner, clock, createCancelAuthorizer(registry, policy, getPorts)),
    audit: createAuditPort(store),
    locks: createLocksPort(store, clock),
    help: createHelpPort(registry),
    access: policy,
    deploy: ((d: DeployPorts) => options.wrapDeployPorts?.(d) ?? d)(createDeployPorts({ config, state: store.deployState, build: createBuildPort(pipelines), clock })),
    schedules,
    maintenance,
    pipelines,
    scaling,
    alerts: alerts.port,
    profiles,
  };
  // Alert posts whose chat cannot be reached also go to their fallback (alerts.fallback, alerts.webhooks).
  const outboxFallback = new OutboxFallback({ store, clock, logger, chat: notifier, webhooks: fallbackWebhooks(config.alerts?.webhooks) });
  const outbox = new Outbox({ store, clock, logger, owner, observer: outboxFallback, startExplicitly: options.deferDelivery === true });
  const liveJobs = new LiveJobPosts({ runner, outbox, clock, logger });
  const dispatcher = new Dispatcher({ registry, policy, runner, store, clock, logger, metrics, ports: getPorts, inlineTimeoutMs: 30_000, configSecrets: loaded.secrets });
  const scheduler = buildScheduler(scheduleDeps, dispatcher);
  const retention = new Pruner({ store: store.retention, clock, logger, settings: retentionSettings(config) });

  const recovery = wireRecovery({ store, clock, logger, notifier, identity, jobs: config.jobs, playbooks: () => getPorts().deploy.playbooks });
  const recover = (): Promise<JobRecord[]> => recovery.recover();
  let reaper: NodeJS.Timeout | null = null;
  let drained: Promise<void> | null = null;
  const drain = (graceMs: number): Promise<void> =>
    (drained ??= (async () => {
      if (reaper !== null) clearInterval(reaper);
      recovery.stop();
      // No new jobs from now on (the runner refuses them at once), and no new ticks while jobs drain;
      // a scheduled job already running finishes like any other.
      const jobs = runner.shutdown(graceMs);
      await Promise.all([scheduler.stop(), maintenance.stop(), alerts.pipeline?.stop(), retention.stop(), jobs]);
      // Scheduled jobs have ended now; let their outcomes reach the store before it closes.
      await scheduler.settled(5_000);
    })());
  const startReaper = (): void => {
    reaper ??= setInterval(() => {
      recover().catch((error: unknown) => logger.warn({ err: error }, 'periodic job recovery failed'));
    }, config.jobs.lockTtl);
    reaper.unref();
  };

  return {
    loaded,
    logger,
    store,
    registry,
    policy,
    runner,
    dispatcher,
    notifier,
    outbox,
    liveJobs,
    pipelineEvents,
    metrics,
    owner,
    scheduler,
    maintenance,
    alerts,
    profiles,
    retention,
    startWorkers() {
      startReaper();
      scheduler.start();
      maintenance.start();
      alerts.pipeline?.start();
      retention.start();
      outbox.start();
    },
    recover,
    startReaper,
    drain,
    async close(graceMs) {
      await drain(graceMs);
      liveJobs.stop();
      // The conversations of jobs the shutdown interrupted are told now, if the chat answers within
      // OUTBOX_DRAIN_MS; what is left stays in the store for the next start (or another replica).
      await outbox.drain(OUTBOX_DRAIN_MS);
      await outbox.stop();
      await store.close();
    },
  };
}
