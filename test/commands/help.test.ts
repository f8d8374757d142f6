/** `help`: the list follows the channel binding; `help <command>` explains one. */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { people, places, removeTempDirs, startTestApp, tableOf, type TestApp } from '../support/app.js';

let t: TestApp;
beforeEach(async () => {
  t = await startTestApp();
});
afterEach(async () => t.close());
afterAll(() => removeTempDirs());

describe('help', () => {
  it('lists every registered command with its usage where every command is allowed', async () => {
    const said = await t.say('help');
    expect(said.status).toBe('ok');
    const table = tableOf(said.message);
    expect(table.columns).toEqual(['command', 'what it does']);
    const names = table.rows.map((r) => r[0]?.split(' ')[0]);
    expect(names).toEqual(t.app.registry.all().map((c) => c.name));
    expect(names).toEqual(expect.arrayContaining(['help', 'whoami', 'jobs', 'job', 'cancel', 'audit', 'lock', 'unlock', 'confirm']));
    expect(table.rows).toContainEqual(['job <id> [--lines <lines>]', "Show one job: its state, progress, references and the tail of its log."]);
    expect(said.text).toContain('Type `help <command>` for details.');
  });

  it('lists only what the channel binding allows', async () => {
    const lobby = tableOf((await t.say('help', people.vera, places.lobby)).message);
    expect(lobby.rows.map((r) => r[0]?.split(' ')[0])).toEqual(['help', 'whoami', 'jobs', 'job']);
    const random = tableOf((await t.say('help', people.sam, places.random)).message);
    expect(random.rows.map((r) => r[0]?.split(' ')[0])).toEqual(['help', 'whoami']);
  });

  it('explains one command: description, usage, aliases, arguments and examples', async () => {
    const said = await t.say('help lock');
    expect(said.status).toBe('ok');
    expect(said.message.title).toBe('lock');
    expect(said.text).toContain('Freeze a target: no job may take it until `unlock`.');
    expect(said.message.blocks).toContainEqual({ kind: 'code', text: 'lock [<target>] [<reason…>] [--dry-run]' });
    expect(said.text).toContain('Aliases: freeze');
    expect(said.text).toContain('<target>  The store, service or pipeline.<name> to freeze (a name from the config).');
    expect(said.text).toContain('--dry-run  Show what would happen; change nothing.');
    expect(said.text).toContain('Examples:\n  lock\n  lock store-pl release freeze until Monday');
  });

  it('finds a command by its alias, and answers to its own alias', async () => {
    expect((await t.say('help unfreeze')).message.title).toBe('unlock');
    expect(tableOf((await t.say('commands')).message).rows.length).toBeGreaterThan(0);
  });

  it('says "(no arguments)" for a command without any', async () => {
    expect((await t.say('help whoami')).message.blocks).toContainEqual({ kind: 'code', text: '(no arguments)' });
  });

  it('answers an unknown command name with a clear error', async () => {
    const said = await t.say('help deploi');
    expect(said.status).toBe('usage');
    expect(said.text).toContain('There is no command `deploi`. Type `help` to list them.');
  });

  it('rejects a command name that cannot be one', async () => {
    const said = await t.say('help ../etc');
    expect(said.status).toBe('usage');
    expect(said.text).toContain('Usage: help [<command>]');
  });
});
