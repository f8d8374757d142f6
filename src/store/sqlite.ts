/** The embedded engine: one file, one replica. */
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Kysely } from 'kysely';
import type { SqliteDatabase } from 'kysely';
import type { Store } from '../core/store.js';
import { createKyselyStore } from './kysely-store.js';
import { migrateToLatest } from './migrate.js';
import type { Database } from './schema.js';
import { ImmediateSqliteDialect } from './sqlite-dialect.js';

export interface SqliteStoreOptions {
  /** A file path, or `:memory:` for a private in-memory database (tests). */
  readonly path: string;
}

/** The part of better-sqlite3's Database we use: Kysely's needs plus `pragma`. */
interface BetterSqliteDatabase extends SqliteDatabase {
  pragma(source: string, options: { simple: true }): unknown;
}
type BetterSqliteConstructor = new (filename: string) => BetterSqliteDatabase;

// better-sqlite3 is CommonJS and no @types package is installed, so it is loaded through require
// and typed by the narrow interface above instead of an untyped import.
const require = createRequire(import.meta.url);

function openDatabase(path: string): BetterSqliteDatabase {
  const Database = require('better-sqlite3') as BetterSqliteConstructor;
  const db = new Database(path);
  try {
    // Wait for another process's write lock instead of failing at once.
    db.pragma('busy_timeout = 5000', { simple: true });
    // WAL: readers never block the writer; NORMAL sync is durable across application crashes and
    // loses at most the last commits on power loss, which is the usual trade for WAL.
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (path !== ':memory:' && mode !== 'wal') throw new Error(`SQLite refused WAL mode for ${path} (got ${String(mode)})`);
    db.pragma('synchronous = NORMAL', { simple: true });
    db.pragma('foreign_keys = ON', { simple: true });
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

export async function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  if (options.path !== ':memory:') await mkdir(dirname(options.path), { recursive: true });
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: openDatabase(options.path) }) });
  try {
    await migrateToLatest(db, 'sqlite');
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return createKyselyStore(db, 'sqlite');
}
