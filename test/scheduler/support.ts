/** A scheduler over a real store with a recording notifier and a hand-set clock. */
import { silentLogger } from '../../src/core/log.js';
import type { Conversation } from '../../src/core/identity.js';
import type { Message } from '../../src/core/message.js';
import type { Notifier } from '../../src/core/notify.js';
import { Scheduler, type CommandDispatch, type SchedulerSettings } from '../../src/core/scheduler/scheduler.js';
import type { NewSchedule } from '../../src/core/scheduler/types.js';
import type { Store } from '../../src/core/store.js';
import type { ManualClock } from './engines.js';

export interface Posted {
  readonly conversation: Conversation;
  readonly message: Message;
  readonly text: string;
}

/** Remembers every post (the Notifier port is the boundary the scheduler talks through). */
export class RecordingNotifier implements Notifier {
  readonly posts: Posted[] = [];
  notify(conversation: Conversation, message: Message): Promise<void> {
    const text = message.blocks.map((b) => ('text' in b ? b.text : '')).join('\n');
    this.posts.push({ conversation, message, text });
    return Promise.resolve();
  }
  to(channelId: string): Posted[] {
    return this.posts.filter((p) => p.conversation.id === channelId);
  }
}

/** For announcement-only tests: a scheduled command would be a test bug. */
export const noDispatch: CommandDispatch = {
  dispatch: () => Promise.reject(new Error('no command expected in this test')),
};

export function scheduler(store: Store, clock: ManualClock, notifier: Notifier, options: { owner?: string; settings?: SchedulerSettings; dispatcher?: CommandDispatch } = {}): Scheduler {
  return new Scheduler({
    store: store.schedules,
    audit: store.audit,
    clock,
    notifier,
    logger: silentLogger,
    dispatcher: options.dispatcher ?? noDispatch,
    owner: options.owner ?? 'test-host/1/a',
    ...(options.settings === undefined ? {} : { settings: options.settings }),
  });
}

export function announcement(id: string, cron: string, timezone: string, channel: string, now: Date, overrides: Partial<NewSchedule> = {}): NewSchedule {
  return {
    id,
    cron,
    timezone,
    action: { kind: 'announce', text: `${id} tick`, to: [`mattermost:${channel}`] },
    missed: 'skip',
    source: 'config',
    paused: false,
    createdBy: null,
    now,
    ...overrides,
  };
}

export const HOUR = 3_600_000;
export const MINUTE = 60_000;
