/**
 * The neutral Message rendered for Mattermost, pinned by golden files (test/mattermost/golden/*.json;
 * `UPDATE_GOLDEN=1 npx vitest run test/mattermost/render.test.ts` rewrites them after a deliberate
 * change). Every rendering is also checked against integrations.schema.json, and the size limit is
 * checked on output far beyond it.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ButtonFactory } from '../../src/adapters/mattermost/buttons.js';
import { POST_LIMIT, renderMarkdown, renderPost } from '../../src/adapters/mattermost/render.js';
import { ActionSigner } from '../../src/adapters/mattermost/signing.js';
import { confirmationPrompt } from '../../src/core/confirm.js';
import { UsageError } from '../../src/core/errors.js';
import type { Message } from '../../src/core/message.js';
import { jobStatusMessage } from '../../src/core/outbox/job-status.js';
import { acceptedReply, errorReply } from '../../src/core/replies.js';
import type { JobRecord } from '../../src/core/store.js';
import { integrationViolations } from './support/contracts.js';

const T0 = Date.UTC(2026, 10, 22, 21, 40, 5);
const clock = { now: () => new Date(T0) };
let nonces = 0;
const buttons = new ButtonFactory(new ActionSigner('golden-secret-golden-secret-golden-secret'), clock, 'https://opsbot.example.test/mattermost/action', 86_400_000, () => `nonce${++nonces}`);

const job: JobRecord = {
  id: 42,
  command: 'deploy',
  text: 'deploy store-pl 1.4.2',
  args: { store: 'store-pl', version: '1.4.2' },
  state: 'running',
  principal: { platform: 'mattermost', id: 'u8k3alice', name: 'Alice' },
  conversation: { platform: 'mattermost', id: 'ch-ops', name: 'ops' },
  lockKey: 'store-pl',
  dryRun: false,
  owner: 'host/1/x',
  timeoutMs: 1_800_000,
  createdAt: new Date(T0 - 95_000),
  startedAt: new Date(T0 - 95_000),
  finishedAt: null,
  heartbeatAt: new Date(T0),
  step: 'switching traffic to green',
  progressDone: 3,
  progressTotal: 5,
  summary: null,
  error: null,
  output: 'TASK [build] ok\nTASK [push] ok\nTASK [switch] changed',
  refs: { build: '311', pipeline: 'https://ci.example.test/job/store/311' },
};

const samples: Record<string, Message> = {
  'plain-text': { tone: 'neutral', blocks: [{ kind: 'text', text: 'No jobs yet.' }] },
  'fields-and-links': {
    title: 'Olga',
    tone: 'info',
    blocks: [
      { kind: 'fields', fields: [{ label: 'Identity', value: 'mattermost:u-olga', short: true }, { label: 'Roles', value: 'operator', short: true }, { label: 'Commands here', value: 'all' }] },
      { kind: 'links', links: [{ label: 'Runbook', url: 'https://wiki.example.test/runbook (ops)' }] },
    ],
  },
  table: { tone: 'neutral', title: 'Jobs', blocks: [{ kind: 'table', columns: ['#', 'command', 'state'], rows: [['42', 'deploy store-pl | blue', 'running'], ['41', 'scale web x2', 'succeeded']] }] },
  'job-running': jobStatusMessage(job, new Date(T0)),
  'job-succeeded': jobStatusMessage(
    { ...job, state: 'succeeded', finishedAt: new Date(T0), step: null },
    new Date(T0),
    { title: 'Deployed 1.4.2 to store-pl', tone: 'success', blocks: [{ kind: 'text', text: 'green is live; blue is standby.' }] },
  ),
  'job-failed': jobStatusMessage({ ...job, state: 'failed', finishedAt: new Date(T0), error: 'ansible-playbook failed: host web-2 unreachable' }, new Date(T0)),
  'job-accepted': acceptedReply({ ...job, state: 'running' }),
  confirmation: confirmationPrompt('mm-nuke web', 'K7QX2M'),
  'usage-error': errorReply(new UsageError('Missing <store>: the store.', { hint: 'Usage: deploy <store> <version>' }), 'ref-1'),
  'code-with-fences': { tone: 'neutral', blocks: [{ kind: 'code', text: 'echo ```\ndone' }] },
};

function golden(name: string, value: unknown): void {
  const file = join(import.meta.dirname, 'golden', `${name}.json`);
  const text = `${JSON.stringify(value, null, 2)}\n`;
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, text);
  if (!existsSync(file)) throw new Error(`golden file ${file} is missing: run with UPDATE_GOLDEN=1 and review it`);
  expect(text).toBe(readFileSync(file, 'utf8'));
}

describe('Mattermost rendering', () => {
  for (const [name, message] of Object.entries(samples)) {
    it(`renders ${name} as pinned`, () => {
      nonces = 0;
      const rendered = renderPost(message, buttons.maker({ actors: ['u8k3alice'], channel: 'ch4opsxyz', threadId: null, note: message.title ?? null, update: true }));
      golden(name, rendered);
      for (const attachment of rendered.attachments) expect(integrationViolations('MessageAttachment', attachment)).toEqual([]);
      expect(integrationViolations('CommandResponse', { response_type: 'in_channel', text: rendered.message, attachments: rendered.attachments })).toEqual([]);
    });
  }

  it('colours by tone and signs one button per action', () => {
    const rendered = renderPost(samples['job-running']!, buttons.maker({ actors: ['u8k3alice'], channel: 'ch4opsxyz', threadId: null, note: null, update: false }));
    const [attachment] = rendered.attachments;
    expect(attachment?.color).toBe('#2389D7');
    expect(attachment?.actions?.map((a) => [a.name, a.style, a.integration.url, a.integration.context.cmd, a.integration.context.act])).toEqual([
      ['Cancel', 'danger', 'https://opsbot.example.test/mattermost/action', 'cancel 42', ['u8k3alice']],
    ]);
    expect(renderPost(samples['job-running']!, null).attachments[0]?.actions).toBeUndefined();
  });

  it('never renders a post over the limit, keeping the end of a long log', () => {
    const log = Array.from({ length: 5_000 }, (_, i) => `line ${i} ${'x'.repeat(20)}`).join('\n');
    const message: Message = { title: 'Job #7 failed', tone: 'danger', blocks: [{ kind: 'text', text: 'see below' }, { kind: 'code', text: log }, { kind: 'fields', fields: [{ label: 'Took', value: '3m' }] }] };
    const rendered = renderPost(message, null);
    const attachment = rendered.attachments[0];
    const size = rendered.message.length + (attachment?.text?.length ?? 0) + (attachment?.title?.length ?? 0) + (attachment?.fields ?? []).reduce((n, f) => n + f.title.length + f.value.length, 0);
    expect(size).toBeLessThanOrEqual(POST_LIMIT);
    expect(attachment?.text).toContain('line 4999');
    expect(attachment?.text).toMatch(/… \d+ characters not shown/);
    expect(attachment?.text).not.toContain('line 0 ');
    const huge: Message = { tone: 'neutral', blocks: [{ kind: 'text', text: 'y'.repeat(40_000) }] };
    expect(renderPost(huge, null).message.length).toBeLessThanOrEqual(POST_LIMIT);
    expect(renderMarkdown(huge).length).toBeLessThanOrEqual(POST_LIMIT);
  });

  it('breaks @channel, @all and @here in what it posts (other people\'s words must not notify everyone), and nothing else', () => {
    // A lock reason, an alert summary and a field value, as other people and systems write them.
    const message: Message = {
      title: 'Job #9 succeeded',
      tone: 'success',
      blocks: [
        { kind: 'text', text: '`web` is frozen: @channel deploy freeze (@ALL, @here.)' },
        { kind: 'fields', fields: [{ label: 'Summary', value: 'disk full, @here' }] },
        { kind: 'text', text: 'mail ops@all.example.com, ask @all-hands or @channelbot; @olga knows' },
        { kind: 'code', text: 'cron: notify @here' },
      ],
    };
    const rendered = renderPost(message, null);
    const attachment = rendered.attachments[0];
    // Mattermost finds no mentions in a code block, so a log line there keeps its exact text.
    expect(attachment?.text).toBe(
      '`web` is frozen: @\u200Bchannel deploy freeze (@\u200BALL, @\u200Bhere.)\n\nmail ops@all.example.com, ask @all-hands or @channelbot; @olga knows\n\n```\ncron: notify @here\n```',
    );
    expect(attachment?.fields?.[0]?.value).toBe('disk full, @\u200Bhere');
    const markdownOnly = renderMarkdown({ ...message, title: 'Lock by @all' });
    expect(markdownOnly).toContain('**Lock by @\u200Ball**');
    expect(markdownOnly).toContain('frozen: @\u200Bchannel deploy freeze');
    expect(markdownOnly).toContain('**Summary:** disk full, @\u200Bhere');
    expect(markdownOnly).toContain('```\ncron: notify @here\n```');
    // At the limit, a message full of mentions still fits.
    const crowded: Message = { tone: 'neutral', blocks: [{ kind: 'text', text: '@all '.repeat(4_000) }] };
    expect(renderPost(crowded, null).message.length).toBeLessThanOrEqual(POST_LIMIT);
    expect(renderMarkdown(crowded).length).toBeLessThanOrEqual(POST_LIMIT);
  });

  it('keeps a job\'s command line in its code span when it holds backticks (no link or emphasis forged in the bot\'s post)', () => {
    const typed = 'lock web --reason "see `x` [the runbook](https://evil.example/login) **now**"';
    for (const message of [jobStatusMessage({ ...job, text: typed }, new Date(T0)), acceptedReply({ ...job, text: typed })]) {
      const text = renderPost(message, null).attachments[0]?.text ?? '';
      const span = codeSpanAt(text, text.indexOf('`'));
      expect(span, text).not.toBeNull();
      // The span ends right after what was typed: nothing of it is left outside to be read as markdown.
      expect(span?.content).toBe(typed);
      expect(text.slice(span?.end).includes('evil.example')).toBe(false);
    }
    // Plain command lines keep their plain one-backtick span.
    expect(renderPost(jobStatusMessage(job, new Date(T0)), null).attachments[0]?.text).toContain('`deploy store-pl 1.4.2` — Alice');
  });

  it('keeps a table cell that holds a backslash before a pipe in its own column', () => {
    const rows = [['43', "logs web grep 'error\\|warn'", 'running'], ['44', 'echo a\\\\|b|c', 'queued']];
    const text = renderPost({ tone: 'neutral', blocks: [{ kind: 'table', columns: ['#', 'command', 'state'], rows }] }, null).message;
    const body = text.split('\n').slice(2);
    // Split as the Mattermost apps split a row (marked's splitCells: an odd run of backslashes escapes a pipe).
    const cells = body.map((line) =>
      line
        .replace(/\|/g, (_, at: number, all: string) => (/\\*$/.exec(all.slice(0, at))![0].length % 2 === 1 ? '|' : ' |'))
        .split(/ \|/)
        .slice(1, -1)
        .map((c) => c.trim()),
    );
    expect(cells.map((c) => c.length)).toEqual([3, 3]);
    expect(cells.map((c) => c[2])).toEqual(['running', 'queued']);
  });

  it('breaks the group mentions Mattermost finds around punctuation and behind character references too', () => {
    // Each of these notifies the whole channel when posted (mention_parser_standard.go: `:.-_` are
    // dropped before and after a word, a word not starting with @ is split at `.-:`, and the markdown
    // is read with its character references decoded first).
    const notifying = ['_@here', '(_@channel)', 'done.@all', 'x-@here', 'x.@channel:y', '@here_', '@channel-', '@all__', '&#64;channel', '&#x40;here', '&commat;all', '@&#99;hannel', '&#64;&#104;&#101;&#114;&#101;'];
    for (const reason of notifying) {
      const text = renderPost({ tone: 'neutral', blocks: [{ kind: 'text', text: `frozen: ${reason} now` }] }, null).message;
      expect(mentionsGroup(text), `${reason} → ${JSON.stringify(text)}`).toBe(false);
      // Shown as written: only zero-width spaces were added.
      expect(text.replace(/\u200B/g, '')).toBe(`frozen: ${reason} now`);
    }
    // What does not notify is left exactly as it was.
    for (const harmless of ['ops@all.example.com', 'x_@here', '@all-hands', '@here.x', '@channelbot', ':@here:', '&#65;@x', 'a&amp;b @olga']) {
      expect(renderPost({ tone: 'neutral', blocks: [{ kind: 'text', text: harmless }] }, null).message).toBe(harmless);
    }
  });
});

/**
 * Whether the Mattermost server would notify the channel for this markdown: its word rules
 * (mention_parser_standard.go) over the text with numeric and `&commat;` references decoded.
 */
function mentionsGroup(markdown: string): boolean {
  const text = markdown
    .replace(/&#[xX]([0-9a-fA-F]{1,8});/g, (_, h: string) => String.fromCodePoint(Number.parseInt(h, 16)))
    .replace(/&#(\d{1,8});/g, (_, d: string) => String.fromCodePoint(Number.parseInt(d, 10)))
    .replace(/&commat;/g, '@');
  const group = (w: string): boolean => ['@here', '@channel', '@all'].includes(w.toLowerCase());
  for (const field of text.split(/[^\p{L}\p{N}:.\-_@]+/u)) {
    if (field === '' || (field.startsWith(':') && field.endsWith(':'))) continue;
    const word = field.replace(/^[:.\-_]+/, '');
    if (group(word)) return true;
    for (let stripped = word; /[.\-:_]$/.test(stripped); ) {
      stripped = stripped.slice(0, -1);
      if (group(stripped)) return true;
    }
    if (!word.startsWith('@') && /[.\-:]/.test(word) && word.split(/[.\-:]/).some(group)) return true;
  }
  return false;
}

/**
 * The CommonMark code span opened at `start`: a run of N backticks closed by the next run of exactly
 * N; its content with one space stripped from each end when both ends have one. Null if unclosed.
 */
function codeSpanAt(text: string, start: number): { content: string; end: number } | null {
  const open = /^`+/.exec(text.slice(start))?.[0].length ?? 0;
  if (open === 0) return null;
  for (const run of text.slice(start + open).matchAll(/`+/g)) {
    if (run[0].length !== open) continue;
    const raw = text.slice(start + open, start + open + run.index);
    const content = raw.length > 1 && raw.startsWith(' ') && raw.endsWith(' ') ? raw.slice(1, -1) : raw;
    return { content, end: start + open + run.index + open };
  }
  return null;
}
