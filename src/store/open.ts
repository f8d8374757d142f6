/**
 * Picks the engine named in the config. Each engine (and its driver: better-sqlite3 or pg) loads only
 * when chosen, so a SQLite bot never carries the PostgreSQL client in memory, and the reverse.
 */
import type { Store } from '../core/store.js';

export type StoreConfig =
  | { readonly engine: 'sqlite'; readonly path: string }
  | { readonly engine: 'postgres'; readonly url: string; readonly poolSize?: number };

export async function openStore(config: StoreConfig): Promise<Store> {
  switch (config.engine) {
    case 'sqlite': {
      const { openSqliteStore } = await import('./sqlite.js');
      return openSqliteStore({ path: config.path });
    }
    case 'postgres': {
      const { openPostgresStore } = await import('./postgres.js');
      return openPostgresStore(config.poolSize === undefined ? { url: config.url } : { url: config.url, poolSize: config.poolSize });
    }
  }
}
