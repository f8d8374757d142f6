/** Queries compiled once by Kysely and run with new values (src/store/prepared.ts). */
import { createRequire } from 'node:module';
import { Kysely } from 'kysely';
import type { SqliteDatabase } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrateToLatest } from '../../src/store/migrate.js';
import { prepareQuery } from '../../src/store/prepared.js';
import type { Database } from '../../src/store/schema.js';
import { ImmediateSqliteDialect } from '../../src/store/sqlite-dialect.js';

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
