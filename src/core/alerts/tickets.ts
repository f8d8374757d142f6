/**
 * Tickets for alerts: an alert (or a whole group) that matches a ticket rule and has fired for at
 * least the rule's `after` gets one issue in the ticket system (GitLab), linked from its chat post;
 * its resolution is commented there. The ports below keep the core free of GitLab and of the store.
 *
 * Dedup: one ticket per subject key (`alert|<source>|<fingerprint>`, or `group|<group key>` for
 * rules with `per: group`) at a time, claimed with a unique row in the store, so a restart or a
 * second replica never opens a second issue for the same incident. A subject that resolves and
 * fires again within `reopenWithin` counts as the same incident: its ticket gets a "fired again"
 * comment (and is reopened if opsbot closed it); later than that, it is a new incident with a new
 * ticket.
 */
import type { AlertLinks, Labels } from './model.js';

/** Which alerts a ticket is about: each matching alert on its own, or the whole group once. */
export const TICKET_SUBJECTS = ['alert', 'group'] as const;
export type TicketSubject = (typeof TICKET_SUBJECTS)[number];

export interface TicketRule {
  readonly name: string;
  /** Label = value, all must hold; `severity` and `source` match the normalised fields (as in routes). */
  readonly match: Readonly<Record<string, string>>;
  /** Label =~ anchored regular expression, all must hold. */
  readonly matchRe: Readonly<Record<string, string>>;
  /** Milliseconds the alert must have been firing (since its start) before a ticket is opened. */
  readonly after: number;
  readonly per: TicketSubject;
  /** Where the issue goes: a numeric project id or a `group/project` path. */
  readonly project: string;
  /** Issue labels (from the config only; alert text never becomes a label). */
  readonly labels: readonly string[];
  readonly confidential: boolean;
  /** Close the issue when the subject resolves (and reopen it when it fires again within reopenWithin). */
  readonly close: boolean;
  /** Templates (see tickets-template.ts); alert values are inserted as inert text. */
  readonly title: string;
  readonly description: string;
}

export interface TicketSettings {
  readonly rules: readonly TicketRule[];
  /** Milliseconds: a subject firing again this soon after its ticket was resolved reuses that ticket; 0 never does. */
  readonly reopenWithin: number;
  /** Milliseconds between two looks for tickets to open or resolve (the pipeline ticks more often). */
  readonly interval: number;
  /** How long one replica may work on one ticket before another may take it over (default 2 min). */
  readonly leaseMs?: number;
  /** Most ticket requests (create, comment) per look; the rest wait for the next (default 20). */
  readonly maxPerRun?: number;
  /** Firing alerts examined per look (default 5,000); the next look carries on where this one stopped. */
  readonly scanLimit?: number;
}

// ---------------------------------------------------------------------------------------------
// The ticket system (src/backends/gitlab/issues.ts)

export interface NewTicket {
  readonly project: string;
  readonly title: string;
  readonly description: string;
  readonly labels: readonly string[];
  readonly confidential: boolean;
  /** Unique text carried in the description, so an attempt whose outcome is unknown can be found again. */
  readonly marker: string;
}

export interface TicketRef {
  /** The ticket's number in its project (GitLab's iid), as text. */
  readonly id: string;
  readonly url: string | null;
}

export interface TicketPort {
  /** How chat names one ticket: `GitLab issue`. */
  readonly noun: string;
  /** Not idempotent: the stage looks with `find` before trying again after a failed attempt. */
  open(ticket: NewTicket, signal: AbortSignal): Promise<TicketRef>;
  /** The ticket whose description carries `marker`, if one was opened. */
  find(project: string, marker: string, signal: AbortSignal): Promise<TicketRef | null>;
  comment(project: string, id: string, text: string, signal: AbortSignal): Promise<void>;
  setState(project: string, id: string, state: 'closed' | 'reopened', signal: AbortSignal): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// The store (src/store/alert-tickets.ts)

/** What a ticket still needs done in the ticket system: open it, say it fired again, say it resolved. */
export const TICKET_ACTIONS = ['create', 'refire', 'resolve'] as const;
export type TicketAction = (typeof TICKET_ACTIONS)[number];

export interface TicketRecord {
  readonly id: number;
  readonly key: string;
  readonly per: TicketSubject;
  readonly rule: string;
  readonly project: string;
  /** `open` from the claim until the subject resolved and that was commented; then `resolved`. */
  readonly state: 'open' | 'resolved';
  readonly pending: TicketAction | null;
  /** Random; the description's marker is built from it. */
  readonly token: string;
  /** Null until the ticket system confirmed the ticket. */
  readonly ticket: TicketRef | null;
  /** The group the ticket was last opened (or reopened) for: its chat post links the ticket. */
  readonly groupId: number;
  readonly title: string;
  readonly description: string;
  readonly labels: readonly string[];
  readonly confidential: boolean;
  readonly closeOnResolve: boolean;
  /** Tries of the pending action so far (the one in hand included). */
  readonly attempts: number;
  readonly lastError: string | null;
  readonly createdAt: Date;
  readonly resolvedAt: Date | null;
}

/** A firing alert old enough to be looked at, with its (open) group. */
export interface TicketCandidate {
  readonly source: string;
  readonly fingerprint: string;
  readonly severity: string;
  readonly labels: Labels;
  readonly annotations: Labels;
  readonly summary: string;
  readonly links: AlertLinks;
  /** startsAt as the source said, else when opsbot first saw it firing. */
  readonly since: Date;
  readonly group: { readonly id: number; readonly key: string; readonly route: string; readonly labels: Labels };
}

/** A subject that should have a ticket, with the ticket's content, to be claimed. */
export interface TicketClaim {
  readonly key: string;
  /** Random; the description already carries its marker. */
  readonly token: string;
  readonly per: TicketSubject;
  readonly rule: string;
  readonly project: string;
  readonly groupId: number;
  /** Alert subject. */
  readonly source: string | null;
  readonly fingerprint: string | null;
  /** Group subject. */
  readonly groupKey: string | null;
  readonly title: string;
  readonly description: string;
  readonly labels: readonly string[];
  readonly confidential: boolean;
  readonly closeOnResolve: boolean;
}

export type TicketDone =
  | { readonly action: 'create'; readonly ticket: TicketRef }
  | { readonly action: 'refire' }
  | { readonly action: 'resolve' };

export interface AlertTicketStore {
  /**
   * Firing alerts of open groups firing since `firingSince` or earlier that no open ticket covers
   * (neither their own nor their group's), by (source, fingerprint) after `cursor`.
   */
  candidates(firingSince: Date, now: Date, cursor: { readonly source: string; readonly fingerprint: string } | null, limit: number): Promise<TicketCandidate[]>;
  /**
   * Takes the subject for this owner: null when an open ticket has it already (or another replica
   * just took it). Reuses the subject's ticket resolved at or after `reopenSince` (pending `refire`),
   * else starts a new one (pending `create`). Either way claimed for `leaseMs`, attempts = 1.
   */
  claim(claim: TicketClaim, owner: string, now: Date, leaseMs: number, reopenSince: Date | null): Promise<TicketRecord | null>;
  /** Tickets with a pending action nobody is working on (failed or abandoned tries), claimed; attempts + 1. */
  claimPending(owner: string, now: Date, leaseMs: number, limit: number): Promise<TicketRecord[]>;
  /** Open, confirmed tickets whose subject fires no more, claimed with pending `resolve`. */
  claimResolved(owner: string, now: Date, leaseMs: number, limit: number): Promise<TicketRecord[]>;
  /**
   * Records a done action and frees the claim. A created or re-fired ticket bumps its group so the
   * chat post shows it; a resolved one frees the subject for a later incident. False if the claim
   * was lost meanwhile (nothing written).
   */
  done(id: number, owner: string, done: TicketDone, now: Date): Promise<boolean>;
  /** Gives the claim back after a failed try; the action is tried again from `retryAt`. */
  failed(id: number, owner: string, error: string, retryAt: Date): Promise<void>;
  /** Confirmed tickets to show on a group's post: opened for it, or open for its alerts or its key. */
  forGroup(groupId: number, limit: number): Promise<TicketRecord[]>;
}

// ---------------------------------------------------------------------------------------------
// What the pipeline sees (src/core/alerts/tickets-stage.ts)

/** A ticket as the chat post shows it. */
export interface TicketLink {
  /** `GitLab issue #12`. */
  readonly label: string;
  readonly url: string | null;
}

export interface AlertTickets {
  /** One look for tickets to open, retry or resolve; never rejects; concurrent calls share one run. */
  run(): Promise<void>;
  /** The tickets a group's post links. */
  links(groupId: number): Promise<TicketLink[]>;
  /** Aborts requests in flight and waits for the run to end. */
  stop(): Promise<void>;
}
