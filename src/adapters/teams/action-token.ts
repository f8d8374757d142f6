/**
 * Signed card buttons. A button carries the command it runs, who may press it, where, until when,
 * and a one-time nonce, sealed with HMAC-SHA256 under `teams.actionSecret`. Teams echoes the data
 * back on a click, and anyone can send a message with a crafted `value`: only a token this key made,
 * for this person and conversation, before its expiry, is honoured. Pure: time comes in as `now`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { newNonce } from '../nonce.js';

/** What a token vouches for. */
export interface ActionGrant {
  /** The command text dispatched on click, as the person who clicked. */
  readonly command: string;
  /** AAD object ids allowed to press it; empty: anyone in the conversation. */
  readonly actors: readonly string[];
  /** The neutral conversation id (channel or chat) the card was posted in. */
  readonly conversationId: string;
  /** Epoch milliseconds. */
  readonly expiresAt: number;
  /** Random; recorded on use so a token works once. */
  readonly nonce: string;
}

export type ActionCheck =
  | { readonly ok: true; readonly grant: ActionGrant }
  | { readonly ok: false; readonly reason: string };

const CONTEXT = 'opsbot-teams-action.v1';

function mac(secret: string, payload: string): Buffer {
  return createHmac('sha256', secret).update(`${CONTEXT}.${payload}`).digest();
}

export function signAction(secret: string, grant: ActionGrant): string {
  const payload = Buffer.from(
    JSON.stringify({ c: grant.command, a: grant.actors, v: grant.conversationId, x: grant.expiresAt, n: grant.nonce }),
  ).toString('base64url');
  return `${payload}.${mac(secret, payload).toString('base64url')}`;
}

interface Payload {
  readonly c: string;
  readonly a: readonly string[];
  readonly v: string;
  readonly x: number;
  readonly n: string;
}

function isPayload(value: unknown): value is Payload {
  if (typeof value !== 'object' || value === null) return false;
  const p = value as Record<string, unknown>;
  return (
    typeof p.c === 'string' &&
    Array.isArray(p.a) &&
    p.a.every((a) => typeof a === 'string') &&
    typeof p.v === 'string' &&
    typeof p.x === 'number' &&
    typeof p.n === 'string'
  );
}

/** Checks signature, expiry, conversation and person, in that order; the reason is for audit and reply. */
export function verifyAction(secret: string, token: unknown, context: { readonly actor: string; readonly conversationId: string; readonly now: number }): ActionCheck {
  if (typeof token !== 'string') return { ok: false, reason: 'the button carries no opsbot signature' };
  const [payload, signature, extra] = token.split('.');
  if (payload === undefined || signature === undefined || extra !== undefined) return { ok: false, reason: 'malformed button signature' };
  const given = Buffer.from(signature, 'base64url');
  const expected = mac(secret, payload);
  // Equal lengths first: timingSafeEqual throws otherwise, and the length of an HMAC is no secret.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'invalid button signature' };
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed button payload' };
  }
  if (!isPayload(decoded)) return { ok: false, reason: 'malformed button payload' };
  const grant: ActionGrant = { command: decoded.c, actors: decoded.a, conversationId: decoded.v, expiresAt: decoded.x, nonce: decoded.n };
  if (context.now >= grant.expiresAt) return { ok: false, reason: 'the button has expired' };
  if (grant.conversationId !== context.conversationId) return { ok: false, reason: 'the button belongs to another conversation' };
  if (grant.actors.length > 0 && !grant.actors.includes(context.actor)) return { ok: false, reason: 'the button was made for someone else' };
  return { ok: true, grant };
}

export interface SigningSettings {
  readonly secret: string;
  readonly ttlMs: number;
  readonly now: () => number;
  /** Injected in golden tests so tokens are stable. */
  readonly nonce?: () => string;
}

/** Signs each button of one card for one conversation and the people who may press it. */
export function buttonSigner(settings: SigningSettings, conversationId: string, actors: readonly string[]): (action: { readonly command: string }) => string {
  const nonce = settings.nonce ?? newNonce;
  return (action) => signAction(settings.secret, { command: action.command, actors: [...actors], conversationId, expiresAt: settings.now() + settings.ttlMs, nonce: nonce() });
}
