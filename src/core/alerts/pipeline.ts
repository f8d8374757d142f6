/**
 * The alert pipeline: intake (silences, routing, dedup into the store) and the flush loop that
 * turns due groups into chat posts, with Alertmanager's timing, per-conversation pacing and storm
 * folding. All state is in the store; this object holds only caches and timers, so any replica
 * (or this one after a restart) carries on where the last one stopped.
 */
import { performance } from 'node:perf_hooks';
import type { Clock } from '../clock.js';
import { coalesce } from '../coalesce.js';
import type { Platform } from '../identity.js';
import type { Logger } from '../log.js';
import type { MaintenancePort } from '../maintenance/port.js';
import type { Window } from '../maintenance/types.js';
import type { Message } from '../message.js';
import { RateLimiter } from '../outbox/rate-limit.js';
import { matchesAll } from './matchers.js';
import { silenceLabels } from './silence-view.js';
import { contentOf, sameContent, type AlertContent } from './same-content.js';
import type { Alert } from './model.js';
import type { AlertPoster } from './poster.js';
import type { AlertThreads } from './thread.js';
import type { AlertTickets, TicketLink } from './tickets.js';
import { isFiring, renderDigest, renderGroup } from './render.js';
import { conversationFromKey, type AlertRouter } from './routing.js';
import { isHeld, type AlertGroupRecord, type AlertHold, type AlertPostRecord, type AlertStore, type IncomingAlert, type SilenceRecord, type StoredAlert } from './store.js';

export interface PipelineSettings {
  readonly tickMs: number;
  /** More new groups than this due at once in one conversation fold into a digest. */
  readonly stormThreshold: number;
  /** A digest stays open this long after the last group folded in. */
  readonly stormWindowMs: number;
  /** Posts and edits per second per conversation. */
  readonly rateLimits: Readonly<Record<Platform, number>>;
  /** How long a replica may take to flush one group before another may (default 60 s). */
  readonly claimLeaseMs?: number;
  /** Due groups looked at per tick (default 500). */
  readonly batchLimit?: number;
  /** After a failed post, the group is tried again this much later (default 10 s). */
  readonly retryMs?: number;
  /**
   * How long intake trusts its memory that an alert is already recorded as it is now (default 30 s).
   * Within it, a repeat delivery is counted in memory without a store round trip; past it (or when
   * another replica may have changed the alert) the store decides again.
   */
  readonly dedupTtlMs?: number;
  /** Most alerts remembered that way (default 100,000); beyond it the memory starts over. */
  readonly dedupMax?: number;
  /**
   * How often the repeat counts kept in memory are written to the store (default 5 s). They only
   * feed the "×N" in posts and `/alerts`; writing them every tick would cost one row update per
   * repeated alert per second in a storm. They are written on stop too.
   */
  readonly countWriteMs?: number;
}

export interface PipelineDeps {
  readonly store: AlertStore;
  readonly router: AlertRouter;
  readonly poster: AlertPoster;
  readonly clock: Clock;
  readonly logger: Logger;
  /** This process (`host/pid/nonce`): the holder of flush claims. */
  readonly owner: string;
  readonly settings: PipelineSettings;
  /** Waits for the rate limiter (tests may pass a recorder). */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Monotonic milliseconds for pacing. */
  readonly monotonic?: () => number;
  /** Maintenance windows: alerts of a target in maintenance are held back, and summed up when it ends. */
  readonly maintenance?: Pick<MaintenancePort, 'activeWindows' | 'onEnded'>;
  /** Thread replies for changes (alerts.threadReplies); absent: groups are only edited in place. */
  readonly threads?: AlertThreads;
  /** GitLab issues for alerts matching a ticket rule (alerts.tickets), looked after on each tick; absent: none. */
  readonly tickets?: AlertTickets;
}

export interface IngestResult {
  readonly received: number;
  readonly new: number;
  readonly changed: number;
  readonly duplicates: number;
  /** Resolved alerts never seen firing. */
  readonly stale: number;
  /** Held back by an opsbot silence (recorded; posted when it ends if still firing). */
  readonly silenced: number;
  /** Held back: their target is in a maintenance window (recorded; posted when it ends if still firing). */
  readonly maintenance: number;
  /** No route took them (and no defaultTo). */
  readonly unrouted: number;
}

export interface FlushReport {
  /** Groups whose state reached chat. */
  readonly flushed: number;
  /** Chat posts and edits made (each `show`). */
  readonly shown: number;
  /** Groups given back after a failed delivery (retried later). */
  readonly failed: number;
  /** Groups closed without a post (all resolved before their first post). */
  readonly closedQuietly: number;
}

interface Plan {
  readonly group: AlertGroupRecord;
  readonly alerts: readonly StoredAlert[];
  readonly firing: number;
  readonly nextExpiry: Date | null;
  /** The group's tickets, linked from its post. */
  readonly tickets: readonly TicketLink[];
}

const SILENCE_CACHE_MS = 1_000;

/** Alerts recorded in one store transaction at most (a single delivery may bring more). */
const RECORD_BATCH_MAX = 1_000;

interface HeldBack {
  count: number;
  readonly names: Map<string, number>;
}

/** What intake remembers of an alert the store holds as it is now. */
interface KnownAlert {
  readonly source: string;
  readonly fingerprint: string;
  /** As recorded. */
  readonly content: AlertContent;
  /** When we learnt it (monotonic). */
  readonly at: number;
  /** Repeat deliveries since, not yet written to the store. */
  repeats: number;
}

/** A window's key while it runs: recurring occurrences have no id until recorded. */
function windowKey(w: { readonly target: string; readonly startsAt: Date }): string {
  return `${w.target}@${w.startsAt.getTime()}`;
}

/** The hold an alert held back by a window is recorded under (ended early by `onEnded`). */
function maintenanceHold(w: { readonly target: string; readonly startsAt: Date }): string {
  return `maintenance:${windowKey(w)}`;
}

/** The hold an alert held back by an opsbot silence is recorded under (ended early by `unsilence`). */
const SILENCE_HOLD = 'silence:';

function silenceHold(id: string): string {
  return `${SILENCE_HOLD}${id}`;
}

/**
 * The outbox key of a window's summary of held-back alerts in one conversation: one post per
 * conversation it is announced to (a key names one post, so a key shared by two conversations would
 * edit the first one's post instead of posting in the second). Retention (src/store/retention.ts)
 * builds the window's part from its row to tell whose refs these are: keep the two in step.
 */
export function maintenanceSummaryKey(w: { readonly target: string; readonly startsAt: Date }, conversationKey: string): string {
  return `alerts:maintenance:${windowKey(w)}:${conversationKey}`;
}

export class AlertPipeline {
  private readonly limiters = new Map<Platform, RateLimiter>();
  private silenceCache: { at: number; silences: readonly SilenceRecord[] } | null = null;
  /** The refresh in flight: deliveries that arrive together share one read of the silences. */
  private silenceLoad: Promise<readonly SilenceRecord[]> | null = null;
  private running: Promise<FlushReport> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  private kickTimer: NodeJS.Timeout | null = null;
  private stopped = false;
  /** Alerts held back per maintenance window (this replica's share), summed up when it ends. */
  private readonly heldBack = new Map<string, HeldBack>();
  /**
   * Holds this replica recorded alerts under and their planned end (ms). A window ended early on
   * another replica (`onEnded` runs only there) or a silence removed there may still have looked
   * active here for a moment; each tick ends, in the store, those this replica no longer sees.
   */
  private readonly holdsRecorded = new Map<string, number>();
  private readonly unsubscribe: (() => void) | null;
  /** Source → fingerprint → what the store holds and when we learnt it (no key string built per alert). */
  private readonly known = new Map<string, Map<string, KnownAlert>>();
  private knownCount = 0;
  /** The known alerts with repeats counted in memory, written to the store every countWriteMs. */
  private repeated: KnownAlert[] = [];
  /** Monotonic time of the last count write (-Infinity: the first tick writes). */
  private countsWrittenAt = Number.NEGATIVE_INFINITY;
  /** Chat posts and edits made by this process, for /metrics and the benchmark. */
  shownTotal = 0;
  /** The store's record, one transaction for the deliveries of a turn (at the latest of their times). */
  private readonly record = coalesce(
    (items: readonly IncomingAlert[], now: Date) => this.deps.store.record(items, now),
    (a, b) => (b > a ? b : a),
    RECORD_BATCH_MAX,
  );

  constructor(private readonly deps: PipelineDeps) {
    this.unsubscribe = deps.maintenance?.onEnded((window) => void this.maintenanceEnded(window)) ?? null;
  }

  /** Ends holds early in the store (their alerts post on the next flush if still firing). */
  private async endHolds(by: string): Promise<void> {
    try {
      if ((await this.deps.store.endHolds(by, this.deps.clock.now())) > 0) this.kick();
    } catch (error: unknown) {
      // Not lost: the hold lapses at its planned end anyway.
      this.deps.logger.warn({ err: error, hold: by }, 'held alerts could not be released early; they post at the planned end');
    }
  }

  private async maintenanceEnded(window: Window): Promise<void> {
    // The summary first ("still firing posts from now on"), then what it held back.
    await this.postSummary(window);
    await this.endHolds(maintenanceHold(window));
  }

  private async postSummary(window: Window): Promise<void> {
    const held = this.heldBack.get(windowKey(window));
    this.heldBack.delete(windowKey(window));
    if (held === undefined || held.count === 0) return;
    const top = [...held.names].sort((a, b) => b[1] - a[1]).slice(0, 10);
    const message: Message = {
      title: `Maintenance of ${window.target} ended`,
      tone: 'info',
      blocks: [
        { kind: 'text', text: `${held.count} alert deliveries were held back during the window. Anything still firing posts as usual from now on.` },
        { kind: 'table', columns: ['alert', 'deliveries'], rows: top.map(([name, n]) => [name, String(n)]) },
      ],
    };
    for (const key of window.announceTo) {
      try {
        await this.deps.poster.show(conversationFromKey(key), maintenanceSummaryKey(window, key), message);
      } catch (error: unknown) {
        this.deps.logger.warn({ err: error, conversation: key, target: window.target }, 'maintenance summary could not be posted');
      }
    }
  }

  private get sleep(): (ms: number) => Promise<void> {
    return this.deps.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  private now(): number {
    return (this.deps.monotonic ?? (() => performance.now()))();
  }

  /** Forgets cached silences (after `silence` / `unsilence`). */
  silencesChanged(): void {
    this.silenceCache = null;
    this.silenceLoad = null;
  }

  /** A silence ended early (`unsilence`, which has already called silencesChanged): the alerts it held back post now if still firing. */
  async silenceEnded(id: string): Promise<void> {
    await this.endHolds(silenceHold(id));
  }

  /** The silences of the last second, or a promise of fresh ones: intake awaits only on a refresh. */
  private silences(): readonly SilenceRecord[] | Promise<readonly SilenceRecord[]> {
    const now = this.now();
    if (this.silenceCache !== null && now - this.silenceCache.at < SILENCE_CACHE_MS) return this.silenceCache.silences;
    if (this.silenceLoad !== null) return this.silenceLoad;
    const load = this.deps.store.activeSilences(this.deps.clock.now()).then(
      (silences) => {
        // A `silence` meanwhile (silencesChanged) makes this answer stale: it is returned, not kept.
        if (this.silenceLoad === load) {
          this.silenceCache = { at: now, silences };
          this.silenceLoad = null;
        }
        return silences;
      },
      (error: unknown) => {
        if (this.silenceLoad === load) this.silenceLoad = null;
        throw error;
      },
    );
    this.silenceLoad = load;
    return load;
  }

  async ingest(alerts: readonly Alert[]): Promise<IngestResult> {
    const now = this.deps.clock.now();
    const cached = this.silences();
    const silences = (cached instanceof Promise ? await cached : cached).filter((s) => s.startsAt <= now && s.endsAt > now);
    const windows = this.deps.maintenance?.activeWindows(now) ?? [];
    let silenced = 0;
    let held = 0;
    let unrouted = 0;
    const items: IncomingAlert[] = [];
    let remembered = 0;
    const mono = this.now();
    const ttl = this.deps.settings.dedupTtlMs ?? 30_000;
    // Checked per alert only when there is something to check (usually nothing is silenced or held).
    const holding = windows.filter((w) => Object.keys(w.matchers).length > 0);
    for (const alert of alerts) {
      // Silences and maintenance hold back news, never a resolve: a silence made from a firing post
      // (its "Silence 1h" button) would otherwise keep that post FIRING, and its ticket open, for
      // good, since sources say "resolved" once. A resolve of an alert never posted is stale anyway.
      // Held alerts are recorded with their hold, not dropped: sources that send a problem once
      // (Zabbix, Uptime Kuma, Netdata) would otherwise never show one still firing after the hold.
      const holdable = alert.status === 'firing';
      let hold: AlertHold | undefined;
      if (holdable && silences.length > 0) {
        const seen = silenceLabels(alert);
        for (const s of silences) {
          // Several silences: held until the last of them ends.
          if ((hold === undefined || s.endsAt > hold.until) && matchesAll(s.matchers, seen)) hold = { until: s.endsAt, by: silenceHold(s.id) };
        }
        if (hold !== undefined) silenced += 1;
      }
      const window = !holdable || hold !== undefined || holding.length === 0 ? undefined : holding.find((w) => Object.entries(w.matchers).every(([k, v]) => alert.labels[k] === v));
      if (window !== undefined) {
        held += 1;
        hold = { until: window.endsAt, by: maintenanceHold(window) };
        const entry = this.heldBack.get(windowKey(window)) ?? { count: 0, names: new Map<string, number>() };
        entry.count += 1;
        entry.names.set(alert.labels.alertname ?? '?', (entry.names.get(alert.labels.alertname ?? '?') ?? 0) + 1);
        this.heldBack.set(windowKey(window), entry);
      }
      // A repeat of what the store holds was routed when it was recorded (routes are fixed at boot),
      // so it is counted before routing; silences and maintenance, which change, were checked above.
      const known = this.known.get(alert.source)?.get(alert.fingerprint);
      if (known !== undefined && mono - known.at < ttl && sameContent(known.content, alert)) {
        if (known.repeats === 0) this.repeated.push(known);
        known.repeats += 1;
        if (hold === undefined) remembered += 1;
        continue;
      }
      const target = this.deps.router.target(alert);
      if (target === null) {
        // A held alert was counted as held (as before, when held ones were not routed at all).
        if (hold === undefined) unrouted += 1;
        continue;
      }
      if (hold === undefined) items.push({ alert, target });
      else {
        items.push({ alert, target, hold });
        this.holdsRecorded.set(hold.by, hold.until.getTime());
      }
    }
    const outcomes = items.length === 0 ? [] : await this.record(items, now);
    if (this.knownCount + items.length > (this.deps.settings.dedupMax ?? 100_000)) {
      this.known.clear();
      this.knownCount = 0;
    }
    outcomes.forEach((outcome, i) => {
      const item = items[i];
      if (item === undefined) return;
      const { source, fingerprint } = item.alert;
      if (outcome === 'stale') {
        // Resolved while held back, the store forgot it: so must we, or firing again would look like a repeat.
        if (this.known.get(source)?.delete(fingerprint) === true) this.knownCount -= 1;
        return;
      }
      let bySource = this.known.get(source);
      if (bySource === undefined) this.known.set(source, (bySource = new Map<string, KnownAlert>()));
      if (!bySource.has(fingerprint)) this.knownCount += 1;
      bySource.set(fingerprint, { source, fingerprint, content: contentOf(item.alert), at: mono, repeats: 0 });
    });
    // Held items count as silenced or maintenance, not as new or changed.
    const count = (o: string): number => outcomes.filter((x, i) => x === o && items[i]?.hold === undefined).length;
    const result = { received: alerts.length, new: count('new'), changed: count('changed'), duplicates: count('duplicate') + remembered, stale: count('stale'), silenced, maintenance: held, unrouted };
    if (result.new + result.changed > 0) this.kick();
    return result;
  }

  /** Looks for due groups soon (coalesced): a group with group_wait 0 goes out at once. */
  kick(): void {
    if (this.stopped || this.kickTimer !== null) return;
    this.kickTimer = setTimeout(() => {
      this.kickTimer = null;
      this.tick().catch((error: unknown) => this.deps.logger.error({ err: error }, 'alert flush failed'));
    }, 0);
  }

  start(): void {
    if (this.timer !== null || this.stopped) return;
    this.timer = setInterval(() => {
      this.tick().catch((error: unknown) => this.deps.logger.error({ err: error }, 'alert flush failed'));
    }, this.deps.settings.tickMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer !== null) clearInterval(this.timer);
    if (this.kickTimer !== null) clearTimeout(this.kickTimer);
    this.timer = null;
    this.kickTimer = null;
    await this.running?.catch(() => undefined);
    await this.deps.tickets?.stop();
    await this.writeCounts(this.deps.clock.now()).catch((error: unknown) => this.deps.logger.warn({ err: error }, 'repeat counts could not be written'));
  }

  /** Flushes every due group once; concurrent calls share one run (and ask for another after it). */
  tick(): Promise<FlushReport> {
    // Tickets run beside the flush, never holding up chat posts (the stage runs once at a time, never rejects).
    if (!this.stopped) void this.deps.tickets?.run();
    if (this.running !== null) {
      this.again = true;
      return this.running;
    }
    const run = (async (): Promise<FlushReport> => {
      let total: FlushReport = { flushed: 0, shown: 0, failed: 0, closedQuietly: 0 };
      do {
        this.again = false;
        const r = await this.flushDue();
        total = { flushed: total.flushed + r.flushed, shown: total.shown + r.shown, failed: total.failed + r.failed, closedQuietly: total.closedQuietly + r.closedQuietly };
      } while (this.again && !this.stopped);
      return total;
    })();
    this.running = run;
    return run.finally(() => {
      this.running = null;
    });
  }

  /** Writes the repeat deliveries counted in memory (`force`: now, else at most every countWriteMs). */
  private async writeCounts(now: Date, force = true): Promise<void> {
    if (this.repeated.length === 0) return;
    const mono = this.now();
    if (!force && mono - this.countsWrittenAt < (this.deps.settings.countWriteMs ?? 5_000)) return;
    this.countsWrittenAt = mono;
    const deliveries = this.repeated.map((k) => ({ source: k.source, fingerprint: k.fingerprint, times: k.repeats }));
    for (const k of this.repeated) k.repeats = 0;
    this.repeated = [];
    await this.deps.store.count(deliveries, now);
  }

  /** A closed group's alerts must meet the store again: firing anew is a new incident. */
  private forget(alerts: readonly StoredAlert[]): void {
    for (const a of alerts) {
      if (this.known.get(a.source)?.delete(a.fingerprint) === true) this.knownCount -= 1;
    }
  }

  private async flushDue(): Promise<FlushReport> {
    const { store, owner, settings } = this.deps;
    const now = this.deps.clock.now();
    await this.writeCounts(now, false);
    if (this.holdsRecorded.size > 0) {
      // Never in the way of posting: a hold left here lapses at its planned end anyway.
      await this.endVanishedHolds(now).catch((error: unknown) => this.deps.logger.warn({ err: error }, 'ended holds could not be checked'));
    }
    const due = await store.due(now, settings.batchLimit ?? 500);
    const plans: Plan[] = [];
    let closedQuietly = 0;
    for (const candidate of due) {
      const group = await store.claim(candidate.id, owner, now, settings.claimLeaseMs ?? 60_000);
      if (group === null) continue;
      const all = await store.alertsOf(group.id);
      // Alerts still held back are not shown (the store brings the group back when their hold ends).
      const alerts = all.some((a) => isHeld(a, now)) ? all.filter((a) => !isHeld(a, now)) : all;
      const firing = alerts.filter((a) => isFiring(a, now));
      const expiries = firing.flatMap((a) => (a.endsAt === null ? [] : [a.endsAt.getTime()]));
      const nextExpiry = expiries.length === 0 ? null : new Date(Math.min(...expiries));
      if (group.lastFlushAt === null && firing.length === 0 && alerts.length < all.length && all.some((a) => isFiring(a, now))) {
        // Only held alerts fire: nothing to say yet, and nothing is marked shown.
        await store.postpone(group.id, owner, group.version, now);
        continue;
      }
      if (group.lastFlushAt === null && firing.length === 0) {
        // Fired and resolved within group_wait: nobody was told it fired, so nothing to say now.
        await store.flushed(group.id, owner, group.version, false, null, now);
        this.forget(all);
        closedQuietly += 1;
        continue;
      }
      plans.push({ group, alerts, firing: firing.length, nextExpiry, tickets: (await this.deps.tickets?.links(group.id)) ?? [] });
    }

    const byConversation = new Map<string, Plan[]>();
    for (const plan of plans) for (const key of plan.group.conversations) byConversation.set(key, [...(byConversation.get(key) ?? []), plan]);
    const failedGroups = new Set<number>();
    const shownCounts = await Promise.all(
      [...byConversation].map(async ([conversation, list]) => {
        try {
          return await this.deliver(conversation, list, now);
        } catch (error: unknown) {
          this.deps.logger.warn({ err: error, conversation, groups: list.map((p) => p.group.id) }, 'alert post failed; the groups stay due');
          for (const p of list) failedGroups.add(p.group.id);
          return 0;
        }
      }),
    );
    let flushed = 0;
    for (const plan of plans) {
      if (failedGroups.has(plan.group.id)) {
        await store.release(plan.group.id, owner, new Date(now.getTime() + (settings.retryMs ?? 10_000)));
        continue;
      }
      await store.flushed(plan.group.id, owner, plan.group.version, plan.firing > 0, plan.nextExpiry, now);
      if (plan.firing === 0) this.forget(plan.alerts);
      flushed += 1;
    }
    const shown = shownCounts.reduce((a, b) => a + b, 0);
    this.shownTotal += shown;
    return { flushed, shown, failed: failedGroups.size, closedQuietly };
  }

  /** Ends the holds this replica recorded whose window or silence it no longer sees (see holdsRecorded). */
  private async endVanishedHolds(now: Date): Promise<void> {
    // The silences are read only while a silence hold is recorded: a maintenance hold needs no store read.
    const silenceHeld = [...this.holdsRecorded.keys()].some((by) => by.startsWith(SILENCE_HOLD));
    const cached = silenceHeld ? this.silences() : [];
    const silences = cached instanceof Promise ? await cached : cached;
    const active = new Set([
      ...silences.filter((s) => s.startsAt <= now && s.endsAt > now).map((s) => silenceHold(s.id)),
      ...(this.deps.maintenance?.activeWindows(now) ?? []).map((w) => maintenanceHold(w)),
    ]);
    for (const [by, until] of [...this.holdsRecorded]) {
      if (active.has(by)) continue;
      this.holdsRecorded.delete(by);
      // Over on time: the store's held_until says so already.
      if (until > now.getTime()) await this.endHolds(by);
    }
  }

  private async pace(platform: Platform, conversation: string): Promise<void> {
    let limiter = this.limiters.get(platform);
    if (limiter === undefined) {
      const perSecond = this.deps.settings.rateLimits[platform];
      limiter = new RateLimiter({ perSecond, burst: Math.max(1, Math.floor(perSecond)) });
      this.limiters.set(platform, limiter);
    }
    for (;;) {
      // Shutting down: leave the rest to the next start (or another replica) instead of pacing on.
      if (this.stopped) throw new Error('alert pipeline stopping; the group stays due');
      const wait = limiter.take(conversation, this.now());
      if (wait === 0) return;
      await this.sleep(wait);
    }
  }

  /**
   * Posts or edits one conversation's due groups, individually or folded into its storm digest. A
   * group with its own post also gets a thread reply saying what changed (when threads are on);
   * groups folded into a digest get none: the digest is edited instead.
   */
  private async deliver(conversationKey: string, plans: readonly Plan[], now: Date): Promise<number> {
    const { store, poster, settings } = this.deps;
    const conversation = conversationFromKey(conversationKey);
    const show = async (key: string, message: Parameters<AlertPoster['show']>[2], routes: readonly string[]): Promise<void> => {
      await this.pace(conversation.platform, conversationKey);
      await poster.show(conversation, key, message, { routes });
    };
    // A reply needs one post to go under: only where posts are edited in place.
    const threads = this.deps.threads !== undefined && poster.reply !== undefined && poster.editsInPlace(conversation) ? this.deps.threads : null;
    const tell = async (p: Plan, key: string, firstPost: boolean): Promise<number> => {
      if (threads === null) return 0;
      const replied = await threads.shown({ group: p.group, alerts: p.alerts, conversationKey, firstPost, now }, async (message) => {
        await this.pace(conversation.platform, conversationKey);
        await poster.reply?.(conversation, key, message);
      });
      return replied ? 1 : 0;
    };
    const posts = new Map<number, AlertPostRecord | undefined>();
    for (const p of plans) posts.set(p.group.id, (await store.posts(p.group.id)).find((r) => r.conversationKey === conversationKey));
    let digest = await store.openDigest(conversationKey, now, settings.stormWindowMs);
    const ownPost = (p: Plan): string | null => posts.get(p.group.id)?.postKey ?? null;
    const inOpenDigest = (p: Plan): boolean => digest !== null && posts.get(p.group.id)?.digestId === digest.id;
    // Groups with no post of their own here (new ones, or ones last shown in a digest that is over).
    const fresh = plans.filter((p) => ownPost(p) === null && !inOpenDigest(p));
    let shown = 0;

    if (digest !== null || fresh.length > settings.stormThreshold) {
      digest ??= await store.createDigest(conversationKey, now);
      for (const p of fresh) await store.savePost({ groupId: p.group.id, conversationKey, postKey: null, digestId: digest.id });
      const key = digest.postKey ?? `alerts:digest:${digest.id}`;
      const folded = await store.digestGroups(digest.id);
      await show(key, renderDigest(folded, digest.openedAt), [...new Set(folded.map((g) => g.route))]);
      shown += 1;
      await store.updateDigest(digest.id, key, fresh.length > 0 ? now : digest.lastAt);
      for (const p of plans) {
        const own = ownPost(p);
        if (own === null) continue;
        await show(own, renderGroup(p.group, p.alerts, now, p.tickets), [p.group.route]);
        shown += 1;
        shown += await tell(p, own, false);
      }
      return shown;
    }
    for (const p of plans) {
      const firstPost = ownPost(p) === null;
      const key = ownPost(p) ?? `alerts:group:${p.group.id}:${conversationKey}`;
      await show(key, renderGroup(p.group, p.alerts, now, p.tickets), [p.group.route]);
      shown += 1;
      if (firstPost) await store.savePost({ groupId: p.group.id, conversationKey, postKey: key, digestId: null });
      shown += await tell(p, key, firstPost);
    }
    return shown;
  }
}
