/**
 * Where a message goes when its chat cannot be reached, and when that counts as "cannot be
 * reached". Kept with each outbox row (JSON), so the worker that meets the outage needs no config.
 */
import type { Conversation, Platform } from '../identity.js';

export interface FallbackPolicy {
  /** `teams:<conversation id>`, `mattermost:<channel id>` or `webhook:<name>` (a webhook named in the config). */
  readonly to: string;
  /** After this many failed deliveries to the conversation in a row; null: not counted. */
  readonly afterAttempts: number | null;
  /** Once deliveries to the conversation have been failing this long (ms); null: not timed. */
  readonly afterMs: number | null;
}

export type FallbackTarget = { readonly kind: 'chat'; readonly conversation: Conversation } | { readonly kind: 'webhook'; readonly name: string };

const CHAT_PLATFORMS: readonly Platform[] = ['mattermost', 'teams'];

/** `webhook:pager` or `teams:19:abc@thread.tacv2` (Teams ids contain colons: only the first one splits). Null if neither. */
export function fallbackTarget(to: string): FallbackTarget | null {
  const colon = to.indexOf(':');
  if (colon <= 0 || colon === to.length - 1) return null;
  const kind = to.slice(0, colon);
  const rest = to.slice(colon + 1);
  if (kind === 'webhook') return { kind: 'webhook', name: rest };
  const platform = CHAT_PLATFORMS.find((p) => p === kind);
  return platform === undefined ? null : { kind: 'chat', conversation: { platform, id: rest } };
}

/** True once a conversation failing `attempts` times in a row, for `failingMs`, should fall back. */
export function fallbackDue(policy: FallbackPolicy, attempts: number, failingMs: number): boolean {
  if (policy.afterAttempts !== null && attempts >= policy.afterAttempts) return true;
  if (policy.afterMs !== null && failingMs >= policy.afterMs) return true;
  return policy.afterAttempts === null && policy.afterMs === null;
}

/** Reads what the outbox stored; null for anything that is not a policy (a foreign or older row). */
export function decodeFallbackPolicy(value: unknown): FallbackPolicy | null {
  if (typeof value !== 'object' || value === null) return null;
  const raw = value as Record<string, unknown>;
  const count = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : null);
  if (typeof raw.to !== 'string' || fallbackTarget(raw.to) === null) return null;
  return { to: raw.to, afterAttempts: count(raw.afterAttempts), afterMs: count(raw.afterMs) };
}
