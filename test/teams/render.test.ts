/**
 * Golden files pin the Adaptive Cards opsbot sends (test/teams/golden/*.json); every card also
 * validates against the Adaptive Card schema and needs nothing newer than 1.4. Buttons are signed
 * with a fixed clock and nonces so the tokens are part of the golden output, and each token is
 * checked to carry exactly the button's command.
 * Regenerate after an intended change: UPDATE_GOLDEN=1 npx vitest run test/teams/render.test.ts
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buttonSigner, verifyAction } from '../../src/adapters/teams/action-token.js';
import { renderActivity, renderCard, summaryOf } from '../../src/adapters/teams/render.js';
import { confirmationPrompt } from '../../src/core/confirm.js';
import { UsageError } from '../../src/core/errors.js';
import type { Message } from '../../src/core/message.js';
import { jobStatusMessage } from '../../src/core/outbox/job-status.js';
import { errorReply } from '../../src/core/replies.js';
import type { JobRecord } from '../../src/core/store.js';
import { assertValidCard, cardProblems } from './support/card-schema.js';

const SECRET = 'golden-secret-0123456789abcdef0123456789abcdef';
const NOW = Date.UTC(2026, 0, 15, 10, 0, 0);
const CONVERSATION = '19:abcdef0123456789@thread.tacv2';
const ALAN = '6b1f8c1e-0000-4000-8000-00000000a11a';

function signer(actors: readonly string[] = [ALAN]) {
  let n = 0;
  return buttonSigner({ secret: SECRET, ttlMs: 3_600_000, now: () => NOW, nonce: () => `nonce-${++n}` }, CONVERSATION, actors);
}

const baseJob: JobRecord = {
  id: 42,
  command: 'rollout',
  text: 'rollout store-pl blue',
  args: { target: 'store-pl', colour: 'blue' },
  state: 'running',
  principal: { platform: 'teams', id: ALAN, name: 'Alan Admin' },
  conversation: { platform: 'teams', id: CONVERSATION, threadId: '1700000000123' },
  lockKey: 'store-pl',
  dryRun: false,
  owner: 'host/1/abc',
  timeoutMs: 1_800_000,
  createdAt: new Date(NOW - 95_000),
  startedAt: new Date(NOW - 95_000),
  finishedAt: null,
  heartbeatAt: new Date(NOW - 5_000),
  step: 'switching traffic to blue',
  progressDone: 3,
  progressTotal: 5,
  summary: null,
  error: null,
  output: 'TASK [drain green] ok\nTASK [switch backend] changed',
  refs: { build: '311', pipeline: 'https://ci.example.com/job/store/311/' },
};

const cases: Readonly<Record<string, { message: Message; actors?: readonly string[] }>> = {
  'confirm-prompt': { message: confirmationPrompt('wipe store-pl', 'K7QX2M') },
  'job-running': { message: jobStatusMessage(baseJob, new Date(NOW)) },
  'job-succeeded': {
    message: jobStatusMessage(
      { ...baseJob, state: 'succeeded', finishedAt: new Date(NOW), step: null, progressDone: null, progressTotal: null, summary: 'store-pl now serves blue' },
      new Date(NOW),
      { title: 'store-pl now serves blue', tone: 'success', blocks: [{ kind: 'fields', fields: [{ label: 'live', value: 'green → blue', short: true }, { label: 'version', value: '1.4.2', short: true }] }], actions: [{ id: 'rollback', label: 'Roll back', style: 'danger', command: 'rollback store-pl' }] },
    ),
  },
  'job-failed': { message: jobStatusMessage({ ...baseJob, state: 'failed', finishedAt: new Date(NOW), error: 'haproxy refused the switch: backend store_pl has no server blue' }, new Date(NOW)) },
  'approval-request': {
    message: {
      title: 'Approve: deploy store-pl 1.4.2 to production?',
      tone: 'warning',
      blocks: [
        { kind: 'fields', fields: [{ label: 'Requested by', value: 'Alan Admin', short: true }, { label: 'Pipeline', value: '#61', short: true }] },
        { kind: 'links', links: [{ label: 'Open pipeline', url: 'https://gitlab.example.com/group/app/-/pipelines/61' }] },
      ],
      actions: [
        { id: 'approve', label: 'Approve', style: 'primary', command: 'approve 42' },
        { id: 'reject', label: 'Reject', style: 'default', command: 'reject 42' },
      ],
    },
    // Anyone in the conversation may approve (the policy decides who is an approver).
    actors: [],
  },
  'jobs-table': {
    message: {
      title: 'Recent jobs',
      tone: 'neutral',
      blocks: [
        {
          kind: 'table',
          columns: ['#', 'command', 'state', 'by'],
          rows: [
            ['42', 'rollout store-pl blue', 'running', 'Alan Admin'],
            ['41', 'wipe store-de', 'succeeded', 'Alan Admin'],
          ],
        },
        { kind: 'code', text: 'PLAY RECAP\nweb-1 : ok=12 changed=2 failed=0' },
      ],
    },
  },
  'usage-error': { message: errorReply(new UsageError('Unknown command `deplyo`. Did you mean `deploy`?', { hint: 'Type `help` to list the commands.' }), 'ref-1') },
};

const goldenDir = join(import.meta.dirname, 'golden');

describe('Adaptive Card rendering', () => {
  for (const [name, { message, actors }] of Object.entries(cases)) {
    it(`renders ${name} as pinned, schema-valid, 1.4`, () => {
      const card = renderCard(message, signer(actors));
      assertValidCard(card);
      const file = join(goldenDir, `${name}.json`);
      const text = `${JSON.stringify(card, null, 2)}\n`;
      if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, text);
      expect(existsSync(file), `golden file ${file} is missing (UPDATE_GOLDEN=1 writes it)`).toBe(true);
      expect(text).toBe(readFileSync(file, 'utf8'));
    });
  }

  it('signs every button for its own command, conversation and people', () => {
    const message = cases['approval-request']!.message;
    const card = renderCard(message, signer([ALAN]));
    const actions = card.actions as { title: string; data: { opsbot: string } }[];
    const commands = actions.map((a) => {
      const check = verifyAction(SECRET, a.data.opsbot, { actor: ALAN, conversationId: CONVERSATION, now: NOW });
      if (!check.ok) throw new Error(check.reason);
      return check.grant.command;
    });
    expect(commands).toEqual(['approve 42', 'reject 42']);
  });

  it('keeps 1.5 elements out: a table becomes column sets', () => {
    const card = renderCard(cases['jobs-table']!.message, signer());
    expect(JSON.stringify(card)).not.toContain('"Table"');
    expect(cardProblems({ ...card, body: [{ type: 'Table', columns: [], rows: [] }] })).toContain('$.body[0] Table needs Adaptive Cards 1.5');
  });

  it('bounds what it renders: long tables and logs are cut with a note', () => {
    const rows = Array.from({ length: 80 }, (_, i) => [String(i), 'x'.repeat(500)]);
    const card = renderCard({ tone: 'neutral', blocks: [{ kind: 'table', columns: ['n', 'text'], rows }, { kind: 'code', text: 'y'.repeat(20_000) }] }, signer());
    assertValidCard(card);
    const json = JSON.stringify(card);
    expect(json).toContain('… and 50 more rows');
    expect(json.length).toBeLessThan(20_000);
  });

  it('keeps quoted text literal: a typed [label](url) becomes no link in the bot\'s card; opsbot\'s own links stay', () => {
    const forged = '[the runbook](https://evil.example/login)';
    const unknown = errorReply(new UsageError(`Unknown command \`${forged}\`.`), 'u');
    const message: Message = {
      title: `Job #7 started: \`lock demo ${forged}\``,
      tone: 'info',
      blocks: [
        ...unknown.blocks,
        { kind: 'code', text: `TASK [deploy] ${forged}` },
        { kind: 'table', columns: ['why'], rows: [[`\`${forged}\``]] },
        { kind: 'links', links: [{ label: 'Build #57', url: 'https://ci.example.com/job/57/' }] },
        { kind: 'text', text: 'See [the job](https://ci.example.com/job/57/) for more.' },
      ],
    };
    const texts = (JSON.stringify(renderCard(message, signer())).match(/"text":"(?:[^"\\]|\\.)*"/g) ?? []).map((t) => JSON.parse(`{${t}}`) as { text: string }).map((t) => t.text);
    const withForged = texts.filter((t) => t.includes('the runbook'));
    expect(withForged).toHaveLength(4);
    for (const text of withForged) {
      // What is shown is unchanged; only the link syntax is broken.
      expect(text.replaceAll('\u200B', '')).toContain(forged);
      expect(text).not.toContain('](');
    }
    expect(texts).toContain('[Build #57](https://ci.example.com/job/57/)');
    expect(texts).toContain('See [the job](https://ci.example.com/job/57/) for more.');
  });

  it('gives every activity a one-line summary for notifications', () => {
    expect(summaryOf(cases['confirm-prompt']!.message)).toBe('Confirm: `wipe store-pl`');
    expect(summaryOf({ tone: 'info', blocks: [{ kind: 'text', text: 'Job #7\nstarted' }] })).toBe('Job #7 started');
    const activity = renderActivity(cases['usage-error']!.message, signer());
    expect(activity).toMatchObject({ type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive' }] });
  });
});
