/**
 * `opsbot run` and the other subcommands as real processes: exit codes, the restricted guest view,
 * confirmation across two processes, config checking, the JSON Schema and the audit export.
 * Every process gets a temp data dir (OPSBOT_DATA_DIR) and a temp working directory.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/sqlite.js';
import { assertBuilt, opsbot, spawnOpsbot } from '../support/cli.js';
import { removeTempDirs, tempDir } from '../support/app.js';

beforeAll(() => assertBuilt());
afterAll(() => removeTempDirs());

function codeIn(stdout: string): string {
  const code = /`confirm ([A-Z0-9]{6})`/.exec(stdout)?.[1];
  if (code === undefined) throw new Error(`no confirmation code in:\n${stdout}`);
  return code;
}

describe('opsbot run', { timeout: 300_000 }, () => {
  it('prints the reply and exits 0', async () => {
    const dir = tempDir('opsbot-e2e-');
    const result = await opsbot(['run', 'help'], { dir });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('Commands');
    expect(result.stdout).toContain('lock [<target>] [<reason…>] [--dry-run]');
    expect(result.stderr).toBe('');
  });

  it('runs a job, waits for it and exits 0; a failed job exits 1', async () => {
    const dir = tempDir('opsbot-e2e-');
    const first = await opsbot(['run', 'lock web maintenance'], { dir });
    expect(first.exitCode).toBe(0);
    expect(first.stdout).toContain('Job #1 started: `lock web maintenance`');
    expect(first.stdout).toContain('`web` is frozen: maintenance.');

    const second = await opsbot(['run', 'lock web'], { dir });
    expect(second.exitCode).toBe(1);
    expect(second.stdout).toContain('Job #2 failed');
    expect(second.stdout).toContain('`web` is already locked by');

    const listed = await opsbot(['run', 'jobs'], { dir });
    expect(listed.exitCode).toBe(0);
    expect(listed.stdout).toMatch(/2 +failed +lock web /);
    expect(listed.stdout).toMatch(/1 +succeeded +lock web maintenance /);
  });

  it('waits for a queued job, and Ctrl-C cancels it: the job ends cancelled, nothing is left for the next start', async () => {
    const dir = tempDir('opsbot-e2e-');
    expect((await opsbot(['run', 'lock demo maintenance'], { dir })).exitCode).toBe(0);
    const queued = spawnOpsbot(['run', 'deploy demo blue --version 1.6.0 --queue'], { dir });
    let listed = '';
    for (let tries = 0; !/2 +queued +deploy demo/.test(listed) && tries < 30; tries++) listed = (await opsbot(['run', 'jobs'], { dir })).stdout;
    expect(listed).toMatch(/2 +queued +deploy demo/);
    // Only timers keep a queued job waiting: the process must not exit under it.
    expect(queued.exitCode).toBeNull();
    queued.kill('SIGINT');
    const result = await queued;
    expect(result.exitCode).toBe(1);
    expect(result.stdout).toContain('Job #2 is queued until `demo` is free');
    expect(result.stdout).toContain('Cancelling job #2…');
    const after = await opsbot(['run', 'job 2'], { dir });
    expect(after.stdout).toContain('cancelled');
    expect(after.stdout).not.toContain('interrupted');
    const audit = await opsbot(['run', 'audit'], { dir });
    expect(audit.stdout).toMatch(/cancel_requested +cancel/);
  });

  it('exits 2 on an unknown command, with a suggestion', async () => {
    const result = await opsbot(['run', 'unlok web'], { dir: tempDir('opsbot-e2e-') });
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toContain('Unknown command `unlok`. Did you mean `unlock`?');
  });

  it('exits 2 on a usage error, showing the usage', async () => {
    const result = await opsbot(['run', 'job abc'], { dir: tempDir('opsbot-e2e-') });
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toContain('`id` must be a whole number, not `abc`.');
    expect(result.stdout).toContain('Usage: job <id> [--lines <lines>]');
  });

  it('exits 2 when denied', async () => {
    const result = await opsbot(['run', 'lock web', '--as', 'guest', '--channel', 'guest-room'], { dir: tempDir('opsbot-e2e-') });
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toContain('`lock` is not enabled in this channel (allowed here: help, whoami, jobs, job).');
    // A guest in the operator's channel still lacks the permission.
    const noRole = await opsbot(['run', 'lock web', '--as', 'guest'], { dir: tempDir('opsbot-e2e-') });
    expect(noRole.exitCode).toBe(2);
    expect(noRole.stdout).toContain('You need the permission `locks:set:web`');
  });

  it('exits 2 without command text, and on an unknown option or subcommand', async () => {
    const dir = tempDir('opsbot-e2e-');
    const empty = await opsbot(['run'], { dir });
    expect(empty.exitCode).toBe(2);
    expect(empty.stderr).toContain('opsbot run needs the command text');
    const option = await opsbot(['run', 'help', '--bogus'], { dir });
    expect(option.exitCode).toBe(2);
    expect(option.stderr).toContain("Unknown option '--bogus'");
    expect(option.stderr).toContain('Usage: opsbot <command> [options]');
    const sub = await opsbot(['frobnicate'], { dir });
    expect(sub.exitCode).toBe(2);
    expect(sub.stderr).toContain('Unknown command "frobnicate".');
  });

  it('shows control characters instead of sending them to the terminal', async () => {
    const dir = tempDir('opsbot-e2e-');
    // Escape sequences (a terminal title change, a screen wipe) where the reply quotes the text back.
    const result = await opsbot(['run', '\u001b]0;owned\u0007\u001b[2Jwiped'], { dir });
    expect(result.exitCode).toBe(2);
    // (Command names are matched in lower case, and quoted so.)
    expect(result.stdout).toContain('Unknown command `\\x1b]0;owned\\x07\\x1b[2jwiped`');
    expect([...result.stdout].filter((c) => c !== '\n' && c !== '\t' && /\p{Cc}/u.test(c))).toEqual([]);
  });

  it('exits 2 on an empty --as or --channel (no nameless identity)', async () => {
    const dir = tempDir('opsbot-e2e-');
    const as = await opsbot(['run', 'whoami', '--as', ''], { dir });
    expect({ code: as.exitCode, stderr: as.stderr, stdout: as.stdout }).toEqual({ code: 2, stderr: '--as needs a name, e.g. --as guest\n', stdout: '' });
    const channel = await opsbot(['run', 'whoami', '--channel', ' '], { dir });
    expect({ code: channel.exitCode, stderr: channel.stderr }).toEqual({ code: 2, stderr: '--channel needs a name, e.g. --channel guest-room\n' });
    const prefixOnly = await opsbot(['run', 'whoami', '--as', 'shell:'], { dir: tempDir('opsbot-e2e-') });
    expect({ code: prefixOnly.exitCode, stderr: prefixOnly.stderr }).toEqual({ code: 2, stderr: '--as needs a name, e.g. --as guest\n' });
  });

  it('shows a guest in the guest room only the restricted view', async () => {
    const dir = tempDir('opsbot-e2e-');
    const help = await opsbot(['run', 'help', '--as', 'guest', '--channel', 'guest-room'], { dir });
    expect(help.exitCode).toBe(0);
    const listed = help.stdout.split('\n').filter((l) => /^[a-z]+( |$)/.test(l)).map((l) => l.split(' ')[0]);
    expect(listed).toEqual(['command', 'help', 'whoami', 'jobs', 'job']);

    const whoami = await opsbot(['run', 'whoami', '--as', 'guest', '--channel', 'guest-room'], { dir });
    expect(whoami.stdout).toContain('Identity: shell:guest');
    expect(whoami.stdout).toContain('Channel: shell:guest-room');
    expect(whoami.stdout).toContain('Roles: viewer');
    expect(whoami.stdout).toContain('Commands here: help, whoami, jobs, job');
    expect((await opsbot(['run', 'jobs', '--as', 'guest', '--channel', 'guest-room'], { dir })).exitCode).toBe(0);
    expect((await opsbot(['run', 'audit', '--as', 'guest', '--channel', 'guest-room'], { dir })).exitCode).toBe(2);
    // Written as the access config writes them, the names mean the same people and channels.
    const prefixed = await opsbot(['run', 'whoami', '--as', 'shell:guest', '--channel', 'shell:guest-room'], { dir });
    expect(prefixed.stdout).toContain('Identity: shell:guest\n');
    expect(prefixed.stdout).toContain('Channel: shell:guest-room\n');
  });

  it('confirms a destructive command across two processes, once, and only for the same person', async () => {
    const dir = tempDir('opsbot-e2e-');
    expect((await opsbot(['run', 'lock web'], { dir })).exitCode).toBe(0);

    const prompt = await opsbot(['run', 'unlock web'], { dir });
    expect(prompt.exitCode).toBe(0);
    expect(prompt.stdout).toContain('Confirm: `unlock web`');
    const code = codeIn(prompt.stdout);
    expect((await opsbot(['run', 'lock'], { dir })).stdout).toMatch(/^web +/m);

    const otherPerson = await opsbot(['run', `confirm ${code}`, '--as', 'mallory'], { dir });
    expect(otherPerson.exitCode).toBe(2);
    expect(otherPerson.stdout).toContain('That confirmation is unknown, expired, already used');

    const confirmed = await opsbot(['run', `confirm ${code}`], { dir });
    expect(confirmed.exitCode).toBe(0);
    expect(confirmed.stdout).toContain('`web` is unfrozen');
    expect((await opsbot(['run', 'lock'], { dir })).stdout).toContain('Nothing is locked.');

    const again = await opsbot(['run', `confirm ${code}`], { dir });
    expect(again.exitCode).toBe(2);
  });

  it('keeps its state in OPSBOT_DATA_DIR, not in ./data', async () => {
    const dir = tempDir('opsbot-e2e-');
    const data = tempDir('opsbot-e2e-data-');
    await opsbot(['run', 'lock web'], { dir, env: { OPSBOT_DATA_DIR: data } });
    expect(readFileSync(join(data, 'opsbot.db')).subarray(0, 15).toString()).toBe('SQLite format 3');
    expect(() => readFileSync(join(dir, 'data', 'opsbot.db'))).toThrow();
  });
});

describe('opsbot check-config', { timeout: 300_000 }, () => {
  it('accepts the demo config', async () => {
    const result = await opsbot(['check-config'], { dir: tempDir('opsbot-e2e-') });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/src\/config\/demo\/opsbot\.yaml: OK \(storage: sqlite, 2 roles, 2 channel bindings\)/);
  });

  it('rejects a broken config with file:line:col, path and reason, exit 2', async () => {
    const dir = tempDir('opsbot-e2e-');
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, ['access:', '  roles:', '    operator:', '      membrs: [shell:local]', '      allow: ["*"]', ''].join('\n'));
    const result = await opsbot(['check-config', '--config', file], { dir });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`${file}:4:7 access.roles.operator: unknown key "membrs" (allowed: members, allow)`);
    expect(result.stderr).toContain(`${file}:3:5 access.roles.operator: missing required key "members"`);
    expect(result.stderr).not.toMatch(/\bat .+\.js:\d+/);
  });

  it('refuses what serve would refuse: a schedule that runs an unknown command', async () => {
    const dir = tempDir('opsbot-e2e-');
    const file = join(dir, 'opsbot.yaml');
    writeFileSync(file, ['schedules:', '  nightly:', '    cron: "0 2 * * *"', '    run: "lcok db nightly"', '    as: backup-bot', ''].join('\n'));
    const result = await opsbot(['check-config', '--config', file], { dir });
    expect({ code: result.exitCode, stderr: result.stderr }).toEqual({ code: 2, stderr: `${file}:4:10 schedules.nightly.run: The scheduled command "lcok" does not exist. Did you mean "lock"?\n` });
  });

  it('reads the config from OPSBOT_CONFIG too', async () => {
    const dir = tempDir('opsbot-e2e-');
    const file = join(dir, 'opsbot.yaml');
    writeFileSync(file, 'jobs:\n  timeout: soon\n');
    const result = await opsbot(['check-config'], { dir, env: { OPSBOT_CONFIG: file } });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(`${file}:2:`);
    expect(result.stderr).toContain('jobs.timeout');
  });
});

describe('opsbot config-schema', { timeout: 300_000 }, () => {
  it('prints the JSON Schema of the config', async () => {
    const result = await opsbot(['config-schema'], { dir: tempDir('opsbot-e2e-') });
    expect(result.exitCode).toBe(0);
    const schema = JSON.parse(result.stdout) as { type?: string; properties?: Record<string, unknown> };
    expect(schema.type).toBe('object');
    expect(Object.keys(schema.properties ?? {})).toEqual(expect.arrayContaining(['storage', 'server', 'log', 'access', 'jobs']));
  });

  it('stops quietly when its reader goes away (`opsbot config-schema | head`)', async () => {
    const child = spawnOpsbot(['config-schema'], { dir: tempDir('opsbot-e2e-') });
    // The read end is closed before anything is read, so the first write meets EPIPE.
    child.stdout?.destroy();
    const result = await child;
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
  });
});

describe('opsbot prune', { timeout: 300_000 }, () => {
  it('counts, then deletes, what is past the retention; the audit stays', async () => {
    const dir = tempDir('opsbot-e2e-');
    expect((await opsbot(['run', 'lock web --dry-run'], { dir })).exitCode).toBe(0);
    expect((await opsbot(['run', 'lock demo --dry-run'], { dir })).exitCode).toBe(0);
    // One of the two finished 100 days ago (the demo config keeps jobs 90 days).
    const db = openDatabase(join(dir, 'opsbot.db'));
    const age = 100 * 86_400_000;
    db.prepare('update jobs set created_at = created_at - ?, started_at = started_at - ?, finished_at = finished_at - ? where id = 1').run([age, age, age]);
    // A Teams conversation silent for 400 days that the demo config does not name.
    db.prepare("insert into conversation_refs (platform, conversation_id, address, updated_at) values ('teams', '19:old@thread.tacv2', '{}', ?)").run([Date.now() - 400 * 86_400_000]);
    db.close();

    const counted = await opsbot(['prune', '--dry-run'], { dir });
    expect({ code: counted.exitCode, stderr: counted.stderr }).toEqual({ code: 0, stderr: '' });
    expect(counted.stdout).toContain('jobs: would delete 1 job\n');
    expect(counted.stdout).toContain('audit: kept forever\n');
    expect(counted.stdout).toContain('deadOutbox: would delete 0 dead posts\n');
    expect(counted.stdout).toContain('maintenanceWindows: would delete 0 windows, 0 leftover summary post refs\n');
    expect(counted.stdout).toContain('teamsConversations: would delete 1 conversation reference\n');
    const pruned = await opsbot(['prune'], { dir });
    expect({ code: pruned.exitCode, stderr: pruned.stderr }).toEqual({ code: 0, stderr: '' });
    expect(pruned.stdout).toContain('jobs: deleted 1 job\n');
    expect(pruned.stdout).toContain('teamsConversations: deleted 1 conversation reference\n');

    const after = openDatabase(join(dir, 'opsbot.db'));
    expect(after.prepare('select id, text from jobs').all([])).toEqual([{ id: 2, text: 'lock demo --dry-run' }]);
    expect(after.prepare("select job_id from audit where event = 'job_finished' order by job_id").all([])).toEqual([{ job_id: 1 }, { job_id: 2 }]);
    expect(after.prepare('select count(*) as n from conversation_refs').all([])).toEqual([{ n: 0 }]);
    after.close();
  });
});

describe('opsbot audit-export', { timeout: 300_000 }, () => {
  it('writes the audit log as JSON lines, oldest first', async () => {
    const dir = tempDir('opsbot-e2e-');
    await opsbot(['run', 'lock web'], { dir });
    await opsbot(['run', 'lock db', '--as', 'guest'], { dir });
    const out = join(dir, 'audit.jsonl');
    const result = await opsbot(['audit-export', '--out', out], { dir });
    expect(result.exitCode).toBe(0);
    const lines = readFileSync(out, 'utf8').split('\n').filter((l) => l !== '');
    const entries = lines.map((l) => JSON.parse(l) as { id: number; event: string; principal: { id: string }; command: string });
    expect(entries.map((e) => [e.event, e.principal.id, e.command])).toEqual([
      ['job_started', 'local', 'lock'],
      ['lock', 'local', 'lock'],
      ['job_finished', 'local', 'lock'],
      ['denied', 'guest', 'lock'],
    ]);
    expect(entries.map((e) => e.id)).toEqual([...entries.map((e) => e.id)].sort((a, b) => a - b));
  });

  it('names a file it cannot write, exit 1, without a stack trace', async () => {
    const dir = tempDir('opsbot-e2e-');
    const missing = join(dir, 'no-such-dir', 'audit.jsonl');
    const exported = await opsbot(['audit-export', '--out', missing], { dir });
    expect({ code: exported.exitCode, stderr: exported.stderr }).toEqual({ code: 1, stderr: `opsbot: ENOENT: no such file or directory, open '${missing}'\n` });
    const readme = join(dir, 'no-such-dir', 'README.md');
    const docs = await opsbot(['docs', '--write', readme], { dir });
    expect({ code: docs.exitCode, stderr: docs.stderr }).toEqual({ code: 1, stderr: `opsbot: ENOENT: no such file or directory, open '${readme}'\n` });
    // A file without the reference markers is named, and left as it was.
    const plain = join(dir, 'NOTES.md');
    writeFileSync(plain, '# Notes\n');
    const unmarked = await opsbot(['docs', '--write', plain], { dir });
    expect(unmarked.exitCode).toBe(1);
    expect(unmarked.stderr.startsWith(`opsbot: ${plain} has no command reference markers (<!-- commands:start`)).toBe(true);
    expect(unmarked.stderr).not.toMatch(/\bat .+\.js:\d+/);
    expect(readFileSync(plain, 'utf8')).toBe('# Notes\n');
  });

  it('prints the usage for --help wherever it is, and does nothing else', async () => {
    const dir = tempDir('opsbot-e2e-');
    for (const args of [['--help'], ['shell', '--help'], ['check-config', '-h'], ['run', '--help'], ['serve', '--help']]) {
      const result = await opsbot(args, { dir });
      expect({ args, code: result.exitCode }).toEqual({ args, code: 0 });
      expect(result.stdout).toContain('Usage: opsbot <command> [options]');
      expect(result.stdout).not.toContain('opsbot shell —');
    }
  });

  it('filters with --since and refuses a --since that is not a date', async () => {
    const dir = tempDir('opsbot-e2e-');
    await opsbot(['run', 'lock web'], { dir });
    const future = await opsbot(['audit-export', '--since', '2999-01-01'], { dir });
    expect(future.exitCode).toBe(0);
    expect(future.stdout).toBe('');
    const past = await opsbot(['audit-export', '--since', '2000-01-01'], { dir });
    expect(past.stdout.trim().split('\n')).toHaveLength(3);
    const bad = await opsbot(['audit-export', '--since', 'yesterday'], { dir });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('--since "yesterday" is not a date');
  });
});
