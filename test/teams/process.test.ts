/**
 * The built bot as a real process with Teams configured: requests without a valid Bot Framework
 * token are refused with 401 and logged once each in opsbot's structured log (JSON lines on
 * stderr), and botbuilder's own console output about them (a stack trace per request) is not there.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, removeTempDirs, tempDir } from '../support/app.js';
import { assertBuilt, spawnOpsbot, stopOpsbot, writeServeConfig } from '../support/cli.js';
import { freePort } from '../support/ports.js';
import { readShared } from '../support/shared.js';

let child: ReturnType<typeof spawnOpsbot> | null = null;

afterEach(async () => {
  await stopOpsbot(child);
  child = null;
  removeTempDirs();
});

/** A token-shaped string (header.payload.signature) that is not signed by anyone Teams trusts. */
function unsignedToken(payload: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(payload)}.${Buffer.from('not a signature').toString('base64url')}`;
}

describe('opsbot serve with Teams', () => {
  it('refuses unauthenticated requests with 401, logged by opsbot, with nothing from botbuilder on stderr', async () => {
    assertBuilt();
    const dir = tempDir('opsbot-teams-process-');
    const port = await freePort();
    const file = writeServeConfig(dir, port, [
      'teams:',
      '  appId: ${MS_APP_ID}',
      '  appPassword: ${MS_APP_PASSWORD}',
      '  tenants: ["72f988bf-0000-4000-8000-0000000000aa"]',
      '  actionSecret: ${OPSBOT_TEAMS_ACTION_SECRET}',
    ]);
    child = spawnOpsbot(['serve', '--config', file], {
      dir,
      env: { MS_APP_ID: '00000000-0000-4000-8000-00000000b007', MS_APP_PASSWORD: 'process-app-password', OPSBOT_TEAMS_ACTION_SECRET: 'process-action-secret-0123456789abcdef' },
    });
    const base = `http://127.0.0.1:${port}`;
    await eventually(
      () => fetch(`${base}/readyz`).then((r) => r.status, () => 0),
      (status) => status === 200 || child?.exitCode !== null,
      'opsbot to be ready',
      30_000,
    );

    const activity = { ...readShared<Record<string, unknown>>('contracts', 'botframework', 'examples', 'teams-message-activity.personal.json'), text: 'whoami' };
    const authorizations = [null, 'Basic dXNlcjpwYXNz', 'Bearer not-a-jwt', `Bearer ${unsignedToken({ iss: 'https://evil.example', aud: 'x' })}`];
    for (const authorization of authorizations) {
      const response = await fetch(`${base}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization === null ? {} : { authorization }) },
        body: JSON.stringify(activity),
      });
      expect({ authorization, status: response.status }).toEqual({ authorization, status: 401 });
      expect(await response.json()).toEqual({ error: 'unauthorized: a valid Bot Framework token is required' });
    }

    process.kill(child.pid ?? 0, 'SIGTERM');
    const result = await child;
    child = null;
    expect(result.exitCode).toBe(0);
    // opsbot logs JSON lines to stderr; anything else there was printed around the log.
    const lines = String(result.stderr).split('\n').filter((line) => line !== '');
    const unstructured = lines.filter((line) => !line.startsWith('{'));
    expect(unstructured).toEqual([]);
    const entries = lines.map((line) => JSON.parse(line) as { level: string; msg: string });
    expect(entries.filter((entry) => entry.msg === 'teams: refused a request without a valid Bot Framework token')).toHaveLength(authorizations.length);
    expect(entries.filter((entry) => entry.level === 'error' || entry.level === 'fatal')).toEqual([]);
  });
});
