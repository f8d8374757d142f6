/** What differs between the engines: opening, files, pragmas, migrations under concurrent boots. */
import { mkdtemp, open, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { allMigrations } from '../../src/store/migrations/index.js';
import { openStore } from '../../src/store/open.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { createTestDatabase } from '../support/postgres.js';
import type { TestDatabase } from '../support/postgres.js';
import { auditEntry, newJob, started, t } from './fixtures.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'opsbot-engine-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function testDatabase(): Promise<TestDatabase> {
  const db = await createTestDatabase(inject('postgresUrl'));
  cleanups.push(() => db.drop());
  return db;
}

/** Bytes 18–19 of an SQLite file header are 2 when the file is in WAL mode (persistently). */
async function walHeader(path: string): Promise<[number, number]> {
  const file = await open(path, 'r');
  try {
    const { buffer } = await file.read({ buffer: Buffer.alloc(20), position: 0 });
    return [buffer[18]!, buffer[19]!];
  } finally {
    await file.close();
  }
}

describe('sqlite engine', () => {
  it('works in memory', async () => {
    const store = await openSqliteStore({ path: ':memory:' });
    cleanups.push(() => store.close());
    const job = started(await store.jobs.begin(newJob(), auditEntry(), { lock: { key: 'k', ttlMs: 1000 }, queueIfLocked: false }));
    expect(await store.jobs.get(job.id)).toStrictEqual(job);
  });

  it('creates the parent directory, uses WAL and keeps data across reopen without re-migrating', async () => {
    const dir = await tempDir();
    const path = join(dir, 'a', 'b', 'opsbot.db');
    const first = await openSqliteStore({ path });
    const job = started(await first.jobs.begin(newJob(), auditEntry(), { lock: { key: 'k', ttlMs: 60_000 }, queueIfLocked: false }));
    expect(await readdir(join(dir, 'a', 'b'))).toContain('opsbot.db-wal');
    await first.close();
    expect(await walHeader(path)).toEqual([2, 2]);

    const second = await openSqliteStore({ path });
    cleanups.push(() => second.close());
    expect(await second.jobs.get(job.id)).toStrictEqual(job);
    expect((await second.locks.get('k', t(1)))?.jobId).toBe(job.id);
    // The id sequence continues rather than restarting.
    expect(started(await second.jobs.begin(newJob(), auditEntry(), { lock: null, queueIfLocked: false })).id).toBe(job.id + 1);
  });

  it('fails to open where no file can be created', async () => {
    const dir = await tempDir();
    const blocker = join(dir, 'not-a-dir');
    await (await open(blocker, 'w')).close();
    await expect(openSqliteStore({ path: join(blocker, 'opsbot.db') })).rejects.toThrow();
  });
});

describe('postgres engine', () => {
  it('survives several replicas booting at once: every migration applied exactly once, all stores usable', async () => {
    const db = await testDatabase();
    const stores = await Promise.all(Array.from({ length: 6 }, () => openPostgresStore({ url: db.url, poolSize: 2 })));
    cleanups.push(async () => {
      for (const s of stores) await s.close();
    });
    const ids = await Promise.all(stores.map(async (s) => started(await s.jobs.begin(newJob(), auditEntry(), { lock: null, queueIfLocked: false })).id));
    expect(new Set(ids).size).toBe(6);

    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ name: string }>('select name from kysely_migration order by name');
      // Every migration there is, each recorded exactly once (a double run would repeat a name).
      expect(rows.map((r) => r.name)).toEqual(Object.keys(allMigrations('postgres')).sort());
    } finally {
      await client.end();
    }
  });

  it('reads bigint columns as numbers, leaving the global pg parsers alone', async () => {
    const db = await testDatabase();
    const store = await openPostgresStore({ url: db.url });
    cleanups.push(() => store.close());
    const job = started(await store.jobs.begin(newJob({ timeoutMs: 86_400_000 * 30 }), auditEntry(), { lock: null, queueIfLocked: false }));
    const got = await store.jobs.get(job.id);
    expect(got?.timeoutMs).toBe(86_400_000 * 30);
    expect(got?.createdAt).toEqual(t(0));

    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: unknown }>('select 1::int8 as n');
      expect(rows[0]?.n).toBe('1');
    } finally {
      await client.end();
    }
  });

  it('fails to open a missing database, keeping the driver error as the cause', async () => {
    const url = new URL(inject('postgresUrl'));
    url.pathname = '/no_such_database';
    const error: unknown = await openPostgresStore({ url: url.toString() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/store migration .* failed on postgres/);
    expect(String((error as Error).cause)).toMatch(/no_such_database/);
  });
});

describe('openStore', () => {
  it('opens the engine the config names', async () => {
    const dir = await tempDir();
    const db = await testDatabase();
    const sqlite = await openStore({ engine: 'sqlite', path: join(dir, 'opsbot.db') });
    cleanups.push(() => sqlite.close());
    const postgres = await openStore({ engine: 'postgres', url: db.url, poolSize: 3 });
    cleanups.push(() => postgres.close());
    expect(sqlite.engine).toBe('sqlite');
    expect(postgres.engine).toBe('postgres');
    await expect(sqlite.ping()).resolves.toBeUndefined();
    await expect(postgres.ping()).resolves.toBeUndefined();
  });
});
