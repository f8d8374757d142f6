/** The embedded engine: one file, one replica. */
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Kysely, sql } from 'kysely';
import type { SqliteDatabase } from 'kysely';
import type { Store } from '../core/store.js';
import { createKyselyStore } from './kysely-store.js';
import { migrateToLatest } from './migrate.js';
import type { Database } from './schema.js';
import { ImmediateSqliteDialect } from './sqlite-dialect.js';
import { registerSqliteConnection } from './sqlite-direct.js';
import { withStatementCache } from './statement-cache.js';

export interface SqliteStoreOptions {
  /** A file path, or `:memory:` for a private in-memory database (tests). */
  readonly path: string;
  /** How often the WAL is checkpointed in the background; CHECKPOINT_INTERVAL_MS by default. */
  readonly checkpointIntervalMs?: number;
}

/**
 * WAL checkpoints run on a timer instead of inside a commit. SQLite's default checkpoints on the
 * commit that takes the WAL past 1,000 pages (about every hundred jobs), and that commit then pays
 * two fsyncs; on a timer one checkpoint per interval copies each hot page once, however many
 * commits changed it, and no job waits for it.
 *
 * Durability stays that of `synchronous = NORMAL` in WAL mode: every commit is in the WAL (in the
 * OS's page cache) when it returns, so a crash of the process loses nothing; only a power loss or
 * kernel crash can lose the commits since the WAL was last synced, which happens at each
 * checkpoint, so at most about one interval of work (before: about a hundred jobs).
 */
export const CHECKPOINT_INTERVAL_MS = 1_000;

/**
 * A safety net, not the mechanism: if the timer falls behind (a blocked event loop, a long read
 * pinning the WAL) SQLite still checkpoints on commit once the WAL holds this many pages (~40 MiB).
 */
const WAL_AUTOCHECKPOINT_PAGES = 10_000;

/**
 * SQLite's page cache, in KiB. better-sqlite3 builds SQLite with 16 MiB; opsbot's hot pages (the
 * interior of a few indexes, the newest rows of jobs, audit, outbox and alerts) fit in far less, and
 * every page cached is resident memory for the life of the process (see `npm run bench`: peak RSS).
 * A page not cached is read from the file again when needed, usually from the OS's cache.
 */
const PAGE_CACHE_KIB = 4_096;

/** A WAL grown past this during a burst is cut back to it when it is next reset. */
const WAL_SIZE_LIMIT_BYTES = 64 * 1024 * 1024;

/** The part of better-sqlite3's Database we use: Kysely's needs plus `pragma`. */
export interface BetterSqliteDatabase extends SqliteDatabase {
  pragma(source: string, options: { simple: true }): unknown;
}
type BetterSqliteConstructor = new (filename: string) => BetterSqliteDatabase;

// better-sqlite3 is CommonJS and no @types package is installed, so it is loaded through require
// and typed by the narrow interface above instead of an untyped import.
const require = createRequire(import.meta.url);

/** The connection, with the settings above applied (exported for the test that pins them). */
export function openDatabase(path: string): BetterSqliteDatabase {
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
    db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`, { simple: true });
    db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`, { simple: true });
    db.pragma(`cache_size = -${PAGE_CACHE_KIB}`, { simple: true });
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * PASSIVE checkpoints every `intervalMs`. They go through Kysely like any query, so they wait for
 * the connection between transactions instead of cutting into one; PASSIVE never waits for other
 * processes' readers or writers. The timer is unref'd: it never keeps the process alive.
 */
function startCheckpoints(db: Kysely<Database>, intervalMs: number): { stop(): void } {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    sql`pragma wal_checkpoint(PASSIVE)`
      .execute(db)
      // A skipped checkpoint (another process is checkpointing) is retried on the next tick, and
      // the autocheckpoint bounds the WAL meanwhile: nothing to report.
      .catch(() => undefined)
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

export async function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  const inMemory = options.path === ':memory:';
  if (!inMemory) await mkdir(dirname(options.path), { recursive: true });
  const connection = withStatementCache(openDatabase(options.path));
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: connection }) });
  registerSqliteConnection(db, connection);
  try {
    await migrateToLatest(db, 'sqlite');
  } catch (error) {
    await db.destroy();
    throw error;
  }
  const store = createKyselyStore(db, 'sqlite');
  if (inMemory) return store;

  const checkpoints = startCheckpoints(db, options.checkpointIntervalMs ?? CHECKPOINT_INTERVAL_MS);
  let closing: Promise<void> | undefined;
  return {
    ...store,
    close() {
      closing ??= (async () => {
        checkpoints.stop();
        // Leave a complete database file and an empty WAL behind (a backup copies one file).
        // Best effort: the close must not fail because a reader in another process held the WAL.
        await sql`pragma wal_checkpoint(TRUNCATE)`.execute(db).catch(() => undefined);
        await store.close();
      })();
      return closing;
    },
  };
}
