/**
 * An in-process opsbot for tests: the real composition root (buildApp) over a real SQLite file in a
 * temp dir (or a given store, e.g. PostgreSQL), an access config and job settings built in code,
 * extra test-only commands, a movable clock, a logger that remembers what it was told and a
 * notifier that remembers what it posted. People and places are fixed so assertions can be exact.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { buildApp, type App } from '../../src/app.js';
import { renderText } from '../../src/adapters/shell/render.js';
import { readEnvironment } from '../../src/config/env.js';
import { loadConfig } from '../../src/config/load.js';
import type { AccessConfig, JobsConfig, LoadedConfig, OpsbotConfig, ServiceConfig } from '../../src/config/types.js';
import type { Clock } from '../../src/core/clock.js';
import type { Command } from '../../src/core/command.js';
import type { DispatchOutcome, ReplyStatus } from '../../src/core/dispatch.js';
import type { Conversation, Principal } from '../../src/core/identity.js';
import type { JobOutcome } from '../../src/core/jobs/runner.js';
import type { Logger } from '../../src/core/log.js';
import type { Message } from '../../src/core/message.js';
import type { JobRecord, Store } from '../../src/core/store.js';

export const people = {
  /** Has the `operator` role: every permission. */
  olga: { platform: 'mattermost', id: 'u-olga', name: 'Olga' },
  /** Another operator, for "someone else" cases. */
  oscar: { platform: 'mattermost', id: 'u-oscar', name: 'Oscar' },
  /** `viewer` role: read-only permissions. */
  vera: { platform: 'mattermost', id: 'u-vera', name: 'Vera' },
  /** No role at all. */
  sam: { platform: 'mattermost', id: 'u-sam', name: 'Sam' },
} as const satisfies Record<string, Principal>;

export const places = {
  /** Everything allowed. */
  ops: { platform: 'mattermost', id: 'ch-ops', name: 'ops' },
  /** Another everything-allowed channel, for "another conversation" cases. */
  war: { platform: 'mattermost', id: 'ch-war', name: 'war-room' },
  /** help, whoami, jobs, job only. */
  lobby: { platform: 'mattermost', id: 'ch-lobby', name: 'lobby' },
  /** No binding: the default channel (help, whoami). */
  random: { platform: 'mattermost', id: 'ch-random', name: 'random' },
} as const satisfies Record<string, Conversation>;

export const testAccess: AccessConfig = {
  roles: {
    operator: { members: ['mattermost:u-olga', 'mattermost:u-oscar'], allow: ['*'] },
    viewer: { members: ['mattermost:u-vera'], allow: ['jobs:list', 'jobs:read', 'audit:read', 'locks:list'] },
  },
  everyone: { allow: ['help', 'whoami'] },
  channels: {
    'mattermost:ch-ops': { commands: ['*'] },
    'mattermost:ch-war': { commands: ['*'] },
    'mattermost:ch-lobby': { commands: ['help', 'whoami', 'jobs', 'job'] },
  },
  defaultChannel: { commands: ['help', 'whoami'] },
};

/** Small, fast settings; every test can override them. */
export const testJobs: JobsConfig = {
  timeout: 60_000,
  queueWait: 60_000,
  lockTtl: 5_000,
  heartbeat: 25,
  progressThrottle: 20,
  outputLimit: 65_536,
};

/** Real time plus an offset the test can move forward (for expiries), so leases still tick. */
export class MovableClock implements Clock {
  private offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

export interface LogEntry {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly obj: object;
  readonly msg: string | undefined;
}

/** Remembers every entry (children write to the same list), so tests can search the log. */
export function memoryLogger(entries: LogEntry[] = [], bindings: Record<string, unknown> = {}): Logger & { entries: LogEntry[] } {
  const at =
    (level: LogEntry['level']) =>
    (obj: object, msg?: string): void => {
      entries.push({ level, obj: { ...bindings, ...obj }, msg });
    };
  return {
    entries,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (more) => memoryLogger(entries, { ...bindings, ...more }),
  };
}

export interface Notice {
  readonly conversation: Conversation;
  readonly message: Message;
  readonly text: string;
}

export interface TestAppOptions {
  readonly access?: AccessConfig;
  readonly jobs?: Partial<JobsConfig>;
  readonly extraCommands?: readonly Command[];
  /** Values that came from `${VAR}` substitution: masked in every job's output. */
  readonly secrets?: readonly string[];
  /** An already-open store (e.g. PostgreSQL, or a second replica on the same data). */
  readonly store?: Store;
  /** A SQLite file to use instead of a fresh one (e.g. one a previous app left behind). */
  readonly sqlitePath?: string;
  /** Host part of the job owner (`host/pid/nonce`). */
  readonly instance?: string;
  /** Whole config sections to replace (e.g. `alerts`), for tests of other features. */
  readonly config?: Partial<OpsbotConfig>;
}

export interface Said {
  readonly outcome: DispatchOutcome;
  /** The invocation's correlation id. */
  readonly invocationId: string;
  /** Reply status, or 'job' when a job was started. */
  readonly status: ReplyStatus | 'job';
  /** The reply (or the "job started" message) rendered as plain text. */
  readonly text: string;
  readonly message: Message;
}

export interface TestApp {
  readonly app: App;
  readonly store: Store;
  readonly clock: MovableClock;
  readonly logs: LogEntry[];
  readonly notices: Notice[];
  readonly loaded: LoadedConfig;
  /** The SQLite file, or null when the app runs on a given store. */
  readonly dbPath: string | null;
  /** Dispatches `text` as `as` (default Olga) in `where` (default #ops). */
  say(text: string, as?: Principal, where?: Conversation): Promise<Said>;
  /** Dispatches `text`, expects a job, and returns the job as first recorded plus its completion. */
  start(text: string, as?: Principal, where?: Conversation): Promise<{ job: JobRecord; completion: Promise<JobOutcome & { text: string }> }>;
  /** Dispatches `text`, expects a job, waits for its end. */
  runJob(text: string, as?: Principal, where?: Conversation): Promise<JobOutcome & { text: string }>;
  /** Every row of every table, as JSON text (SQLite only): for "this value is stored nowhere". */
  dump(): string;
  close(graceMs?: number): Promise<void>;
}

const tempDirs: string[] = [];

export function tempDir(prefix = 'opsbot-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** Removes the temp dirs made so far; call from afterAll/afterEach once the apps are closed. */
export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/**
 * A config built in code: every section the test does not set keeps the defaults the real loader
 * gives a config file that leaves it out, so the helper keeps up as sections are added.
 */
export function testConfig(options: { storagePath: string; access?: AccessConfig; jobs?: Partial<JobsConfig>; overrides?: Partial<OpsbotConfig> }): OpsbotConfig {
  const dir = tempDir('opsbot-config-');
  const file = join(dir, 'opsbot.yaml');
  writeFileSync(file, 'log:\n  level: warn\n');
  const defaults = loadConfig(file, readEnvironment({}), { cwd: dir }).config;
  return {
    ...defaults,
    storage: { engine: 'sqlite', path: options.storagePath },
    server: { port: 8080, host: '127.0.0.1', shutdownGrace: 1_000 },
    access: options.access ?? testAccess,
    jobs: { ...testJobs, ...options.jobs },
    ...options.overrides,
  };
}

/**
 * Services that exist so a test can freeze them (`lock web`): a lock target must be something jobs
 * lock, a configured store, service or pipeline. Docker Swarm on a socket that does not exist: nothing
 * is contacted unless the test scales or asks `status`.
 */
export function lockableServices(...names: readonly string[]): Pick<OpsbotConfig, 'services'> {
  const service = (name: string): ServiceConfig => ({
    description: null,
    cooldown: 60_000,
    readyTimeout: 10_000,
    pollInterval: 100,
    defaultEnv: 'test',
    environments: { test: { min: 1, max: 3, orchestrator: { kind: 'swarm', service: name, dockerHost: 'unix:///nonexistent/opsbot-test-docker.sock' }, orchestrators: 1 } },
  });
  return { services: Object.fromEntries(names.map((name) => [name, service(name)])) };
}

/** Every row of every table of a SQLite file, as one JSON text. */
export function dumpSqlite(path: string): string {
  const db = new Database(path, { readonly: true });
  try {
    const tables = db.prepare("select name from sqlite_master where type = 'table'").all() as { name: string }[];
    const out: Record<string, unknown[]> = {};
    for (const { name } of tables) out[name] = db.prepare(`select * from "${name.replaceAll('"', '""')}"`).all();
    return JSON.stringify(out);
  } finally {
    db.close();
  }
}

export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const dbPath = options.store === undefined ? (options.sqlitePath ?? join(tempDir(), 'opsbot.db')) : null;
  const config = testConfig({
    storagePath: dbPath ?? ':memory:',
    ...(options.access === undefined ? {} : { access: options.access }),
    ...(options.jobs === undefined ? {} : { jobs: options.jobs }),
    ...(options.config === undefined ? {} : { overrides: options.config }),
  });
  const loaded: LoadedConfig = { config, file: '/test/opsbot.yaml', secrets: options.secrets ?? [] };
  const clock = new MovableClock();
  const logger = memoryLogger();
  const app = await buildApp({
    loaded,
    logger,
    clock,
    ...(options.extraCommands === undefined ? {} : { extraCommands: options.extraCommands }),
    ...(options.instance === undefined ? {} : { instance: options.instance }),
    ...(options.store === undefined ? {} : { store: options.store }),
  });
  const notices: Notice[] = [];
  app.notifier.register('mattermost', {
    notify: (conversation, message) => {
      notices.push({ conversation, message, text: renderText(message) });
      return Promise.resolve();
    },
  });

  const say = async (text: string, as: Principal = people.olga, where: Conversation = places.ops): Promise<Said> => {
    const invocationId = randomUUID();
    const outcome = await app.dispatcher.dispatch({ id: invocationId, text, principal: as, conversation: where, receivedAt: clock.now() });
    const message = outcome.kind === 'reply' ? outcome.reply : outcome.accepted;
    return { outcome, invocationId, status: outcome.kind === 'reply' ? outcome.status : 'job', text: renderText(message), message };
  };
  const start: TestApp['start'] = async (text, as, where) => {
    const said = await say(text, as, where);
    if (said.outcome.kind !== 'job') throw new Error(`expected "${text}" to start a job, got ${said.status}: ${said.text}`);
    const completion = said.outcome.completion.then((o) => ({ ...o, text: renderText(o.reply) }));
    return { job: said.outcome.job, completion };
  };
  let closed = false;
  return {
    app,
    store: app.store,
    clock,
    logs: logger.entries,
    notices,
    loaded,
    dbPath,
    say,
    start,
    runJob: async (text, as, where) => (await start(text, as, where)).completion,
    dump: () => {
      if (dbPath === null) throw new Error('dump() needs a SQLite app');
      return dumpSqlite(dbPath);
    },
    async close(graceMs = 0) {
      if (closed) return;
      closed = true;
      await app.close(graceMs);
    },
  };
}

/**
 * Named gates a test command can wait on: the test sees when a handler arrived (`entered`) and lets it
 * go (`open`). Waiting honours the handler's AbortSignal unless told to ignore it (a stuck handler).
 */
export class Gates {
  private readonly waiting = new Map<string, { open: () => void; promise: Promise<void> }>();
  private readonly arrivals = new Map<string, { arrived: () => void; promise: Promise<void> }>();

  private gate(name: string): { open: () => void; promise: Promise<void> } {
    let entry = this.waiting.get(name);
    if (entry === undefined) {
      let open!: () => void;
      const promise = new Promise<void>((resolve) => (open = resolve));
      entry = { open, promise };
      this.waiting.set(name, entry);
    }
    return entry;
  }

  private arrival(name: string): { arrived: () => void; promise: Promise<void> } {
    let entry = this.arrivals.get(name);
    if (entry === undefined) {
      let arrived!: () => void;
      const promise = new Promise<void>((resolve) => (arrived = resolve));
      entry = { arrived, promise };
      this.arrivals.set(name, entry);
    }
    return entry;
  }

  /** Opens every gate (releasing waiting handlers) and forgets them all: call between tests. */
  reset(): void {
    for (const entry of this.waiting.values()) entry.open();
    this.waiting.clear();
    this.arrivals.clear();
  }

  /** Resolves once a handler waits at `name`. */
  entered(name: string): Promise<void> {
    return this.arrival(name).promise;
  }

  open(name: string): void {
    this.gate(name).open();
  }

  wait(name: string, signal: AbortSignal | null): Promise<void> {
    this.arrival(name).arrived();
    const { promise } = this.gate(name);
    if (signal === null) return promise;
    signal.throwIfAborted();
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason as Error);
      signal.addEventListener('abort', onAbort, { once: true });
      void promise.then(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
    });
  }
}

/** Polls `read` until `accept` holds (no fixed sleeps; bounded by the test timeout). */
export async function eventually<T>(read: () => Promise<T> | T, accept: (value: T) => boolean, what: string, limitMs = 10_000): Promise<T> {
  const until = Date.now() + limitMs;
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    if (Date.now() > until) throw new Error(`gave up waiting for ${what}; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The (first) table of a reply, for assertions on rows. */
export function tableOf(message: Message): { columns: readonly string[]; rows: readonly (readonly string[])[] } {
  const table = message.blocks.find((b) => b.kind === 'table');
  if (table?.kind !== 'table') throw new Error(`no table in ${JSON.stringify(message)}`);
  return { columns: table.columns, rows: table.rows };
}

/** The fields block of a reply as label -> value. */
export function fieldsOf(message: Message): Record<string, string> {
  const block = message.blocks.find((b) => b.kind === 'fields');
  if (block?.kind !== 'fields') throw new Error(`no fields in ${JSON.stringify(message)}`);
  return Object.fromEntries(block.fields.map((f) => [f.label, f.value]));
}
