/**
 * The SQLite connection behind a Kysely instance, so that prepared statements (prepared.ts) can run
 * on it directly while one of its transactions is open.
 *
 * Inside a transaction every Kysely query passes through its executor: a new executor per query, a
 * connection provider that chains each query behind the previous one, and about ten promises and
 * closures in all. In the job-start benchmark that chain was about 30% of the bytes the server
 * allocated. On SQLite it buys nothing inside a transaction: there is one connection, the open
 * transaction holds it (Kysely's driver lets nobody else in until it ends), and better-sqlite3 runs
 * a statement synchronously. So a prepared statement of a transaction runs straight on the
 * connection, in the transaction, in the order our code awaits it. Outside a transaction queries
 * keep going through Kysely, which waits for the connection.
 *
 * The one thing the chain did that this does not: it ran queries of one transaction that were
 * started together (not awaited one by one) in the order they were started. The store's
 * transactions await every statement before the next.
 */
import type { Kysely, SqliteDatabase } from 'kysely';
import type { Database } from './schema.js';

const connections = new WeakMap<Kysely<Database>, SqliteDatabase>();

/** Called once by the SQLite store for the Kysely instance it built on `connection`. */
export function registerSqliteConnection(db: Kysely<Database>, connection: SqliteDatabase): void {
  connections.set(db, connection);
}

export function sqliteConnectionOf(db: Kysely<Database>): SqliteDatabase | undefined {
  return connections.get(db);
}
