/** A pipeline over a real store with a movable clock and a poster that remembers every post. */
import type { Clock } from '../../../src/core/clock.js';
import type { Conversation } from '../../../src/core/identity.js';
import { silentLogger } from '../../../src/core/log.js';
import type { Message } from '../../../src/core/message.js';
import { AlertPipeline, type PipelineDeps, type PipelineSettings } from '../../../src/core/alerts/pipeline.js';
import type { AlertPoster } from '../../../src/core/alerts/poster.js';
import { AlertRouter, type RoutingSettings } from '../../../src/core/alerts/routing.js';
import type { AlertStore } from '../../../src/core/alerts/store.js';
import { at } from './fixtures.js';

export class SetClock implements Clock {
  constructor(private t: Date = at(0)) {}
  now(): Date {
    return this.t;
  }
  set(t: Date): void {
    this.t = t;
  }
}

export interface Shown {
  readonly conversation: Conversation;
  readonly key: string;
  readonly message: Message;
}

export class RecordingPoster implements AlertPoster {
  readonly shown: Shown[] = [];
  failing = false;
  show(conversation: Conversation, key: string, message: Message): Promise<void> {
    if (this.failing) return Promise.reject(new Error('chat is down'));
    this.shown.push({ conversation, key, message });
    return Promise.resolve();
  }
  editsInPlace(): boolean {
    return true;
  }
  take(): Shown[] {
    return this.shown.splice(0);
  }
}

export const ROUTING: RoutingSettings = {
  routes: [{ name: 'ops', match: { severity: 'critical' }, matchRe: {}, to: ['mattermost:ch-ops'], groupBy: ['alertname'], wait: 30_000, interval: 300_000, repeat: 4 * 3_600_000 }],
  defaultTo: ['mattermost:ch-misc'],
  grouping: { by: ['alertname'], wait: 30_000, interval: 300_000, repeat: 4 * 3_600_000 },
};

export const SETTINGS: PipelineSettings = { tickMs: 1_000, stormThreshold: 5, stormWindowMs: 600_000, rateLimits: { mattermost: 1_000, teams: 1_000, shell: 1_000, schedule: 1_000 } };

export function pipeline(
  store: AlertStore,
  options: { clock?: SetClock; poster?: RecordingPoster; owner?: string; routing?: RoutingSettings; settings?: Partial<PipelineSettings>; sleep?: (ms: number) => Promise<void>; monotonic?: () => number; maintenance?: PipelineDeps['maintenance'] } = {},
) {
  const clock = options.clock ?? new SetClock();
  const poster = options.poster ?? new RecordingPoster();
  const p = new AlertPipeline({
    store,
    router: new AlertRouter(options.routing ?? ROUTING),
    poster,
    clock,
    logger: silentLogger,
    owner: options.owner ?? 'replica-a',
    settings: { ...SETTINGS, ...options.settings },
    ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
    ...(options.monotonic === undefined ? {} : { monotonic: options.monotonic }),
    ...(options.maintenance === undefined ? {} : { maintenance: options.maintenance }),
  });
  return { pipeline: p, clock, poster };
}
