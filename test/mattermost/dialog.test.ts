/**
 * Dialogs: a command typed without its required arguments opens a form generated from its args
 * schema (POST /api/v4/actions/dialogs/open, checked against the contract); the submission comes back
 * to POST /mattermost/dialog, becomes safely quoted command text and takes the normal dispatch.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { quote, submissionText } from '../../src/adapters/mattermost/dialog.js';
import { tokenize } from '../../src/core/args/tokenize.js';
import { eventually, removeTempDirs } from '../support/app.js';
import { sharedDir } from '../support/shared.js';
import { mmForm, testCommands } from './support/commands.js';
import { integrationViolations } from './support/contracts.js';
import { sendCommand, sendJson, slashFields, slashForm, startHarness, type Harness } from './support/harness.js';

let h: Harness | null = null;

afterEach(async () => {
  await h?.close();
  h = null;
  removeTempDirs();
});

interface Opened {
  trigger_id: string;
  url: string;
  dialog: { callback_id: string; title: string; state: string; elements: { name: string; type: string; optional: boolean; default?: string; options?: { value: string }[] }[] };
}

async function openForm(harness: Harness, text: string): Promise<Opened> {
  const answer = await sendCommand(harness, slashForm(slashFields('ops', text)));
  expect(answer.status).toBe(200);
  expect(integrationViolations('CommandResponse', answer.body)).toEqual([]);
  expect(answer.body).toMatchObject({ response_type: 'ephemeral', text: 'Fill in the form to run the command.' });
  const [call] = harness.server!.callsTo('OpenInteractiveDialog');
  expect(integrationViolations('OpenDialogRequest', call?.body)).toEqual([]);
  return call?.body as Opened;
}

function submit(state: string, submission: Record<string, unknown> | null, overrides: Record<string, unknown> = {}) {
  return { type: 'dialog_submission', callback_id: 'mm-form', state, user_id: 'u-olga', channel_id: 'ch-ops', team_id: 'team0000000000000000000000', submission, cancelled: false, ...overrides };
}

async function answerTo(harness: Harness, payload: unknown) {
  const answer = await sendJson(harness, '/mattermost/dialog', payload);
  expect(answer.status).toBe(200);
  expect(integrationViolations('SubmitDialogResponse', answer.body)).toEqual([]);
  return answer.body as { error?: string };
}

describe('dialogs', () => {
  it('opens a form for the missing arguments, with what was typed filled in', async () => {
    h = await startHarness({ extraCommands: testCommands });
    const opened = await openForm(h, 'mm-form store-pl');
    expect(opened).toMatchObject({ trigger_id: 'dHJpZ2dlcg==', url: 'https://opsbot.example.test/mattermost/dialog', dialog: { callback_id: 'mm-form', title: 'Run mm-form' } });
    expect(opened.dialog.elements.map((e) => [e.name, e.type, e.optional, e.default ?? null])).toEqual([
      ['store', 'text', false, 'store-pl'],
      ['colour', 'select', false, null],
      ['reason', 'text', false, null],
      ['replicas', 'text', true, null],
      ['force', 'bool', true, null],
      ['dry-run', 'bool', true, null],
    ]);
    expect(opened.dialog.elements[1]?.options?.map((o) => o.value)).toEqual(['blue', 'green']);
    expect(await h.t.store.jobs.list({ limit: 5 })).toEqual([]);
    h.server?.assertClean();
  });

  it('runs the submission through the same dispatch, with every value kept as one word', async () => {
    h = await startHarness({ extraCommands: testCommands });
    const opened = await openForm(h, 'mm-form store-pl');
    const reason = 'hot "fix"; rm -rf / $(reboot) --force';
    const body = await answerTo(h, submit(opened.dialog.state, { store: 'store-pl', colour: 'green', reason, replicas: 3, force: false, 'dry-run': false }));
    expect(body).toEqual({});
    const harness = h;
    const [job] = await eventually(() => harness.t.store.jobs.list({ limit: 5 }), (j) => j[0]?.state === 'succeeded', 'the job from the form');
    expect(job?.args).toEqual({ store: 'store-pl', colour: 'green', reason, replicas: 3, force: false });
    expect(job?.principal.id).toBe('u-olga');
    harness.server?.assertClean();
  });

  it('answers a form opened in a thread in that thread, under the name of who filled it in', async () => {
    h = await startHarness({ extraCommands: testCommands });
    const root = 'rootpost000000000000000000';
    const answer = await sendCommand(h, slashForm(slashFields('ops', 'mm-form store-pl', { root_id: root })));
    expect(answer.body).toMatchObject({ text: 'Fill in the form to run the command.' });
    const opened = h.server!.callsTo('OpenInteractiveDialog')[0]?.body as Opened;
    expect(await answerTo(h, submit(opened.dialog.state, { store: 'store-pl', colour: 'green', reason: 'r' }))).toEqual({});
    const harness = h;
    const [job] = await eventually(() => harness.t.store.jobs.list({ limit: 5 }), (j) => j[0]?.state === 'succeeded', 'the job from the form');
    expect(job?.conversation).toMatchObject({ id: 'ch-ops', threadId: root });
    expect(job?.principal).toEqual({ platform: 'mattermost', id: 'u-olga', name: 'olga' });
    // Its post goes in the thread the command was typed in, not to the channel's root.
    const [post] = await eventually(() => Promise.resolve(harness.server!.callsTo('CreatePost')), (calls) => calls.length > 0, 'the job post');
    expect(post?.body).toMatchObject({ channel_id: 'ch-ops', root_id: root });
  });

  it('keeps the form open with the reason when a value is wrong', async () => {
    h = await startHarness({ extraCommands: testCommands });
    const opened = await openForm(h, 'mm-form store-pl');
    const body = await answerTo(h, submit(opened.dialog.state, { store: 'store-pl', colour: 'blue', reason: 'x', replicas: 99 }));
    expect(body.error).toMatch(/replicas.*at most 10/);
    expect(await h.t.store.jobs.list({ limit: 5 })).toEqual([]);
  });

  it('refuses a forged, foreign or expired form state, audited', async () => {
    h = await startHarness({ extraCommands: testCommands });
    const opened = await openForm(h, 'mm-form store-pl');
    const values = { store: 'store-pl', colour: 'blue', reason: 'x' };
    const forged = JSON.stringify({ ...(JSON.parse(opened.dialog.state) as object), cmd: 'mm-nuke' });
    for (const payload of [submit(forged, values), submit(opened.dialog.state, values, { user_id: 'u-oscar' }), submit(opened.dialog.state, values, { channel_id: 'ch-war' })]) {
      expect((await answerTo(h, payload)).error).toBe('This form is not valid any more. Run the command again.');
    }
    h.t.clock.advance(2 * 24 * 60 * 60_000);
    expect((await answerTo(h, submit(opened.dialog.state, values))).error).toBe('This form is not valid any more. Run the command again.');
    const denied = (await h.t.store.audit.recent(20)).filter((e) => e.event === 'denied');
    expect(denied.map((d) => d.detail)).toEqual([
      'dialog refused: another person, another channel, or expired',
      'dialog refused: another person, another channel, or expired',
      'dialog refused: another person, another channel, or expired',
      'dialog refused: bad signature',
    ]);
    expect(await h.t.store.jobs.list({ limit: 5 })).toEqual([]);
  });

  it('accepts the contract examples: a cancellation closes quietly, a foreign submission is refused', async () => {
    h = await startHarness({ extraCommands: testCommands });
    const example = (name: string): unknown => JSON.parse(readFileSync(join(sharedDir(), 'contracts', 'mattermost', 'examples', name), 'utf8'));
    expect(await answerTo(h, example('dialog-cancellation.json'))).toEqual({});
    expect((await answerTo(h, example('dialog-submission.json'))).error).toMatch(/not valid/);
  });

  it('answers with the usage instead when there is no trigger id', async () => {
    h = await startHarness({ extraCommands: testCommands });
    const answer = await sendCommand(h, slashForm({ ...slashFields('ops', 'mm-form store-pl'), trigger_id: '' }));
    expect(JSON.stringify(answer.body)).toMatch(/Missing <colour>/);
    expect(h.server!.callsTo('OpenInteractiveDialog')).toEqual([]);
  });

  it('answers 400 to a malformed submission', async () => {
    h = await startHarness();
    for (const payload of [{ type: 'other' }, { type: 'dialog_submission', user_id: 'u-olga', channel_id: 'ch-ops', cancelled: 'no' }, { type: 'dialog_submission', user_id: 'u-olga', channel_id: 'ch-ops', cancelled: false, submission: [] }]) {
      expect((await sendJson(h, '/mattermost/dialog', payload)).status).toBe(400);
    }
  });
});

describe('submission text', () => {
  it('quotes so the tokenizer reads every value back exactly, never as a flag', () => {
    for (const value of ['plain', '-rf', '--force', 'two words', 'it\'s "quoted"', 'back\\slash', '$(reboot) `x` ; | &', 'zażółć 🚀', '', 'a=b']) {
      const tokens = tokenize(`x ${quote(value)}`);
      expect(tokens.slice(1).map((t) => t.value)).toEqual(value === '' ? [''] : [value]);
      if (value.startsWith('-')) expect(tokens[1]?.quoted).toBe(true);
    }
  });

  it('turns each kind of field into its argument', () => {
    expect(submissionText(mmForm, { store: 'store-pl', colour: 'blue', reason: 'a b', replicas: 2, force: true, 'dry-run': true })).toBe('mm-form store-pl blue --reason "a b" --replicas 2 --force --dry-run');
    expect(submissionText(mmForm, { store: 'store-pl', colour: 'blue', reason: 'r', replicas: null, force: false })).toBe('mm-form store-pl blue --reason r');
    expect(() => submissionText(mmForm, { store: 'store-pl', colour: 'blue', reason: 'r', extra: 'x' })).toThrow(/does not have/);
    expect(() => submissionText(mmForm, { colour: 'blue', reason: 'r' })).toThrow(/Fill in Store too/);
    expect(() => submissionText(mmForm, { store: { nested: true }, colour: 'blue' })).toThrow(/cannot use/);
  });
});
