/**
 * Bot Connector failures as the outbox understands them: 429 and 5xx (and a network that did not
 * answer) are worth another try, honouring Retry-After; 4xx and refused app credentials are not.
 */
import { PermanentDeliveryError, RetryableDeliveryError } from '../../core/chat.js';
import { TokenRequestError } from './credentials.js';

interface HttpFailure {
  readonly statusCode?: unknown;
  readonly code?: unknown;
  readonly response?: { readonly headers?: { get?(name: string): string | undefined } };
}

/** Retry-After as seconds or an HTTP date; null when absent or unreadable. */
export function retryAfterMs(value: string | undefined, nowMs: number): number | null {
  if (value === undefined || value.trim() === '') return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, Math.round(seconds * 1000));
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

export function deliveryError(error: unknown, what: string, nowMs: number = Date.now()): Error {
  if (error instanceof PermanentDeliveryError || error instanceof RetryableDeliveryError) return error;
  if (error instanceof TokenRequestError) {
    return error.status === null || error.status >= 500 || error.status === 429
      ? new RetryableDeliveryError(`${what}: ${error.message}`, null, { cause: error })
      : new PermanentDeliveryError(`${what}: ${error.message} (check teams.appId and teams.appPassword)`, { cause: error });
  }
  const failure = (typeof error === 'object' && error !== null ? error : {}) as HttpFailure;
  const status = typeof failure.statusCode === 'number' ? failure.statusCode : null;
  const message = error instanceof Error ? error.message : String(error);
  if (status === 429) {
    const after = retryAfterMs(failure.response?.headers?.get?.('retry-after'), nowMs);
    return new RetryableDeliveryError(`${what}: Teams is rate-limiting opsbot (429)`, after, { cause: error });
  }
  if (status !== null && (status >= 500 || status === 408)) {
    return new RetryableDeliveryError(`${what}: the Bot Connector answered ${status}: ${message}`, retryAfterMs(failure.response?.headers?.get?.('retry-after'), nowMs), { cause: error });
  }
  if (status !== null) {
    const hint = status === 403 || status === 404 ? ' (is opsbot still a member of that conversation?)' : status === 401 ? ' (check teams.appId and teams.appPassword)' : '';
    return new PermanentDeliveryError(`${what}: the Bot Connector refused it with ${status}: ${message}${hint}`, { cause: error });
  }
  // No HTTP answer at all: DNS, a reset connection, a timeout.
  return new RetryableDeliveryError(`${what}: ${message}`, null, { cause: error });
}
