/**
 * The dispatcher end to end in one process: real registry, policy, runner and SQLite store. Every
 * refusal is checked twice: what the person reads, and what the audit recorded.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackendError, defineCommand, msg, UsageError } from '../../src/core/index.js';
import type { Conversation, Invocation, Principal } from '../../src/core/identity.js';
import type { AuditEntry } from '../../src/core/store.js';
import { people, places, removeTempDirs, startTestApp, type Said, type TestApp } from '../support/app.js';

const SECRET = 'tok-7f3a9c2e1b';
const WRONG_SECRET = 'NOT VALID tok-9z8y7x';

/** What the handlers saw, per test. */
const seen = { wiped: [] as string[], dryRuns: [] as boolean[] };

const wipe = defineCommand({
  name: 'wipe',
  summary: 'Test: a destructive command on a target.',
  examples: ['wipe web'],
  args: { target: { type: 'string', positional: 0, required: true, pattern: /^[a-z]+$/, description: 'The target.' } },
  permission: ({ target }) => `data:wipe:${target}`,
  sideEffect: 'destructive',
  lock: ({ target }) => target,
  run({ target }, ctx) {
    seen.wiped.push(target);
    seen.dryRuns.push(ctx.dryRun);
    return msg.text(ctx.dryRun ? `would wipe ${target}` : `wiped ${target}`, 'success');
  },
});

const probe = defineCommand({
  name: 'probe',
  summary: 'Test: a mutating command that reports ctx.dryRun.',
  examples: ['probe'],
  args: {},
  permission: () => 'test:probe',
  sideEffect: 'mutates',
  run(_args, ctx) {
    seen.dryRuns.push(ctx.dryRun);
    return msg.text(`dry run: ${String(ctx.dryRun)}`);
  },
});

const secretive = defineCommand({
  name: 'secretive',
  summary: 'Test: a command with a secret argument that echoes it everywhere it can.',
  examples: ['secretive --token abc'],
  args: {
    token: { type: 'string', required: true, secret: true, pattern: /^[a-z0-9-]+$/, description: 'A token.' },
    fail: { type: 'boolean', description: 'Fail, quoting the token.' },
  },
  permission: () => 'test:secretive',
  sideEffect: 'mutates',
  run({ token, fail }, ctx) {
    ctx.log(`using token ${token}`);
    ctx.progress(`authenticating with ${token}`);
    ctx.ref('url', `https://ci.example/run?token=${token}`);
    if (fail) throw new BackendError(`the backend refused token ${token}`, 'ci');
    return { title: `done with ${token}`, tone: 'success', blocks: [{ kind: 'text', text: `token ${token} accepted` }] };
  },
});

/** A read-only command whose server is down: an expected failure. */
const unreachable = defineCommand({
  name: 'unreachable',
  summary: 'Test: a status read from a server that does not answer.',
  examples: ['unreachable'],
  args: {},
  permission: () => 'help',
  sideEffect: 'none',
  run() {
    throw new BackendError('Cannot reach Jenkins at http://127.0.0.1:9: connect ECONNREFUSED 127.0.0.1:9.', 'jenkins');
  },
});

const boom = defineCommand({
  name: 'boom',
  summary: 'Test: a read-only command with a bug.',
  examples: ['boom'],
  args: {},
  permission: () => 'test:boom',
  sideEffect: 'none',
  run() {
    throw new TypeError('Cannot read properties of undefined (reading "internals")');
  },
});

const boomJob = defineCommand({
  name: 'boom-job',
  summary: 'Test: a job with a bug.',
  examples: ['boom-job'],
  args: {},
  permission: () => 'test:boom',
  sideEffect: 'mutates',
  run() {
    throw new RangeError('index 7 out of range in internals');
  },
});

let t: TestApp;

beforeEach(async () => {
  seen.wiped = [];
  seen.dryRuns = [];
  t = await startTestApp({ extraCommands: [wipe, probe, secretive, unreachable, boom, boomJob] });
});

afterEach(async () => {
  await t.close();
});

afterAll(() => removeTempDirs());

async function audit(): Promise<AuditEntry[]> {
  return (await t.store.audit.recent(200)).reverse();
}

function confirmationCode(said: Said): string {
  expect(said.status).toBe('confirm');
  const command = said.message.actions?.[0]?.command ?? '';
  const match = /^confirm ([A-Z0-9]{6})$/.exec(command);
  if (match === null) throw new Error(`no confirmation code in ${JSON.stringify(said.message)}`);
  return match[1] as string;
}

describe('unknown commands and usage errors', () => {
  it('answers an unknown command with a suggestion and the way to list commands', async () => {
    const said = await t.say('unlok web');
    expect(said.status).toBe('usage');
    expect(said.text).toContain('Unknown command `unlok`. Did you mean `unlock`?');
    expect(said.text).toContain('Type `help` to list the commands.');
  });

  it('quotes a long unknown word back shortened, not in full', async () => {
    const said = await t.say(`${'x'.repeat(5_000)} now`);
    expect(said.status).toBe('usage');
    expect(said.text).toContain(`Unknown command \`${'x'.repeat(39)}…\`.`);
    expect(said.text.length).toBeLessThan(200);
  });

  it('gives no suggestion when nothing is close', async () => {
    const said = await t.say('xyzzyplugh');
    expect(said.status).toBe('usage');
    expect(said.text).toContain('Unknown command `xyzzyplugh`.');
    expect(said.text).not.toContain('Did you mean');
  });

  it('puts the usage of the command in the hint of a usage error', async () => {
    const said = await t.say('job abc');
    expect(said.status).toBe('usage');
    expect(said.message.blocks[0]).toEqual({ kind: 'text', text: '`id` must be a whole number, not `abc`.' });
    expect(said.message.blocks[1]).toEqual({ kind: 'code', text: 'Usage: job <id> [--lines <lines>]' });
  });

  it('explains an empty line and an unbalanced quote instead of failing', async () => {
    const empty = await t.say('   ');
    expect(empty.status).toBe('usage');
    expect(empty.text).toContain('Type a command');
    const quote = await t.say('lock "web');
    expect(quote.status).toBe('usage');
  });

  it('accepts a leading slash, as chat slash commands send it', async () => {
    const said = await t.say('/whoami');
    expect(said.status).toBe('ok');
    expect(said.text).toContain('mattermost:u-olga');
  });

  it('audits a usage rejection of a mutating command as `rejected`, but not of a read-only one', async () => {
    const said = await t.say('lock "bad target!"');
    expect(said.status).toBe('usage');
    await t.say('job abc');
    const rows = await audit();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ event: 'rejected', outcome: 'rejected', command: 'lock', principal: people.olga, conversation: places.ops });
    expect(rows[0]?.detail).toContain('is not a valid target');
  });
});

describe('permissions', () => {
  it('refuses a user whose roles lack the permission, naming it, and audits the denial', async () => {
    const said = await t.say('lock web', people.sam);
    expect(said.status).toBe('denied');
    expect(said.text).toContain('You need the permission `locks:set:web`');
    const rows = await audit();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ event: 'denied', outcome: 'denied', permission: 'locks:set:web', command: 'lock', args: { target: 'web' }, principal: people.sam });
    expect(await t.store.locks.list(new Date())).toEqual([]);
  });

  it('refuses a viewer a mutating command but lets them read', async () => {
    expect((await t.say('lock web', people.vera)).status).toBe('denied');
    expect((await t.say('jobs', people.vera)).status).toBe('ok');
  });

  it('refuses a command the channel binding does not allow, even to an operator, and audits it', async () => {
    const said = await t.say('lock web', people.olga, places.lobby);
    expect(said.status).toBe('denied');
    expect(said.text).toContain('`lock` is not enabled in this channel (allowed here: help, whoami, jobs, job).');
    const rows = await audit();
    expect(rows[0]).toMatchObject({ event: 'denied', permission: 'channel:lock', conversation: places.lobby });
  });

  it('applies the default binding to a conversation that has none', async () => {
    expect((await t.say('jobs', people.olga, places.random)).status).toBe('denied');
    expect((await t.say('whoami', people.sam, places.random)).status).toBe('ok');
  });
});

describe('confirmation of destructive commands', () => {
  it('asks first, and runs only when the same person confirms in the same conversation', async () => {
    const prompt = await t.say('wipe web');
    const code = confirmationCode(prompt);
    expect(prompt.text).toContain('Confirm: `wipe web`');
    expect(prompt.text).toContain(`confirm ${code}`);
    expect(seen.wiped).toEqual([]);
    expect(await t.store.jobs.list({ limit: 10 })).toEqual([]);

    const confirmed = await t.say(`confirm ${code}`);
    expect(confirmed.status).toBe('job');
    if (confirmed.outcome.kind !== 'job') throw new Error('expected a job');
    const { job } = await confirmed.outcome.completion;
    expect(job.state).toBe('succeeded');
    expect(seen.wiped).toEqual(['web']);

    const events = (await audit()).map((e) => [e.event, e.command, e.jobId]);
    expect(events).toEqual([
      ['confirm_requested', 'wipe', null],
      ['confirmed', 'wipe', null],
      ['job_started', 'wipe', job.id],
      ['job_finished', 'wipe', job.id],
    ]);
  });

  it('accepts the code in lower case', async () => {
    const code = confirmationCode(await t.say('wipe web'));
    expect((await t.say(`confirm ${code.toLowerCase()}`)).status).toBe('job');
  });

  it('refuses a second use of the same code', async () => {
    const code = confirmationCode(await t.say('wipe web'));
    const first = await t.say(`confirm ${code}`);
    if (first.outcome.kind === 'job') await first.outcome.completion;
    const again = await t.say(`confirm ${code}`);
    expect(again.status).toBe('denied');
    expect(again.text).toContain('That confirmation is unknown, expired, already used');
    expect(seen.wiped).toEqual(['web']);
    const last = (await audit()).at(-1);
    expect(last).toMatchObject({ event: 'denied', command: 'confirm', args: { code } });
  });

  it('refuses the code to another person, without burning it for the right one', async () => {
    const code = confirmationCode(await t.say('wipe web'));
    expect((await t.say(`confirm ${code}`, people.oscar)).status).toBe('denied');
    expect(seen.wiped).toEqual([]);
    expect((await t.say(`confirm ${code}`, people.olga)).status).toBe('job');
  });

  it('refuses the code in another conversation', async () => {
    const code = confirmationCode(await t.say('wipe web'));
    expect((await t.say(`confirm ${code}`, people.olga, places.war)).status).toBe('denied');
    expect(seen.wiped).toEqual([]);
  });

  it('refuses an expired code', async () => {
    const code = confirmationCode(await t.say('wipe web'));
    t.clock.advance(5 * 60_000 + 1_000);
    const said = await t.say(`confirm ${code}`);
    expect(said.status).toBe('denied');
    expect(seen.wiped).toEqual([]);
  });

  it('explains a malformed confirm', async () => {
    const said = await t.say('confirm');
    expect(said.status).toBe('usage');
    expect(said.text).toContain('Usage: confirm <code>');
  });

  it('does not ask for confirmation of a dry run', async () => {
    const said = await t.say('wipe web --dry-run');
    expect(said.status).toBe('job');
    if (said.outcome.kind !== 'job') throw new Error('expected a job');
    const { job, reply } = await said.outcome.completion;
    expect(job.dryRun).toBe(true);
    expect(reply.blocks[0]).toEqual({ kind: 'text', text: 'would wipe web' });
    expect(seen.dryRuns).toEqual([true]);
  });
});

describe('--dry-run', () => {
  it('reaches the handler as ctx.dryRun and is kept with the job', async () => {
    const dry = await t.runJob('probe --dry-run');
    const real = await t.runJob('probe');
    expect(seen.dryRuns).toEqual([true, false]);
    expect(dry.job).toMatchObject({ dryRun: true, text: 'probe --dry-run' });
    expect(real.job).toMatchObject({ dryRun: false, text: 'probe' });
  });

  it('is not accepted by read-only commands', async () => {
    const said = await t.say('jobs --dry-run');
    expect(said.status).toBe('usage');
    expect(said.text).toContain('Unknown option `--dry-run`');
  });
});

describe('secrets', () => {
  it('keeps a secret argument out of the job record, the audit, the output and the reply', async () => {
    const { job, text } = await t.runJob(`secretive --token ${SECRET}`);
    expect(job.state).toBe('succeeded');
    expect(job.text).toBe('secretive --token ***');
    expect(job.args).toEqual({ token: '***', fail: false });
    expect(job.output).toBe('using token ***');
    expect(job.refs).toEqual({ url: 'https://ci.example/run?token=***' });
    expect(text).toContain('token *** accepted');
    expect(text).not.toContain(SECRET);
    expect(t.dump()).not.toContain(SECRET);
    expect(JSON.stringify(t.logs)).not.toContain(SECRET);
    // The audit is there, just without the value.
    expect((await audit()).map((e) => e.event)).toEqual(['job_started', 'job_finished']);
  });

  it('masks the secret in the error of a failed job', async () => {
    const { job, text } = await t.runJob(`secretive --token ${SECRET} --fail`);
    expect(job.state).toBe('failed');
    expect(job.error).toBe('the backend refused token ***');
    expect(text).not.toContain(SECRET);
    expect(t.dump()).not.toContain(SECRET);
  });

  it('does not echo a secret that fails validation, in the reply or the `rejected` audit', async () => {
    const said = await t.say(`secretive --token '${WRONG_SECRET}'`);
    expect(said.status).toBe('usage');
    expect(said.text).not.toContain(WRONG_SECRET);
    expect(said.text).toContain('token');
    const rows = await audit();
    expect(rows.map((e) => e.event)).toEqual(['rejected']);
    expect(t.dump()).not.toContain('tok-9z8y7x');
  });

  it('redacts the secret in a denied attempt', async () => {
    const said = await t.say(`secretive --token ${SECRET}`, people.vera);
    expect(said.status).toBe('denied');
    const rows = await audit();
    expect(rows[0]).toMatchObject({ event: 'denied', args: { token: '***' } });
    expect(t.dump()).not.toContain(SECRET);
  });
});

describe('config secrets in answers that are not jobs', () => {
  const CONFIG_SECRET = 'cfg-token-5f1d2e';
  const leaky = defineCommand({
    name: 'leaky',
    summary: 'Test: a status line that quotes a configured URL with its token, or an error that does.',
    examples: ['leaky'],
    args: { fail: { type: 'boolean', description: 'Fail, quoting the URL.' } },
    permission: () => 'help',
    sideEffect: 'none',
    run({ fail }) {
      const url = `https://health.example/check?token=${CONFIG_SECRET}`;
      if (fail) throw new BackendError(`${url} answered 401`, 'health');
      return { title: `Health of ${url}`, tone: 'info', blocks: [{ kind: 'table', columns: ['url'], rows: [[url]] }] };
    },
  });

  const refusing = defineCommand({
    name: 'refusing',
    summary: 'Test: a mutating command whose check refuses, quoting a configured URL with its token.',
    examples: ['refusing'],
    args: {},
    permission: () => 'help',
    sideEffect: 'mutates',
    check: () => {
      throw new UsageError(`https://health.example/check?token=${CONFIG_SECRET} is not reachable from here`);
    },
    run: () => msg.text('never'),
  });

  it('masks them in a read-only answer, an error reply and the audit of a refusal, as job output is masked', async () => {
    const app = await startTestApp({ extraCommands: [leaky, refusing], secrets: [CONFIG_SECRET] });
    try {
      for (const text of ['leaky', 'leaky --fail']) {
        const said = await app.say(text);
        expect(JSON.stringify(said.message)).not.toContain(CONFIG_SECRET);
        expect(said.text).toContain('token=***');
      }
      expect((await app.say('refusing')).status).toBe('usage');
      const [rejected] = await app.store.audit.recent(1);
      expect(rejected).toMatchObject({ event: 'rejected', command: 'refusing' });
      expect(rejected?.detail).toContain('token=***');
      expect(JSON.stringify(await app.store.audit.recent(10))).not.toContain(CONFIG_SECRET);
    } finally {
      await app.close();
    }
  });
});

describe('unexpected errors', () => {
  it('answers a crashing read-only handler with a reference, never the stack, and logs the error', async () => {
    const said = await t.say('boom');
    expect(said.status).toBe('error');
    expect(said.text).toBe(`✖ Something went wrong on our side (ref ${said.invocationId}). The details are in opsbot's log.`);
    expect(said.text).not.toContain('internals');
    const logged = t.logs.find((e) => e.level === 'error');
    expect(logged?.obj).toMatchObject({ invocationId: said.invocationId, command: 'boom' });
    expect((logged?.obj as { err?: unknown }).err).toBeInstanceOf(TypeError);
    // Still serving.
    expect((await t.say('whoami')).status).toBe('ok');
  });

  it('answers a server that cannot be reached in one sentence, logged as a warning without a stack', async () => {
    const said = await t.say('unreachable');
    expect(said.status).toBe('error');
    expect(said.text).toBe('✖ Cannot reach Jenkins at http://127.0.0.1:9: connect ECONNREFUSED 127.0.0.1:9.');
    expect(t.logs.filter((e) => e.level === 'error')).toEqual([]);
    expect(t.logs.find((e) => e.msg === 'command failed')).toMatchObject({ level: 'warn', obj: { command: 'unreachable', reason: 'Cannot reach Jenkins at http://127.0.0.1:9: connect ECONNREFUSED 127.0.0.1:9.' } });
  });

  it('ends a crashing job as failed with a reference, never the stack', async () => {
    const started = await t.start('boom-job');
    const { job, text } = await started.completion;
    expect(job.state).toBe('failed');
    expect(job.error).toMatch(/^Unexpected error \(ref [0-9a-f-]{36}\); see the log\.$/);
    expect(text).not.toContain('internals');
    expect(text).not.toMatch(/\bat .+:\d+:\d+/);
    const logged = t.logs.find((e) => e.level === 'error' && (e.obj as { err?: unknown }).err instanceof RangeError);
    // The line carries the job's bindings (its logger is made when the job first logs).
    expect(logged?.obj).toMatchObject({ jobId: job.id, command: 'boom-job' });
    expect(logged?.msg).toBe('job failed with an unexpected error');
  });
});

describe('check: config-dependent validation before any job', () => {
  it('refuses at once with a usage error, audits `rejected`, and creates no job', async () => {
    const { UsageError } = await import('../../src/core/index.js');
    const deployLike = defineCommand({
      name: 'ship',
      summary: 'Ship a known store.',
      examples: ['ship store-pl'],
      args: { store: { type: 'string', positional: 0, required: true, description: 'The store.' } },
      permission: (a) => `ship:${a.store}`,
      sideEffect: 'mutates',
      check: ({ store }) => {
        if (store !== 'store-pl') throw new UsageError(`There is no store \`${store}\`.`);
      },
      run: () => ({ tone: 'success', blocks: [{ kind: 'text', text: 'shipped' }] }),
    });
    const t = await startTestApp({ extraCommands: [deployLike] });
    const refused = await t.say('ship store-xx');
    expect(refused.status).toBe('usage');
    expect(refused.text).toContain('There is no store `store-xx`.');
    expect(await t.store.jobs.list({ limit: 10 })).toEqual([]);
    expect((await t.store.audit.recent(5)).map((e) => e.event)).toContain('rejected');
    const accepted = await t.start('ship store-pl');
    expect((await accepted.completion).job.state).toBe('succeeded');
  });
});

describe('dispatchNow, the entry point of the HTTP adapters', () => {
  const invocation = (text: string, principal: Principal = people.olga, conversation: Conversation = places.ops): Invocation => ({ id: `now-${text}`, text, principal, conversation, receivedAt: new Date() });

  it('answers a read-only command that answers at once as a value, with the same reply dispatch gives', async () => {
    const now = t.app.dispatcher.dispatchNow(invocation('whoami'));
    expect(now).not.toBeInstanceOf(Promise);
    const later = await t.app.dispatcher.dispatch(invocation('whoami'));
    expect(now).toEqual(later);
    expect(now).toMatchObject({ kind: 'reply', status: 'ok', command: 'whoami' });
  });

  it('answers refusals before any store write as values too: usage, unknown command', () => {
    expect(t.app.dispatcher.dispatchNow(invocation('whoami extra'))).toMatchObject({ kind: 'reply', status: 'usage' });
    expect(t.app.dispatcher.dispatchNow(invocation('whoamii'))).toMatchObject({ kind: 'reply', status: 'usage', command: null });
  });

  it('gives a promise whenever the outcome needs the store: a job, an audited denial, a confirmation', async () => {
    const job = t.app.dispatcher.dispatchNow(invocation('probe'));
    expect(job).toBeInstanceOf(Promise);
    const started = await job;
    expect(started.kind).toBe('job');
    if (started.kind === 'job') await started.completion;

    const denied = t.app.dispatcher.dispatchNow(invocation('probe', people.vera));
    expect(denied).toBeInstanceOf(Promise);
    expect(await denied).toMatchObject({ kind: 'reply', status: 'denied' });
    expect((await t.store.audit.recent(1))[0]?.event).toBe('denied');

    const confirm = t.app.dispatcher.dispatchNow(invocation('wipe web'));
    expect(confirm).toBeInstanceOf(Promise);
    expect(await confirm).toMatchObject({ kind: 'reply', status: 'confirm' });
  });
});
