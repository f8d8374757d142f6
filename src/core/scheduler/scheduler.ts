/**
 * The scheduler: on every tick it finds each schedule's due ticks (from its shared cursor to now),
 * claims them with a unique row and acts only on the claims it won, so several replicas on one
 * PostgreSQL store fire each tick exactly once without trusting each other's clocks. Ticks that are
 * older than `graceMs` were missed (no replica was running): they follow the schedule's `missed`
 * policy and are reported once, to the schedule's channels (or the log) and the audit.
 *
 * Time comes from the injected clock; `tick(now)` is the whole algorithm, so tests drive a year of
 * ticks without sleeping. `start()` only adds a timer around it.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { DispatchOutcome } from '../dispatch.js';
import type { Invocation } from '../identity.js';
import type { Logger } from '../log.js';
import type { Message } from '../message.js';
import type { Notifier } from '../notify.js';
import type { AuditStore, JobRecord } from '../store.js';
import { summarize } from '../jobs/texts.js';
import { formatInZone } from '../maintenance/when.js';
import { channelConversation } from './channels.js';
import { CronCache } from './cron.js';
import { dueTicks } from './due.js';
import { scheduleConversation, schedulerPrincipal, serviceConversation, servicePrincipal } from './identity.js';
import type { ScheduleStore } from './store-port.js';
import { Ticker } from './ticker.js';
import type { ScheduleRecord } from './types.js';

/** The part of the Dispatcher the scheduler uses. */
export interface CommandDispatch {
  dispatch(invocation: Invocation, options?: { confirmed?: boolean }): Promise<DispatchOutcome>;
}

export interface SchedulerSettings {
  /** How often the timer calls `tick`. */
  readonly tickMs: number;
  /** A tick this much older than now was missed, not merely late. */
  readonly graceMs: number;
}

export const DEFAULT_SCHEDULER_SETTINGS: SchedulerSettings = { tickMs: 15_000, graceMs: 120_000 };

export interface SchedulerDeps {
  readonly store: ScheduleStore;
  readonly audit: AuditStore;
  readonly clock: Clock;
  readonly notifier: Notifier;
  readonly logger: Logger;
  readonly dispatcher: CommandDispatch;
  /** This replica, recorded on the claims it wins. */
  readonly owner: string;
  readonly settings?: SchedulerSettings;
}

export interface FiredTick {
  readonly scheduleId: string;
  readonly at: Date;
  /** Set when this run stands for missed ticks (policy run-once). */
  readonly catchingUp: number | null;
}

export interface MissedTicks {
  readonly scheduleId: string;
  readonly count: number;
  /** True when there may have been more (the cursor was very old). */
  readonly atLeast: boolean;
  readonly first: Date;
  readonly last: Date;
  readonly policy: ScheduleRecord['missed'];
}

export interface TickReport {
  readonly fired: readonly FiredTick[];
  readonly missed: readonly MissedTicks[];
}

export function scheduleClaimKey(scheduleId: string): string {
  return `schedule:${scheduleId}`;
}

export class Scheduler {
  private readonly crons = new CronCache();
  private readonly settings: SchedulerSettings;
  private readonly inflight = new Set<Promise<void>>();
  private readonly ticker: Ticker;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: SchedulerDeps) {
    this.settings = deps.settings ?? DEFAULT_SCHEDULER_SETTINGS;
    this.ticker = new Ticker(this.settings.tickMs, async () => {
      await this.tick();
    }, deps.logger.child({ component: 'scheduler' }));
  }

  /** Runs a first pass at once (this is when ticks missed while down are found), then every tickMs. */
  start(): void {
    this.ticker.start();
  }

  /**
   * Stops the timer and waits for a pass in progress. Scheduled jobs still running are not waited
   * for: the job runner's shutdown lets them finish or interrupts them; then call `settled`.
   */
  async stop(): Promise<void> {
    await this.ticker.stop();
    await this.chain;
  }

  /** Resolves when every action started so far has its outcome recorded, or after `limitMs`. */
  async settled(limitMs = Number.POSITIVE_INFINITY): Promise<void> {
    const until = Date.now() + limitMs;
    while (this.inflight.size > 0 && Date.now() < until) {
      const all = Promise.allSettled([...this.inflight]);
      if (!Number.isFinite(limitMs)) {
        await all;
        continue;
      }
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([all, new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, until - Date.now()))))]);
      clearTimeout(timer);
    }
  }

  /** One pass over every schedule at `now` (the clock's time by default). Passes never overlap. */
  tick(now: Date = this.deps.clock.now()): Promise<TickReport> {
    const pass = this.chain.then(() => this.pass(now));
    this.chain = pass.catch(() => undefined);
    return pass;
  }

  private async pass(now: Date): Promise<TickReport> {
    const fired: FiredTick[] = [];
    const missed: MissedTicks[] = [];
    for (const schedule of await this.deps.store.list()) {
      if (schedule.paused) continue;
      try {
        await this.passOne(schedule, now, fired, missed);
      } catch (error: unknown) {
        // One broken schedule (a zone the runtime lost, a failed claim) must not stop the others.
        this.deps.logger.error({ err: error, schedule: schedule.id }, 'schedule pass failed');
      }
    }
    return { fired, missed };
  }

  private async passOne(schedule: ScheduleRecord, now: Date, fired: FiredTick[], missed: MissedTicks[]): Promise<void> {
    const { store, owner } = this.deps;
    const cron = this.crons.get(schedule.cron, schedule.timezone);
    const due = dueTicks(cron, schedule.cursorAt, now);
    if (due.instants.length === 0) return;
    const key = scheduleClaimKey(schedule.id);
    const oldest = now.getTime() - this.settings.graceMs;
    const late = due.instants.filter((t) => t.getTime() < oldest);
    const onTime = due.instants.filter((t) => t.getTime() >= oldest);

    const lastLate = late.at(-1);
    if (lastLate !== undefined) {
      // One claim stands for the whole missed stretch: whichever replica inserts it reports (and,
      // with run-once, runs) it; the others find the row and do nothing.
      const runOnce = schedule.missed === 'run-once';
      const won = await store.claim(key, [lastLate], runOnce ? 'run' : 'missed', owner, now);
      if (won.length === 1) {
        const report: MissedTicks = { scheduleId: schedule.id, count: late.length, atLeast: due.truncated, first: late[0] ?? lastLate, last: lastLate, policy: schedule.missed };
        missed.push(report);
        await this.reportMissed(schedule, report, now);
        if (runOnce) {
          fired.push({ scheduleId: schedule.id, at: lastLate, catchingUp: late.length });
          this.track(this.fire(schedule, lastLate, late.length));
        } else {
          await store.recordOutcome({ key, scheduledAt: lastLate }, schedule.id, `missed ${countText(report)} (skipped)`, now);
        }
      }
    }

    if (onTime.length > 0) {
      const won = await store.claim(key, onTime, 'run', owner, now);
      for (const at of won) {
        fired.push({ scheduleId: schedule.id, at, catchingUp: null });
        this.track(this.fire(schedule, at, null));
      }
    }
    await store.advanceCursor(schedule.id, now);
  }

  private track(work: Promise<void>): void {
    this.inflight.add(work);
    void work.finally(() => this.inflight.delete(work));
  }

  /** Runs the action of one claimed tick and records its outcome; never rejects. */
  private async fire(schedule: ScheduleRecord, at: Date, catchingUp: number | null): Promise<void> {
    const { store, clock, logger } = this.deps;
    const key = scheduleClaimKey(schedule.id);
    let outcome: string;
    try {
      outcome = schedule.action.kind === 'announce' ? await this.announce(schedule, at) : await this.runCommand(schedule, at);
    } catch (error: unknown) {
      logger.error({ err: error, schedule: schedule.id, at }, 'scheduled action failed');
      outcome = `failed: ${error instanceof Error ? error.message : String(error)}`;
    }
    if (catchingUp !== null) outcome = `catch-up run for ${catchingUp} missed tick${catchingUp === 1 ? '' : 's'}: ${outcome}`;
    try {
      await store.recordOutcome({ key, scheduledAt: at }, schedule.id, outcome, clock.now());
    } catch (error: unknown) {
      logger.error({ err: error, schedule: schedule.id, at }, 'could not record a schedule outcome');
    }
  }

  private async announce(schedule: ScheduleRecord, at: Date): Promise<string> {
    if (schedule.action.kind !== 'announce') throw new Error('not an announcement');
    const { text, to } = schedule.action;
    const message: Message = { tone: 'info', blocks: [{ kind: 'text', text }] };
    const failures = await this.post(to, message, schedule.id);
    const posted = to.length - failures.length;
    const outcome = failures.length === 0 ? `posted to ${plural(posted, 'channel')}` : `posted to ${posted} of ${to.length} channels; ${failures.join('; ')}`;
    await this.deps.audit.append({
      at: this.deps.clock.now(),
      event: 'schedule_fired',
      principal: schedulerPrincipal,
      conversation: scheduleConversation(schedule.id),
      command: null,
      args: { schedule: schedule.id, tick: at.toISOString(), to: [...to] },
      permission: null,
      jobId: null,
      outcome: failures.length === 0 ? 'posted' : 'partly_failed',
      detail: outcome,
      refs: {},
    });
    return outcome;
  }

  /** Dispatches the command as the schedule's service principal; waits for its job, if it started one. */
  private async runCommand(schedule: ScheduleRecord, at: Date): Promise<string> {
    if (schedule.action.kind !== 'command') throw new Error('not a command');
    const { command, as, to } = schedule.action;
    const invocation: Invocation = {
      id: randomUUID(),
      text: command,
      principal: servicePrincipal(as),
      conversation: serviceConversation(as, schedule.id),
      receivedAt: this.deps.clock.now(),
    };
    // Pre-confirmed: the person who added the schedule stated the command; nobody is there at 02:00
    // to type `confirm`. Authorization, channel binding, locks and audit still apply in full.
    const outcome = await this.deps.dispatcher.dispatch(invocation, { confirmed: true });
    let text: string;
    let reply: Message;
    if (outcome.kind === 'reply') {
      reply = outcome.reply;
      text = outcome.status === 'ok' ? `ok: ${summarize(reply)}` : `${outcome.status}: ${summarize(reply)}`;
    } else {
      const done = await outcome.completion;
      reply = done.reply;
      text = jobOutcome(done.job, reply);
    }
    const title = `Schedule ${schedule.id} (${at.toISOString()}): \`${command}\``;
    const failures = await this.post(to, { ...reply, title: reply.title === undefined ? title : `${title} — ${reply.title}`, ephemeral: false }, schedule.id);
    return failures.length === 0 ? text : `${text}; ${failures.join('; ')}`;
  }

  private async reportMissed(schedule: ScheduleRecord, missed: MissedTicks, now: Date): Promise<void> {
    const { logger, audit } = this.deps;
    const what = schedule.missed === 'skip' ? 'They were skipped (policy `skip`).' : 'Running it once now (policy `run-once`).';
    const sentence = `Schedule \`${schedule.id}\` missed ${countText(missed)} while opsbot was not running (${formatInZone(missed.first, schedule.timezone)} … ${formatInZone(missed.last, schedule.timezone)}). ${what}`;
    logger.warn({ schedule: schedule.id, count: missed.count, atLeast: missed.atLeast, first: missed.first, last: missed.last, policy: schedule.missed }, 'schedule missed ticks');
    await audit.append({
      at: now,
      event: 'schedule_missed',
      principal: schedulerPrincipal,
      conversation: scheduleConversation(schedule.id),
      command: null,
      args: { schedule: schedule.id, count: missed.count, first: missed.first.toISOString(), last: missed.last.toISOString() },
      permission: null,
      jobId: null,
      outcome: schedule.missed,
      detail: sentence,
      refs: {},
    });
    await this.post(schedule.action.to, { tone: 'warning', blocks: [{ kind: 'text', text: sentence }] }, schedule.id);
  }

  /** Posts to every channel; returns one line per channel that failed (the others still get it). */
  private async post(channels: readonly string[], message: Message, scheduleId: string): Promise<string[]> {
    const failures: string[] = [];
    for (const channel of channels) {
      try {
        await this.deps.notifier.notify(channelConversation(channel), message);
      } catch (error: unknown) {
        this.deps.logger.warn({ err: error, schedule: scheduleId, channel }, 'could not post a scheduled message');
        failures.push(`${channel} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return failures;
  }
}

function jobOutcome(job: JobRecord, reply: Message): string {
  const head = `job #${job.id} ${job.state}`;
  return job.state === 'succeeded' ? `${head}: ${summarize(reply)}` : `${head}${job.error === null ? '' : `: ${job.error}`}`;
}

function countText(missed: MissedTicks): string {
  return `${missed.atLeast ? 'at least ' : ''}${plural(missed.count, 'tick')}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
