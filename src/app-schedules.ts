/**
 * Wiring of schedules and maintenance windows: the ports commands use, the scheduler and the
 * maintenance passes, the Alertmanager silences client, and the boot-time upsert of the config's
 * schedules. Kept apart from app.ts so the composition root stays a list of parts.
 */
import { AlertmanagerSilences } from './backends/alertmanager-silences.js';
import { ConfigError } from './config/errors.js';
import { scheduleAction } from './config/schema/schedules.js';
import type { OpsbotConfig } from './config/types.js';
import type { Clock } from './core/clock.js';
import type { Logger } from './core/log.js';
import { MaintenanceService } from './core/maintenance/service.js';
import type { SilencesPort } from './core/maintenance/silences.js';
import type { Notifier } from './core/notify.js';
import type { AccessPort } from './core/ports.js';
import type { CommandRegistry } from './core/registry.js';
import { Scheduler, type CommandDispatch, type SchedulerSettings } from './core/scheduler/scheduler.js';
import { createSchedulesPort, validateSchedule } from './core/scheduler/service.js';
import type { SchedulesPort } from './core/scheduler/port.js';
import type { NewSchedule } from './core/scheduler/types.js';
import type { Store } from './core/store.js';

export interface ScheduleWiringDeps {
  readonly config: OpsbotConfig;
  readonly store: Store;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly notifier: Notifier;
  readonly registry: CommandRegistry;
  /** The access policy: where a schedule added from chat may post. */
  readonly access: Pick<AccessPort, 'describe'>;
  readonly owner: string;
  readonly settings?: SchedulerSettings;
}

/** Alertmanager for silences: maintenance.alertmanager, else the one the alerts section talks to. */
export function silencesFromConfig(config: OpsbotConfig): SilencesPort | null {
  const own = config.maintenance.alertmanager;
  if (own !== null) return AlertmanagerSilences.fromSettings({ url: own.url, bearer: null, timeout: own.timeout });
  const shared = config.alerts?.alertmanager ?? null;
  return shared === null ? null : AlertmanagerSilences.fromSettings(shared);
}

export function buildSchedulePorts(deps: ScheduleWiringDeps): { schedules: SchedulesPort; maintenance: MaintenanceService } {
  const { config, store, clock, logger, notifier, registry, access, owner } = deps;
  const schedules = createSchedulesPort({ store: store.schedules, clock, registry, access });
  const maintenance = new MaintenanceService({
    store: store.maintenance,
    claims: store.schedules,
    audit: store.audit,
    clock,
    notifier,
    logger: logger.child({ component: 'maintenance' }),
    silences: silencesFromConfig(config),
    owner,
    settings: config.maintenance,
    ...(deps.settings === undefined ? {} : { tickMs: deps.settings.tickMs }),
  });
  return { schedules, maintenance };
}

export function buildScheduler(deps: ScheduleWiringDeps, dispatcher: CommandDispatch): Scheduler {
  return new Scheduler({
    store: deps.store.schedules,
    audit: deps.store.audit,
    clock: deps.clock,
    notifier: deps.notifier,
    logger: deps.logger.child({ component: 'scheduler' }),
    dispatcher,
    owner: deps.owner,
    ...(deps.settings === undefined ? {} : { settings: deps.settings }),
  });
}

/**
 * Upserts the config's schedules (every replica does it at boot; the store makes it idempotent).
 * A scheduled command that names no command, or that its command's schema refuses, stops the boot:
 * better now than silently at 02:00. The config loader refuses those already, with their line; this
 * is for configs built otherwise, and reads the same (file, path, reason).
 */
export async function syncConfigSchedules(deps: Pick<ScheduleWiringDeps, 'config' | 'store' | 'clock' | 'logger' | 'registry'> & { readonly configFile: string }): Promise<void> {
  const now = deps.clock.now();
  const definitions: NewSchedule[] = [];
  const refuse = (id: string, reason: string, cause?: unknown): ConfigError =>
    new ConfigError([{ source: deps.configFile, path: `schedules.${id}`, reason }], cause === undefined ? undefined : { cause });
  for (const [id, s] of Object.entries(deps.config.schedules)) {
    const action = scheduleAction(s);
    if (typeof action === 'string') throw refuse(id, action);
    const request = { id, cron: s.cron, timezone: s.timezone, action, missed: s.missed };
    try {
      validateSchedule(request, deps.registry);
    } catch (error: unknown) {
      throw refuse(id, (error instanceof Error ? error.message : String(error)).replace(/`/g, '"'), error);
    }
    definitions.push({ ...request, source: 'config', paused: s.paused, createdBy: null, now });
  }
  const result = await deps.store.schedules.syncConfig(definitions, now);
  if (result.added.length + result.updated.length + result.removed.length > 0) deps.logger.info(result, 'config schedules synchronized');
}
