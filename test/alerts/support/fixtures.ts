/** Builders for alert tests: alerts, group targets and the two store engines. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { makeAlert, type AlertDraft } from '../../../src/alert-sources/common.js';
import type { Alert } from '../../../src/core/alerts/model.js';
import type { GroupTarget, IncomingAlert } from '../../../src/core/alerts/store.js';
import type { Store } from '../../../src/core/store.js';
import { openPostgresStore } from '../../../src/store/postgres.js';
import { openSqliteStore } from '../../../src/store/sqlite.js';
import { createTestDatabase } from '../../support/postgres.js';

const T0 = Date.UTC(2026, 0, 15, 10, 0, 0);
/** A time `seconds` after the tests' epoch. */
export function at(seconds: number): Date {
  return new Date(T0 + seconds * 1000);
}

export function alert(overrides: Partial<AlertDraft> & { name?: string; instance?: string } = {}): Alert {
  const { name = 'HighCPU', instance = 'web-1', ...rest } = overrides;
  return makeAlert({
    source: 'alertmanager',
    status: 'firing',
    severity: 'critical',
    labels: { alertname: name, instance, severity: 'critical' },
    annotations: { description: `${name} on ${instance}` },
    summary: `${name} on ${instance}`,
    startsAt: at(0),
    ...rest,
  });
}

export function target(overrides: Partial<GroupTarget> = {}): GroupTarget {
  return { key: 'ops|HighCPU', route: 'ops', labels: { alertname: 'HighCPU' }, conversations: ['mattermost:ch-ops'], wait: 30_000, interval: 300_000, repeat: 4 * 3_600_000, ...overrides };
}

export function incoming(a: Alert, t: GroupTarget = target()): IncomingAlert {
  return { alert: a, target: t };
}

export interface Opened {
  readonly store: Store;
  /** Another store on the same data: a second replica (PostgreSQL only). */
  readonly replica: (() => Promise<Store>) | null;
  dispose(): Promise<void>;
}

export interface Engine {
  readonly name: 'sqlite' | 'postgres';
  open(): Promise<Opened>;
}

export const engines: Engine[] = [
  {
    name: 'sqlite',
    async open() {
      const dir = await mkdtemp(join(tmpdir(), 'opsbot-alerts-'));
      const store = await openSqliteStore({ path: join(dir, 'opsbot.db') });
      return { store, replica: null, dispose: () => rm(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'postgres',
    async open() {
      const db = await createTestDatabase(inject('postgresUrl'));
      const store = await openPostgresStore({ url: db.url, poolSize: 6 });
      return { store, replica: () => openPostgresStore({ url: db.url, poolSize: 6 }), dispose: () => db.drop() };
    },
  },
];
