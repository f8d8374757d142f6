/**
 * One live post per job, through the outbox and the REST API (Client4 against the contract server):
 * created when the job is accepted, edited in place as it runs, finished with its summary; 429 and
 * outages delay the post but never fail the job or lose the message. Without a bot token the
 * response_url carries the result instead.
 */
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, places, removeTempDirs } from '../support/app.js';
import { startHookServer, startProxy } from '../support/net.js';
import { gates, testCommands } from './support/commands.js';
import { integrationViolations } from './support/contracts.js';
import { sendCommand, slashFields, slashForm, startHarness, type FakePost, type Harness } from './support/harness.js';

let h: Harness | null = null;
const closers: (() => Promise<void>)[] = [];

afterEach(async () => {
  gates.reset();
  await h?.close();
  h = null;
  for (const close of closers.splice(0).reverse()) await close();
  removeTempDirs();
});

function attachmentOf(post: FakePost | undefined) {
  return post?.props.attachments?.[0];
}

function onlyPost(harness: Harness): FakePost | undefined {
  return [...harness.posts.values()][0];
}

async function finalPost(harness: Harness, title: RegExp): Promise<FakePost> {
  const posts = await eventually(() => [...harness.posts.values()], (all) => all.some((p) => title.test(attachmentOf(p)?.title ?? '')), `a post titled ${String(title)}`);
  return posts.find((p) => title.test(attachmentOf(p)?.title ?? '')) as FakePost;
}

describe('live job post (bot token)', () => {
  it('posts once the job has run a second, edits it as it runs, and ends with the summary', async () => {
    h = await startHarness({ extraCommands: testCommands });
    const harness = h;
    const answer = await sendCommand(harness, slashForm(slashFields('mm-job', 'web --wait')));
    expect(answer.status).toBe(200);
    const running = (await eventually(() => onlyPost(harness), (p) => /2\/3\) deploying/.test(attachmentOf(p)?.text ?? ''), 'the running post at step 2'))!;
    expect(attachmentOf(running)).toMatchObject({ title: expect.stringMatching(/^Job #\d+ is running$/), color: '#2389D7' });
    const cancel = attachmentOf(running)?.actions?.[0];
    expect(cancel?.name).toBe('Cancel');
    expect(cancel?.integration.context).toMatchObject({ cmd: expect.stringMatching(/^cancel \d+$/), act: ['u-olga'] });
    expect(running.channel_id).toBe('ch-ops');

    gates.open('job:web');
    const done = await finalPost(harness, /succeeded$/);
    expect(done.id).toBe(running.id);
    expect(harness.posts.size).toBe(1);
    const final = attachmentOf(done);
    expect(final).toMatchObject({ color: '#3DB887' });
    expect(final?.text).toContain('**Deployed web**');
    expect(final?.text).toContain('[build](https://ci.example.test/job/42)');
    expect(final?.actions).toBeUndefined();
    const [job] = await harness.t.store.jobs.list({ limit: 1 });
    expect(job?.state).toBe('succeeded');
    expect(await harness.t.store.messageRefs.get(`job:${job?.id}`)).toEqual({ platform: 'mattermost', conversationId: 'ch-ops', messageId: done.id });
    for (const call of [...harness.server!.callsTo('CreatePost'), ...harness.server!.callsTo('PatchPost')]) {
      for (const attachment of (call.body as { props: { attachments: unknown[] } }).props.attachments) expect(integrationViolations('MessageAttachment', attachment)).toEqual([]);
    }
    harness.server?.assertClean();
  });

  it('spends at most the allowed edits: with one edit a minute, a chatty job costs one post and the final edit', async () => {
    h = await startHarness({ extraCommands: testCommands, config: { editsPerMinute: 1 } });
    const harness = h;
    await sendCommand(harness, slashForm(slashFields('mm-job', 'web --lines 200 --wait')));
    // The post as accepted is out; then 200 log lines and two steps arrive while the job runs.
    await eventually(() => onlyPost(harness), (p) => p !== undefined, 'the first post');
    await gates.entered('job:web');
    gates.open('job:web');
    await finalPost(harness, /succeeded$/);
    await eventually(() => harness.t.store.outbox.count('pending'), (n) => n === 0, 'an empty outbox');
    expect(harness.server!.callsTo('CreatePost')).toHaveLength(1);
    expect(harness.server!.callsTo('PatchPost')).toHaveLength(1);
    harness.server?.assertClean();
  });

  it('keeps a long log out of the post: the tail while running, a pointer to `job <id>` at the end', async () => {
    h = await startHarness({ extraCommands: testCommands });
    const harness = h;
    await sendCommand(harness, slashForm(slashFields('mm-job', 'web --lines 3000')));
    const done = await finalPost(harness, /succeeded$/);
    const [job] = await harness.t.store.jobs.list({ limit: 1 });
    expect(attachmentOf(done)?.text).toContain(`Log: \`job ${job?.id} --lines 500\``);
    for (const call of [...harness.server!.callsTo('CreatePost'), ...harness.server!.callsTo('PatchPost')]) expect(call.rawBody.length).toBeLessThan(16_383 + 4_000);
    harness.server?.assertClean();
  });

  it('sends notices (e.g. a queued job starting) to the channel as posts', async () => {
    h = await startHarness();
    await h.t.app.notifier.notify(places.ops, { tone: 'info', blocks: [{ kind: 'text', text: 'Job #7 got its lock and is starting.' }] });
    const harness = h;
    await eventually(() => [...harness.posts.values()], (p) => p.some((x) => (attachmentOf(x)?.text ?? '').includes('got its lock')), 'the notice');
    harness.server?.assertClean();
  });

  it('waits as long as a 429 says (Retry-After), then posts; the job itself succeeded', async () => {
    h = await startHarness({ extraCommands: testCommands });
    const harness = h;
    const server = harness.server!;
    let refused = 0;
    const failedAt: number[] = [];
    let next = 100;
    server.on('CreatePost', (call) => {
      if (refused === 0) {
        refused += 1;
        failedAt.push(Date.now());
        return { status: 429, headers: { 'Retry-After': '1', 'X-RateLimit-Limit': '10', 'X-RateLimit-Remaining': '0' }, body: 'limit exceeded\n' };
      }
      const body = call.body as { channel_id: string; message: string; props: FakePost['props'] };
      const post: FakePost = { id: `post${++next}`, channel_id: body.channel_id, root_id: '', message: body.message, props: body.props, edits: 0 };
      harness.posts.set(post.id, post);
      return { status: 201, body: { id: post.id, channel_id: post.channel_id, message: post.message, props: post.props } };
    });
    await sendCommand(harness, slashForm(slashFields('mm-job', 'web')));
    const [job] = await eventually(() => harness.t.store.jobs.list({ limit: 1 }), (j) => j[0]?.state === 'succeeded', 'the job to succeed');
    const [row] = await eventually(() => harness.t.store.outbox.list('pending', 10), (rows) => (rows[0]?.attempts ?? 0) >= 1, 'the refused attempt recorded');
    expect(row?.lastError).toMatch(/429/);
    expect(row!.notBefore.getTime() - failedAt[0]!).toBeGreaterThanOrEqual(1_000);
    const done = await finalPost(harness, /succeeded$/);
    expect(attachmentOf(done)?.title).toBe(`Job #${job?.id} succeeded`);
    expect(server.callsTo('CreatePost')).toHaveLength(2);
    server.assertClean();
  });

  it('does not post again when Mattermost answers a new post without its id: the row is dead, with the reason', async () => {
    h = await startHarness({ extraCommands: testCommands });
    const harness = h;
    const server = harness.server!;
    // The API's own Post, damaged: no id (a proxy rewriting the answer, a broken server).
    server.on('CreatePost', (call) => {
      const body = call.body as { channel_id: string; message: string };
      return { status: 201, body: { channel_id: body.channel_id, message: body.message } };
    });
    await sendCommand(harness, slashForm(slashFields('mm-job', 'web')));
    await eventually(() => harness.t.store.jobs.list({ limit: 1 }), (j) => j[0]?.state === 'succeeded', 'the job to succeed');
    const [dead] = await eventually(() => harness.t.store.outbox.list('dead', 10), (rows) => rows.length === 1, 'the post given up');
    expect(dead?.lastError).toBe('Mattermost answered the new post without its id');
    expect(server.callsTo('CreatePost')).toHaveLength(1);
    // (The OpenAPI file's Post marks no field required, so the contract server lets this answer pass.)
    server.assertClean();
  });

  it('survives Mattermost being down: the job succeeds, and the post arrives once it is back', async () => {
    const port = await reservePort();
    h = await startHarness({ extraCommands: testCommands, mattermostUrl: `http://127.0.0.1:${port}` });
    const harness = h;
    await sendCommand(harness, slashForm(slashFields('mm-job', 'web')));
    const [job] = await eventually(() => harness.t.store.jobs.list({ limit: 1 }), (j) => j[0]?.state === 'succeeded', 'the job to succeed');
    await eventually(() => harness.t.store.outbox.list('pending', 10), (rows) => (rows[0]?.attempts ?? 0) >= 2, 'failed attempts while down');
    expect((await harness.t.store.outbox.list('pending', 10))[0]?.lastError).toMatch(/unreachable/);

    // Mattermost comes back on the same address.
    const posts = new Map<string, FakePost>();
    const { startFakeMattermost } = await import('./support/harness.js');
    const server = await startFakeMattermost(posts);
    closers.push(() => server.close());
    const proxy = await startProxy(port, Number(new URL(server.url).port));
    closers.push(proxy);
    const delivered = await eventually(() => [...posts.values()], (p) => p.some((x) => /succeeded$/.test(attachmentOf(x)?.title ?? '')), 'the post after the outage', 20_000);
    expect(delivered).toHaveLength(1);
    expect(attachmentOf(delivered[0])?.title).toBe(`Job #${job?.id} succeeded`);
    server.assertClean();
  });
});

describe('without a bot token: response_url', () => {
  it('answers "accepted" at once and posts the result to the response_url, within its use limit', async () => {
    const hooks = await startHookServer();
    closers.push(hooks.close);
    h = await startHarness({ extraCommands: testCommands, botToken: false, mattermostUrl: hooks.url });
    const harness = h;
    const answer = await sendCommand(harness, slashForm(slashFields('mm-job', 'web', { response_url: `${hooks.url}/hooks/commands/abc123` })));
    expect(answer.body.response_type).toBe('ephemeral');
    const [job] = await eventually(() => harness.t.store.jobs.list({ limit: 1 }), (j) => j[0]?.state === 'succeeded', 'the job');
    // The result is queued once the job's end is committed (a turn later): wait for it.
    const final = (body: unknown): boolean => (body as { attachments?: { title?: string }[] }).attachments?.[0]?.title === `Job #${job?.id} succeeded`;
    const bodies = await eventually(() => hooks.received, (r) => r.some(final), 'the result on the response_url');
    await eventually(() => harness.t.store.outbox.count('pending'), (n) => n === 0, 'an empty outbox');
    expect(hooks.received.length).toBeLessThanOrEqual(2);
    const last = bodies.at(-1) as { response_type: string; attachments: { title: string }[] };
    expect(integrationViolations('CommandResponse', last)).toEqual([]);
    expect(last.response_type).toBe('in_channel');
    expect(last.attachments[0]?.title).toBe(`Job #${job?.id} succeeded`);
    expect(hooks.paths.every((p) => p === '/hooks/commands/abc123')).toBe(true);
  });

  it("sends the result of a button's job to the presser's last response_url", async () => {
    const hooks = await startHookServer();
    closers.push(hooks.close);
    h = await startHarness({ extraCommands: testCommands, botToken: false, mattermostUrl: hooks.url });
    const harness = h;
    const prompt = await sendCommand(harness, slashForm(slashFields('mm-nuke', 'web', { response_url: `${hooks.url}/hooks/commands/nuke1` })));
    const attachments = prompt.body.attachments as { actions: { integration: { context: Record<string, unknown> } }[] }[];
    const context = attachments[0]?.actions[0]?.integration.context;
    const click = await harness.http.inject({
      method: 'POST',
      url: '/mattermost/action',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ user_id: 'u-olga', user_name: 'olga', channel_id: 'ch-ops', post_id: 'p1', trigger_id: 't', context }),
    });
    expect(click.json<{ ephemeral_text: string }>().ephemeral_text).toMatch(/^Job #\d+ started/);
    const [job] = await eventually(() => harness.t.store.jobs.list({ limit: 1 }), (j) => j[0]?.state === 'succeeded', 'the confirmed job');
    const final = (body: unknown): boolean => (body as { attachments?: { title?: string }[] }).attachments?.[0]?.title === `Job #${job?.id} succeeded`;
    const bodies = await eventually(() => hooks.received, (r) => r.some(final), 'the result on the response_url');
    expect(final(bodies.at(-1))).toBe(true);
    expect(hooks.paths.every((path) => path === '/hooks/commands/nuke1')).toBe(true);
  });

  it('never posts to a response_url on another server', async () => {
    const hooks = await startHookServer();
    closers.push(hooks.close);
    const elsewhere = await startHookServer();
    closers.push(elsewhere.close);
    h = await startHarness({ extraCommands: testCommands, botToken: false, mattermostUrl: hooks.url });
    const harness = h;
    await sendCommand(harness, slashForm(slashFields('mm-job', 'web', { response_url: `${elsewhere.url}/hooks/commands/evil` })));
    await eventually(() => harness.t.store.jobs.list({ limit: 1 }), (j) => j[0]?.state === 'succeeded', 'the job');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(elsewhere.received).toEqual([]);
    expect(hooks.received).toEqual([]);
  });
});

/** A free loopback port with nothing listening on it (connection refused). */
async function reservePort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}


