import { describe, expect, it } from 'vitest';
import { sameDigest, tokenDigest } from '../../src/adapters/token-digest.js';
import { TriggerTokens } from '../../src/adapters/mattermost/tokens.js';
import { WebhookTokens } from '../../src/adapters/mattermost/webhook-tokens.js';

describe('token digests', () => {
  it('give every token, whatever its length, a digest of one length', () => {
    const lengths = new Set(['', 'a', 'x'.repeat(26), 'y'.repeat(4096)].map((t) => tokenDigest(t).length));
    expect([...lengths]).toEqual([44]);
    expect(tokenDigest('abc')).toBe(tokenDigest('abc'));
    expect(tokenDigest('abc')).not.toBe(tokenDigest('abd'));
  });

  it('compare equal digests as equal and anything else as unequal', () => {
    const digest = tokenDigest('9hbd6zq8ybnm7jr3pfxo1ws5ce');
    expect(sameDigest(digest, tokenDigest('9hbd6zq8ybnm7jr3pfxo1ws5ce'))).toBe(true);
    expect(sameDigest(digest, tokenDigest('9hbd6zq8ybnm7jr3pfxo1ws5cf'))).toBe(false);
    // Differing only in the last character, or in length, is still unequal.
    expect(sameDigest(digest, `${digest.slice(0, -1)}${digest.endsWith('A') ? 'B' : 'A'}`)).toBe(false);
    expect(sameDigest(digest, digest.slice(0, -1))).toBe(false);
  });

  it('back the slash-command and webhook token checks', () => {
    const triggers = new TriggerTokens({ deploy: 'deploy-token-1234567890', ops: 'ops-token-0987654321' });
    expect(triggers.verify('deploy', 'deploy-token-1234567890')).toBe(true);
    expect(triggers.verify('deploy', 'ops-token-0987654321')).toBe(false);
    expect(triggers.verify('unknown', 'deploy-token-1234567890')).toBe(false);
    expect(triggers.verify('deploy', '')).toBe(false);
    expect(triggers.verify('deploy', null)).toBe(false);

    const hooks = new WebhookTokens({ ops: { token: 'hook-token-aaaaaaaaaaaa', triggers: [] }, deploy: { token: 'hook-token-bbbbbbbbbbbb', triggers: ['deploy'] } });
    expect(hooks.match('hook-token-bbbbbbbbbbbb')?.name).toBe('deploy');
    expect(hooks.match('hook-token-aaaaaaaaaaaa')?.name).toBe('ops');
    expect(hooks.match('hook-token-cccccccccccc')).toBeNull();
    expect(hooks.match('')).toBeNull();
  });
});
