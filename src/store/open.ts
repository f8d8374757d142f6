/** Picks the engine named in the config. */
import type { Store } from '../core/store.js';
import { openPostgresStore } from './postgres.js';
import { openSqliteStore } from './sqlite.js';

export type StoreConfig =
  | { readonly engine: 'sqlite'; readonly path: string }
  | { readonly engine: 'postgres'; readonly url: string; readonly poolSize?: number };

export function openStore(config: StoreConfig): Promise<Store> {
  switch (config.engine) {
    case 'sqlite':
      return openSqliteStore({ path: config.path });
    case 'postgres':
      return openPostgresStore(config.poolSize === undefined ? { url: config.url } : { url: config.url, poolSize: config.poolSize });
  }
}
