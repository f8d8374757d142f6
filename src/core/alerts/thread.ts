/**
 * Thread replies (issue #6, item 4): a group's post is edited in place as it changes, and each change
 * is also told as a short reply in the post's thread: "+2 firing: web-3, web-4", "resolved: web-1",
 * "all resolved", "acked by @olga", "silenced for 1h by @olga". What the post showed last (which
 * alerts were firing, who had acked) is kept in the store per group and conversation, so the next
 * change is measured against it on any replica and after a restart. The first post of a group gets
 * no reply (it is the news itself), nor does a repeat with nothing new, nor a group folded into a
 * storm digest (it has no post of its own).
 */
import { formatDuration } from '../args/duration.js';
import { formatTime } from '../format.js';
import { principalKey } from '../identity.js';
import type { Logger } from '../log.js';
import type { Message, Tone } from '../message.js';
import { matchesAll } from './matchers.js';
import { silenceLabels } from './silence-view.js';
import { mostSevere, severityRank } from './model.js';
import type { AlertPoster } from './poster.js';
import { inlineText, isFiring, toneOf } from './render.js';
import { conversationFromKey } from './routing.js';
import type { AlertGroupRecord, AlertStore, SilenceRecord, StoredAlert } from './store.js';

/** What a group's post showed when it was last shown in a conversation. */
export interface ThreadState {
  /** `source:fingerprint` of the alerts then firing; only the first MAX_TRACKED are kept. */
  readonly firing: readonly string[];
  readonly firingCount: number;
  /** principalKey of who had acknowledged, or null. */
  readonly ackedBy: string | null;
}

export interface AlertThreadStore {
  get(groupId: number, conversationKey: string): Promise<ThreadState | null>;
  /** Creates or replaces. */
  put(groupId: number, conversationKey: string, state: ThreadState, now: Date): Promise<void>;
}

/** Beyond this many firing alerts a reply counts instead of naming (and the state keeps no ids). */
export const MAX_TRACKED = 500;
const MAX_NAMES = 5;
/** Open groups a silence is compared with. */
const MAX_SILENCE_GROUPS = 500;

function alertId(a: Pick<StoredAlert, 'source' | 'fingerprint'>): string {
  return `${a.source}:${a.fingerprint}`;
}

/** How a reply names an alert: the instance where it has one (the group's labels are the same for all). */
export function alertName(a: StoredAlert): string {
  return inlineText(a.labels.instance ?? a.labels.host ?? a.labels.monitor ?? a.summary);
}

// Made on first use: a collator maps ICU's collation data (about 3 MB of resident memory), which a
// bot that never lists alerts does not need.
let collator: Intl.Collator | null = null;
function compareNames(a: string, b: string): number {
  collator ??= new Intl.Collator('en', { numeric: true });
  return collator.compare(a, b);
}

/** Most severe first, then by name (web-2 before web-10). */
function nameList(alerts: readonly StoredAlert[]): string {
  const sorted = [...alerts].sort((x, y) => severityRank(x.severity) - severityRank(y.severity) || compareNames(alertName(x), alertName(y)));
  const names = [...new Set(sorted.map(alertName))];
  const shown = names.slice(0, MAX_NAMES).join(', ');
  return names.length > MAX_NAMES ? `${shown} and ${names.length - MAX_NAMES} more` : shown;
}

export function threadState(group: AlertGroupRecord, alerts: readonly StoredAlert[], now: Date): ThreadState {
  const firing = alerts.filter((a) => isFiring(a, now));
  return {
    firing: firing.length > MAX_TRACKED ? [] : firing.map(alertId).sort(),
    firingCount: firing.length,
    ackedBy: group.ackedBy === null ? null : principalKey(group.ackedBy),
  };
}

/** The reply telling what changed since `before`, or null when nothing a reader would care about did. */
export function changeReply(before: ThreadState, group: AlertGroupRecord, alerts: readonly StoredAlert[], now: Date): Message | null {
  const firing = alerts.filter((a) => isFiring(a, now));
  const lines: string[] = [];
  let tone: Tone = 'info';
  const counted = before.firing.length < before.firingCount || firing.length > MAX_TRACKED;
  if (counted) {
    // Too many to name: say how the count moved.
    const delta = firing.length - before.firingCount;
    if (delta > 0) {
      lines.push(`+${delta} firing (${firing.length} now)`);
      tone = toneOf(mostSevere(firing.map((a) => a.severity)));
    } else if (delta < 0) {
      lines.push(firing.length === 0 ? `all resolved (${-delta})` : `${-delta} resolved (${firing.length} still firing)`);
      tone = 'success';
    }
  } else {
    const was = new Set(before.firing);
    const is = new Set(firing.map(alertId));
    const started = firing.filter((a) => !was.has(alertId(a)));
    const ended = alerts.filter((a) => was.has(alertId(a)) && !is.has(alertId(a)));
    if (started.length > 0) {
      lines.push(`+${started.length} firing: ${nameList(started)}`);
      tone = toneOf(mostSevere(started.map((a) => a.severity)));
    }
    if (ended.length > 0) {
      lines.push(firing.length === 0 ? `all resolved: ${nameList(ended)}` : `resolved: ${nameList(ended)}`);
      if (started.length === 0) tone = 'success';
    }
  }
  const acked = group.ackedBy === null ? null : principalKey(group.ackedBy);
  if (group.ackedBy !== null && acked !== before.ackedBy) lines.push(`acked by @${group.ackedBy.name}`);
  return lines.length === 0 ? null : { tone, blocks: [{ kind: 'text', text: lines.join('\n') }] };
}

export function silenceReply(silence: SilenceRecord, matched: number): Message {
  const duration = formatDuration(Math.max(0, silence.endsAt.getTime() - silence.startsAt.getTime()));
  const comment = silence.comment.trim() === '' ? '' : `: ${silence.comment}`;
  const what = `${matched} firing alert${matched === 1 ? '' : 's'} here`;
  return { tone: 'neutral', blocks: [{ kind: 'text', text: `silenced for ${duration} by @${silence.createdBy.name} (until ${formatTime(silence.endsAt)}, ${what}; silence ${silence.id})${comment}` }] };
}

export interface AlertThreadsDeps {
  readonly store: AlertThreadStore;
  readonly alerts: Pick<AlertStore, 'openGroups' | 'alertsOf' | 'posts'>;
  readonly poster: AlertPoster;
  readonly logger: Logger;
}

export class AlertThreads {
  constructor(private readonly deps: AlertThreadsDeps) {}

  /**
   * After a group's own post was shown in a conversation: replies with what changed since it was
   * last shown there (through `reply`, which the pipeline paces), then remembers what it shows now.
   * True when a reply went out.
   */
  async shown(
    shown: { readonly group: AlertGroupRecord; readonly alerts: readonly StoredAlert[]; readonly conversationKey: string; readonly firstPost: boolean; readonly now: Date },
    reply: (message: Message) => Promise<void>,
  ): Promise<boolean> {
    const { group, alerts, conversationKey, now } = shown;
    const state = threadState(group, alerts, now);
    const before = shown.firstPost ? null : await this.deps.store.get(group.id, conversationKey);
    const message = before === null ? null : changeReply(before, group, alerts, now);
    if (message !== null) await reply(message);
    // Remembered only after the reply is queued: a failure before it leaves the change to be told again.
    if (before === null || !sameState(before, state)) await this.deps.store.put(group.id, conversationKey, state, now);
    return message !== null;
  }

  /** After a silence was created: a reply under each open group post whose firing alerts it mutes. Returns how many. */
  async silenced(silence: SilenceRecord): Promise<number> {
    const { alerts: store, poster, logger } = this.deps;
    let replies = 0;
    for (const group of await store.openGroups(MAX_SILENCE_GROUPS)) {
      if (group.counts.firing === 0) continue;
      const alerts = await store.alertsOf(group.id);
      const matched = alerts.filter((a) => isFiring(a, silence.startsAt) && matchesAll(silence.matchers, silenceLabels(a))).length;
      if (matched === 0) continue;
      for (const post of await store.posts(group.id)) {
        // Only the group's own post has a thread; a group in a digest gets none.
        if (post.postKey === null || post.digestId !== null) continue;
        const conversation = conversationFromKey(post.conversationKey);
        if (!poster.editsInPlace(conversation) || poster.reply === undefined) continue;
        try {
          await poster.reply(conversation, post.postKey, silenceReply(silence, matched));
          replies += 1;
        } catch (error: unknown) {
          logger.warn({ err: error, group: group.id, conversation: post.conversationKey }, 'silence reply could not be queued');
        }
      }
    }
    return replies;
  }
}

function sameState(a: ThreadState, b: ThreadState): boolean {
  return a.firingCount === b.firingCount && a.ackedBy === b.ackedBy && a.firing.length === b.firing.length && a.firing.every((id, i) => b.firing[i] === id);
}
