/** The prepared-statement cache in front of better-sqlite3: reuse, LRU eviction, close. */
import { createRequire } from 'node:module';
import type { SqliteDatabase, SqliteStatement } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { STATEMENT_CACHE_SIZE, withStatementCache } from '../../src/store/statement-cache.js';

interface RealDatabase extends SqliteDatabase {
  exec(sql: string): void;
  readonly open: boolean;
}
const require = createRequire(import.meta.url);
const Database = require('better-sqlite3') as new (path: string) => RealDatabase;

/** A real in-memory database whose `prepare` calls are recorded. */
function countingDatabase(): { db: RealDatabase; prepared: string[]; wrapped: SqliteDatabase } {
  const db = new Database(':memory:');
  db.exec('create table t (id integer primary key, v text)');
  const prepared: string[] = [];
  const wrapped: SqliteDatabase = {
    close: () => db.close(),
    prepare: (sql) => {
      prepared.push(sql);
      return db.prepare(sql);
    },
  };
  return { db, prepared, wrapped };
}

const opened: RealDatabase[] = [];
afterEach(() => {
  for (const db of opened.splice(0)) if (db.open) db.close();
});

function setUp(size?: number) {
  const real = countingDatabase();
  opened.push(real.db);
  return { ...real, cache: withStatementCache(real.wrapped, size) };
}

const A = 'select v from t where id = ?';
const B = 'insert into t (id, v) values (?, ?)';
const C = 'select count(*) as n from t';

describe('withStatementCache', () => {
  it('prepares a statement once and hands the same one back for the same SQL', () => {
    const { cache, prepared } = setUp();
    const first = cache.prepare(B);
    const second = cache.prepare(B);
    expect(second).toBe(first);
    expect(prepared).toEqual([B]);
  });

  it('runs the reused statement with new parameters each time', () => {
    const { cache } = setUp();
    cache.prepare(B).run([1, 'one']);
    cache.prepare(B).run([2, 'two']);
    expect(cache.prepare(A).all([2])).toEqual([{ v: 'two' }]);
    expect(cache.prepare(A).all([1])).toEqual([{ v: 'one' }]);
    expect(cache.prepare(C).all([])).toEqual([{ n: 2 }]);
  });

  it('evicts the least recently used statement beyond its size', () => {
    const { cache, prepared } = setUp(2);
    const a = cache.prepare(A);
    const b = cache.prepare(B);
    // A used again: B is now the least recently used, so C pushes B out, not A.
    expect(cache.prepare(A)).toBe(a);
    cache.prepare(C);
    expect(prepared).toEqual([A, B, C]);

    expect(cache.prepare(A)).toBe(a);
    expect(prepared).toHaveLength(3);
    const bAgain: SqliteStatement = cache.prepare(B);
    expect(bAgain).not.toBe(b);
    expect(prepared).toEqual([A, B, C, B]);
    // B's return evicted C (A was used more recently).
    cache.prepare(C);
    expect(prepared).toEqual([A, B, C, B, C]);
  });

  it('is bounded by default', () => {
    const { cache, prepared } = setUp();
    for (let i = 0; i <= STATEMENT_CACHE_SIZE; i++) cache.prepare(`select ${i} as n`);
    // The first one was evicted by the (size + 1)th, so asking again prepares it anew.
    cache.prepare('select 0 as n');
    expect(prepared).toHaveLength(STATEMENT_CACHE_SIZE + 2);
    // The most recent ones are still cached.
    cache.prepare(`select ${STATEMENT_CACHE_SIZE} as n`);
    expect(prepared).toHaveLength(STATEMENT_CACHE_SIZE + 2);
  });

  it('closes the database on close', () => {
    const { cache, db } = setUp();
    cache.prepare(A);
    cache.close();
    expect(db.open).toBe(false);
  });
});
