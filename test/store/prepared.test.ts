/** Queries compiled once by Kysely and run with new values (src/store/prepared.ts). */
import { createRequire } from 'node:module';
import { Kysely, PostgresDialect } from 'kysely';
import type { SqliteDatabase } from 'kysely';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { migrateToLatest } from '../../src/store/migrate.js';
import { prepareInsert, prepareQuery } from '../../src/store/prepared.js';
import type { Database } from '../../src/store/schema.js';
import { ImmediateSqliteDialect } from '../../src/store/sqlite-dialect.js';
import { registerSqliteConnection } from '../../src/store/sqlite-direct.js';
import { withStatementCache } from '../../src/store/statement-cache.js';
import { createTestDatabase } from '../support/postgres.js';

const require = createRequire(import.meta.url);
const SqliteDb = require('better-sqlite3') as new (path: string) => SqliteDatabase;

let db: Kysely<Database>;

beforeEach(async () => {
  db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: new SqliteDb(':memory:') }) });
  await migrateToLatest(db, 'sqlite');
});

afterEach(async () => {
  await db.destroy();
});

describe('prepareQuery', () => {
  it('binds each call’s own values, keeping the query’s constants', async () => {
    const insert = prepareQuery(db, ['code', 'text'], (p) =>
      db.insertInto('confirmations').values({ code: p.code, principal_key: 'p', conversation_key: 'c', text: p.text, expires_at: 7 }),
    );
    expect(await insert.run(db, { code: 'a', text: 'first' })).toBe(1);
    expect(await insert.run(db, { code: 'b', text: 'second' })).toBe(1);

    const find = prepareQuery(db, ['code'], (p) =>
      db.selectFrom('confirmations').select(['code', 'text', 'expires_at']).where('code', '=', p.code).where('principal_key', 'in', ['p', 'q']),
    );
    expect(await find.execute(db, { code: 'b' })).toEqual([{ code: 'b', text: 'second', expires_at: 7 }]);
    expect(await find.execute(db, { code: 'a' })).toEqual([{ code: 'a', text: 'first', expires_at: 7 }]);
    expect(await find.execute(db, { code: 'zz' })).toEqual([]);
  });

  it('uses one slot in several places', async () => {
    const upsert = prepareQuery(db, ['code', 'text'], (p) => {
      const row = { code: p.code, principal_key: 'p', conversation_key: 'c', text: p.text, expires_at: 1 };
      return db
        .insertInto('confirmations')
        .values(row)
        .onConflict((oc) => oc.column('code').doUpdateSet(row));
    });
    await upsert.run(db, { code: 'a', text: 'one' });
    await upsert.run(db, { code: 'a', text: 'two' });
    expect(await db.selectFrom('confirmations').select(['code', 'text']).execute()).toEqual([{ code: 'a', text: 'two' }]);
  });

  it('refuses a slot the query never uses, naming it', () => {
    expect(() => prepareQuery(db, ['code', 'typo'], (p) => db.selectFrom('confirmations').selectAll().where('code', '=', p.code))).toThrow(
      /does not use typo/,
    );
  });
});

/** An audit row insert whose event and time are slots. */
function auditInsert(target: Kysely<Database>, engine: 'sqlite' | 'postgres') {
  return prepareInsert(target, engine, ['event', 'at'], (p) =>
    target.insertInto('audit').values({ at: p.at, event: p.event, principal_platform: 'shell', principal_id: 'u', principal_name: 'U', conversation_platform: 'shell', conversation_id: 'c', command: 'lock', args: '{}', permission: 'lock', refs: '{}' }),
  );
}

describe('prepareInsert', () => {
  it('reads the new id without RETURNING on SQLite', async () => {
    const insert = auditInsert(db, 'sqlite');
    expect(insert.sql).not.toMatch(/returning/i);
    const first = await insert.insert(db, { event: 'job_started', at: 1 });
    const second = await insert.insert(db, { event: 'job_finished', at: 2 });
    expect(second).toBe(first + 1);
    const rows = await db.selectFrom('audit').select(['id', 'event']).orderBy('id').execute();
    expect(rows).toEqual([
      { id: first, event: 'job_started' },
      { id: second, event: 'job_finished' },
    ]);
  });

  it('reads the new id with RETURNING on PostgreSQL', async () => {
    const database = await createTestDatabase(inject('postgresUrl'));
    const pool = new pg.Pool({ connectionString: database.url, max: 1 });
    const target = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    try {
      await migrateToLatest(target, 'postgres');
      const insert = auditInsert(target, 'postgres');
      expect(insert.sql).toMatch(/ returning id as "id"$/);
      const first = await insert.insert(target, { event: 'job_started', at: 1 });
      const second = await insert.insert(target, { event: 'job_finished', at: 2 });
      expect(second).toBeGreaterThan(first);
      const rows = await target.selectFrom('audit').select(['id', 'event']).orderBy('id').execute();
      expect(rows.map((r) => ({ id: Number(r.id), event: r.event }))).toEqual([
        { id: first, event: 'job_started' },
        { id: second, event: 'job_finished' },
      ]);
    } finally {
      await target.destroy();
      await database.drop();
    }
  });
});

describe('prepared statements on SQLite, straight on the connection inside a transaction', () => {
  let direct: Kysely<Database>;

  beforeEach(async () => {
    // As the SQLite store builds it (sqlite.ts).
    const connection = withStatementCache(new SqliteDb(':memory:'));
    direct = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: connection }) });
    registerSqliteConnection(direct, connection);
    await migrateToLatest(direct, 'sqlite');
  });

  afterEach(async () => {
    await direct.destroy();
  });

  const confirmation = (code: string) => ({ code, principal_key: 'p', conversation_key: 'c', text: code, expires_at: 1 });
  const codes = async (target: Kysely<Database>) => (await target.selectFrom('confirmations').select('code').orderBy('code').execute()).map((r) => r.code);

  it('runs inside the transaction: in order with its other queries, and rolled back with it', async () => {
    const insert = prepareQuery(direct, ['code'], (p) => direct.insertInto('confirmations').values(confirmation(p.code)));
    const count = prepareQuery(direct, [], () => direct.selectFrom('confirmations').select((eb) => eb.fn.countAll<number>().as('n')));
    await expect(
      direct.transaction().execute(async (trx) => {
        await trx.insertInto('confirmations').values(confirmation('a')).execute();
        expect(await count.execute(trx, {})).toEqual([{ n: 1 }]);
        expect(await insert.run(trx, { code: 'b' })).toBe(1);
        expect(await codes(trx)).toEqual(['a', 'b']);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await codes(direct)).toEqual([]);
  });

  it('rejects a failing statement instead of throwing at the caller', async () => {
    const insert = prepareQuery(direct, ['code'], (p) => direct.insertInto('confirmations').values(confirmation(p.code)));
    await direct.transaction().execute(async (trx) => {
      await insert.run(trx, { code: 'a' });
      const again = insert.run(trx, { code: 'a' });
      await expect(again).rejects.toThrow(/UNIQUE constraint failed/);
    });
    expect(await codes(direct)).toEqual(['a']);
  });

  it('outside a transaction, waits for the open one instead of writing into it', async () => {
    const insert = prepareQuery(direct, ['code'], (p) => direct.insertInto('confirmations').values(confirmation(p.code)));
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let seenInside: string[] = [];
    const open = direct.transaction().execute(async (trx) => {
      await trx.insertInto('confirmations').values(confirmation('inside')).execute();
      await held;
      seenInside = await codes(trx);
      throw new Error('roll back');
    });
    // Started while the transaction holds the connection: it must not land in it.
    const outside = insert.run(direct, { code: 'outside' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    release();
    await expect(open).rejects.toThrow('roll back');
    expect(await outside).toBe(1);
    expect(seenInside).toEqual(['inside']);
    expect(await codes(direct)).toEqual(['outside']);
  });

  it('reads the new id of a plain insert inside a transaction', async () => {
    const insert = auditInsert(direct, 'sqlite');
    const ids = await direct.transaction().execute(async (trx) => [await insert.insert(trx, { event: 'job_started', at: 1 }), await insert.insert(trx, { event: 'job_finished', at: 1 })]);
    expect(ids[1]).toBe(ids[0]! + 1);
    expect(await direct.selectFrom('audit').select(['id', 'event']).orderBy('id').execute()).toEqual([
      { id: ids[0], event: 'job_started' },
      { id: ids[1], event: 'job_finished' },
    ]);
  });
});
