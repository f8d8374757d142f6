/**
 * The ticket stage of the alert pipeline. Each look (at most every `interval`, started by the
 * pipeline's tick, never holding up chat posts):
 *   1. takes over ticket work nobody is doing (a failed or abandoned try),
 *   2. claims new subjects: firing alerts that match a rule and have fired for its `after`,
 *   3. claims open tickets whose subject fires no more,
 * then does the claimed work in the ticket system one request at a time. All state is in the store;
 * a failure is logged, the claim given back, and the work tried again on the next look.
 *
 * Ticket creation is not idempotent in GitLab, so every try after the first looks for the ticket
 * by the marker in its description before opening one: a request that timed out after GitLab
 * created the issue does not lead to a second issue. Each action does its repeatable request
 * first (reopen, close) and its one-off request (the comment) last.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import { formatTime } from '../format.js';
import type { Principal } from '../identity.js';
import type { Logger } from '../log.js';
import type { AuditEvent, NewAuditEntry } from '../store.js';
import { isFiring, groupTitle } from './render.js';
import type { AlertStore } from './store.js';
import { subjectKey, ticketMarker, TicketRules } from './tickets-rules.js';
import { renderDescription, renderTitle, type TicketContext } from './tickets-template.js';
import type { AlertTickets, AlertTicketStore, TicketCandidate, TicketClaim, TicketLink, TicketPort, TicketRecord, TicketRule, TicketSettings } from './tickets.js';

export interface TicketStageDeps {
  readonly store: AlertTicketStore;
  /** The group's alerts, for tickets about a whole group. */
  readonly alerts: Pick<AlertStore, 'alertsOf'>;
  readonly port: TicketPort;
  readonly clock: Clock;
  readonly logger: Logger;
  /** This process (`host/pid/nonce`): the holder of ticket claims. */
  readonly owner: string;
  readonly settings: TicketSettings;
  /** A group's post should show a ticket that was just opened or reopened. */
  readonly onGroupChanged: () => void;
  /** Random tokens for the description markers (tests may pass their own). */
  readonly token?: () => string;
  /** Every issue opened, commented on, reopened or closed is audited, like any change opsbot makes. */
  readonly audit?: { append(entry: NewAuditEntry): Promise<unknown> };
}

/** Who the audit names for ticket work: the rules in the config, acting through the alert pipeline. */
export const ticketPrincipal: Principal = { platform: 'schedule', id: 'opsbot.alert-tickets', name: 'opsbot alert tickets' };

const PAGE = 500;

export class TicketStage implements AlertTickets {
  private readonly rules: TicketRules;
  private readonly abort = new AbortController();
  private running: Promise<void> | null = null;
  private lastLook: number | null = null;
  /** Where the scan of firing alerts carries on (it is bounded per look). */
  private cursor: { source: string; fingerprint: string } | null = null;
  private stopped = false;

  constructor(private readonly deps: TicketStageDeps) {
    this.rules = new TicketRules(deps.settings.rules);
  }

  private get lease(): number {
    return this.deps.settings.leaseMs ?? 120_000;
  }

  run(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running !== null) return this.running;
    const now = this.deps.clock.now();
    if (this.lastLook !== null && now.getTime() - this.lastLook < this.deps.settings.interval) return Promise.resolve();
    this.lastLook = now.getTime();
    const run = this.look(now)
      .catch((error: unknown) => this.deps.logger.warn({ err: error }, 'alert tickets: look failed; trying again on the next tick'))
      .finally(() => {
        this.running = null;
      });
    this.running = run;
    return run;
  }

  async links(groupId: number): Promise<TicketLink[]> {
    const records = await this.deps.store.forGroup(groupId, 10);
    return records.flatMap((r) => (r.ticket === null ? [] : [{ label: `${this.deps.port.noun} #${r.ticket.id}`, url: r.ticket.url }]));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort(new Error('alert tickets stopping'));
    await this.running;
  }

  private async look(now: Date): Promise<void> {
    const { store, owner } = this.deps;
    const max = this.deps.settings.maxPerRun ?? 20;
    const work: TicketRecord[] = await store.claimPending(owner, now, this.lease, max);
    work.push(...(await this.claimNew(now, max - work.length)));
    if (work.length < max) work.push(...(await store.claimResolved(owner, now, this.lease, max - work.length)));
    for (const ticket of work) {
      if (this.stopped) {
        await this.giveBack(ticket, 'opsbot stopped before trying', now);
        continue;
      }
      await this.perform(ticket, now);
    }
  }

  /** Claims up to `budget` subjects that are owed a ticket. */
  private async claimNew(now: Date, budget: number): Promise<TicketRecord[]> {
    const claimed: TicketRecord[] = [];
    if (budget <= 0) return claimed;
    const { store, owner } = this.deps;
    const firingSince = new Date(now.getTime() - this.rules.shortestAfter());
    const scanLimit = this.deps.settings.scanLimit ?? 5_000;
    const tried = new Set<string>();
    let examined = 0;
    while (examined < scanLimit) {
      const limit = Math.min(PAGE, scanLimit - examined);
      const page = await store.candidates(firingSince, now, this.cursor, limit);
      for (const candidate of page) {
        const rule = this.rules.ruleFor(candidate);
        if (rule !== null && candidate.since.getTime() <= now.getTime() - rule.after) {
          const key = subjectKey(rule.per, candidate);
          if (!tried.has(key)) {
            // Out of budget: the next look starts at this alert.
            if (claimed.length >= budget) return claimed;
            tried.add(key);
            const reopenSince = this.deps.settings.reopenWithin > 0 ? new Date(now.getTime() - this.deps.settings.reopenWithin) : null;
            const record = await store.claim(await this.claimFor(rule, key, candidate, now), owner, now, this.lease, reopenSince);
            if (record !== null) claimed.push(record);
          }
        }
        examined += 1;
        this.cursor = { source: candidate.source, fingerprint: candidate.fingerprint };
      }
      if (page.length < limit) {
        // The end of the firing alerts: the next look starts from the beginning.
        this.cursor = null;
        break;
      }
    }
    return claimed;
  }

  private async claimFor(rule: TicketRule, key: string, candidate: TicketCandidate, now: Date): Promise<TicketClaim> {
    const firing = rule.per === 'alert' ? [candidate] : await this.groupFiring(rule, candidate, now);
    const ctx: TicketContext = { rule: rule.name, alert: candidate, firing, groupTitle: groupTitle(candidate.group.labels) };
    const token = (this.deps.token ?? randomUUID)();
    return {
      key,
      token,
      per: rule.per,
      rule: rule.name,
      project: rule.project,
      groupId: candidate.group.id,
      source: rule.per === 'alert' ? candidate.source : null,
      fingerprint: rule.per === 'alert' ? candidate.fingerprint : null,
      groupKey: rule.per === 'group' ? candidate.group.key : null,
      title: renderTitle(rule.title, ctx),
      description: renderDescription(rule.description, ctx, ticketMarker(token)),
      labels: rule.labels,
      confidential: rule.confidential,
      closeOnResolve: rule.close,
    };
  }

  /** The group's firing alerts that this rule takes, the longest firing first. */
  private async groupFiring(rule: TicketRule, candidate: TicketCandidate, now: Date): Promise<TicketCandidate[]> {
    const alerts = await this.deps.alerts.alertsOf(candidate.group.id);
    const firing = alerts
      .filter((a) => isFiring(a, now) && this.rules.ruleFor(a) === rule)
      .map((a): TicketCandidate => ({ source: a.source, fingerprint: a.fingerprint, severity: a.severity, labels: a.labels, annotations: a.annotations, summary: a.summary, links: a.links, since: a.startsAt ?? a.firstSeenAt, group: candidate.group }))
      .sort((x, y) => x.since.getTime() - y.since.getTime() || x.summary.localeCompare(y.summary));
    return firing.length === 0 ? [candidate] : firing;
  }

  private async perform(ticket: TicketRecord, now: Date): Promise<void> {
    const { port, store, owner, logger } = this.deps;
    const signal = this.abort.signal;
    const log = logger.child({ ticket: ticket.id, rule: ticket.rule, project: ticket.project, action: ticket.pending });
    try {
      switch (ticket.pending) {
        case 'create': {
          // Any earlier try may have reached GitLab: look before opening another.
          let ref = ticket.attempts > 1 ? await port.find(ticket.project, ticketMarker(ticket.token), signal) : null;
          ref ??= await port.open({ project: ticket.project, title: ticket.title, description: ticket.description, labels: ticket.labels, confidential: ticket.confidential, marker: ticketMarker(ticket.token) }, signal);
          if (await store.done(ticket.id, owner, { action: 'create', ticket: ref }, now)) {
            log.info({ issue: ref.id }, 'alert ticket opened');
            await this.audit('ticket_opened', ticket, ref.id, ref.url, now);
            this.deps.onGroupChanged();
          }
          return;
        }
        case 'refire': {
          const ref = this.confirmed(ticket);
          if (ticket.closeOnResolve) await port.setState(ticket.project, ref, 'reopened', signal);
          await port.comment(ticket.project, ref, `Fired again at ${formatTime(now)} (alert group #${ticket.groupId}); opsbot keeps this ${port.noun} for it.${ticket.closeOnResolve ? ' Reopened.' : ''}`, signal);
          if (await store.done(ticket.id, owner, { action: 'refire' }, now)) {
            log.info({ issue: ref }, 'alert ticket fired again');
            await this.audit('ticket_refired', ticket, ref, ticket.ticket?.url ?? null, now);
            this.deps.onGroupChanged();
          }
          return;
        }
        case 'resolve': {
          const ref = this.confirmed(ticket);
          if (ticket.closeOnResolve) await port.setState(ticket.project, ref, 'closed', signal);
          const what = ticket.per === 'alert' ? 'the alert no longer fires' : 'no alert of the group fires any more';
          await port.comment(ticket.project, ref, `Resolved: ${what} (seen by opsbot at ${formatTime(now)}).${ticket.closeOnResolve ? ' Closed.' : ''}`, signal);
          if (await store.done(ticket.id, owner, { action: 'resolve' }, now)) {
            log.info({ issue: ref }, 'alert ticket resolved');
            await this.audit('ticket_resolved', ticket, ref, ticket.ticket?.url ?? null, now);
          }
          return;
        }
        case null:
          return;
      }
    } catch (error: unknown) {
      const reason = signal.aborted ? 'opsbot stopped during the request' : error instanceof Error ? error.message : String(error);
      if (!signal.aborted) log.warn({ err: error, attempts: ticket.attempts }, 'alert ticket request failed; trying again on the next look');
      await this.giveBack(ticket, reason, now);
    }
  }

  /** The audit line for a ticket action that GitLab confirmed; a failed audit write is logged, not retried against GitLab. */
  private async audit(event: AuditEvent, ticket: TicketRecord, issue: string, url: string | null, now: Date): Promise<void> {
    try {
      await this.deps.audit?.append({
        at: now,
        event,
        principal: ticketPrincipal,
        conversation: { platform: 'schedule', id: `alert-group:${ticket.groupId}` },
        command: null,
        args: { rule: ticket.rule, project: ticket.project, per: ticket.per },
        permission: null,
        jobId: null,
        outcome: null,
        detail: `${ticket.project} issue #${issue} (alert group #${ticket.groupId}, rule ${ticket.rule})`,
        refs: { issue, ...(url === null ? {} : { issueUrl: url }) },
      });
    } catch (error: unknown) {
      this.deps.logger.warn({ err: error, ticket: ticket.id, event }, 'alert ticket audit entry could not be written');
    }
  }

  private confirmed(ticket: TicketRecord): string {
    // The store only hands out refire and resolve work for tickets GitLab confirmed.
    if (ticket.ticket === null) throw new Error(`ticket ${ticket.id} has no issue yet`);
    return ticket.ticket.id;
  }

  private async giveBack(ticket: TicketRecord, reason: string, now: Date): Promise<void> {
    await this.deps.store.failed(ticket.id, this.deps.owner, reason, now).catch((error: unknown) => this.deps.logger.warn({ err: error, ticket: ticket.id }, 'alert ticket claim could not be given back; it lapses with its lease'));
  }
}
