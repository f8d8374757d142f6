/** The `teams` config section: loaded with defaults, secrets from the environment, and bad values refused at boot. */
import { describe, expect, it } from 'vitest';
import { errorOf, loadText } from '../config/fixtures.js';

const SECTION = [
  'teams:',
  '  appId: ${MS_APP_ID}',
  '  appPassword: ${MS_APP_PASSWORD}',
  '  tenants: [72F988BF-0000-4000-8000-0000000000AA]',
  '  actionSecret: ${OPSBOT_TEAMS_ACTION_SECRET}',
].join('\n');
const ENV = { MS_APP_ID: '00000000-0000-4000-8000-00000000b007', MS_APP_PASSWORD: 'p4ss-w0rd', OPSBOT_TEAMS_ACTION_SECRET: 'a'.repeat(40) };

describe('teams config', () => {
  it('is null without a section: no Teams endpoint', () => {
    expect(loadText('log: { level: info }\n').config.teams).toBeNull();
  });

  it('loads with defaults, lowercased tenants, and its secrets redacted like every ${VAR}', () => {
    const loaded = loadText(`${SECTION}\n  publicUrl: https://opsbot.example.com/\n`, ENV);
    expect(loaded.config.teams).toEqual({
      appId: ENV.MS_APP_ID,
      appPassword: 'p4ss-w0rd',
      appTenantId: null,
      tenants: ['72f988bf-0000-4000-8000-0000000000aa'],
      actionSecret: ENV.OPSBOT_TEAMS_ACTION_SECRET,
      actionTtl: 86_400_000,
      publicUrl: 'https://opsbot.example.com',
      manifest: {
        name: 'opsbot',
        developerName: 'opsbot',
        websiteUrl: 'https://opsbot.example.com',
        privacyUrl: 'https://opsbot.example.com',
        termsOfUseUrl: 'https://opsbot.example.com',
        version: '1.0.0',
        accentColor: '#2F6FDE',
      },
    });
    expect(loaded.secrets).toEqual(expect.arrayContaining(['p4ss-w0rd', ENV.OPSBOT_TEAMS_ACTION_SECRET]));
  });

  it('refuses an app id that is not a GUID, no tenants, and a short action secret', () => {
    const message = errorOf(['teams:', '  appId: my-bot', '  appPassword: x', '  tenants: []', '  actionSecret: short'].join('\n'));
    expect(message).toContain('teams.appId');
    expect(message).toContain('is not a GUID');
    expect(message).toContain('teams.tenants');
    expect(message).toContain('teams.actionSecret');
  });

  it('refuses unknown keys and a plain-http public URL', () => {
    const message = errorOf(`${SECTION}\n  publicUrl: http://opsbot.example.com\n  tenant: x\n`, ENV);
    expect(message).toContain('teams.publicUrl');
    expect(message).toContain('teams: unknown key "tenant"');
  });
});
