/** Signed card buttons: only a token this key made, for this person and place, before expiry, counts. */
import { describe, expect, it } from 'vitest';
import { signAction, verifyAction, type ActionGrant } from '../../src/adapters/teams/action-token.js';

const SECRET = 'unit-secret-0123456789abcdef0123456789abcdef';
const grant: ActionGrant = { command: 'cancel 42', actors: ['aad-alan'], conversationId: '19:ops@thread.tacv2', expiresAt: 1_000_000, nonce: 'n1' };
const here = { actor: 'aad-alan', conversationId: '19:ops@thread.tacv2', now: 999_999 };

describe('button tokens', () => {
  it('round-trips a grant', () => {
    expect(verifyAction(SECRET, signAction(SECRET, grant), here)).toEqual({ ok: true, grant });
  });

  it('refuses expiry, another conversation and another person', () => {
    const token = signAction(SECRET, grant);
    expect(verifyAction(SECRET, token, { ...here, now: 1_000_000 })).toEqual({ ok: false, reason: 'the button has expired' });
    expect(verifyAction(SECRET, token, { ...here, conversationId: '19:dev@thread.tacv2' })).toEqual({ ok: false, reason: 'the button belongs to another conversation' });
    expect(verifyAction(SECRET, token, { ...here, actor: 'aad-mallory' })).toEqual({ ok: false, reason: 'the button was made for someone else' });
  });

  it('lets anyone in the conversation press a button made for nobody in particular', () => {
    expect(verifyAction(SECRET, signAction(SECRET, { ...grant, actors: [] }), { ...here, actor: 'aad-anyone' })).toMatchObject({ ok: true });
  });

  it('refuses tokens another key made, edited payloads and junk', () => {
    const token = signAction(SECRET, grant);
    expect(verifyAction('another-secret-0123456789abcdef0123456789', token, here)).toEqual({ ok: false, reason: 'invalid button signature' });
    const [, signature] = token.split('.');
    const edited = Buffer.from(JSON.stringify({ c: 'wipe everything', a: [], v: grant.conversationId, x: grant.expiresAt, n: 'n1' })).toString('base64url');
    expect(verifyAction(SECRET, `${edited}.${signature}`, here)).toEqual({ ok: false, reason: 'invalid button signature' });
    expect(verifyAction(SECRET, undefined, here)).toEqual({ ok: false, reason: 'the button carries no opsbot signature' });
    expect(verifyAction(SECRET, { opsbot: token }, here)).toEqual({ ok: false, reason: 'the button carries no opsbot signature' });
    expect(verifyAction(SECRET, 'a.b.c', here)).toEqual({ ok: false, reason: 'malformed button signature' });
  });
});
