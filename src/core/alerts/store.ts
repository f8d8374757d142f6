/**
 * The alert part of the store: alert instances by (source, fingerprint), their groups with the
 * Alertmanager-like timers, chat posts per group and conversation, digests and local silences.
 * Everything that decides "post or not" lives here, so a restart or a second replica sees the same
 * state and never pages twice.
 */
import type { Principal } from '../identity.js';
import type { Alert, Labels } from './model.js';
import type { Matcher } from './matchers.js';

/** Where a new group goes and how it is timed; decided by routing, kept with the group. */
export interface GroupTarget {
  /** Route name + group label values: one open group per key. */
  readonly key: string;
  readonly route: string;
  readonly labels: Labels;
  /** Conversation keys (`mattermost:<id>`). */
  readonly conversations: readonly string[];
  /** Milliseconds: group_wait, group_interval, repeat_interval. */
  readonly wait: number;
  readonly interval: number;
  readonly repeat: number;
}

/**
 * Why a firing alert may not be posted yet: a maintenance window of its target or an opsbot silence
 * matched it at intake. It is recorded anyway and shown once the hold ends, if it still fires.
 */
export interface AlertHold {
  /** The planned end (window end, silence end); ending the hold early moves it to then. */
  readonly until: Date;
  /** `maintenance:<target>@<start ms>` or `silence:<id>`: what ends it early (see `endHolds`). */
  readonly by: string;
}

export interface IncomingAlert {
  readonly alert: Alert;
  readonly target: GroupTarget;
  /** Held back: recorded, but no post until the hold ends (and none at all if it resolves before). */
  readonly hold?: AlertHold;
}

/**
 * - `new`: a firing alert not in an open group (joins or opens one);
 * - `changed`: firing ⇄ resolved in its open group, or a new severity (same status);
 * - `duplicate`: same status and severity again (counted, nothing to post);
 * - `stale`: resolved, never seen firing (nothing to tell anyone), or resolved while held back
 *   (nobody was told it fired: it is forgotten).
 *
 * A held firing alert that is news is `new` or `changed` too, but moves no group's version: its
 * group only becomes due when the hold ends.
 */
export type RecordOutcome = 'new' | 'changed' | 'duplicate' | 'stale';

export interface AlertGroupRecord {
  readonly id: number;
  readonly key: string;
  readonly route: string;
  readonly labels: Labels;
  readonly conversations: readonly string[];
  readonly state: 'open' | 'closed';
  readonly createdAt: Date;
  /** Bumped by every change that should reach chat. */
  readonly version: number;
  /** The version chat last showed. */
  readonly flushedVersion: number;
  readonly nextFlushAt: Date | null;
  readonly lastFlushAt: Date | null;
  readonly wait: number;
  readonly interval: number;
  readonly repeat: number;
  readonly ackedBy: Principal | null;
  readonly ackedAt: Date | null;
}

export interface GroupCounts {
  readonly firing: number;
  readonly resolved: number;
  /** Deliveries beyond the first of each alert: what dedup saved. */
  readonly duplicates: number;
}

export interface GroupSummary extends AlertGroupRecord {
  readonly counts: GroupCounts;
  /** The most severe firing alert's severity and summary, for lists. */
  readonly top: Pick<Alert, 'severity' | 'summary'> | null;
}

export interface StoredAlert extends Alert {
  readonly groupId: number;
  readonly receivedCount: number;
  readonly firstSeenAt: Date;
  readonly lastSeenAt: Date;
  /** Not shown before this (a maintenance window or silence held it back); null if never held. */
  readonly heldUntil: Date | null;
  /** The hold it started under (kept after it ended, for the post's note); null if never held. */
  readonly heldBy: string | null;
}

/** Held back at `now`: recorded during a hold that has not ended yet. */
export function isHeld(alert: Pick<StoredAlert, 'heldUntil'>, now: Date): boolean {
  return alert.heldUntil !== null && alert.heldUntil.getTime() > now.getTime();
}

export interface AlertPostRecord {
  readonly groupId: number;
  readonly conversationKey: string;
  /** The key its own post is shown under (see AlertPoster); null while the group is shown in a digest. */
  readonly postKey: string | null;
  readonly digestId: number | null;
}

export interface DigestRecord {
  readonly id: number;
  readonly conversationKey: string;
  /** Null until the digest was first posted. */
  readonly postKey: string | null;
  readonly openedAt: Date;
  /** Last time a group was folded in; the storm ends a window after it. */
  readonly lastAt: Date;
}

export interface SilenceRecord {
  /** Alertmanager's silence id when it was created there, else our own UUID. */
  readonly id: string;
  readonly matchers: readonly Matcher[];
  readonly startsAt: Date;
  readonly endsAt: Date;
  readonly createdBy: Principal;
  readonly comment: string;
  /** True when the silence also exists in Alertmanager. */
  readonly inAlertmanager: boolean;
  readonly expiredAt: Date | null;
}

export interface AlertStore {
  /** Records a batch in one transaction; outcomes in input order. */
  record(batch: readonly IncomingAlert[], now: Date): Promise<RecordOutcome[]>;
  /** Adds deliveries already known to be duplicates (counted in memory by the intake) to their alerts. */
  count(deliveries: readonly { readonly source: string; readonly fingerprint: string; readonly times: number }[], now: Date): Promise<void>;
  /** Open groups whose next flush is due and that nobody is flushing. */
  due(now: Date, limit: number): Promise<AlertGroupRecord[]>;
  /** Takes the flush of one group for `leaseMs`; null if another replica has it or it is not due. */
  claim(groupId: number, owner: string, now: Date, leaseMs: number): Promise<AlertGroupRecord | null>;
  /** Gives a claim back without flushing (a post failed): the group is due again from `retryAt`. */
  release(groupId: number, owner: string, retryAt: Date): Promise<void>;
  /**
   * Marks `version` as shown and sets the next flush: `interval` later if it changed meanwhile,
   * else the earlier of `repeat` and `nextExpiry` while anything fires; a group with nothing firing
   * and no change is closed (its key is free for a new group).
   */
  flushed(groupId: number, owner: string, version: number, stillFiring: boolean, nextExpiry: Date | null, now: Date): Promise<void>;
  /**
   * Gives back a claimed group that has nothing to show yet (its firing alerts are all held back)
   * without marking anything shown: it is due again when the first hold ends, or at once if it
   * changed meanwhile or nothing is held any more. (`flushed` too keeps a group with held firing
   * alerts open and due by the end of their hold.)
   */
  postpone(groupId: number, owner: string, version: number, now: Date): Promise<void>;
  /** Ends the holds named `by` now (a window ended early, `unsilence`): their groups are due at once. Returns how many alerts. */
  endHolds(by: string, now: Date): Promise<number>;
  alertsOf(groupId: number): Promise<StoredAlert[]>;
  group(id: number): Promise<AlertGroupRecord | null>;
  /** Open groups, most recently changed first, with counts. */
  openGroups(limit: number): Promise<GroupSummary[]>;
  /** Records who acknowledged; the group is re-rendered at once. Null if there is no such open group. */
  ack(groupId: number, by: Principal, at: Date): Promise<AlertGroupRecord | null>;

  posts(groupId: number): Promise<AlertPostRecord[]>;
  savePost(post: AlertPostRecord): Promise<void>;
  /** The conversation's digest whose last fold is within `windowMs`, if any. */
  openDigest(conversationKey: string, now: Date, windowMs: number): Promise<DigestRecord | null>;
  createDigest(conversationKey: string, now: Date): Promise<DigestRecord>;
  updateDigest(id: number, postKey: string | null, lastAt: Date): Promise<void>;
  /** Every group folded into the digest, with counts (for its render). */
  digestGroups(digestId: number): Promise<GroupSummary[]>;

  addSilence(silence: SilenceRecord): Promise<void>;
  activeSilences(now: Date): Promise<SilenceRecord[]>;
  getSilence(id: string): Promise<SilenceRecord | null>;
  /** Ends a silence now; null if unknown or already over. */
  expireSilence(id: string, at: Date): Promise<SilenceRecord | null>;
}
