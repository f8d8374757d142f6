/**
 * Group commit on SQLite (src/store/group-commit.ts): units that wait share one transaction, yet
 * each keeps exactly the outcome it would have had alone, and settles only once it is committed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely } from 'kysely';
import type { SqliteDatabase } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { groupCommit } from '../../src/store/group-commit.js';
import type { TransactionRunner, TransactionWork } from '../../src/store/group-commit.js';
import { migrateToLatest } from '../../src/store/migrate.js';
import type { Database } from '../../src/store/schema.js';
import { ImmediateSqliteDialect } from '../../src/store/sqlite-dialect.js';

interface RealDatabase extends SqliteDatabase {
  pragma(source: string, options: { simple: true }): unknown;
}
const require = createRequire(import.meta.url);
const SqliteDb = require('better-sqlite3') as new (path: string, options?: { readonly?: boolean }) => RealDatabase;

let dir: string;
let db: Kysely<Database>;
/** Transactions begun on the connection, counted where the driver prepares `begin immediate`. */
let begun: number;
let runner: TransactionRunner;
/** A second connection, as another process would read the file. */
let reader: RealDatabase;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'opsbot-group-'));
  const path = join(dir, 'opsbot.db');
  const real = new SqliteDb(path);
  real.pragma('journal_mode = WAL', { simple: true });
  begun = 0;
  const counting: SqliteDatabase = {
    close: () => real.close(),
    prepare: (sql) => {
      if (sql === 'begin immediate') begun++;
      return real.prepare(sql);
    },
  };
  db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: counting }) });
  await migrateToLatest(db, 'sqlite');
  begun = 0;
  runner = groupCommit(db, (work) => db.transaction().execute(work));
  reader = new SqliteDb(path, { readonly: true });
});

afterEach(async () => {
  reader.close();
  await db.destroy();
  await rm(dir, { recursive: true, force: true });
});

/** Inserts a confirmation row named `code` and returns how many rows the unit saw, its own included. */
function insert(code: string): TransactionWork<number> {
  return async (trx) => {
    await trx.insertInto('confirmations').values({ code, principal_key: 'p', conversation_key: 'c', text: code, expires_at: 0 }).execute();
    const { n } = await trx.selectFrom('confirmations').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(n);
  };
}

function committedCodes(): string[] {
  const rows = reader.prepare('select code from confirmations order by code').all([]) as { code: string }[];
  return rows.map((r) => r.code);
}

describe('groupCommit', () => {
  it('runs units started together in one transaction, in order, each seeing the ones before it', async () => {
    const results = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((code) => runner.run(insert(code))));
    expect(results).toEqual([1, 2, 3, 4, 5]);
    expect(begun).toBe(1);
    expect(committedCodes()).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('settles a unit only once its transaction is committed', async () => {
    const seen = await Promise.all(
      ['a', 'b', 'c'].map(async (code) => {
        await runner.run(insert(code));
        // Read through another connection: only committed rows are visible there.
        return committedCodes().includes(code);
      }),
    );
    expect(seen).toEqual([true, true, true]);
  });

  it('gives a failing unit its own error and the others their own results, with only their rows kept', async () => {
    const failing: TransactionWork<number> = async (trx) => {
      await insert('bad')(trx);
      throw new Error('refused');
    };
    const outcomes = await Promise.allSettled([runner.run(insert('a')), runner.run(failing), runner.run(insert('b'))]);
    expect(outcomes[0]).toEqual({ status: 'fulfilled', value: 1 });
    expect(outcomes[1]).toMatchObject({ status: 'rejected', reason: expect.objectContaining({ message: 'refused' }) });
    // Replayed alone after the rollback: `b` no longer sees the failed unit's row.
    expect(outcomes[2]).toEqual({ status: 'fulfilled', value: 2 });
    expect(committedCodes()).toEqual(['a', 'b']);
  });

  it('gathers units that arrive while a transaction runs into the next one', async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const first = runner.run(async (trx) => {
      await gate;
      return insert('a')(trx);
    });
    // Let the first unit's transaction begin before the others arrive.
    await new Promise((resolve) => setImmediate(resolve));
    expect(begun).toBe(1);
    const later = ['b', 'c', 'd'].map((code) => runner.run(insert(code)));
    open();
    expect(await first).toBe(1);
    expect(await Promise.all(later)).toEqual([2, 3, 4]);
    expect(begun).toBe(2);
  });

  it('starts a lone unit at once in its own transaction and keeps working after errors', async () => {
    await expect(runner.run(() => Promise.reject(new Error('nope')))).rejects.toThrow('nope');
    expect(await runner.run(insert('a'))).toBe(1);
    expect(committedCodes()).toEqual(['a']);
  });
});
