/** Button contexts: version 2 binds the channel; version 1 buttons (no channel) still verify until they expire. */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ActionSigner } from '../../src/adapters/mattermost/signing.js';
import { newNonce } from '../../src/adapters/nonce.js';

const SECRET = 'signing-test-secret-0123456789abcdef';
const signer = new ActionSigner(SECRET);
const grant = { command: 'confirm K7QX2M', label: 'Confirm', actors: ['u-olga'], channel: 'ch-ops', expiresAt: 1_900_000_000_000, nonce: 'n1', note: null, update: true };

describe('button contexts', () => {
  it('carry the channel they were posted in, under the signature', () => {
    const context = signer.signButton(grant);
    expect(context).toMatchObject({ v: 2, ch: 'ch-ops' });
    expect(signer.verifyButton(context)).toEqual({ ok: true, grant });
    // Moving the button to another channel, or dropping the channel, breaks it.
    expect(signer.verifyButton({ ...context, ch: 'ch-war' })).toEqual({ ok: false, reason: 'bad signature' });
    const { ch: _ch, ...unbound } = context;
    expect(signer.verifyButton(unbound)).toEqual({ ok: false, reason: 'malformed' });
    expect(signer.verifyButton({ ...unbound, v: 1 })).toEqual({ ok: false, reason: 'bad signature' });
  });

  it('still accept a version 1 button, signed before channels were bound, with no channel', () => {
    const body = { v: 1, cmd: grant.command, lbl: grant.label, act: grant.actors, exp: grant.expiresAt, n: grant.nonce, note: grant.note, upd: grant.update };
    const payload = JSON.stringify([body.v, body.cmd, body.lbl, body.act, body.exp, body.n, body.note, body.upd]);
    const sig = createHmac('sha256', SECRET).update(`button\n${payload}`).digest('base64url');
    expect(signer.verifyButton({ ...body, sig })).toEqual({ ok: true, grant: { ...grant, channel: null } });
  });
});

describe('newNonce', () => {
  it('gives 12 random bytes as base64url, never the same twice, across the blocks it draws', () => {
    const nonces = Array.from({ length: 1_000 }, () => newNonce());
    for (const nonce of nonces) {
      expect(nonce).toMatch(/^[A-Za-z0-9_-]{16}$/);
      expect(Buffer.from(nonce, 'base64url')).toHaveLength(12);
    }
    expect(new Set(nonces).size).toBe(nonces.length);
  });
});
