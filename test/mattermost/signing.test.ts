/**
 * Button contexts: version 3 binds the channel and the thread; version 2 (no thread) and version 1 (no
 * channel either) buttons, signed before, still verify until they expire.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ActionSigner } from '../../src/adapters/mattermost/signing.js';
import { newNonce } from '../../src/adapters/nonce.js';

const SECRET = 'signing-test-secret-0123456789abcdef';
const signer = new ActionSigner(SECRET);
const grant = { command: 'confirm K7QX2M', label: 'Confirm', actors: ['u-olga'], channel: 'ch-ops', threadId: 'rootpost000000000000000000', expiresAt: 1_900_000_000_000, nonce: 'n1', note: null, update: true };

describe('button contexts', () => {
  it('carry the channel and thread they were posted in, under the signature', () => {
    const context = signer.signButton(grant);
    expect(context).toMatchObject({ v: 3, ch: 'ch-ops', th: 'rootpost000000000000000000' });
    expect(signer.verifyButton(context)).toEqual({ ok: true, grant });
    // Moving the button to another channel or thread, or dropping either, breaks it.
    expect(signer.verifyButton({ ...context, ch: 'ch-war' })).toEqual({ ok: false, reason: 'bad signature' });
    expect(signer.verifyButton({ ...context, th: 'otherroot00000000000000000' })).toEqual({ ok: false, reason: 'bad signature' });
    expect(signer.verifyButton({ ...context, th: null })).toEqual({ ok: false, reason: 'bad signature' });
    const { ch: _ch, ...unbound } = context;
    expect(signer.verifyButton(unbound)).toEqual({ ok: false, reason: 'malformed' });
    expect(signer.verifyButton({ ...unbound, v: 1 })).toEqual({ ok: false, reason: 'malformed' });
    const { th: _th, ...threadless } = context;
    expect(signer.verifyButton(threadless)).toEqual({ ok: false, reason: 'malformed' });
    expect(signer.verifyButton({ ...threadless, v: 2 })).toEqual({ ok: false, reason: 'bad signature' });
    const { th: _t, ch: _c, ...bare } = context;
    expect(signer.verifyButton({ ...bare, v: 1 })).toEqual({ ok: false, reason: 'bad signature' });
  });

  it('bind a button at the channel root to the root: it cannot be moved into a thread', () => {
    const context = signer.signButton({ ...grant, threadId: null });
    expect(context).toMatchObject({ v: 3, th: null });
    expect(signer.verifyButton(context)).toEqual({ ok: true, grant: { ...grant, threadId: null } });
    expect(signer.verifyButton({ ...context, th: 'rootpost000000000000000000' })).toEqual({ ok: false, reason: 'bad signature' });
    expect(signer.verifyButton({ ...context, th: 42 })).toEqual({ ok: false, reason: 'malformed' });
  });

  it('still accept a version 2 button, signed before threads were kept, with no thread', () => {
    const body = { v: 2, cmd: grant.command, lbl: grant.label, act: grant.actors, ch: grant.channel, exp: grant.expiresAt, n: grant.nonce, note: grant.note, upd: grant.update };
    const payload = JSON.stringify([body.v, body.cmd, body.lbl, body.act, body.ch, body.exp, body.n, body.note, body.upd]);
    const sig = createHmac('sha256', SECRET).update(`button\n${payload}`).digest('base64url');
    expect(signer.verifyButton({ ...body, sig })).toEqual({ ok: true, grant: { ...grant, threadId: null } });
    // A thread cannot be added to it.
    expect(signer.verifyButton({ ...body, th: 'rootpost000000000000000000', sig })).toEqual({ ok: false, reason: 'malformed' });
  });

  it('still accept a version 1 button, signed before channels were bound, with no channel', () => {
    const body = { v: 1, cmd: grant.command, lbl: grant.label, act: grant.actors, exp: grant.expiresAt, n: grant.nonce, note: grant.note, upd: grant.update };
    const payload = JSON.stringify([body.v, body.cmd, body.lbl, body.act, body.exp, body.n, body.note, body.upd]);
    const sig = createHmac('sha256', SECRET).update(`button\n${payload}`).digest('base64url');
    expect(signer.verifyButton({ ...body, sig })).toEqual({ ok: true, grant: { ...grant, channel: null, threadId: null } });
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
