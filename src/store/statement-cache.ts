/**
 * Reuses prepared statements. Kysely's SQLite driver calls `prepare` for every query, and compiling
 * the same SQL again costs about as much as running it (see `npm run bench`). Kysely binds values as
 * parameters, so one query shape is one SQL string and the cache stays small; it is bounded anyway
 * (`in (?, ?, …)` lists make one string per length). Sharing a statement is safe because the driver
 * runs one query at a time on its single connection, a stream included.
 */
import type { SqliteDatabase, SqliteStatement } from 'kysely';

export const STATEMENT_CACHE_SIZE = 256;

export function withStatementCache(db: SqliteDatabase, size = STATEMENT_CACHE_SIZE): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => {
      cache.clear();
      db.close();
    },
    prepare(sql) {
      const cached = cache.get(sql);
      if (cached !== undefined) {
        // Map keeps insertion order: moving a hit to the end makes the first key the least recently used.
        cache.delete(sql);
        cache.set(sql, cached);
        return cached;
      }
      const statement = db.prepare(sql);
      cache.set(sql, statement);
      if (cache.size > size) {
        const oldest = cache.keys().next();
        if (oldest.done !== true) cache.delete(oldest.value);
      }
      return statement;
    },
  };
}
