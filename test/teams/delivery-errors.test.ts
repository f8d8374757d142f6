/**
 * How Bot Connector failures reach the outbox (retry or give up), and how the adapter registers with
 * it: Teams' own per-conversation limit (7 messages per second), live job cards, notices.
 */
import { describe, expect, it } from 'vitest';
import { TokenRequestError } from '../../src/adapters/teams/credentials.js';
import { deliveryError, retryAfterMs } from '../../src/adapters/teams/errors.js';
import { startTeamsAdapter, TEAMS_RATE_LIMIT } from '../../src/adapters/teams/index.js';
import { PermanentDeliveryError, RetryableDeliveryError, type ChatDelivery } from '../../src/core/chat.js';
import { systemClock } from '../../src/core/clock.js';
import type { Store } from '../../src/core/store.js';
import { memoryLogger } from '../support/app.js';
import { teamsConfig } from './support/harness.js';

function httpError(statusCode: number, headers: Record<string, string> = {}): Error {
  return Object.assign(new Error(`HTTP ${statusCode}`), { statusCode, response: { headers: { get: (name: string) => headers[name] } } });
}

describe('Bot Connector failures', () => {
  const now = Date.UTC(2026, 0, 15, 10, 0, 0);

  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(retryAfterMs('7', now)).toBe(7_000);
    expect(retryAfterMs('0.5', now)).toBe(500);
    expect(retryAfterMs(new Date(now + 30_000).toUTCString(), now)).toBe(30_000);
    expect(retryAfterMs(undefined, now)).toBeNull();
    expect(retryAfterMs('soon', now)).toBeNull();
  });

  it('retries 429 (with its Retry-After), 5xx, 408 and a network that did not answer', () => {
    expect(deliveryError(httpError(429, { 'retry-after': '3' }), 'posting', now)).toMatchObject({ constructor: RetryableDeliveryError, retryAfterMs: 3_000 });
    expect(deliveryError(httpError(503), 'posting', now)).toBeInstanceOf(RetryableDeliveryError);
    expect(deliveryError(httpError(408), 'posting', now)).toBeInstanceOf(RetryableDeliveryError);
    expect(deliveryError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'posting', now)).toMatchObject({ constructor: RetryableDeliveryError, retryAfterMs: null });
    expect(deliveryError(new TokenRequestError('could not reach the token endpoint', null), 'posting', now)).toBeInstanceOf(RetryableDeliveryError);
  });

  it('gives up on 4xx and on app credentials the identity provider refuses, saying what to check', () => {
    const forbidden = deliveryError(httpError(403), 'posting to teams:19:x', now);
    expect(forbidden).toBeInstanceOf(PermanentDeliveryError);
    expect(forbidden.message).toContain('is opsbot still a member of that conversation?');
    const refused = deliveryError(new TokenRequestError('the token endpoint refused opsbot\'s app credentials (HTTP 401): AADSTS7000215', 401), 'posting', now);
    expect(refused).toBeInstanceOf(PermanentDeliveryError);
    expect(refused.message).toContain('check teams.appId and teams.appPassword');
  });
});

describe('registration with the outbox', () => {
  it('registers the delivery at 7 messages per second per conversation, live job cards and notices', () => {
    const registered: { delivery: ChatDelivery; settings: unknown }[] = [];
    const enabled: unknown[] = [];
    const notifiers: string[] = [];
    const adapter = startTeamsAdapter({
      config: teamsConfig(),
      dispatcher: { dispatch: () => Promise.reject(new Error('not used')) },
      store: {} as Store,
      clock: systemClock,
      logger: memoryLogger(),
      outbox: {
        register: (delivery, settings) => void registered.push({ delivery, settings }),
        enqueue: () => Promise.reject(new Error('not used')),
        notifier: () => ({ notify: () => Promise.resolve() }),
      },
      liveJobs: { enable: (platform, settings) => void enabled.push([platform, settings]), track: () => undefined },
      notifier: { register: (platform) => void notifiers.push(platform) },
    });
    expect(registered).toEqual([{ delivery: adapter.delivery, settings: { rateLimit: { perSecond: 7, burst: 7 } } }]);
    expect(TEAMS_RATE_LIMIT).toEqual({ perSecond: 7, burst: 7 });
    expect(adapter.delivery.platform).toBe('teams');
    expect(enabled).toEqual([['teams', { editsPerMinute: 20 }]]);
    expect(notifiers).toEqual(['teams']);
  });
});
