/**
 * `opsbot mattermost register`: slash commands created or updated through the REST API (checked
 * against the contract), with autocomplete from the args schemas; a second run changes nothing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mattermostCli } from '../../src/adapters/mattermost/cli.js';
import { MattermostClient } from '../../src/adapters/mattermost/client.js';
import { registerCommands } from '../../src/adapters/mattermost/register.js';
import type { LoadedConfig } from '../../src/config/types.js';
import { CommandRegistry } from '../../src/core/registry.js';
import { builtinCommands } from '../../commands/index.js';
import { startContractServer, type ContractServer } from '../support/contract/contract-server.js';
import { testConfig } from '../support/app.js';
import { testCommands } from './support/commands.js';
import { mattermostSpec } from './support/contracts.js';
import { BOT_TOKEN, mattermostConfig } from './support/harness.js';

interface StoredCommand {
  [key: string]: unknown;
  id: string;
  token: string;
  trigger: string;
  team_id: string;
  delete_at: number;
}

let server: ContractServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

async function fakeTeam(): Promise<{ server: ContractServer; commands: StoredCommand[] }> {
  const commands: StoredCommand[] = [
    // Someone else's integration in the same team: left alone.
    { id: 'other1', token: 'other-token', trigger: 'weather', team_id: 'team1', delete_at: 0, method: 'P', url: 'https://weather.example.test' },
  ];
  let next = 0;
  const started = await startContractServer({
    spec: mattermostSpec(),
    authorize: (call) => (new RegExp(`^bearer ${BOT_TOKEN}$`, 'i').test(String(call.headers.authorization ?? '')) ? null : 'not the bot token'),
    handlers: {
      GetTeamByName: (call) =>
        call.params.name === 'acme' ? { status: 200, body: { id: 'team1', name: 'acme', display_name: 'Acme' } } : { status: 404, body: { status_code: 404, id: 'app.team.get_by_name.missing.app_error', message: 'Team not found' } },
      ListCommands: (call) => ({ status: 200, body: commands.filter((c) => c.team_id === call.query.team_id) }),
      CreateCommand: (call) => {
        next += 1;
        const body = call.body as { trigger: string; team_id: string };
        const created: StoredCommand = { ...body, id: `cmd${next}`, token: `token${next}`, creator_id: 'bot', create_at: 1, update_at: 1, delete_at: 0 };
        commands.push(created);
        return { status: 201, body: created };
      },
      UpdateCommand: (call) => {
        const index = commands.findIndex((c) => c.id === call.params.command_id);
        const updated = { ...(call.body as StoredCommand), update_at: 2 };
        commands[index] = updated;
        return { status: 200, body: updated };
      },
    },
  });
  return { server: started, commands };
}

const registry = new CommandRegistry([...builtinCommands, ...testCommands]);

describe('mattermost register', () => {
  it('creates the commands with autocomplete from their schemas, then changes nothing on a second run', async () => {
    const fake = await fakeTeam();
    server = fake.server;
    const client = new MattermostClient({ url: server.url, token: BOT_TOKEN, timeoutMs: 2_000 });
    const options = { team: 'acme', triggers: ['ops', 'mm-job', 'mm-nuke'], umbrella: 'ops', publicUrl: 'https://opsbot.example.test', registry };

    const first = await registerCommands(client, options);
    expect(first.commands.map((c) => [c.trigger, c.change])).toEqual([
      ['ops', 'created'],
      ['mm-job', 'created'],
      ['mm-nuke', 'created'],
    ]);
    expect(first.commands.map((c) => c.token)).toEqual(['token1', 'token2', 'token3']);
    const job = fake.commands.find((c) => c.trigger === 'mm-job');
    expect(job).toMatchObject({
      team_id: 'team1',
      method: 'P',
      url: 'https://opsbot.example.test/mattermost/command',
      auto_complete: true,
      auto_complete_hint: '<target> [--wait] [--lines <lines>] [--dry-run] [--queue]',
      auto_complete_desc: 'Test job.',
    });
    expect(fake.commands.find((c) => c.trigger === 'ops')?.auto_complete_desc).toMatch(/^opsbot: help, whoami, /);

    const writes = (): number => server!.callsTo('CreateCommand').length + server!.callsTo('UpdateCommand').length;
    const before = writes();
    const second = await registerCommands(client, options);
    expect(second.commands.map((c) => [c.trigger, c.change, c.token])).toEqual([
      ['ops', 'unchanged', 'token1'],
      ['mm-job', 'unchanged', 'token2'],
      ['mm-nuke', 'unchanged', 'token3'],
    ]);
    expect(writes()).toBe(before);

    const moved = await registerCommands(client, { ...options, publicUrl: 'https://opsbot2.example.test' });
    expect(moved.commands.map((c) => c.change)).toEqual(['updated', 'updated', 'updated']);
    expect(fake.commands.find((c) => c.trigger === 'weather')).toMatchObject({ url: 'https://weather.example.test' });
    expect((await registerCommands(client, { ...options, publicUrl: 'https://opsbot2.example.test' })).commands.map((c) => c.change)).toEqual(['unchanged', 'unchanged', 'unchanged']);
    server.assertClean();
  });

  it('says what was odd when Mattermost answers with something other than a team or its commands', async () => {
    const fake = await fakeTeam();
    server = fake.server;
    const client = new MattermostClient({ url: server.url, token: BOT_TOKEN, timeoutMs: 2_000 });
    const options = { team: 'acme', triggers: ['ops'], umbrella: 'ops', publicUrl: 'https://opsbot.example.test', registry };
    // The spec's own answers, damaged: a team without its id, a command list that is not a list, a new command without its token.
    server.on('GetTeamByName', () => ({ status: 200, body: { name: 'acme', display_name: 'Acme' } }));
    await expect(registerCommands(client, options)).rejects.toThrow('Mattermost answered team acme with JSON opsbot cannot read: the answer lacks `id`');
    server.on('GetTeamByName', () => ({ status: 200, body: { id: 'team1', name: 'acme', display_name: 'Acme' } }));
    server.on('ListCommands', () => ({ status: 200, body: { commands: fake.commands } }));
    await expect(registerCommands(client, options)).rejects.toThrow('Mattermost answered the slash commands of team acme with JSON opsbot cannot read: the answer must be array');
    server.on('ListCommands', () => ({ status: 200, body: [] }));
    server.on('CreateCommand', (call) => ({ status: 201, body: { ...(call.body as object), id: 'cmd9' } }));
    await expect(registerCommands(client, options)).rejects.toThrow('Mattermost answered the new /ops with JSON opsbot cannot read: the answer lacks `token`');
    // (The contract server notes any answer that breaks the spec; the OpenAPI file marks few fields required.)
    server.violations.splice(0);
  });

  it('runs from the CLI and prints the tokens for the config', async () => {
    const fake = await fakeTeam();
    server = fake.server;
    const config = testConfig({ storagePath: ':memory:' });
    const loaded: LoadedConfig = { config: { ...config, mattermost: mattermostConfig(server.url, { commands: { ops: 'x' } }) }, file: '/test/opsbot.yaml', secrets: [] };
    const out: string[] = [];
    const err: string[] = [];
    const code = await mattermostCli(['register'], { loaded, registry, team: 'acme', triggers: ['mm-job'], out: (t) => out.push(t), err: (t) => err.push(t) });
    expect(err.join('')).toBe('');
    expect(code).toBe(0);
    expect(out.join('')).toContain('/ops     created');
    expect(out.join('')).toContain('    mm-job: token2');
    expect(await mattermostCli(['register'], { loaded, registry, team: 'nope', triggers: [], out: () => undefined, err: (t) => err.push(t) })).toBe(1);
    expect(err.join('')).toMatch(/Team not found/);
    expect(await mattermostCli(['register'], { loaded, registry, team: 'acme', triggers: ['frobnicate'], out: () => undefined, err: (t) => err.push(t) })).toBe(1);
    expect(err.join('')).toMatch(/\/frobnicate: opsbot has no command/);
    expect(await mattermostCli(['register'], { loaded: { ...loaded, config: { ...loaded.config, mattermost: null } }, registry, team: 'acme', triggers: [], out: () => undefined, err: () => undefined })).toBe(2);
  });
});
