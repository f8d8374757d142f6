/**
 * Retention (src/store/retention.ts, src/core/retention/pruner.ts) against both engines: every rule
 * of what goes and what is never deleted, batching, the dry run, and two replicas at once. Rows are
 * seeded with plain SQL on the store's own connection, so each test states exactly what it starts from.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { silentLogger, type Logger } from '../../src/core/log.js';
import { maintenanceSummaryKey } from '../../src/core/alerts/pipeline.js';
import type { PruneTarget, RetentionKeep } from '../../src/core/retention/ports.js';
import { Pruner, type RetentionSettings } from '../../src/core/retention/pruner.js';
import type { Store } from '../../src/core/store.js';
import { createKyselyStore } from '../../src/store/kysely-store.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import type { Database } from '../../src/store/schema.js';
import { ImmediateSqliteDialect } from '../../src/store/sqlite-dialect.js';
import { openDatabase } from '../../src/store/sqlite.js';
import { createTestDatabase } from '../support/postgres.js';

interface Opened {
  readonly store: Store;
  readonly db: Kysely<Database>;
  /** A second replica on the same database (PostgreSQL only). */
  readonly replica: (() => Promise<Store>) | null;
  dispose(): Promise<void>;
}

const engines: { name: 'sqlite' | 'postgres'; open(): Promise<Opened> }[] = [
  {
    name: 'sqlite',
    async open() {
      const dir = await mkdtemp(join(tmpdir(), 'opsbot-retention-'));
      const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: openDatabase(join(dir, 'opsbot.db')) }) });
      await migrateToLatest(db, 'sqlite');
      return { store: createKyselyStore(db, 'sqlite'), db, replica: null, dispose: () => rm(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'postgres',
    async open() {
      const test = await createTestDatabase(inject('postgresUrl'));
      const types = new pg.TypeOverrides();
      types.setTypeParser(20, (text: string) => Number(text));
      const open = async (): Promise<{ db: Kysely<Database>; store: Store }> => {
        const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: test.url, max: 4, types }) }) });
        await migrateToLatest(db, 'postgres');
        return { db, store: createKyselyStore(db, 'postgres') };
      };
      const { db, store } = await open();
      return { store, db, replica: async () => (await open()).store, dispose: () => test.drop() };
    },
  },
];

const DAY = 86_400_000;
const NOW = Date.UTC(2025, 6, 1, 12, 0, 0);
const now = new Date(NOW);
/** A time `days` before NOW. */
const ago = (days: number): number => NOW - days * DAY;
const cutoff90 = new Date(ago(90));

type Row = Record<string, string | number | null>;

async function insert(db: Kysely<Database>, table: string, row: Row): Promise<number | null> {
  const columns = Object.keys(row);
  const values = Object.values(row);
  const hasId = !['locks', 'deploy_state', 'deploy_approvals', 'message_refs', 'nonces', 'confirmations', 'alert_instances', 'alert_posts', 'alert_threads', 'schedule_claims', 'alert_silences', 'conversation_refs', 'schedules'].includes(table);
  const result = await sql<{ id: number }>`insert into ${sql.table(table)} (${sql.join(columns.map((c) => sql.ref(c)))}) values (${sql.join(values.map((v) => sql`${v}`))})${hasId ? sql` returning id` : sql``}`.execute(db);
  return hasId ? Number(result.rows[0]?.id) : null;
}

async function count(db: Kysely<Database>, table: string, where = sql`1 = 1`): Promise<number> {
  const result = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)} where ${where}`.execute(db);
  return Number(result.rows[0]?.n);
}

async function exists(db: Kysely<Database>, table: string, column: string, value: string | number): Promise<boolean> {
  return (await count(db, table, sql`${sql.ref(column)} = ${value}`)) > 0;
}

function job(state: string, createdAt: number, finishedAt: number | null): Row {
  return {
    command: 'deploy',
    text: 'deploy web',
    args: '{}',
    state,
    principal_platform: 'mattermost',
    principal_id: 'u1',
    principal_name: 'Alice',
    conversation_platform: 'mattermost',
    conversation_id: 'ch-ops',
    dry_run: 0,
    owner: 'host/1/abcd',
    timeout_ms: 60_000,
    created_at: createdAt,
    started_at: createdAt,
    finished_at: finishedAt,
    output: 'a long output tail',
  };
}

function outbox(state: 'pending' | 'dead', refKey: string | null, threadKey: string | null, updatedAt: number): Row {
  return {
    platform: 'mattermost',
    conversation: '{"platform":"mattermost","id":"ch-ops"}',
    conversation_key: 'mattermost:ch-ops',
    ref_key: refKey,
    thread_key: threadKey,
    message: '{"tone":"info","blocks":[]}',
    state,
    not_before: updatedAt,
    created_at: updatedAt,
    updated_at: updatedAt,
  };
}

function group(state: 'open' | 'closed', updatedAt: number): Row {
  return {
    group_key: `g-${Math.random()}`,
    open_key: null,
    route: 'default',
    labels: '{}',
    conversations: '[]',
    state,
    created_at: updatedAt - DAY,
    updated_at: updatedAt,
    version: 1,
    flushed_version: 1,
    wait_ms: 0,
    interval_ms: 0,
    repeat_ms: 0,
  };
}

function instance(groupId: number, fingerprint: string, at: number): Row {
  return {
    source: 'alertmanager',
    fingerprint,
    group_id: groupId,
    status: 'resolved',
    severity: 'warning',
    summary: 'disk full',
    labels: '{}',
    annotations: '{}',
    links: '[]',
    first_seen_at: at,
    last_seen_at: at,
    changed_at: at,
    received_count: 1,
  };
}

function ticket(groupId: number, state: 'open' | 'resolved', resolvedAt: number | null, pending: string | null = null): Row {
  return {
    ticket_key: `group|g${groupId}`,
    open_key: state === 'open' ? `group|g${groupId}` : null,
    per: 'group',
    group_key: `g${groupId}`,
    group_id: groupId,
    rule: 'r',
    project: 'ops/alerts',
    state,
    pending,
    token: 't',
    title: 'x',
    description: 'x',
    labels: '[]',
    confidential: 0,
    close_on_resolve: 1,
    attempts: 0,
    created_at: ago(200),
    updated_at: resolvedAt ?? ago(1),
    resolved_at: resolvedAt,
  };
}

function window(endsAt: number, endedAt: number | null): Row {
  return {
    target: 'db',
    starts_at: endsAt - 3_600_000,
    ends_at: endsAt,
    created_by: 'shell:local',
    created_at: endsAt - DAY,
    matchers: '{}',
    announce_to: '[]',
    lead_ms: 0,
    block_deploys: 0,
    ended_at: endedAt,
  };
}

function claim(key: string, at: number): Row {
  return { key, scheduled_at: at, kind: 'run', claimed_by: 'host/1/abcd', claimed_at: at, outcome: 'ok', finished_at: at };
}

function teamsRef(conversationId: string, updatedAt: number, platform = 'teams'): Row {
  return { platform, conversation_id: conversationId, address: '{"serviceUrl":"https://smba.example/emea/","botId":"28:bot"}', group_id: 'team-1', name: null, updated_at: updatedAt };
}

/** A maintenance window's summary post key in one conversation, as the alert pipeline makes it. */
function summaryKey(target: string, startsAt: number, conversation = 'mattermost:ch-ops'): string {
  return maintenanceSummaryKey({ target, startsAt: new Date(startsAt) }, conversation);
}

const ALL_DEFAULTS: RetentionSettings['ages'] = {
  jobs: 90 * DAY,
  audit: null,
  alerts: 90 * DAY,
  scheduleClaims: 30 * DAY,
  maintenanceWindows: 90 * DAY,
  scalingEvents: 90 * DAY,
  deadOutbox: 30 * DAY,
  teamsConversations: 365 * DAY,
};
const KEEP_NONE: RetentionKeep = { conversations: [] };
const cutoff365 = new Date(ago(365));

describe.each(engines)('$name retention', (engine) => {
  let opened: Opened;
  let store: Store;
  let db: Kysely<Database>;
  const extra: Store[] = [];

  beforeEach(async () => {
    opened = await engine.open();
    store = opened.store;
    db = opened.db;
  });

  afterEach(async () => {
    for (const s of extra.splice(0)) await s.close();
    await store.close();
    await opened.dispose();
  });

  const prune = (target: PruneTarget, cutoff = cutoff90, limit = 1000, keep = KEEP_NONE): Promise<number> => store.retention.prune(target, cutoff, now, limit, keep);

  function pruner(overrides: Partial<RetentionSettings> = {}, logger: Logger = silentLogger): Pruner {
    return new Pruner({ store: store.retention, clock: { now: () => now }, logger, settings: { ages: ALL_DEFAULTS, keep: KEEP_NONE, intervalMs: 600_000, ...overrides } });
  }

  describe('jobs', () => {
    it('deletes a job finished before the cutoff with its chat post ref and decided approval, and keeps its audit', async () => {
      const old = await insert(db, 'jobs', job('succeeded', ago(120), ago(119)));
      const recent = await insert(db, 'jobs', job('failed', ago(100), ago(10)));
      await insert(db, 'message_refs', { key: `job:${old}`, platform: 'mattermost', conversation_id: 'ch-ops', message_id: 'p1', updated_at: ago(119) });
      await insert(db, 'deploy_approvals', { job_id: old, store: 'web', requester_key: 'mattermost:u1', requester_name: 'A', summary: 's', requested_at: ago(120), expires_at: ago(119), decision: 'approved' });
      await insert(db, 'audit', { at: ago(120), event: 'job_started', principal_platform: 'mattermost', principal_id: 'u1', principal_name: 'A', conversation_platform: 'mattermost', conversation_id: 'ch-ops', job_id: old });

      expect(await prune('jobs')).toBe(1);
      expect(await exists(db, 'jobs', 'id', old!)).toBe(false);
      expect(await exists(db, 'jobs', 'id', recent!)).toBe(true);
      expect(await count(db, 'message_refs')).toBe(0);
      expect(await count(db, 'deploy_approvals')).toBe(0);
      expect(await count(db, 'audit')).toBe(1);
    });

    it('never deletes a queued or running job, however old', async () => {
      await insert(db, 'jobs', job('queued', ago(300), null));
      await insert(db, 'jobs', job('running', ago(300), null));
      // The state decides, whatever the times say.
      await insert(db, 'jobs', job('running', ago(300), ago(300)));
      expect(await prune('jobs')).toBe(0);
      expect(await count(db, 'jobs')).toBe(3);
    });

    it('never deletes a job a lock names, the deploy a store shows, or one whose approval still waits', async () => {
      const locked = await insert(db, 'jobs', job('succeeded', ago(300), ago(300)));
      const shown = await insert(db, 'jobs', job('succeeded', ago(300), ago(300)));
      const waiting = await insert(db, 'jobs', job('succeeded', ago(300), ago(300)));
      await insert(db, 'locks', { key: 'web', job_id: locked, holder_platform: 'mattermost', holder_id: 'u1', holder_name: 'A', acquired_at: ago(300), expires_at: null });
      await insert(db, 'deploy_state', { store: 'web', live_colour: 'blue', job_id: shown, updated_at: ago(300) });
      await insert(db, 'deploy_approvals', { job_id: waiting, store: 'web', requester_key: 'mattermost:u1', requester_name: 'A', summary: 's', requested_at: ago(300), expires_at: NOW + DAY, decision: null });
      expect(await prune('jobs')).toBe(0);
      expect(await count(db, 'jobs')).toBe(3);
      expect(await count(db, 'locks')).toBe(1);
      // Once the lock is released the job may go.
      await sql`delete from locks`.execute(db);
      expect(await prune('jobs')).toBe(1);
      expect(await exists(db, 'jobs', 'id', locked!)).toBe(false);
    });

    it('never deletes a job whose post or a reply under it is still to be sent', async () => {
      const edited = await insert(db, 'jobs', job('succeeded', ago(300), ago(300)));
      const replied = await insert(db, 'jobs', job('succeeded', ago(300), ago(300)));
      const given = await insert(db, 'jobs', job('succeeded', ago(300), ago(300)));
      await insert(db, 'outbox', outbox('pending', `job:${edited}`, null, ago(1)));
      await insert(db, 'outbox', outbox('pending', null, `job:${replied}`, ago(1)));
      await insert(db, 'outbox', outbox('dead', `job:${given}`, null, ago(1)));
      expect(await prune('jobs')).toBe(1);
      expect(await exists(db, 'jobs', 'id', given!)).toBe(false);
      expect(await count(db, 'jobs')).toBe(2);
    });
  });

  it('audit: entries older than the cutoff go when asked, and a pass with the default keeps them all', async () => {
    for (const days of [400, 200, 10]) {
      await insert(db, 'audit', { at: ago(days), event: 'job_started', principal_platform: 'mattermost', principal_id: 'u1', principal_name: 'A', conversation_platform: 'mattermost', conversation_id: 'ch-ops' });
    }
    const { counts } = await pruner().pass();
    expect(counts.audit).toBeUndefined();
    expect(await count(db, 'audit')).toBe(3);
    await pruner({ ages: { ...ALL_DEFAULTS, audit: 365 * DAY } }).pass();
    expect(await count(db, 'audit')).toBe(2);
    expect(await prune('audit', new Date(ago(30)))).toBe(1);
    expect(await count(db, 'audit')).toBe(1);
  });

  describe('alerts', () => {
    it('deletes a group closed before the cutoff with its alerts, posts, thread state and post ref; keeps open and recently closed ones', async () => {
      const old = (await insert(db, 'alert_groups', group('closed', ago(100))))!;
      const open = (await insert(db, 'alert_groups', group('open', ago(300))))!;
      const recent = (await insert(db, 'alert_groups', group('closed', ago(30))))!;
      await insert(db, 'alert_instances', instance(old, 'f-old', ago(100)));
      await insert(db, 'alert_instances', instance(open, 'f-open', ago(300)));
      await insert(db, 'alert_posts', { group_id: old, conversation_key: 'mattermost:ch-ops', ref: `alerts:group:${old}:mattermost:ch-ops`, digest_id: null, updated_at: ago(100) });
      await insert(db, 'alert_threads', { group_id: old, conversation_key: 'mattermost:ch-ops', state: '{}', updated_at: ago(100) });
      await insert(db, 'message_refs', { key: `alerts:group:${old}:mattermost:ch-ops`, platform: 'mattermost', conversation_id: 'ch-ops', message_id: 'p9', updated_at: ago(100) });
      // Delivered long ago: nothing pending about it.
      await insert(db, 'outbox', outbox('dead', `alerts:group:${old}:mattermost:ch-ops`, null, ago(95)));

      expect(await prune('alertGroups')).toBe(1);
      expect(await exists(db, 'alert_groups', 'id', old)).toBe(false);
      expect(await exists(db, 'alert_groups', 'id', open)).toBe(true);
      expect(await exists(db, 'alert_groups', 'id', recent)).toBe(true);
      expect(await count(db, 'alert_instances')).toBe(1);
      expect(await count(db, 'alert_posts')).toBe(0);
      expect(await count(db, 'alert_threads')).toBe(0);
      expect(await count(db, 'message_refs')).toBe(0);
    });

    it('keeps a closed group while a ticket names it or a post or reply about it is pending; the pass prunes the resolved ticket first', async () => {
      const ticketed = (await insert(db, 'alert_groups', group('closed', ago(300))))!;
      const resolved = (await insert(db, 'alert_groups', group('closed', ago(300))))!;
      const threaded = (await insert(db, 'alert_groups', group('closed', ago(300))))!;
      await insert(db, 'alert_tickets', ticket(ticketed, 'open', null));
      await insert(db, 'alert_tickets', ticket(resolved, 'resolved', ago(200)));
      await insert(db, 'alert_posts', { group_id: threaded, conversation_key: 'mattermost:ch-ops', ref: `alerts:group:${threaded}:mattermost:ch-ops`, digest_id: null, updated_at: ago(300) });
      await insert(db, 'outbox', outbox('pending', null, `alerts:group:${threaded}:mattermost:ch-ops`, ago(1)));

      expect(await prune('alertGroups')).toBe(0);
      const { counts } = await pruner().pass();
      expect(counts).toMatchObject({ alertTickets: 1, alertGroups: 1 });
      expect(await exists(db, 'alert_groups', 'id', resolved)).toBe(false);
      expect(await exists(db, 'alert_groups', 'id', ticketed)).toBe(true);
      expect(await exists(db, 'alert_groups', 'id', threaded)).toBe(true);
      expect(await count(db, 'alert_tickets')).toBe(1);
    });

    it('never deletes an open ticket, one with work pending, or one resolved after the cutoff', async () => {
      const g = (await insert(db, 'alert_groups', group('closed', ago(300))))!;
      await insert(db, 'alert_tickets', ticket(g, 'open', null));
      await insert(db, 'alert_tickets', ticket(g, 'resolved', ago(200), 'resolve'));
      await insert(db, 'alert_tickets', ticket(g, 'resolved', ago(10)));
      expect(await prune('alertTickets')).toBe(0);
      expect(await count(db, 'alert_tickets')).toBe(3);
    });

    it('deletes old digests no post is folded into, and silences that ended before the cutoff', async () => {
      const g = (await insert(db, 'alert_groups', group('open', ago(1))))!;
      const folded = (await insert(db, 'alert_digests', { conversation_key: 'mattermost:ch-ops', ref: 'alerts:digest:1', opened_at: ago(200), last_at: ago(200) }))!;
      const lone = (await insert(db, 'alert_digests', { conversation_key: 'mattermost:ch-ops', ref: null, opened_at: ago(200), last_at: ago(200) }))!;
      await insert(db, 'alert_digests', { conversation_key: 'mattermost:ch-ops', ref: null, opened_at: ago(5), last_at: ago(5) });
      await insert(db, 'alert_posts', { group_id: g, conversation_key: 'mattermost:ch-ops', ref: null, digest_id: folded, updated_at: ago(1) });
      const silence = (s: string, endsAt: number): Row => ({ id: s, matchers: '[]', starts_at: endsAt - DAY, ends_at: endsAt, created_platform: 'shell', created_id: 'local', created_name: 'local', comment: '', in_alertmanager: 0 });
      await insert(db, 'alert_silences', silence('old', ago(100)));
      await insert(db, 'alert_silences', silence('active', NOW + DAY));

      expect(await prune('alertDigests')).toBe(1);
      expect(await exists(db, 'alert_digests', 'id', lone)).toBe(false);
      expect(await exists(db, 'alert_digests', 'id', folded)).toBe(true);
      expect(await prune('alertSilences')).toBe(1);
      expect(await exists(db, 'alert_silences', 'id', 'active')).toBe(true);
    });
  });

  it("schedule claims: old tick claims go; a maintenance window's step claims stay until the window goes", async () => {
    await insert(db, 'schedule_claims', claim('schedule:backup', ago(40)));
    await insert(db, 'schedule_claims', claim('schedule:backup', ago(1)));
    await insert(db, 'schedule_claims', claim('maintenance:7:start', ago(400)));
    expect(await prune('scheduleClaims', new Date(ago(30)))).toBe(1);
    expect(await count(db, 'schedule_claims', sql`key = 'schedule:backup'`)).toBe(1);
    expect(await count(db, 'schedule_claims', sql`key = 'maintenance:7:start'`)).toBe(1);
  });

  it('maintenance windows: an ended window past the cutoff goes with its step claims; one not marked ended, or whose scheduled end is recent, stays', async () => {
    const old = (await insert(db, 'maintenance_windows', window(ago(100), ago(100))))!;
    const unended = (await insert(db, 'maintenance_windows', window(ago(300), null)))!;
    // Ended early, long ago, but scheduled to end only now: a recurring occurrence would be re-created.
    const early = (await insert(db, 'maintenance_windows', window(ago(1), ago(200))))!;
    for (const id of [old, unended, early]) for (const step of ['start', 'end']) await insert(db, 'schedule_claims', claim(`maintenance:${id}:${step}`, ago(300)));

    expect(await prune('maintenanceWindows')).toBe(1);
    expect(await exists(db, 'maintenance_windows', 'id', old)).toBe(false);
    expect(await count(db, 'maintenance_windows')).toBe(2);
    expect(await count(db, 'schedule_claims', sql`key like ${`maintenance:${old}:%`}`)).toBe(0);
    expect(await count(db, 'schedule_claims')).toBe(4);
  });

  describe('maintenance summaries', () => {
    it("an ended window goes, then its summary posts' refs (one per conversation), which stay while another window posting under the same keys stays", async () => {
      const old = (await insert(db, 'maintenance_windows', { ...window(ago(100), ago(100)), target: 'web' }))!;
      const pair = { ...window(ago(100), ago(100)), target: 'db' };
      const oldDb = (await insert(db, 'maintenance_windows', pair))!;
      // Same target, same start: its summary has the same key. Not marked ended, so it stays.
      const twin = (await insert(db, 'maintenance_windows', { ...pair, ended_at: null }))!;
      const startsAt = ago(100) - 3_600_000;
      const webKey = summaryKey('web', startsAt);
      const webDevKey = summaryKey('web', startsAt, 'teams:19:dev@thread.v2');
      // Written before summaries had a key per conversation.
      const webOldKey = `alerts:maintenance:web@${startsAt}`;
      const dbKey = summaryKey('db', startsAt);
      // Another target whose name starts the same: not the web window's.
      const webApiKey = summaryKey('web-api', startsAt);
      for (const key of [webKey, webDevKey, webOldKey, dbKey, webApiKey, 'job:1']) await insert(db, 'message_refs', { key, platform: 'mattermost', conversation_id: 'ch-ops', message_id: key, updated_at: ago(100) });
      await insert(db, 'maintenance_windows', { ...window(ago(10), ago(10)), target: 'web-api', starts_at: startsAt });

      expect(await prune('maintenanceWindows')).toBe(2);
      expect(await exists(db, 'maintenance_windows', 'id', old)).toBe(false);
      expect(await exists(db, 'maintenance_windows', 'id', oldDb)).toBe(false);
      expect(await exists(db, 'maintenance_windows', 'id', twin)).toBe(true);
      // A pass prunes the refs of the windows gone right after the windows.
      expect(await prune('maintenanceSummaryRefs')).toBe(3);
      expect(await exists(db, 'message_refs', 'key', webKey)).toBe(false);
      expect(await exists(db, 'message_refs', 'key', webDevKey)).toBe(false);
      expect(await exists(db, 'message_refs', 'key', webOldKey)).toBe(false);
      expect(await exists(db, 'message_refs', 'key', dbKey)).toBe(true);
      expect(await exists(db, 'message_refs', 'key', webApiKey)).toBe(true);
      expect(await exists(db, 'message_refs', 'key', 'job:1')).toBe(true);
    });

    it('a window whose summary (or a reply under it) is still to be posted stays, with its ref', async () => {
      const edited = (await insert(db, 'maintenance_windows', { ...window(ago(100), ago(100)), target: 'web' }))!;
      const replied = (await insert(db, 'maintenance_windows', { ...window(ago(100), ago(100)), target: 'db' }))!;
      const webKey = summaryKey('web', ago(100) - 3_600_000);
      await insert(db, 'message_refs', { key: webKey, platform: 'mattermost', conversation_id: 'ch-ops', message_id: 'p1', updated_at: ago(100) });
      await insert(db, 'outbox', outbox('pending', webKey, null, ago(1)));
      await insert(db, 'outbox', outbox('pending', null, summaryKey('db', ago(100) - 3_600_000), ago(1)));

      expect(await prune('maintenanceWindows')).toBe(0);
      expect(await exists(db, 'maintenance_windows', 'id', edited)).toBe(true);
      expect(await exists(db, 'maintenance_windows', 'id', replied)).toBe(true);
      expect(await exists(db, 'message_refs', 'key', webKey)).toBe(true);
    });

    it("a summary post ref whose window is gone goes by its own age; one whose window stays, a recent one, one still pending, or another kind's stays", async () => {
      const ref = (key: string, updatedAt: number): Row => ({ key, platform: 'mattermost', conversation_id: 'ch-ops', message_id: key, updated_at: updatedAt });
      const gone = summaryKey('web', ago(300));
      const recent = summaryKey('web', ago(20));
      const pending = summaryKey('api', ago(300));
      const stays = (await insert(db, 'maintenance_windows', { ...window(ago(10), ago(10)), target: 'db' }))!;
      const withWindow = summaryKey('db', ago(10) - 3_600_000);
      await insert(db, 'message_refs', ref(gone, ago(299)));
      await insert(db, 'message_refs', ref(recent, ago(19)));
      await insert(db, 'message_refs', ref(pending, ago(299)));
      await insert(db, 'message_refs', ref(withWindow, ago(200)));
      await insert(db, 'message_refs', ref('job:7', ago(299)));
      await insert(db, 'outbox', outbox('pending', null, pending, ago(1)));

      expect(await store.retention.count('maintenanceSummaryRefs', cutoff90, now, KEEP_NONE)).toBe(1);
      expect(await prune('maintenanceSummaryRefs')).toBe(1);
      expect(await exists(db, 'message_refs', 'key', gone)).toBe(false);
      expect(await count(db, 'message_refs')).toBe(4);
      expect(await exists(db, 'maintenance_windows', 'id', stays)).toBe(true);
      // A pass runs it with the windows.
      expect((await pruner().dryRun()).maintenanceSummaryRefs).toBe(0);
    });
  });

  describe('Teams conversation references', () => {
    it('one Teams has not refreshed since the cutoff goes; a recent one, one the config names, or another platform\'s stays', async () => {
      await insert(db, 'conversation_refs', teamsRef('19:stale@thread.tacv2', ago(400)));
      await insert(db, 'conversation_refs', teamsRef('19:recent@thread.tacv2', ago(10)));
      await insert(db, 'conversation_refs', teamsRef('19:alerts@thread.tacv2', ago(400)));
      await insert(db, 'conversation_refs', teamsRef('19:stale@thread.tacv2', ago(400), 'mattermost'));
      const keep: RetentionKeep = { conversations: ['teams:19:alerts@thread.tacv2', 'mattermost:ch-ops'] };

      expect(await store.retention.count('teamsConversations', cutoff365, now, keep)).toBe(1);
      expect(await prune('teamsConversations', cutoff365, 1000, keep)).toBe(1);
      expect(await count(db, 'conversation_refs', sql`platform = 'teams' and conversation_id = '19:stale@thread.tacv2'`)).toBe(0);
      expect(await count(db, 'conversation_refs')).toBe(3);
      expect(await store.conversationRefs.get('teams', '19:alerts@thread.tacv2')).not.toBeNull();
    });

    it('never deletes one a live job, a job awaiting approval, a pending post or fallback, a schedule, an open window or an open alert group may post to', async () => {
      const ids = ['control', 'job', 'approval', 'outbox', 'fallback', 'schedule', 'window', 'group'].map((n) => `19:${n}@thread.tacv2`);
      for (const id of ids) await insert(db, 'conversation_refs', teamsRef(id, ago(400)));
      const [control, jobId, approvalId, outboxId, fallbackId, scheduleId, windowId, groupId] = ids as [string, string, string, string, string, string, string, string];
      const inTeams = (row: Row, id: string): Row => ({ ...row, conversation_platform: 'teams', conversation_id: id });
      // What only names the control conversation is over: a finished job, a dead post, an ended
      // window, a closed group.
      await insert(db, 'jobs', inTeams(job('succeeded', ago(400), ago(400)), control));
      await insert(db, 'outbox', { ...outbox('dead', null, null, ago(400)), platform: 'teams', conversation_key: `teams:${control}` });
      await insert(db, 'maintenance_windows', { ...window(ago(400), ago(400)), announce_to: JSON.stringify([`teams:${control}`]) });
      await insert(db, 'alert_groups', { ...group('closed', ago(400)), conversations: JSON.stringify([`teams:${control}`]) });
      // Each of the others is still named by something live.
      await insert(db, 'jobs', inTeams(job('running', ago(1), null), jobId));
      const waiting = (await insert(db, 'jobs', inTeams(job('succeeded', ago(1), ago(1)), approvalId)))!;
      await insert(db, 'deploy_approvals', { job_id: waiting, store: 'web', requester_key: 'teams:u1', requester_name: 'A', summary: 's', requested_at: ago(1), expires_at: NOW + DAY, decision: null });
      await insert(db, 'outbox', { ...outbox('pending', null, null, ago(1)), platform: 'teams', conversation: JSON.stringify({ platform: 'teams', id: outboxId }), conversation_key: `teams:${outboxId}` });
      await insert(db, 'outbox', { ...outbox('pending', null, null, ago(1)), fallback: JSON.stringify({ to: `teams:${fallbackId}`, afterAttempts: 3, afterMs: null }) });
      await insert(db, 'schedules', {
        id: 'nightly',
        source: 'chat',
        cron: '0 2 * * *',
        timezone: 'UTC',
        action: JSON.stringify({ kind: 'announce', text: 'backup', to: [`teams:${scheduleId}`] }),
        missed: 'skip',
        paused: 1,
        created_by: 'A',
        created_at: ago(400),
        updated_at: ago(400),
        cursor_at: ago(1),
      });
      await insert(db, 'maintenance_windows', { ...window(NOW + DAY, null), announce_to: JSON.stringify([`teams:${windowId}`]) });
      await insert(db, 'alert_groups', { ...group('open', ago(400)), conversations: JSON.stringify(['mattermost:ch-ops', `teams:${groupId}`]) });

      expect(await prune('teamsConversations', cutoff365)).toBe(1);
      expect(await store.conversationRefs.get('teams', control)).toBeNull();
      expect((await store.conversationRefs.list('teams')).map((r) => r.conversationId).sort()).toEqual(ids.slice(1).sort());
    });

    it('a pass keeps what its settings say the config names, and deletes the rest once past teamsConversations', async () => {
      await insert(db, 'conversation_refs', teamsRef('19:alerts@thread.tacv2', ago(400)));
      await insert(db, 'conversation_refs', teamsRef('19:gone@thread.tacv2', ago(400)));
      await insert(db, 'conversation_refs', teamsRef('19:quiet@thread.tacv2', ago(200)));
      expect((await pruner({ ages: { ...ALL_DEFAULTS, teamsConversations: null } }).pass()).counts.teamsConversations).toBeUndefined();
      expect(await count(db, 'conversation_refs')).toBe(3);
      const { counts } = await pruner({ keep: { conversations: ['teams:19:alerts@thread.tacv2'] } }).pass();
      expect(counts.teamsConversations).toBe(1);
      expect((await store.conversationRefs.list('teams')).map((r) => r.conversationId)).toEqual(['19:alerts@thread.tacv2', '19:quiet@thread.tacv2']);
    });
  });

  it('scaling events: old ones go, but the last of each service environment stays', async () => {
    const event = (service: string, env: string, at: number): Row => ({ service, env, at, from_count: 1, to_count: 2, job_id: null, by_name: 'A' });
    await insert(db, 'scaling_events', event('web', 'prod', ago(300)));
    await insert(db, 'scaling_events', event('web', 'prod', ago(200)));
    const lastWebProd = (await insert(db, 'scaling_events', event('web', 'prod', ago(150))))!;
    const lastWebDev = (await insert(db, 'scaling_events', event('web', 'dev', ago(300))))!;
    await insert(db, 'scaling_events', event('api', 'prod', ago(300)));
    await insert(db, 'scaling_events', event('api', 'prod', ago(5)));

    expect(await prune('scalingEvents')).toBe(3);
    expect(await count(db, 'scaling_events')).toBe(3);
    expect(await exists(db, 'scaling_events', 'id', lastWebProd)).toBe(true);
    expect(await exists(db, 'scaling_events', 'id', lastWebDev)).toBe(true);
    expect((await store.scaling.last('web', 'prod'))?.at.getTime()).toBe(ago(150));
  });

  it('outbox: dead rows given up before the cutoff go; pending rows never do', async () => {
    await insert(db, 'outbox', outbox('dead', null, null, ago(40)));
    await insert(db, 'outbox', outbox('dead', null, null, ago(5)));
    await insert(db, 'outbox', outbox('pending', null, null, ago(400)));
    expect(await prune('deadOutbox', new Date(ago(30)))).toBe(1);
    expect(await count(db, 'outbox', sql`state = 'dead'`)).toBe(1);
    expect(await count(db, 'outbox', sql`state = 'pending'`)).toBe(1);
  });

  it('expired confirmation codes and nonces go; live ones stay', async () => {
    await insert(db, 'confirmations', { code: 'old', principal_key: 'k', conversation_key: 'c', text: 'x', expires_at: NOW - 1 });
    await insert(db, 'confirmations', { code: 'live', principal_key: 'k', conversation_key: 'c', text: 'x', expires_at: NOW + 60_000 });
    await insert(db, 'nonces', { nonce: 'old', expires_at: NOW - 1 });
    await insert(db, 'nonces', { nonce: 'live', expires_at: NOW + 60_000 });
    const { counts } = await pruner().pass();
    expect(counts).toMatchObject({ confirmations: 1, nonces: 1 });
    expect(await exists(db, 'confirmations', 'code', 'live')).toBe(true);
    expect(await exists(db, 'nonces', 'nonce', 'live')).toBe(true);
  });

  it('a pass deletes in batches within its budget, says there is more, and logs one line with the counts', async () => {
    for (let i = 0; i < 7; i++) await insert(db, 'jobs', job('succeeded', ago(200), ago(200)));
    expect(await prune('jobs', cutoff90, 2)).toBe(2);
    const lines: { obj: object; msg: string | undefined }[] = [];
    const logger: Logger = { ...silentLogger, info: (obj, msg) => lines.push({ obj, msg }), child: () => logger };
    const first = await pruner({ batchSize: 2, maxBatches: 2 }, logger).pass();
    expect(first).toMatchObject({ counts: { jobs: 4 }, more: true });
    expect(lines).toHaveLength(1);
    expect(lines[0]?.obj).toMatchObject({ deleted: { jobs: 4 }, more: true });
    expect(await count(db, 'jobs')).toBe(1);
    const second = await pruner({ batchSize: 2, maxBatches: 2 }, logger).pass();
    expect(second).toMatchObject({ counts: { jobs: 1 }, more: false });
    // A pass that deletes nothing says nothing.
    await pruner({ batchSize: 2, maxBatches: 2 }, logger).pass();
    expect(lines).toHaveLength(2);
  });

  it('a dry run counts what a pass would delete and deletes nothing', async () => {
    for (let i = 0; i < 3; i++) await insert(db, 'jobs', job('succeeded', ago(200), ago(200)));
    await insert(db, 'jobs', job('running', ago(200), null));
    await insert(db, 'outbox', outbox('dead', null, null, ago(40)));
    const counts = await pruner().dryRun();
    expect(counts).toMatchObject({ jobs: 3, deadOutbox: 1, alertGroups: 0 });
    expect(counts.audit).toBeUndefined();
    expect(await count(db, 'jobs')).toBe(4);
    expect((await pruner().pass()).counts).toMatchObject({ jobs: 3, deadOutbox: 1 });
  });

  it('two replicas pruning at once delete each row once, and neither fails', async () => {
    if (opened.replica === null) return;
    const other = await opened.replica();
    extra.push(other);
    for (let i = 0; i < 60; i++) await insert(db, 'jobs', job('succeeded', ago(200), ago(200)));
    const run = (s: Store): Promise<number> =>
      (async () => {
        let total = 0;
        for (let n = -1; n !== 0; ) {
          n = await s.retention.prune('jobs', cutoff90, now, 5, KEEP_NONE);
          total += n;
        }
        return total;
      })();
    const [a, b] = await Promise.all([run(store), run(other)]);
    expect(a + b).toBe(60);
    expect(await count(db, 'jobs')).toBe(0);
  });
});
