/** The shared engine: several replicas, one PostgreSQL database. */
import { Kysely, PostgresDialect } from 'kysely';
import { Pool, TypeOverrides } from 'pg';
import type { Store } from '../core/store.js';
import { createKyselyStore } from './kysely-store.js';
import { migrateToLatest } from './migrate.js';
import { pgCancelWakeups } from './pg-cancel-wakeups.js';
import type { Database } from './schema.js';

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database` */
  readonly url: string;
  /** Pool size; 10 by default. */
  readonly poolSize?: number;
  /**
   * Errors of idle pooled connections (server restart, network cut). The broken connection is
   * dropped and the next query opens a new one; without a listener pg would crash the process.
   */
  readonly onIdleError?: (error: Error) => void;
}

const INT8_OID = 20;

/**
 * Our bigint columns hold epoch milliseconds and ids, far below 2^53, so they are read as numbers
 * (pg returns strings by default). The override is local to this pool: other pg users in the
 * process keep the global parsers.
 */
function storeTypes(): TypeOverrides {
  const types = new TypeOverrides();
  types.setTypeParser(INT8_OID, (text: string) => {
    const value = Number(text);
    if (!Number.isSafeInteger(value)) throw new Error(`store: int8 ${text} is beyond JavaScript's safe integers`);
    return value;
  });
  return types;
}

export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const pool = new Pool({ connectionString: options.url, max: options.poolSize ?? 10, types: storeTypes() });
  const onIdleError = options.onIdleError;
  pool.on('error', (error) => onIdleError?.(error));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  try {
    await migrateToLatest(db, 'postgres');
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return createKyselyStore(db, 'postgres', { cancelWakeups: pgCancelWakeups(options.url) });
}
