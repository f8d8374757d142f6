/**
 * Kysely's SQLite dialect, but every transaction starts with BEGIN IMMEDIATE.
 *
 * Our transactions read then write (check a lock, then take it). A plain (deferred) BEGIN takes the
 * write lock only at the first write, and if another process wrote in between SQLite fails that
 * upgrade with SQLITE_BUSY at once, without waiting for busy_timeout. Taking the write lock up front
 * makes a second process (e.g. an `opsbot` CLI run beside the server) wait its turn instead.
 */
import { CompiledQuery, SqliteDialect, SqliteDriver } from 'kysely';
import type { DatabaseConnection, Driver, SqliteDialectConfig } from 'kysely';

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

export class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}
