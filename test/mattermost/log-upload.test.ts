/**
 * A finished job's log that is too long for its post goes up as a file (`job-<id>.log`, POST
 * /api/v4/files, multipart) and is attached to the final post through file_ids; a server that takes
 * the patch but does not attach the file gets it in a reply in the post's thread. The upload is
 * validated by the contract server against the Mattermost OpenAPI like every other call. The file
 * is the job's stored (redacted) output, capped to its tail; a failed upload never fails the job nor
 * holds up the post, which then points to `job <id>`; without a bot token the pointer is all there is.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ButtonFactory } from '../../src/adapters/mattermost/buttons.js';
import { MattermostClient } from '../../src/adapters/mattermost/client.js';
import { MattermostDelivery } from '../../src/adapters/mattermost/delivery.js';
import { DEFAULT_UPLOAD_LIMIT_BYTES, showsFile, tailWithin } from '../../src/adapters/mattermost/log-file.js';
import { ActionSigner } from '../../src/adapters/mattermost/signing.js';
import { POST_LIMIT } from '../../src/adapters/mattermost/render.js';
import type { MattermostConfig } from '../../src/config/types.js';
import { systemClock } from '../../src/core/clock.js';
import { defineCommand } from '../../src/core/command.js';
import type { Message } from '../../src/core/message.js';
import type { JobRecord } from '../../src/core/store.js';
import { eventually, removeTempDirs } from '../support/app.js';
import { startHookServer } from '../support/net.js';
import type { ContractCall } from '../support/contract/contract-server.js';
import { integrationViolations } from './support/contracts.js';
import { gates, testCommands } from './support/commands.js';
import { ACTION_SECRET, BOT_TOKEN, sendCommand, slashFields, slashForm, startFakeMattermost, startHarness, type FakeFile, type FakePost, type Harness } from './support/harness.js';

const SECRET = 'hunter2-deploy-key-9f8e7d';

/** A job whose log is long and mentions a configured secret on every line. */
const mmLeaky = defineCommand({
  name: 'mm-leaky',
  summary: 'Test job with a long log that mentions a secret.',
  examples: ['mm-leaky 2000'],
  args: {
    lines: { type: 'integer', positional: 0, required: true, min: 1, max: 20_000, description: 'Log lines to write.' },
    wait: { type: 'boolean', description: 'Wait at gate `leaky` before finishing.' },
  },
  permission: () => 'test:run:leaky',
  sideEffect: 'mutates',
  async run({ lines, wait }, ctx) {
    for (let i = 1; i <= lines; i++) ctx.log(`step ${i}: pushing with key ${SECRET} to host-${i % 7} — żółć ✓`);
    if (wait) await gates.wait('leaky', ctx.signal);
    return { tone: 'success', blocks: [{ kind: 'text', text: 'pushed' }] };
  },
});

let h: Harness | null = null;
const closers: (() => Promise<void>)[] = [];

afterEach(async () => {
  gates.reset();
  await h?.close();
  h = null;
  for (const close of closers.splice(0).reverse()) await close();
  removeTempDirs();
});

async function start(config: Partial<MattermostConfig> = {}): Promise<Harness> {
  h = await startHarness({ extraCommands: [...testCommands, mmLeaky], secrets: [SECRET], jobs: { outputLimit: 1_048_576 }, config });
  return h;
}

/** Runs `mm-leaky 2000 --wait` and lets it finish only once its live post is out: the end is an edit. */
async function runPastLivePost(harness: Harness): Promise<void> {
  await sendCommand(harness, slashForm(slashFields('ops', 'mm-leaky 2000 --wait')));
  await eventually(() => harness.posts.size, (n) => n === 1, 'the live post', 15_000);
  await gates.entered('leaky');
  gates.open('leaky');
}

/** Whether chat shows the job's final state: by default, a bot post titled with it. */
type FinalShown = (title: string) => boolean;

async function finishedJob(harness: Harness, shown: FinalShown = (title) => [...harness.posts.values()].some((p) => p.props.attachments?.[0]?.title === title)): Promise<JobRecord> {
  const [job] = await eventually(() => harness.t.store.jobs.list({ limit: 1 }), (j) => j[0]?.state === 'succeeded', 'the job to succeed', 15_000);
  // The final post is queued once the job's end is committed (a turn later): wait for it, then for
  // nothing left to send.
  await eventually(() => shown(`Job #${job?.id} succeeded`), (yes) => yes, 'the final post', 15_000);
  await eventually(() => harness.t.store.outbox.count('pending'), (n) => n === 0, 'an empty outbox', 15_000);
  return job!;
}

function finalPost(harness: Harness, job: JobRecord): FakePost {
  const post = [...harness.posts.values()].find((p) => p.props.attachments?.[0]?.title === `Job #${job.id} succeeded`);
  if (post === undefined) throw new Error(`no final post for job ${job.id}`);
  return post;
}

/** What a post body spends of Mattermost's 16,383 characters. */
function postSize(body: unknown): number {
  const b = body as { message?: string; props?: { attachments?: { title?: string; text?: string; fields?: { title: string; value: string }[] }[] } };
  return (
    (b.message ?? '').length +
    (b.props?.attachments ?? []).reduce((n, a) => n + (a.title ?? '').length + (a.text ?? '').length + (a.fields ?? []).reduce((m, f) => m + f.title.length + f.value.length, 0), 0)
  );
}

function expectPostsWithinLimit(harness: Harness): void {
  const calls = [...harness.server!.callsTo('CreatePost'), ...harness.server!.callsTo('PatchPost')];
  expect(calls.length).toBeGreaterThan(0);
  for (const call of calls) {
    expect(postSize(call.body)).toBeLessThanOrEqual(POST_LIMIT);
    for (const attachment of (call.body as { props?: { attachments?: unknown[] } }).props?.attachments ?? []) expect(integrationViolations('MessageAttachment', attachment)).toEqual([]);
  }
}

function expectNoSecretSent(harness: Harness): void {
  for (const call of harness.server!.calls) expect(call.rawBody).not.toContain(SECRET);
}

const pointer = (job: JobRecord): string => `Log: \`job ${job.id} --lines 500\``;

describe('a long job log as a file on the final post (bot token)', () => {
  it('uploads the redacted log as job-<id>.log and attaches it to the final post', async () => {
    const harness = await start();
    await runPastLivePost(harness);
    const job = await finishedJob(harness);
    const server = harness.server!;

    const [upload, ...more] = server.callsTo('UploadFile');
    expect(more).toEqual([]);
    // The form, as the contract server parsed (and validated) it: the channel and the file's content.
    const form = upload!.body as Record<string, string>;
    expect(Object.keys(form).sort()).toEqual(['channel_id', 'files']);
    expect(form.channel_id).toBe('ch-ops');
    expect(form.files).toBe(job.output);
    expect(job.output).not.toContain(SECRET);
    expect(job.output).toContain('step 2000: pushing with key ***');
    expect(String(upload!.headers['content-type'])).toMatch(/^multipart\/form-data; boundary=/);
    // Mattermost's streaming reader needs the channel before the file.
    expect(upload!.rawBody.indexOf('name="channel_id"')).toBeLessThan(upload!.rawBody.indexOf('name="files"'));

    const [file] = [...harness.files.values()];
    expect(file?.name).toBe(`job-${job.id}.log`);
    const post = finalPost(harness, job);
    expect(post.file_ids).toEqual([file?.id]);
    expect(file?.post_id).toBe(post.id);
    // Still one post for the job: the file went onto it, not into a reply.
    expect(harness.posts.size).toBe(1);
    const lastPatch = server.callsTo('PatchPost').at(-1)!;
    expect((lastPatch.body as { file_ids?: string[] }).file_ids).toEqual([file?.id]);
    expect(post.props.attachments?.[0]?.text).toContain(pointer(job));
    expectPostsWithinLimit(harness);
    expectNoSecretSent(harness);
    server.assertClean();
  });

  it('replies in the thread with the file when the server takes the edit but not its file_ids', async () => {
    const harness = await start();
    const server = harness.server!;
    // A server without edit-attachments support: the patch succeeds, the file stays unattached.
    server.on('PatchPost', (call) => {
      const post = harness.posts.get(call.params.post_id ?? '');
      if (post === undefined) return { status: 404, body: { status_code: 404, id: 'app.post.get.app_error', message: 'Unable to get the post.' } };
      const body = call.body as { message?: string; props?: FakePost['props'] };
      if (body.message !== undefined) post.message = body.message;
      if (body.props !== undefined) post.props = body.props;
      post.edits += 1;
      return { status: 200, body: { id: post.id, channel_id: post.channel_id, root_id: '', message: post.message, props: post.props, user_id: 'botuser', metadata: {} } };
    });
    await runPastLivePost(harness);
    const job = await finishedJob(harness);
    const live = finalPost(harness, job);
    const [file] = [...harness.files.values()];
    const reply = [...harness.posts.values()].find((p) => p.root_id === live.id);
    expect(reply?.file_ids).toEqual([file?.id]);
    expect(reply?.message).toBe(`Full log: \`job-${job.id}.log\``);
    expect(file?.post_id).toBe(reply?.id);
    expect(live.props.attachments?.[0]?.text).toContain(pointer(job));
    expect(server.callsTo('UploadFile')).toHaveLength(1);
    expectPostsWithinLimit(harness);
    server.assertClean();
  });

  it('keeps only the tail of a log longer than the upload limit, cut at a line', async () => {
    const harness = await start({ uploadLimit: 20_000 });
    await sendCommand(harness, slashForm(slashFields('ops', 'mm-leaky 3000')));
    const job = await finishedJob(harness);
    const [file] = [...harness.files.values()];
    expect(Buffer.byteLength(file!.text)).toBeLessThanOrEqual(20_000);
    expect(Buffer.byteLength(file!.text)).toBeGreaterThan(19_000);
    expect(file!.text).toMatch(/^… the first \d+ bytes are left out \(uploads are limited to 20000 bytes\)\nstep \d+: pushing/);
    expect(file!.text.endsWith(job.output.slice(-5_000))).toBe(true);
    expect(file!.text).not.toContain('step 1: ');
    harness.server!.assertClean();
  });

  it('does not upload again when the edit carrying the file has to be retried', async () => {
    const harness = await start();
    const server = harness.server!;
    let refused = 0;
    const original = (call: ContractCall) => {
      const post = harness.posts.get(call.params.post_id ?? '')!;
      const body = call.body as { message?: string; props?: FakePost['props']; file_ids?: string[] };
      if (body.message !== undefined) post.message = body.message;
      if (body.props !== undefined) post.props = body.props;
      const files = (body.file_ids ?? []).flatMap((id) => {
        const file = harness.files.get(id);
        if (file === undefined) return [];
        file.post_id = post.id;
        return [file];
      });
      if (files.length > 0) post.file_ids = files.map((f) => f.id);
      post.edits += 1;
      return {
        status: 200,
        body: { id: post.id, channel_id: post.channel_id, root_id: '', message: post.message, props: post.props, user_id: 'botuser', ...(files.length > 0 ? { file_ids: post.file_ids, metadata: { files: files.map((f) => ({ id: f.id, name: f.name, post_id: f.post_id })) } } : {}) },
      };
    };
    server.on('PatchPost', (call) => {
      if ((call.body as { file_ids?: string[] }).file_ids !== undefined && refused === 0) {
        refused += 1;
        return { status: 503, body: { status_code: 503, id: 'api.context.server_busy.app_error', message: 'Server is busy.' } };
      }
      return original(call);
    });
    await runPastLivePost(harness);
    const job = await finishedJob(harness);
    expect(refused).toBe(1);
    expect(server.callsTo('UploadFile')).toHaveLength(1);
    const [file] = [...harness.files.values()];
    expect(finalPost(harness, job).file_ids).toEqual([file?.id]);
    server.assertClean();
  });

  for (const status of [413, 500]) {
    it(`still ends the job's post, pointing to \`job <id>\`, when the upload fails (${status})`, async () => {
      const harness = await start();
      const server = harness.server!;
      server.on('UploadFile', () => ({ status, body: { status_code: status, id: 'api.file.upload_file.too_large_detailed.app_error', message: 'Unable to upload file.' } }));
      await sendCommand(harness, slashForm(slashFields('ops', 'mm-leaky 2000')));
      const job = await finishedJob(harness);
      expect(job.state).toBe('succeeded');
      expect(server.callsTo('UploadFile')).toHaveLength(1);
      const post = finalPost(harness, job);
      expect(post.props.attachments?.[0]?.text).toContain(pointer(job));
      expect(post.file_ids).toBeUndefined();
      for (const call of server.callsTo('PatchPost')) expect((call.body as { file_ids?: unknown }).file_ids).toBeUndefined();
      expect(harness.t.logs.some((e) => e.level === 'warn' && (e.msg ?? '').includes('could not upload a log file'))).toBe(true);
      expect(await harness.t.store.outbox.count('dead')).toBe(0);
      expectPostsWithinLimit(harness);
      server.assertClean();
    });
  }

  it('sends the final edit without the file when the server refuses it with the file (400)', async () => {
    const harness = await start();
    const server = harness.server!;
    server.on('PatchPost', (call) => {
      const post = harness.posts.get(call.params.post_id ?? '')!;
      const body = call.body as { message?: string; props?: FakePost['props']; file_ids?: string[] };
      if (body.file_ids !== undefined) return { status: 400, body: { status_code: 400, id: 'api.post.update_post.permissions_details.app_error', message: 'Invalid file_ids.' } };
      if (body.message !== undefined) post.message = body.message;
      if (body.props !== undefined) post.props = body.props;
      post.edits += 1;
      return { status: 200, body: { id: post.id, channel_id: post.channel_id, root_id: '', message: post.message, props: post.props, user_id: 'botuser' } };
    });
    await runPastLivePost(harness);
    const job = await finishedJob(harness);
    const post = finalPost(harness, job);
    expect(post.props.attachments?.[0]?.text).toContain(pointer(job));
    expect(await harness.t.store.outbox.count('dead')).toBe(0);
    const withFile = server.callsTo('PatchPost').filter((c) => (c.body as { file_ids?: unknown }).file_ids !== undefined);
    expect(withFile).toHaveLength(1);
    expect(harness.t.logs.some((e) => e.level === 'warn' && (e.msg ?? '').includes('sending it without the file'))).toBe(true);
    server.assertClean();
  });

  it('uploads nothing for a log that would fit in the post, and nothing with uploads turned off', async () => {
    const harness = await start();
    await sendCommand(harness, slashForm(slashFields('mm-job', 'web')));
    const job = await finishedJob(harness);
    expect(job.output).not.toBe('');
    expect(harness.server!.callsTo('UploadFile')).toEqual([]);
    expect(finalPost(harness, job).props.attachments?.[0]?.text).toContain(pointer(job));
    harness.server!.assertClean();
    await harness.close();

    const off = await start({ uploadLimit: 0 });
    await sendCommand(off, slashForm(slashFields('ops', 'mm-leaky 2000')));
    const long = await finishedJob(off);
    expect(off.server!.callsTo('UploadFile')).toEqual([]);
    expect(finalPost(off, long).props.attachments?.[0]?.text).toContain(pointer(long));
    off.server!.assertClean();
  });
});

describe('without a bot token (response_url)', () => {
  it('cannot upload: the final answer points to `job <id>`', async () => {
    const hooks = await startHookServer();
    closers.push(hooks.close);
    h = await startHarness({ extraCommands: [...testCommands, mmLeaky], botToken: false, mattermostUrl: hooks.url, secrets: [SECRET] });
    const harness = h;
    await sendCommand(harness, slashForm(slashFields('ops', 'mm-leaky 2000', { response_url: `${hooks.url}/hooks/commands/abc123` })));
    const job = await finishedJob(harness, (title) => hooks.received.some((body) => (body as { attachments?: { title?: string }[] }).attachments?.[0]?.title === title));
    const last = hooks.received.at(-1) as { attachments: { title: string; text: string }[] };
    expect(integrationViolations('CommandResponse', last)).toEqual([]);
    expect(last.attachments[0]?.title).toBe(`Job #${job.id} succeeded`);
    expect(last.attachments[0]?.text).toContain(pointer(job));
    expect(hooks.paths.every((p) => p === '/hooks/commands/abc123')).toBe(true);
    expect(JSON.stringify(hooks.received)).not.toContain(SECRET);
    expect(JSON.stringify(hooks.received).length).toBeLessThan(POST_LIMIT + 4_000);
  });
});

describe('the Mattermost delivery on its own', () => {
  async function deliveryOn(uploadLimitBytes = DEFAULT_UPLOAD_LIMIT_BYTES) {
    const posts = new Map<string, FakePost>();
    const files = new Map<string, FakeFile>();
    const server = await startFakeMattermost(posts, new Map(), files);
    closers.push(() => server.close());
    const client = new MattermostClient({ url: server.url, token: BOT_TOKEN, timeoutMs: 5_000 });
    const buttons = new ButtonFactory(new ActionSigner(ACTION_SECRET), systemClock, 'https://opsbot.example.test/mattermost/action', 60_000);
    const delivery = new MattermostDelivery({ client, buttons, clock: systemClock, timeoutMs: 5_000, uploadLimitBytes });
    return { server, posts, files, delivery };
  }
  const log = Array.from({ length: 1_500 }, (_, i) => `line ${i}: ok`).join('\n');
  const message: Message = { title: 'Job #7 failed', tone: 'danger', blocks: [{ kind: 'text', text: 'Log: `job 7 --lines 500`' }], file: { name: 'job-7.log', text: log } };

  it('attaches the file to a new post when the final state is the first thing posted', async () => {
    const { server, posts, files, delivery } = await deliveryOn();
    const ref = await delivery.post({ platform: 'mattermost', id: 'ch-ops' }, message);
    const [file] = [...files.values()];
    expect(file).toMatchObject({ name: 'job-7.log', text: log, channel_id: 'ch-ops', post_id: ref.messageId });
    expect(posts.get(ref.messageId)?.file_ids).toEqual([file?.id]);
    expect((server.callsTo('CreatePost')[0]?.body as { file_ids?: string[] }).file_ids).toEqual([file?.id]);
    server.assertClean();
  });

  it('uploads nothing for an ephemeral message or a file the post could show', async () => {
    const { server, delivery } = await deliveryOn();
    await delivery.post({ platform: 'mattermost', id: 'ch-ops' }, { ...message, ephemeral: true }, { actors: ['u-olga'] });
    await delivery.post({ platform: 'mattermost', id: 'ch-ops' }, { ...message, file: { name: 'job-7.log', text: 'two\nlines' } });
    expect(server.callsTo('UploadFile')).toEqual([]);
    expect(server.callsTo('CreatePostEphemeral')).toHaveLength(1);
    expect(server.callsTo('CreatePost')).toHaveLength(1);
    server.assertClean();
  });
});

describe('the upload helpers', () => {
  it('keeps a log within the limit whole, and else its tail from a character and line boundary', () => {
    expect(tailWithin('short log', 1024)).toBe('short log');
    const log = Array.from({ length: 400 }, (_, i) => `línea ${i} ✓ ${'x'.repeat(i % 50)}`).join('\n');
    for (const limit of [1024, 2048, 4096, 10_000]) {
      const tail = tailWithin(log, limit);
      expect(Buffer.byteLength(tail)).toBeLessThanOrEqual(limit);
      expect(tail).not.toContain('\uFFFD');
      const [note, ...rest] = tail.split('\n');
      expect(note).toMatch(new RegExp(`^… the first \\d+ bytes are left out \\(uploads are limited to ${limit} bytes\\)$`));
      expect(rest[0]).toMatch(/^línea \d+ /);
      expect(log.endsWith(rest.join('\n'))).toBe(true);
    }
    // A single line longer than the limit is still cut at a character.
    const wide = '✓'.repeat(5_000);
    const cut = tailWithin(wide, 1024);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(1024);
    expect(cut.split('\n')[1]).toMatch(/^✓+$/);
    expect(DEFAULT_UPLOAD_LIMIT_BYTES).toBe(5 * 1024 * 1024);
  });

  it('believes a file is shown only when the post says so', () => {
    expect(showsFile({ id: 'p', metadata: { files: [{ id: 'f1' }] } }, 'f1')).toBe(true);
    expect(showsFile({ id: 'p', file_ids: ['f1'], metadata: {} }, 'f1')).toBe(false);
    expect(showsFile({ id: 'p', file_ids: ['f1'] }, 'f1')).toBe(true);
    expect(showsFile({ id: 'p' }, 'f1')).toBe(false);
    expect(showsFile('nonsense', 'f1')).toBe(false);
  });
});

