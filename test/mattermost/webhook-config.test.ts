/**
 * mattermost.webhooks in the config file: name -> token (usually from the environment) and optional
 * trigger words; left out, no webhook is accepted; two webhooks with one token are refused, since the
 * token is all that tells them apart.
 */
import { describe, expect, it } from 'vitest';
import { errorOf, loadText } from '../config/fixtures.js';

const BASE = ['mattermost:', '  url: https://chat.example.com', '  actionSecret: a-test-action-secret-with-more-than-32-characters'];

describe('mattermost.webhooks', () => {
  it('loads tokens from the environment (as secrets) and trigger words; defaults to none', () => {
    const loaded = loadText(
      [...BASE, '  webhooks:', '    ops-channel:', '      token: ${MM_WEBHOOK_TOKEN_OPS}', '      triggers: ["#ops", "opsbot"]', '    any:', '      token: literal-token'].join('\n'),
      { MM_WEBHOOK_TOKEN_OPS: 'hook-token-from-env' },
    );
    expect(loaded.config.mattermost?.webhooks).toEqual({
      'ops-channel': { token: 'hook-token-from-env', triggers: ['#ops', 'opsbot'] },
      any: { token: 'literal-token', triggers: [] },
    });
    expect(loaded.secrets).toContain('hook-token-from-env');
    expect(loadText(BASE.join('\n')).config.mattermost?.webhooks).toEqual({});
  });

  it('refuses one token for two webhooks, a trigger word with a space, an empty token and a bad name', () => {
    expect(errorOf([...BASE, '  webhooks:', '    a:', '      token: same', '    b:', '      token: same'].join('\n'))).toMatch(/webhooks\.b\.token: .*same token as webhooks\.a/);
    expect(errorOf([...BASE, '  webhooks:', '    a:', '      token: t', '      triggers: ["two words"]'].join('\n'))).toMatch(/not a trigger word/);
    expect(errorOf([...BASE, '  webhooks:', '    a:', '      token: ""'].join('\n'))).toMatch(/webhooks\.a\.token/);
    expect(errorOf([...BASE, '  webhooks:', '    "Not A Name":', '      token: t'].join('\n'))).toMatch(/not a webhook name/);
  });
});
