/**
 * POST /mattermost/command: every upstream slash command sample is accepted; the identity is the
 * user_id and the channel_id; tokens are per trigger; malformed forms get 400 with a reason; both
 * trigger styles reach the dispatcher; answers are valid CommandResponses.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, removeTempDirs } from '../support/app.js';
import { testCommands, gates } from './support/commands.js';
import { integrationViolations } from './support/contracts.js';
import { slashCommandSamples, triggerAndToken } from './support/fixtures.js';
import { TOKENS, sendCommand, slashFields, slashForm, startHarness, type Harness } from './support/harness.js';

let h: Harness | null = null;

afterEach(async () => {
  gates.reset();
  await h?.close();
  h = null;
  removeTempDirs();
});

function valid(body: unknown): void {
  expect(integrationViolations('CommandResponse', body)).toEqual([]);
}

describe('upstream slash command samples', () => {
  for (const sample of slashCommandSamples()) {
    it(`accepts ${sample.name}`, async () => {
      const { trigger, token } = triggerAndToken(sample);
      h = await startHarness({ config: { commands: { [trigger]: token, ops: TOKENS.ops } } });
      const answer = await sendCommand(h, sample.body, sample.headers);
      expect(answer.status).toBe(200);
      valid(answer.body);
      // The same request with its text replaced by `whoami` on the umbrella trigger: the identity is the
      // sample's user_id and channel_id, whatever the names say.
      const form = new URLSearchParams(sample.body.split('&').map((p) => p.trim()).join('&'));
      form.set('command', '/ops');
      form.set('text', 'whoami');
      form.set('token', TOKENS.ops);
      const whoami = await sendCommand(h, form.toString());
      expect(whoami.status).toBe(200);
      valid(whoami.body);
      const shown = JSON.stringify(whoami.body);
      expect(shown).toContain(`mattermost:${form.get('user_id') ?? ''}`);
      expect(shown).toContain(`mattermost:${form.get('channel_id') ?? ''}`);
      h.server?.assertClean();
    });
  }
});

describe('tokens', () => {
  it('refuses a missing, wrong, unknown-trigger or other-command token with 401 and starts nothing', async () => {
    h = await startHarness({ extraCommands: testCommands });
    const fields = slashFields('mm-job', 'web');
    const cases: [string, Record<string, string>, Record<string, string>][] = [
      ['missing', { ...fields, token: '' }, {}],
      ['wrong', { ...fields, token: 'tok-mm-job-0000000000000X' }, {}],
      ['wrong in the header', { ...fields, token: '' }, { authorization: 'Token nope' }],
      ["another command's", { ...fields, token: TOKENS['mm-nuke'] }, {}],
      ["another command's on the umbrella", slashFields('ops', 'mm-job web', { token: TOKENS['mm-job'] }), {}],
      ['unconfigured trigger', slashFields('deploy', 'web', { token: TOKENS['mm-job'] }), {}],
    ];
    for (const [what, form, headers] of cases) {
      const answer = await sendCommand(h, slashForm(form), headers);
      expect(answer.status, what).toBe(401);
      expect(answer.body.error, what).toMatch(/token/);
    }
    expect(await h.t.store.jobs.list({ limit: 10 })).toEqual([]);
    expect(h.server?.calls).toEqual([]);
  });

  it('takes the token from `Authorization: Token …` or from the form', async () => {
    h = await startHarness({ extraCommands: testCommands });
    const viaHeader = await sendCommand(h, slashForm({ ...slashFields('ops', 'help'), token: '' }), { authorization: `Token ${TOKENS.ops}` });
    expect(viaHeader.status).toBe(200);
    const viaField = await sendCommand(h, slashForm(slashFields('ops', 'help')));
    expect(viaField.status).toBe(200);
    valid(viaField.body);
  });
});

describe('malformed forms', () => {
  it('answers 400 with the reason', async () => {
    h = await startHarness();
    const base = slashFields('ops', 'help');
    const without = (key: string): Record<string, string> => Object.fromEntries(Object.entries(base).filter(([k]) => k !== key));
    const cases: [string, string, RegExp][] = [
      ['no user_id', slashForm(without('user_id')), /user_id is missing/],
      ['no channel_id', slashForm(without('channel_id')), /channel_id is missing/],
      ['no command', slashForm(without('command')), /command is missing/],
      ['no text', slashForm(without('text')), /text is missing/],
      ['user_id twice', slashForm({ ...base, user_id: ['u-olga', 'u-oscar'] }), /user_id is given more than once/],
      ['a user_id that is no id', slashForm({ ...base, user_id: 'olga smith' }), /user_id is not a Mattermost id/],
      ['a command without its slash', slashForm({ ...base, command: 'ops' }), /not a slash command/],
      ['a response_url that is no URL', slashForm({ ...base, response_url: 'javascript:alert(1)' }), /response_url/],
    ];
    for (const [what, body, reason] of cases) {
      const answer = await sendCommand(h, body);
      expect(answer.status, what).toBe(400);
      expect(String(answer.body.error), what).toMatch(reason);
    }
    const json = await h.http.inject({ method: 'POST', url: '/mattermost/command', headers: { 'content-type': 'application/json' }, payload: '{"text":"help"}' });
    expect(json.statusCode).toBe(400);
    expect(json.json<{ error: string }>().error).toMatch(/form/);
    expect(await h.t.store.jobs.list({ limit: 10 })).toEqual([]);
  });
});

describe('answers', () => {
  it('answers a read-only command directly, in the channel', async () => {
    h = await startHarness();
    const answer = await sendCommand(h, slashForm(slashFields('ops', 'whoami')));
    expect(answer.status).toBe(200);
    valid(answer.body);
    expect(answer.body.response_type).toBe('in_channel');
    expect(JSON.stringify(answer.body)).toContain('mattermost:u-olga');
  });

  it('answers an error to the invoker only', async () => {
    h = await startHarness();
    const answer = await sendCommand(h, slashForm(slashFields('ops', 'frobnicate')));
    valid(answer.body);
    expect(answer.body).toMatchObject({ response_type: 'ephemeral' });
    expect(JSON.stringify(answer.body)).toMatch(/Unknown command/);
  });

  it('runs a per-command trigger and the umbrella trigger as the same command', async () => {
    h = await startHarness({ extraCommands: testCommands });
    const own = await sendCommand(h, slashForm(slashFields('mm-job', 'alpha')));
    const umbrella = await sendCommand(h, slashForm(slashFields('ops', 'mm-job beta')));
    for (const answer of [own, umbrella]) {
      expect(answer.status).toBe(200);
      valid(answer.body);
      expect(answer.body.response_type).toBe('ephemeral');
    }
    expect(JSON.stringify(own.body)).toMatch(/Job #\d+ started: `mm-job alpha --lines 3`/);
    expect(JSON.stringify(umbrella.body)).toMatch(/Job #\d+ started: `mm-job beta --lines 3`/);
    const jobs = await eventually(() => h!.t.store.jobs.list({ limit: 10 }), (j) => j.length === 2 && j.every((x) => x.state === 'succeeded'), 'both jobs');
    expect(jobs.map((j) => [j.text, j.principal.id, j.conversation.id]).sort()).toEqual([
      ['mm-job alpha --lines 3', 'u-olga', 'ch-ops'],
      ['mm-job beta --lines 3', 'u-olga', 'ch-ops'],
    ]);
  });

  it('answers "working on it" when a read-only command outlasts the budget, then posts the answer', async () => {
    h = await startHarness({ extraCommands: testCommands, config: { replyBudget: 100 } });
    const answer = await sendCommand(h, slashForm(slashFields('ops', 'mm-slow')));
    expect(answer.status).toBe(200);
    valid(answer.body);
    expect(answer.body).toMatchObject({ response_type: 'ephemeral' });
    expect(JSON.stringify(answer.body)).toMatch(/Working on it/);
    gates.open('slow');
    const harness = h;
    await eventually(() => [...harness.posts.values()], (posts) => posts.some((p) => p.message.includes('slow answer')), 'the late answer');
    harness.server?.assertClean();
  });
});
