/** Both store engines for the schedule tests: a fresh SQLite file or a fresh PostgreSQL database. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import type { Store } from '../../src/core/store.js';
import { openPostgresStore } from '../../src/store/postgres.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { createTestDatabase } from '../support/postgres.js';

export interface OpenedStore {
  readonly store: Store;
  /** Another store on the same data (a second replica); PostgreSQL only. */
  readonly replica: (() => Promise<Store>) | null;
  dispose(): Promise<void>;
}

export interface Engine {
  readonly name: 'sqlite' | 'postgres';
  open(): Promise<OpenedStore>;
}

export const engines: Engine[] = [
  {
    name: 'sqlite',
    async open() {
      const dir = await mkdtemp(join(tmpdir(), 'opsbot-sched-'));
      const store = await openSqliteStore({ path: join(dir, 'opsbot.db') });
      return { store, replica: null, dispose: () => rm(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'postgres',
    async open() {
      const db = await createTestDatabase(inject('postgresUrl'));
      const store = await openPostgresStore({ url: db.url, poolSize: 4 });
      return { store, replica: () => openPostgresStore({ url: db.url, poolSize: 4 }), dispose: () => db.drop() };
    },
  },
];

/** A clock the test sets by hand. */
export class ManualClock {
  constructor(private at: Date) {}
  now(): Date {
    return new Date(this.at.getTime());
  }
  set(at: Date): void {
    this.at = at;
  }
}
