/**
 * POST /mattermost/webhook: Mattermost outgoing webhooks, form-encoded or JSON. Every upstream sample
 * is accepted; the command is the text after the trigger word, run as the user_id in the channel_id
 * through the same dispatcher as slash commands; tokens are checked (401, nothing dispatched, nothing
 * audited, the token never logged); malformed payloads get 400 with a reason; opsbot's own posts and
 * channel-wide webhooks are ignored; answers are valid OutgoingWebhookResponses, and a job's live post
 * goes through the contract server.
 */
import { readdirSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Invocation } from '../../src/core/identity.js';
import { eventually, removeTempDirs } from '../support/app.js';
import { gates, testCommands } from './support/commands.js';
import { integrationViolations } from './support/contracts.js';
import { actionSamples, fixtureDir, outgoingWebhookSamples, slashCommandSamples, webhookPayload, withFields, type RawRequest } from './support/fixtures.js';
import { TOKENS, startHarness, type FakePost, type Harness, type HarnessOptions } from './support/harness.js';

const HOOK_TOKEN = 'hooktoken0000000000000000a';
const OTHER_HOOK_TOKEN = 'hooktoken0000000000000000b';
const BOT_USER_ID = 'opsbotbotuser0000000000000';

let h: Harness | null = null;

afterEach(async () => {
  gates.reset();
  await h?.close();
  h = null;
  removeTempDirs();
});

/** A harness whose fake Mattermost knows the bot's own user (GET /users/me). */
function start(options: HarnessOptions = {}): Promise<Harness> {
  return startHarness({
    users: new Map([['me', { id: BOT_USER_ID, username: 'opsbot' }]]),
    ...options,
    config: { webhooks: { ops: { token: HOOK_TOKEN, triggers: ['#ops', 'opsbot'] }, any: { token: OTHER_HOOK_TOKEN, triggers: [] } }, ...options.config },
  });
}

/** What Mattermost sends for a message in #ops by Olga (JSON content type unless told otherwise). */
function payload(text: string, triggerWord: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    token: HOOK_TOKEN,
    team_id: 'team0000000000000000000000',
    team_domain: 'acme',
    channel_id: 'ch-ops',
    channel_name: 'ops',
    timestamp: 1_700_000_000_000,
    user_id: 'u-olga',
    user_name: 'olga',
    post_id: 'post0000000000000000000000',
    text,
    trigger_word: triggerWord,
    file_ids: '',
    ...overrides,
  };
}

function asForm(fields: Record<string, unknown>): string {
  const form = new URLSearchParams();
  for (const key of Object.keys(fields).sort()) form.set(key, key === 'timestamp' ? String(Math.floor(Number(fields[key]) / 1000)) : String(fields[key]));
  return form.toString();
}

async function send(harness: Harness, body: string, contentType: string | null) {
  const response = await harness.http.inject({
    method: 'POST',
    url: '/mattermost/webhook',
    headers: { accept: 'application/json', ...(contentType === null ? {} : { 'content-type': contentType }) },
    payload: body,
  });
  return { status: response.statusCode, body: response.json<Record<string, unknown>>() };
}

function sendJson(harness: Harness, fields: Record<string, unknown>) {
  return send(harness, JSON.stringify(fields), 'application/json');
}

function sendSample(harness: Harness, sample: RawRequest) {
  return send(harness, sample.body, sample.headers['content-type'] ?? null);
}

function valid(body: unknown): void {
  expect(integrationViolations('OutgoingWebhookResponse', body)).toEqual([]);
}

/** Every invocation the dispatcher gets from now on. */
function watchDispatch(harness: Harness): Invocation[] {
  const seen: Invocation[] = [];
  // dispatchNow: the entry point of every adapter (dispatch goes through it too).
  const original = harness.t.app.dispatcher.dispatchNow.bind(harness.t.app.dispatcher);
  vi.spyOn(harness.t.app.dispatcher, 'dispatchNow').mockImplementation((invocation, options) => {
    seen.push(invocation);
    return original(invocation, options);
  });
  return seen;
}

describe('upstream outgoing webhook samples', () => {
  const samples = outgoingWebhookSamples();

  it('covers every Mattermost fixture file together with the slash command and action samples', () => {
    const read = new Set([...slashCommandSamples(), ...actionSamples(), ...samples].map((s) => s.name));
    const files = readdirSync(fixtureDir()).filter((f) => f !== 'FIELDS.md');
    expect(files.filter((f) => !read.has(f))).toEqual([]);
    expect(samples.map((s) => s.headers['content-type'])).toEqual(expect.arrayContaining(['application/x-www-form-urlencoded', 'application/json']));
  });

  for (const sample of samples) {
    it(`accepts ${sample.name}`, async () => {
      const fields = webhookPayload(sample);
      if (/json/.test(sample.headers['content-type'] ?? '')) expect(integrationViolations('OutgoingWebhookPayload', fields)).toEqual([]);
      const trigger = String(fields.trigger_word);
      h = await start({ config: { webhooks: { sample: { token: String(fields.token), triggers: [trigger] } } } });
      const dispatched = watchDispatch(h);

      const answer = await sendSample(h, sample);
      expect(answer.status).toBe(200);
      valid(answer.body);
      expect(typeof answer.body.text).toBe('string');
      expect(dispatched).toHaveLength(1);
      expect(dispatched[0]?.text).toBe(String(fields.text).slice(trigger.length).trim());
      expect(dispatched[0]?.principal).toMatchObject({ platform: 'mattermost', id: fields.user_id });
      expect(dispatched[0]?.conversation).toMatchObject({ platform: 'mattermost', id: fields.channel_id });

      // The same request asking `whoami`: the identity is the sample's user_id and channel_id.
      const whoami = await sendSample(h, withFields(sample, { text: `${trigger} whoami` }));
      expect(whoami.status).toBe(200);
      valid(whoami.body);
      const shown = JSON.stringify(whoami.body);
      expect(shown).toContain(`mattermost:${String(fields.user_id)}`);
      expect(shown).toContain(`mattermost:${String(fields.channel_id)}`);
      h.server?.assertClean();
    });
  }

  it('dispatches the JSON sample as typed minus its trigger word, quotes and long dash untouched', async () => {
    const sample = samples.find((s) => s.name === 'constructed_outgoing_webhook_json.json');
    expect(sample).toBeDefined();
    const fields = webhookPayload(sample!);
    h = await start({ config: { webhooks: { build: { token: String(fields.token), triggers: ['#build'] } } } });
    const dispatched = watchDispatch(h);
    expect((await sendSample(h, sample!)).status).toBe(200);
    expect(dispatched.map((i) => i.text)).toEqual(['deploy "api" now — please']);
  });
});

describe('dispatch', () => {
  it('answers a read-only command in the channel, as the poster, like the slash command', async () => {
    h = await start();
    const answer = await sendJson(h, payload('#ops whoami', '#ops'));
    expect(answer.status).toBe(200);
    valid(answer.body);
    // Mattermost posts the answer in the channel; nothing asks for a thread reply.
    expect(answer.body.response_type).toBeUndefined();
    expect(JSON.stringify(answer.body)).toContain('mattermost:u-olga');
  });

  it('takes the form-encoded variant (timestamp in seconds) the same way', async () => {
    h = await start();
    const dispatched = watchDispatch(h);
    const answer = await send(h, asForm(payload('#ops whoami', '#ops')), 'application/x-www-form-urlencoded');
    expect(answer.status).toBe(200);
    valid(answer.body);
    expect(dispatched.map((i) => [i.text, i.principal.id, i.conversation.id])).toEqual([['whoami', 'u-olga', 'ch-ops']]);
  });

  it('drops an address mark after the trigger word (`opsbot: whoami`)', async () => {
    h = await start();
    const dispatched = watchDispatch(h);
    expect((await sendJson(h, payload('opsbot: whoami', 'opsbot'))).status).toBe(200);
    expect((await sendJson(h, payload('  opsbot whoami  ', 'opsbot'))).status).toBe(200);
    expect(dispatched.map((i) => i.text)).toEqual(['whoami', 'whoami']);
  });

  it('renders errors as a normal post: an outgoing webhook cannot answer ephemerally', async () => {
    h = await start();
    const answer = await sendJson(h, payload('#ops frobnicate', '#ops'));
    expect(answer.status).toBe(200);
    valid(answer.body);
    expect(answer.body).not.toHaveProperty('response_type');
    expect(JSON.stringify(answer.body)).toMatch(/Unknown command/);
  });

  it('starts a job: answers "Job #N started" and the job gets its live post through the REST API', async () => {
    h = await start({ extraCommands: testCommands });
    const harness = h;
    const answer = await sendJson(harness, payload('#ops mm-job web --wait', '#ops'));
    expect(answer.status).toBe(200);
    valid(answer.body);
    expect(JSON.stringify(answer.body)).toMatch(/Job #\d+ started: `mm-job web --wait --lines 3`/);
    const cancel = ((answer.body.attachments ?? []) as { actions?: { name: string; integration: { url: string; context: Record<string, unknown> } }[] }[]).flatMap((a) => a.actions ?? [])[0];
    expect(cancel?.name).toBe('Cancel');
    expect(cancel?.integration.context).toMatchObject({ act: ['u-olga'] });

    const title = (p: FakePost): string => p.props.attachments?.[0]?.title ?? '';
    await eventually(() => [...harness.posts.values()], (posts) => posts.some((p) => /is running$/.test(title(p))), 'the live post');
    gates.open('job:web');
    const posts = await eventually(() => [...harness.posts.values()], (all) => all.some((p) => /succeeded$/.test(title(p))), 'the final live post');
    expect(posts).toHaveLength(1);
    expect(posts[0]?.channel_id).toBe('ch-ops');
    const [job] = await harness.t.store.jobs.list({ limit: 5 });
    expect([job?.text, job?.principal.id, job?.conversation.id, job?.state]).toEqual(['mm-job web --wait --lines 3', 'u-olga', 'ch-ops', 'succeeded']);
    const started = (await harness.t.store.audit.recent(20)).find((e) => e.event === 'job_started');
    expect(started).toMatchObject({ principal: { platform: 'mattermost', id: 'u-olga' }, conversation: { platform: 'mattermost', id: 'ch-ops' }, command: 'mm-job' });
    expect(harness.server!.callsTo('CreatePost').length).toBeGreaterThanOrEqual(1);
    harness.server?.assertClean();
  });

  it('answers "working on it" past the reply budget, then posts the answer (bot token)', async () => {
    h = await start({ extraCommands: testCommands, config: { replyBudget: 100 } });
    const harness = h;
    const answer = await sendJson(harness, payload('#ops mm-slow', '#ops'));
    expect(answer.status).toBe(200);
    valid(answer.body);
    expect(JSON.stringify(answer.body)).toMatch(/Working on it/);
    gates.open('slow');
    await eventually(() => [...harness.posts.values()], (posts) => posts.some((p) => p.message.includes('slow answer')), 'the late answer');
    harness.server?.assertClean();
  });

  it('without a bot token answers from the webhook alone and calls no API', async () => {
    h = await start({ botToken: false, extraCommands: testCommands });
    const harness = h;
    const answer = await sendJson(harness, payload('#ops mm-job web', '#ops'));
    expect(answer.status).toBe(200);
    valid(answer.body);
    expect(JSON.stringify(answer.body)).toMatch(/Job #\d+ started/);
    await eventually(() => harness.t.store.jobs.list({ limit: 5 }), (jobs) => jobs[0]?.state === 'succeeded', 'the job');
    expect(harness.server?.calls).toEqual([]);
  });
});

describe('ignored payloads', () => {
  it("does not run opsbot's own posts (the bot's user id, from GET /users/me)", async () => {
    // A generous budget: the first webhook waits up to half of it for GET /users/me, even on a loaded machine.
    h = await start({ extraCommands: testCommands, config: { replyBudget: 10_000 } });
    const dispatched = watchDispatch(h);
    for (let i = 0; i < 2; i++) {
      const answer = await sendJson(h, payload('#ops mm-job web', '#ops', { user_id: BOT_USER_ID, user_name: 'opsbot' }));
      expect(answer).toEqual({ status: 200, body: {} });
      valid(answer.body);
    }
    expect(dispatched).toEqual([]);
    expect(await h.t.store.jobs.list({ limit: 5 })).toEqual([]);
    // Asked once, then known.
    expect(h.server!.callsTo('GetUser').filter((c) => c.params.user_id === 'me')).toHaveLength(1);
    // Anyone else still runs commands.
    expect((await sendJson(h, payload('#ops whoami', '#ops'))).status).toBe(200);
    expect(dispatched).toHaveLength(1);
    h.server?.assertClean();
  });

  it('ignores a webhook without trigger words (it fires on every message of its channel)', async () => {
    h = await start();
    const dispatched = watchDispatch(h);
    const answer = await sendJson(h, payload('deploy everything please', '', { token: OTHER_HOOK_TOKEN }));
    expect(answer).toEqual({ status: 200, body: {} });
    expect(dispatched).toEqual([]);
  });
});

describe('tokens', () => {
  it('refuses a missing, wrong, slash-command or other-trigger token with 401: nothing dispatched, nothing audited, token not logged', async () => {
    h = await start({ extraCommands: testCommands });
    const dispatched = watchDispatch(h);
    const wrong = 'hooktoken0000000000000000X';
    const base = payload('#ops mm-job web', '#ops');
    const withoutToken = Object.fromEntries(Object.entries(base).filter(([k]) => k !== 'token'));
    const cases: [string, string, string][] = [
      ['missing (JSON)', JSON.stringify(withoutToken), 'application/json'],
      ['empty (JSON)', JSON.stringify({ ...base, token: '' }), 'application/json'],
      ['null (JSON)', JSON.stringify({ ...base, token: null }), 'application/json'],
      ['wrong (JSON)', JSON.stringify({ ...base, token: wrong }), 'application/json'],
      ['wrong (form)', asForm({ ...base, token: wrong }), 'application/x-www-form-urlencoded'],
      ['missing (form)', asForm(withoutToken), 'application/x-www-form-urlencoded'],
      ["a slash command's token", JSON.stringify({ ...base, token: TOKENS.ops }), 'application/json'],
      ['a trigger word its webhook does not have', JSON.stringify(payload('#build mm-job web', '#build')), 'application/json'],
    ];
    for (const [what, body, type] of cases) {
      const answer = await send(h, body, type);
      expect(answer.status, what).toBe(401);
      expect(String(answer.body.error), what).toMatch(/token/);
    }
    expect(dispatched).toEqual([]);
    expect(await h.t.store.jobs.list({ limit: 10 })).toEqual([]);
    expect(await h.t.store.audit.recent(10)).toEqual([]);
    const refusals = h.t.logs.filter((e) => e.level === 'warn' && /outgoing webhook refused/.test(e.msg ?? ''));
    expect(refusals).toHaveLength(cases.length);
    expect(refusals[0]?.obj).toMatchObject({ userId: 'u-olga', channelId: 'ch-ops', tokenSent: false });
    const logged = JSON.stringify(h.t.logs);
    for (const token of [wrong, HOOK_TOKEN, TOKENS.ops]) expect(logged).not.toContain(token);
  });

  it('accepts any trigger word for a webhook configured without trigger words', async () => {
    h = await start();
    const dispatched = watchDispatch(h);
    const answer = await sendJson(h, payload('!bot whoami', '!bot', { token: OTHER_HOOK_TOKEN }));
    expect(answer.status).toBe(200);
    expect(dispatched.map((i) => i.text)).toEqual(['whoami']);
  });
});

describe('malformed payloads', () => {
  it('answers 400 with the reason and dispatches nothing', async () => {
    h = await start();
    const dispatched = watchDispatch(h);
    const base = payload('#ops whoami', '#ops');
    const without = (key: string): Record<string, unknown> => Object.fromEntries(Object.entries(base).filter(([k]) => k !== key));
    const json = 'application/json';
    const form = 'application/x-www-form-urlencoded';
    const cases: [string, string, string | null, RegExp][] = [
      ['broken JSON', '{"token": "x", "text": ', json, /not valid JSON/],
      ['a JSON array', '[]', json, /JSON object/],
      ['a number for user_id', JSON.stringify({ ...base, user_id: 42 }), json, /user_id must be a string/],
      ['no user_id', JSON.stringify(without('user_id')), json, /user_id is missing/],
      ['no channel_id', JSON.stringify(without('channel_id')), json, /channel_id is missing/],
      ['no text', JSON.stringify(without('text')), json, /text is missing/],
      ['no trigger_word', JSON.stringify(without('trigger_word')), json, /trigger_word is missing/],
      ['a user_id that is no id', JSON.stringify({ ...base, user_id: 'olga smith' }), json, /user_id is not a Mattermost id/],
      ['text not starting with trigger_word', JSON.stringify({ ...base, text: 'please #ops whoami' }), json, /does not start with trigger_word/],
      ['a timestamp string in JSON', JSON.stringify({ ...base, timestamp: '1700000000' }), json, /timestamp/],
      ['user_id twice in a form', `${asForm(base)}&user_id=u-oscar`, form, /user_id is given more than once/],
      ['no channel_id in a form', asForm(without('channel_id')), form, /channel_id is missing/],
      ['a timestamp that is no number in a form', asForm({ ...base, timestamp: 'yesterday' }), form, /timestamp/],
      ['an empty body', '', json, /empty/],
      ['text/plain', 'token=x&text=hi', 'text/plain', /content type/],
      ['no content type', asForm(base), null, /content type/],
    ];
    for (const [what, body, type, reason] of cases) {
      const answer = await send(h, body, type);
      expect(answer.status, what).toBe(400);
      expect(String(answer.body.error), what).toMatch(reason);
    }
    expect(dispatched).toEqual([]);
    expect(await h.t.store.jobs.list({ limit: 10 })).toEqual([]);
  });

  it('refuses a body over the server limit with 413, not a 5xx', async () => {
    h = await start();
    const answer = await sendJson(h, payload(`#ops ${'x'.repeat(1_100_000)}`, '#ops'));
    expect(answer.status).toBe(413);
  });
});
