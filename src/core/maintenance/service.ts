/**
 * Maintenance windows at work. Every pass (every replica, every tick) records the occurrences of
 * recurring windows whose lead time has begun, refreshes the live view and walks each window through
 * its steps: silence → announce ahead → announce start → announce end. Each step is claimed with a
 * unique row (`maintenance:<id>:<step>` at its instant), so it happens once however many replicas
 * run, and a replica that was down catches up on its next pass.
 */
import type { Clock } from '../clock.js';
import { ConflictError, NotFoundError, UsageError } from '../errors.js';
import { formatDuration } from '../args/duration.js';
import { didYouMean } from '../args/suggest.js';
import type { Conversation, Principal } from '../identity.js';
import { conversationKey } from '../identity.js';
import type { Logger } from '../log.js';
import type { Message } from '../message.js';
import type { Notifier } from '../notify.js';
import type { AuditEvent, AuditStore } from '../store.js';
import { channelConversation } from '../scheduler/channels.js';
import { CronCache } from '../scheduler/cron.js';
import { schedulerPrincipal } from '../scheduler/identity.js';
import type { ScheduleStore } from '../scheduler/store-port.js';
import { Ticker } from '../scheduler/ticker.js';
import type { EndedWindow, MaintenanceAdminPort, OpenWindowRequest, OpenedWindow, TypedWindowRequest, WindowView } from './port.js';
import type { SilencesPort } from './silences.js';
import type { MaintenanceSettings, NewWindow, RecurringWindow, Window } from './types.js';
import { windowState } from './types.js';
import type { MaintenanceStore } from './store-port.js';
import { formatInZone, parseStart, START_SLACK_MS } from './when.js';

export const MAX_WINDOW_MS = 7 * 24 * 3_600_000;
/** Ended windows stay in the live view this long (for listings and late questions about the past). */
const RECENT_MS = 24 * 3_600_000;
const CHAT_PLATFORMS = new Set(['mattermost', 'teams', 'shell']);

export interface MaintenanceDeps {
  readonly store: MaintenanceStore;
  /** For the claims of each step. */
  readonly claims: Pick<ScheduleStore, 'claim' | 'recordOutcome'>;
  readonly audit: AuditStore;
  readonly clock: Clock;
  readonly notifier: Notifier;
  readonly logger: Logger;
  /** Null when no Alertmanager is configured: windows then only hold back posts in chat. */
  readonly silences: SilencesPort | null;
  readonly owner: string;
  readonly settings: MaintenanceSettings;
  /** Pass interval of `start()`. */
  readonly tickMs?: number;
}

type Step = 'silence' | 'ahead' | 'start' | 'end';

export class MaintenanceService implements MaintenanceAdminPort {
  private view: Window[] = [];
  private readonly crons = new CronCache();
  private readonly listeners = new Set<(window: Window) => void>();
  private readonly ticker: Ticker;
  private chain: Promise<unknown> = Promise.resolve();
  readonly displayZone: string;

  constructor(private readonly deps: MaintenanceDeps) {
    this.displayZone = deps.settings.displayZone;
    this.ticker = new Ticker(deps.tickMs ?? 15_000, () => this.tick(), deps.logger.child({ component: 'maintenance' }));
  }

  start(): void {
    this.ticker.start();
  }

  stop(): Promise<void> {
    return this.ticker.stop();
  }

  targets(): readonly string[] {
    return Object.keys(this.deps.settings.targets).sort();
  }

  // ---- read side (MaintenancePort) ----------------------------------------------------------------

  activeWindows(at: Date): WindowView[] {
    const recorded = this.view.filter((w) => windowState(w, at) === 'active');
    const keys = new Set(this.view.map((w) => occurrenceKeyOf(w)));
    const computed = this.deps.settings.recurring.flatMap((r) => {
      const occurrence = this.occurrenceAt(r, at);
      return occurrence === null || keys.has(occurrenceKey(r.name, occurrence.startsAt)) ? [] : [occurrence];
    });
    return [...recorded, ...computed].sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());
  }

  isInMaintenance(target: string, at: Date): boolean {
    return this.activeWindows(at).some((w) => w.target === target);
  }

  deployBlockedBy(target: string, at: Date): WindowView | null {
    return this.activeWindows(at).find((w) => w.target === target && w.blockDeploys) ?? null;
  }

  onEnded(listener: (window: Window) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- management side ---------------------------------------------------------------------------

  validate(request: OpenWindowRequest): void {
    const now = this.deps.clock.now();
    this.requireTarget(request.target);
    if (request.durationMs <= 0) throw new UsageError('The duration must be longer than 0s.');
    if (request.durationMs > MAX_WINDOW_MS) throw new UsageError(`A window lasts at most ${formatDuration(MAX_WINDOW_MS)}.`);
    // A minute of slack: `HH:MM` typed at HH:MM:30 means now, not tomorrow.
    if (request.startsAt.getTime() < now.getTime() - START_SLACK_MS) throw new UsageError(`That start (${request.startsAt.toISOString()}) is in the past; use \`now\` or a later time.`);
  }

  request(typed: TypedWindowRequest): OpenWindowRequest {
    // The target before the start: `maintenance dbx 25:00 1h` is about dbx first.
    this.requireTarget(typed.target);
    const request = { target: typed.target, startsAt: parseStart(typed.start, typed.zone, this.deps.clock.now()), durationMs: typed.durationMs, reason: typed.reason };
    this.validate(request);
    return request;
  }

  private requireTarget(name: string): void {
    if (Object.hasOwn(this.deps.settings.targets, name)) return;
    const known = this.targets();
    throw new UsageError(`\`${name}\` is not a maintenance target.${didYouMean(name, known)}`, {
      hint: known.length === 0 ? 'No targets are configured (maintenance.targets in the config).' : `Targets: ${known.join(', ')}`,
    });
  }

  async open(request: OpenWindowRequest, by: Principal, conversation: Conversation): Promise<OpenedWindow> {
    this.validate(request);
    const now = this.deps.clock.now();
    const target = this.deps.settings.targets[request.target];
    if (target === undefined) throw new UsageError(`\`${request.target}\` is not a maintenance target.`);
    const here = CHAT_PLATFORMS.has(conversation.platform) ? [conversationKey(conversation)] : [];
    const startsAt = request.startsAt.getTime() < now.getTime() ? now : request.startsAt;
    const created = await this.deps.store.create({
      target: request.target,
      startsAt,
      endsAt: new Date(startsAt.getTime() + request.durationMs),
      reason: request.reason,
      occurrenceKey: null,
      createdBy: by.name,
      createdAt: now,
      matchers: target.matchers,
      announceTo: target.announceTo.length > 0 ? target.announceTo : here,
      leadMs: target.leadMs,
      blockDeploys: target.blockDeploys,
    });
    if (created === null) throw new Error('maintenance window insert returned nothing');
    const silence = await this.step(created, now, 'silence');
    await this.step(created, now, 'start');
    await this.refresh(now);
    const window = (await this.deps.store.get(created.id)) ?? created;
    return { window, silence: silence ?? (this.deps.silences === null ? 'no Alertmanager configured' : 'no silence') };
  }

  async window(id: number): Promise<Window> {
    const window = await this.deps.store.get(id);
    if (window === null) throw new NotFoundError(`There is no maintenance window #${id}.`, { hint: 'See `maintenance list`.' });
    return window;
  }

  async end(id: number, by: Principal): Promise<EndedWindow> {
    const now = this.deps.clock.now();
    const window = await this.window(id);
    if (windowState(window, now) === 'ended') throw new ConflictError(`Maintenance window #${id} has ended already.`);
    // Claiming the end step first: if the planned end fires on another replica at this moment, one of
    // the two wins and the other does nothing.
    const won = await this.deps.claims.claim(stepKey(id, 'end'), [window.endsAt], 'event', this.deps.owner, now);
    if (won.length === 0) throw new ConflictError(`Maintenance window #${id} is ending already.`);
    const ended = (await this.deps.store.end(id, now, by.name)) ?? window;
    const early = now.getTime() < window.startsAt.getTime() ? 'cancelled before it started' : 'ended early';
    const silences = await this.expireSilences(ended);
    await this.deps.claims.recordOutcome({ key: stepKey(id, 'end'), scheduledAt: window.endsAt }, null, `${early} by ${by.name}; ${silences}`, now);
    await this.announce(ended, { tone: 'success', blocks: [{ kind: 'text', text: `Maintenance #${id} of \`${window.target}\` ${early} by ${by.name}. ${this.afterEnd(window, now)}` }] });
    await this.auditStep(ended, 'maintenance_ended', now, `${early} by ${by.name}; ${silences}`);
    await this.refresh(now);
    this.emitEnded(ended);
    return { window: ended, silences, early: true };
  }

  async list(at: Date): Promise<WindowView[]> {
    await this.refresh(at);
    const open: WindowView[] = this.view.filter((w) => windowState(w, at) !== 'ended');
    const keys = new Set(this.view.map((w) => occurrenceKeyOf(w)));
    const ended = new Set(this.view.filter((w) => w.endedAt !== null).map((w) => occurrenceKeyOf(w)));
    for (const recurring of this.deps.settings.recurring) {
      // The occurrence in force, else the next one. One recorded and ended early is over: the one after
      // it is what comes next (one recorded and still on is listed above).
      let next = this.occurrenceAt(recurring, at) ?? this.nextOccurrence(recurring, at);
      for (let i = 0; next !== null && ended.has(occurrenceKey(recurring.name, next.startsAt)) && i < 10; i++) next = this.nextOccurrence(recurring, next.startsAt);
      if (next !== null && !keys.has(occurrenceKey(recurring.name, next.startsAt))) open.push(next);
    }
    return open.sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime());
  }

  // ---- the pass ----------------------------------------------------------------------------------

  /** One pass at `now`. Passes never overlap. */
  tick(now: Date = this.deps.clock.now()): Promise<void> {
    const pass = this.chain.then(() => this.pass(now));
    this.chain = pass.catch(() => undefined);
    return pass;
  }

  private async pass(now: Date): Promise<void> {
    await this.materialize(now);
    await this.refresh(now);
    for (const window of this.view) {
      if (window.endedAt !== null) continue;
      try {
        await this.advance(window, now);
      } catch (error: unknown) {
        this.deps.logger.error({ err: error, window: window.id }, 'maintenance window step failed');
      }
    }
    await this.refresh(now);
  }

  private async advance(window: Window, now: Date): Promise<void> {
    const t = now.getTime();
    if (t < window.endsAt.getTime()) await this.step(window, now, 'silence');
    if (window.leadMs > 0 && t < window.startsAt.getTime() && t >= window.startsAt.getTime() - window.leadMs) await this.step(window, now, 'ahead');
    if (t >= window.startsAt.getTime() && t < window.endsAt.getTime()) await this.step(window, now, 'start');
    if (t >= window.endsAt.getTime()) await this.step(window, now, 'end');
  }

  /** Claims and performs one step; returns its outcome, or null if it was not ours to do. */
  private async step(window: Window, now: Date, step: Step): Promise<string | null> {
    if (step === 'silence' && (this.deps.silences === null || Object.keys(window.matchers).length === 0 || window.silenceIds.length > 0)) return null;
    if (step === 'start' && now.getTime() < window.startsAt.getTime()) return null;
    const instant = step === 'end' ? window.endsAt : window.startsAt;
    const key = stepKey(window.id, step);
    const won = await this.deps.claims.claim(key, [instant], 'event', this.deps.owner, now);
    if (won.length === 0) return null;
    let outcome: string;
    try {
      outcome = await this.perform(window, now, step);
    } catch (error: unknown) {
      this.deps.logger.error({ err: error, window: window.id, step }, 'maintenance step failed');
      outcome = `failed: ${error instanceof Error ? error.message : String(error)}`;
    }
    await this.deps.claims.recordOutcome({ key, scheduledAt: instant }, null, outcome, this.deps.clock.now());
    return outcome;
  }

  private async perform(window: Window, now: Date, step: Step): Promise<string> {
    const zone = this.displayZone;
    const what = `Maintenance #${window.id} of \`${window.target}\``;
    const reason = window.reason === null ? '' : ` — ${window.reason}`;
    const effects = `Alerts for \`${window.target}\` are held back until it ends; deploys of \`${window.target}\` are ${window.blockDeploys ? 'blocked' : 'allowed'}.`;
    switch (step) {
      case 'silence':
        return this.createSilence(window);
      case 'ahead': {
        const minutes = Math.max(1, Math.round((window.startsAt.getTime() - now.getTime()) / 60_000));
        await this.announce(window, {
          tone: 'info',
          blocks: [{ kind: 'text', text: `${what} starts in ${minutes} min, at ${formatInZone(window.startsAt, zone)}, for ${formatDuration(window.endsAt.getTime() - window.startsAt.getTime())}${reason}. ${effects}` }],
        });
        return 'announced';
      }
      case 'start':
        await this.announce(window, { tone: 'warning', blocks: [{ kind: 'text', text: `${what} has started${reason}; it ends at ${formatInZone(window.endsAt, zone)}. ${effects}` }] });
        await this.auditStep(window, 'maintenance_started', now, null);
        return 'announced';
      case 'end': {
        const ended = (await this.deps.store.end(window.id, window.endsAt, 'schedule')) ?? window;
        await this.announce(ended, { tone: 'success', blocks: [{ kind: 'text', text: `${what} has ended. ${this.afterEnd(window, now)}` }] });
        await this.auditStep(ended, 'maintenance_ended', now, 'on time');
        this.emitEnded(ended);
        return 'announced';
      }
    }
  }

  /** What the end of `window` means for its target's alerts: another window of it may still hold them. */
  private afterEnd(window: Window, now: Date): string {
    // Not itself: recorded (same id), or computed from the config while the view still has it open.
    const self = occurrenceKeyOf(window);
    const other = this.activeWindows(now).find((w) => w.target === window.target && w.id !== window.id && (self === null || occurrenceKeyOf(w) !== self));
    if (other === undefined) return `Alerts for \`${window.target}\` are posted again.`;
    const which = other.id === null ? `maintenance ${other.recurring ?? ''}` : `maintenance #${other.id}`;
    return `Alerts for \`${window.target}\` stay held back: ${which} is on until ${formatInZone(other.endsAt, this.displayZone)}.`;
  }

  private async createSilence(window: Window): Promise<string> {
    const silences = this.deps.silences;
    if (silences === null) return 'no Alertmanager configured';
    try {
      const id = await silences.create({
        matchers: window.matchers,
        startsAt: window.startsAt,
        endsAt: window.endsAt,
        createdBy: `opsbot (${window.createdBy})`,
        comment: `opsbot maintenance #${window.id} of ${window.target}${window.reason === null ? '' : `: ${window.reason}`}`,
      });
      await this.deps.store.setSilences(window.id, [id]);
      return `silence ${id}`;
    } catch (error: unknown) {
      const reason = error instanceof Error ? error.message : String(error);
      this.deps.logger.warn({ err: error, window: window.id }, 'could not create the Alertmanager silence');
      await this.announce(window, {
        tone: 'danger',
        blocks: [{ kind: 'text', text: `Maintenance #${window.id} of \`${window.target}\`: the Alertmanager silence could not be created (${reason}). Alert posts are still held back here, but Alertmanager's other receivers will be notified.` }],
      });
      return `failed: ${reason}`;
    }
  }

  private async expireSilences(window: Window): Promise<string> {
    const silences = this.deps.silences;
    if (silences === null || window.silenceIds.length === 0) return 'no silences to remove';
    const failures: string[] = [];
    for (const id of window.silenceIds) {
      try {
        await silences.expire(id);
      } catch (error: unknown) {
        this.deps.logger.warn({ err: error, window: window.id, silence: id }, 'could not expire an Alertmanager silence');
        failures.push(`${id}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return failures.length === 0 ? `removed silence ${window.silenceIds.join(', ')}` : `could not remove silence ${failures.join('; ')}`;
  }

  private async announce(window: Window, message: Message): Promise<void> {
    for (const channel of window.announceTo) {
      try {
        await this.deps.notifier.notify(channelConversation(channel), message);
      } catch (error: unknown) {
        this.deps.logger.warn({ err: error, window: window.id, channel }, 'could not post a maintenance announcement');
      }
    }
    if (window.announceTo.length === 0) this.deps.logger.info({ window: window.id, blocks: message.blocks }, 'maintenance announcement (no channels configured)');
  }

  private async auditStep(window: Window, event: Extract<AuditEvent, 'maintenance_started' | 'maintenance_ended'>, at: Date, detail: string | null): Promise<void> {
    await this.deps.audit.append({
      at,
      event,
      principal: schedulerPrincipal,
      conversation: { platform: 'schedule', id: `@maintenance-${window.id}`, name: `maintenance #${window.id}` },
      command: null,
      args: { window: window.id, target: window.target, startsAt: window.startsAt.toISOString(), endsAt: window.endsAt.toISOString() },
      permission: null,
      jobId: null,
      outcome: event === 'maintenance_started' ? 'started' : 'ended',
      detail,
      refs: window.silenceIds.length === 0 ? {} : { silence: window.silenceIds.join(',') },
    });
  }

  private emitEnded(window: Window): void {
    for (const listener of this.listeners) {
      try {
        listener(window);
      } catch (error: unknown) {
        this.deps.logger.warn({ err: error, window: window.id }, 'maintenance end listener failed');
      }
    }
  }

  // ---- recurring windows -------------------------------------------------------------------------

  /** Records every occurrence whose lead time has begun and that has not ended. */
  private async materialize(now: Date): Promise<void> {
    for (const recurring of this.deps.settings.recurring) {
      const target = this.deps.settings.targets[recurring.target];
      if (target === undefined) continue;
      const lead = recurring.leadMs ?? target.leadMs;
      const cron = this.crons.get(recurring.cron, recurring.timezone);
      // The first start whose window has not ended yet, then any later ones already within lead time.
      let start = cron.next(new Date(now.getTime() - recurring.durationMs));
      for (let i = 0; start !== null && i < 10 && start.getTime() - lead <= now.getTime(); i++) {
        await this.deps.store.create(this.occurrence(recurring, start, now));
        start = cron.next(start);
      }
    }
  }

  private occurrence(recurring: RecurringWindow, startsAt: Date, now: Date): NewWindow {
    const target = this.deps.settings.targets[recurring.target];
    return {
      target: recurring.target,
      startsAt,
      endsAt: new Date(startsAt.getTime() + recurring.durationMs),
      reason: recurring.reason,
      occurrenceKey: occurrenceKey(recurring.name, startsAt),
      createdBy: `config:${recurring.name}`,
      createdAt: now,
      matchers: target?.matchers ?? {},
      announceTo: target?.announceTo ?? [],
      leadMs: recurring.leadMs ?? target?.leadMs ?? 0,
      blockDeploys: recurring.blockDeploys ?? target?.blockDeploys ?? false,
    };
  }

  private asView(recurring: RecurringWindow, startsAt: Date, now: Date): WindowView {
    const n = this.occurrence(recurring, startsAt, now);
    return { ...n, id: null, recurring: recurring.name, silenceIds: [], endedAt: null, endedBy: null };
  }

  /** The occurrence of `recurring` in force at `at`, if any. */
  private occurrenceAt(recurring: RecurringWindow, at: Date): WindowView | null {
    if (this.deps.settings.targets[recurring.target] === undefined) return null;
    const start = this.crons.get(recurring.cron, recurring.timezone).next(new Date(at.getTime() - recurring.durationMs));
    return start !== null && start.getTime() <= at.getTime() ? this.asView(recurring, start, at) : null;
  }

  private nextOccurrence(recurring: RecurringWindow, at: Date): WindowView | null {
    if (this.deps.settings.targets[recurring.target] === undefined) return null;
    const start = this.crons.get(recurring.cron, recurring.timezone).next(at);
    return start === null ? null : this.asView(recurring, start, at);
  }

  private async refresh(now: Date): Promise<void> {
    this.view = await this.deps.store.current(new Date(now.getTime() - RECENT_MS));
  }
}

function stepKey(id: number, step: Step): string {
  return `maintenance:${id}:${step}`;
}

function occurrenceKey(name: string, startsAt: Date): string {
  return `${name}@${startsAt.getTime()}`;
}

function occurrenceKeyOf(window: WindowView): string | null {
  return window.recurring === null ? null : occurrenceKey(window.recurring, window.startsAt);
}
