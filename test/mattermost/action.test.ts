/**
 * POST /mattermost/action: signed buttons. A click runs the button's command as the person who
 * clicked; forged, tampered, expired, replayed or other-person clicks do nothing and are audited.
 * Every upstream action sample is accepted on the wire (and refused: none carries an opsbot signature).
 */
import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, removeTempDirs } from '../support/app.js';
import { gates, testCommands } from './support/commands.js';
import { integrationViolations } from './support/contracts.js';
import { actionSamples } from './support/fixtures.js';
import { ACTION_SECRET, buttonPress, sendCommand, sendJson, slashFields, slashForm, startHarness, type FakePost, type Harness } from './support/harness.js';

let h: Harness | null = null;

afterEach(async () => {
  gates.reset();
  await h?.close();
  h = null;
  removeTempDirs();
});

interface Button {
  name: string;
  integration: { url: string; context: Record<string, unknown> };
}

function buttonsOf(body: Record<string, unknown>): Button[] {
  const attachments = (body.attachments ?? []) as { actions?: Button[] }[];
  return attachments.flatMap((a) => a.actions ?? []);
}

function click(button: Button, overrides: Record<string, unknown> = {}) {
  return buttonPress(button.integration.context, overrides);
}

async function press(harness: Harness, payload: unknown) {
  const answer = await sendJson(harness, '/mattermost/action', payload);
  expect(answer.status).toBe(200);
  expect(integrationViolations('PostActionIntegrationResponse', answer.body)).toEqual([]);
  return answer.body as { ephemeral_text?: string; update?: { message: string; props: { attachments: { title?: string; text?: string }[] } } };
}

async function denials(harness: Harness) {
  return (await harness.t.store.audit.recent(50)).filter((e) => e.event === 'denied' && e.permission === 'mattermost:interaction');
}

async function confirmButton(harness: Harness, fields: Record<string, string> = {}): Promise<Button> {
  const prompt = await sendCommand(harness, slashForm(slashFields('mm-nuke', 'web', fields)));
  expect(prompt.body.response_type).toBe('ephemeral');
  const [button] = buttonsOf(prompt.body);
  expect(button?.name).toBe('Confirm');
  expect(button?.integration.url).toBe('https://opsbot.example.test/mattermost/action');
  return button!;
}

/** The job's live post, once it shows its Cancel button, and that button. */
async function liveCancel(harness: Harness): Promise<{ live: FakePost; cancel: Button }> {
  const live: FakePost = (await eventually(
    () => [...harness.posts.values()][0],
    (p) => (p?.props.attachments?.[0]?.actions?.length ?? 0) > 0,
    'the live post with its Cancel button',
  ))!;
  return { live, cancel: live.props.attachments![0]!.actions![0]! as Button };
}

describe('upstream action samples', () => {
  it('accepts each on the wire and refuses it, audited, because none is signed by opsbot', async () => {
    h = await startHarness();
    const samples = actionSamples();
    expect(samples.length).toBeGreaterThanOrEqual(5);
    for (const sample of samples) {
      const body = await press(h, sample.body);
      expect(body.ephemeral_text, sample.name).toBe('That button is not a valid opsbot button. Nothing was done.');
    }
    const denied = await denials(h);
    expect(denied).toHaveLength(samples.length);
    expect(denied[0]).toMatchObject({ outcome: 'denied', detail: 'button refused: malformed', principal: { platform: 'mattermost' } });
    expect(await h.t.store.jobs.list({ limit: 10 })).toEqual([]);
  });
});

describe('signed buttons', () => {
  it('confirms a destructive command with one click, and says who clicked what', async () => {
    h = await startHarness({ extraCommands: testCommands });
    const button = await confirmButton(h);
    const body = await press(h, click(button));
    expect(body.ephemeral_text).toMatch(/^Job #\d+ started: `mm-nuke web`/);
    expect(body.update?.props.attachments[0]).toMatchObject({ title: 'Confirm: `mm-nuke web`', text: expect.stringMatching(/^@olga pressed \*\*Confirm\*\* · /) });
    const harness = h;
    const [job] = await eventually(() => harness.t.store.jobs.list({ limit: 5 }), (j) => j[0]?.state === 'succeeded', 'the confirmed job');
    expect(job).toMatchObject({ command: 'mm-nuke', principal: { id: 'u-olga' }, conversation: { id: 'ch-ops' } });
    expect((await harness.t.store.audit.recent(20)).map((e) => e.event)).toContain('confirmed');
  });

  it('starts the job of a button pressed in a thread in that thread, where its live post goes', async () => {
    h = await startHarness({ extraCommands: testCommands });
    const root = 'rootpost000000000000000000';
    const button = await confirmButton(h, { root_id: root });
    // The press itself names no thread (Mattermost sends none): it comes from the signed context.
    const body = await press(h, click(button));
    expect(body.ephemeral_text).toMatch(/^Job #\d+ started: `mm-nuke web`/);
    const harness = h;
    const [job] = await eventually(() => harness.t.store.jobs.list({ limit: 5 }), (j) => j[0]?.state === 'succeeded', 'the confirmed job');
    expect(job?.conversation).toMatchObject({ id: 'ch-ops', threadId: root });
    const [post] = await eventually(() => Promise.resolve(harness.server!.callsTo('CreatePost')), (calls) => calls.length > 0, 'the job post');
    expect(post?.body).toMatchObject({ channel_id: 'ch-ops', root_id: root });
    // Moved to another thread, the button is refused.
    const moved = await confirmButton(h, { root_id: root });
    const elsewhere = await press(h, click({ ...moved, integration: { ...moved.integration, context: { ...moved.integration.context, th: 'otherroot00000000000000000' } } }));
    expect(elsewhere.ephemeral_text).toBe('That button is not a valid opsbot button. Nothing was done.');
  });

  it('still runs a button signed before threads were kept (version 2), at the channel root', async () => {
    h = await startHarness({ extraCommands: testCommands });
    const fresh = (await confirmButton(h)).integration.context;
    const body = { v: 2, cmd: fresh.cmd, lbl: fresh.lbl, act: fresh.act, ch: fresh.ch, exp: fresh.exp, n: 'older-nonce', note: fresh.note, upd: fresh.upd };
    const payload = JSON.stringify([body.v, body.cmd, body.lbl, body.act, body.ch, body.exp, body.n, body.note, body.upd]);
    const sig = createHmac('sha256', ACTION_SECRET).update(`button\n${payload}`).digest('base64url');
    const answer = await press(h, click({ name: 'Confirm', integration: { url: 'https://opsbot.example.test/mattermost/action', context: { ...body, sig } } }));
    expect(answer.ephemeral_text).toMatch(/^Job #\d+ started: `mm-nuke web`/);
    const harness = h;
    const [job] = await eventually(() => harness.t.store.jobs.list({ limit: 5 }), (j) => j[0]?.state === 'succeeded', 'the confirmed job');
    expect(job?.conversation.threadId).toBeUndefined();
  });

  it('refuses a replayed click', async () => {
    h = await startHarness({ extraCommands: testCommands });
    const button = await confirmButton(h);
    await press(h, click(button));
    const again = await press(h, click(button));
    expect(again.ephemeral_text).toBe('That button was already used. Nothing was done.');
    expect(again.update).toBeUndefined();
    const harness = h;
    await eventually(() => harness.t.store.jobs.list({ limit: 5 }), (j) => j[0]?.state === 'succeeded', 'the one job');
    expect(await harness.t.store.jobs.list({ limit: 5 })).toHaveLength(1);
    expect((await denials(harness)).map((d) => d.detail)).toEqual(['button refused: already used (replayed)']);
  });

  it('refuses a tampered button', async () => {
    h = await startHarness({ extraCommands: testCommands });
    const button = await confirmButton(h);
    const tampered = { ...button, integration: { ...button.integration, context: { ...button.integration.context, cmd: 'mm-nuke prod' } } };
    const forgedSignature = { ...button, integration: { ...button.integration, context: { ...button.integration.context, sig: 'AAAA' } } };
    const widened = { ...button, integration: { ...button.integration, context: { ...button.integration.context, act: [] } } };
    for (const b of [tampered, forgedSignature, widened]) {
      const body = await press(h, click(b));
      expect(body.ephemeral_text).toBe('That button is not a valid opsbot button. Nothing was done.');
    }
    expect((await denials(h)).map((d) => d.detail)).toEqual(['button refused: bad signature', 'button refused: bad signature', 'button refused: bad signature']);
    expect(await h.t.store.jobs.list({ limit: 5 })).toEqual([]);
  });

  it('refuses an expired button', async () => {
    h = await startHarness({ extraCommands: testCommands });
    const button = await confirmButton(h);
    h.t.clock.advance(6 * 60_000);
    const body = await press(h, click(button));
    expect(body.ephemeral_text).toBe('That button has expired. Nothing was done.');
    expect((await denials(h)).map((d) => [d.detail, d.command])).toEqual([['button refused: expired', 'confirm']]);
    expect(await h.t.store.jobs.list({ limit: 5 })).toEqual([]);
  });

  it("refuses someone else's click without burning the button for its owner", async () => {
    h = await startHarness({ extraCommands: testCommands });
    const button = await confirmButton(h);
    const other = await press(h, click(button, { user_id: 'u-oscar', user_name: 'oscar' }));
    expect(other.ephemeral_text).toBe('That button is not for you. Nothing was done.');
    const [denied] = await denials(h);
    expect(denied).toMatchObject({ principal: { platform: 'mattermost', id: 'u-oscar' }, detail: 'button refused: pressed by someone it was not made for' });
    expect(await h.t.store.jobs.list({ limit: 5 })).toEqual([]);
    const owner = await press(h, click(button));
    expect(owner.ephemeral_text).toMatch(/^Job #\d+ started/);
  });

  it('refuses a click reported from another channel than the button was posted in, without burning it', async () => {
    h = await startHarness({ extraCommands: testCommands });
    const button = await confirmButton(h);
    expect(button.integration.context.ch).toBe('ch-ops');
    const elsewhere = await press(h, click(button, { channel_id: 'ch-war', channel_name: 'war-room' }));
    expect(elsewhere.ephemeral_text).toBe('That button belongs to another channel. Nothing was done.');
    const [denied] = await denials(h);
    expect(denied).toMatchObject({ conversation: { platform: 'mattermost', id: 'ch-war' }, detail: 'button refused: pressed in another channel than it was posted in' });
    expect(await h.t.store.jobs.list({ limit: 5 })).toEqual([]);
    const here = await press(h, click(button));
    expect(here.ephemeral_text).toMatch(/^Job #\d+ started/);
  });

  it('cancels a running job from its live post', async () => {
    h = await startHarness({ extraCommands: testCommands });
    const harness = h;
    await sendCommand(harness, slashForm(slashFields('mm-job', 'web --wait')));
    await gates.entered('job:web');
    const { live, cancel } = await liveCancel(harness);
    const body = await press(harness, click(cancel, { post_id: live.id }));
    expect(body.ephemeral_text).toMatch(/^Cancelling job #\d+/);
    // A live post is edited by its job, not replaced by the click.
    expect(body.update).toBeUndefined();
    const [job] = await eventually(() => harness.t.store.jobs.list({ limit: 1 }), (j) => j[0]?.state === 'cancelled', 'the cancelled job');
    await eventually(() => harness.posts.get(live.id)?.props.attachments?.[0]?.title, (t) => t === `Job #${job?.id} was cancelled`, 'the live post showing it');
    harness.server?.assertClean();
  });

  it('signs the buttons of a live post in a thread with that thread', async () => {
    h = await startHarness({ extraCommands: testCommands });
    const harness = h;
    const root = 'rootpost000000000000000000';
    await sendCommand(harness, slashForm(slashFields('mm-job', 'web --wait', { root_id: root })));
    await gates.entered('job:web');
    const { live, cancel } = await liveCancel(harness);
    expect(cancel.integration.context).toMatchObject({ v: 3, ch: 'ch-ops', th: root });
    const body = await press(harness, click(cancel, { post_id: live.id }));
    expect(body.ephemeral_text).toMatch(/^Cancelling job #\d+/);
    await eventually(() => harness.t.store.jobs.list({ limit: 1 }), (j) => j[0]?.state === 'cancelled', 'the cancelled job');
  });

  it('answers a malformed click with 400 and the reason', async () => {
    h = await startHarness();
    const cases: [unknown, RegExp][] = [
      [[], /JSON object/],
      [{ channel_id: 'ch-ops', post_id: 'p1', context: {} }, /user_id is missing/],
      [{ user_id: 'u-olga', channel_id: 'ch-ops', post_id: 'p1', context: 'x' }, /context must be an object/],
      [{ user_id: 'u olga', channel_id: 'ch-ops', post_id: 'p1' }, /user_id is not a Mattermost id/],
    ];
    for (const [payload, reason] of cases) {
      const answer = await sendJson(h, '/mattermost/action', payload);
      expect(answer.status).toBe(400);
      expect(String(answer.body.error)).toMatch(reason);
    }
    const broken = await h.http.inject({ method: 'POST', url: '/mattermost/action', headers: { 'content-type': 'application/json' }, payload: '{"user_id":' });
    expect(broken.statusCode).toBe(400);
  });
});
