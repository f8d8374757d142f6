/**
 * The built bot as a real process (`node dist/src/main.js serve`), configured from YAML with its
 * Mattermost tokens in the environment: under plain Node, @mattermost/client is loaded the way the
 * product loads it (vitest would hide a broken CommonJS import), a slash command is answered over
 * HTTP and the job's live post reaches the contract server.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, removeTempDirs, tempDir } from '../support/app.js';
import { assertBuilt, spawnOpsbot, stopOpsbot, writeServeConfig } from '../support/cli.js';
import type { ContractServer } from '../support/contract/contract-server.js';
import { BOT_TOKEN, slashFields, slashForm, startFakeMattermost, type FakePost } from './support/harness.js';
import { freePort } from '../support/ports.js';

let server: ContractServer | null = null;
let child: ReturnType<typeof spawnOpsbot> | null = null;

afterEach(async () => {
  await stopOpsbot(child);
  child = null;
  await server?.close();
  server = null;
  removeTempDirs();
});

describe('opsbot serve with Mattermost', () => {
  it('answers a slash command and posts the live job post, as a real process', async () => {
    assertBuilt();
    const posts = new Map<string, FakePost>();
    server = await startFakeMattermost(posts);
    const dir = tempDir('opsbot-mm-process-');
    const port = await freePort();
    const file = writeServeConfig(dir, port, [
      'access:',
      '  roles:',
      '    operator: { members: ["mattermost:u-olga"], allow: ["*"] }',
      '  channels:',
      '    "mattermost:ch-ops": { commands: ["*"] }',
      // A lock target must be something jobs lock: a service nothing here scales.
      'services:',
      '  web:',
      '    min: 1',
      '    max: 3',
      '    environments:',
      '      test: { swarm: { service: web, dockerHost: "unix:///nonexistent/opsbot-test-docker.sock" } }',
      'mattermost:',
      `  url: ${server.url}`,
      '  botToken: ${MM_BOT_TOKEN}',
      '  commands: { ops: "${MM_TOKEN_OPS}" }',
      '  actionSecret: ${MM_ACTION_SECRET}',
      '  publicUrl: https://opsbot.example.test',
    ]);
    child = spawnOpsbot(['serve', '--config', file], {
      dir,
      env: { MM_BOT_TOKEN: BOT_TOKEN, MM_TOKEN_OPS: 'process-token-ops-0000000', MM_ACTION_SECRET: 'process-action-secret-0123456789abcdef' },
    });
    const base = `http://127.0.0.1:${port}`;
    await eventually(
      () => fetch(`${base}/readyz`).then((r) => r.status, () => 0),
      (status) => status === 200,
      'opsbot to be ready',
      30_000,
    );

    const send = (text: string, token = 'process-token-ops-0000000') =>
      fetch(`${base}/mattermost/command`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', authorization: `Token ${token}` },
        body: slashForm(slashFields('ops', text, { token })),
      });
    const refused = await send('whoami', 'wrong-token');
    expect(refused.status).toBe(401);
    const whoami = await send('whoami');
    expect(whoami.status).toBe(200);
    expect(JSON.stringify(await whoami.json())).toContain('mattermost:u-olga');

    const accepted = await send('lock web maintenance window');
    expect(accepted.status).toBe(200);
    const body = (await accepted.json()) as { response_type: string; attachments: { text: string }[] };
    expect(body.response_type).toBe('ephemeral');
    expect(body.attachments[0]?.text).toMatch(/^Job #1 started: `lock web 'maintenance window'`/);
    const [post] = await eventually(() => [...posts.values()], (p) => p.some((x) => x.props.attachments?.[0]?.title === 'Job #1 succeeded'), 'the live post of job 1', 20_000);
    expect(post?.channel_id).toBe('ch-ops');
    server.assertClean();
  });
});
