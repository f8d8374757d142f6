/**
 * A throwaway PostgreSQL cluster for tests: its own temp dir, a free loopback port, trust auth,
 * fsync off. One cluster serves the whole run (see global-setup.ts); each test file or test makes
 * its own database so files can run in parallel without seeing each other's rows.
 *
 * initdb and pg_ctl refuse to run as root, so as root they run as the `postgres` user through
 * runuser. Every command is an argv array: no shell anywhere.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, appendFile, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import pg from 'pg';
import { freePort } from './ports.js';

const DEFAULT_BIN = '/usr/lib/postgresql/15/bin';

export interface PostgresCluster {
  /** Superuser URL of the `postgres` database, e.g. `postgres://postgres@127.0.0.1:54329/postgres`. */
  readonly url: string;
  readonly dir: string;
  stop(): Promise<void>;
}

export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  /** Drops the database, closing any connection still open to it. */
  drop(): Promise<void>;
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** `$PGBIN` if set (and then only it), else Debian's PostgreSQL 15, else the newest Debian PostgreSQL. */
export async function findPostgresBin(): Promise<string> {
  const explicit = process.env.PGBIN;
  const installed = explicit === undefined ? await readdir('/usr/lib/postgresql').catch(() => []) : [];
  const candidates =
    explicit === undefined
      ? [DEFAULT_BIN, ...installed.sort((a, b) => Number(b) - Number(a)).map((v) => `/usr/lib/postgresql/${v}/bin`)]
      : [explicit];
  for (const bin of candidates) {
    if ((await isExecutable(join(bin, 'initdb'))) && (await isExecutable(join(bin, 'pg_ctl')))) return bin;
  }
  throw new Error(
    `PostgreSQL server binaries (initdb, pg_ctl) not found in ${candidates.join(', ')}. ` +
      "The store tests need a real PostgreSQL: install Debian's package (apt-get install -y postgresql) or set PGBIN.",
  );
}

const isRoot = process.getuid?.() === 0;

/** Runs a PostgreSQL tool as the postgres user (as root) or as ourselves (otherwise). */
function asPostgres(file: string, args: readonly string[], cwd: string) {
  const [command, argv] = isRoot ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, [...args]];
  // cwd: the tools warn if they cannot read the directory they start in (e.g. /root).
  return execa(command, argv, { cwd, stdin: 'ignore' });
}

export async function startPostgresCluster(): Promise<PostgresCluster> {
  const bin = await findPostgresBin();
  const dir = await mkdtemp(join(tmpdir(), 'opsbot-pg-'));
  const data = join(dir, 'data');
  const log = join(dir, 'pg.log');
  try {
    if (isRoot) await execa('chown', ['postgres:postgres', dir]);
    await asPostgres(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync', '--no-instructions'], dir);
    // Settings go in the config file rather than pg_ctl -o, which pg_ctl hands to /bin/sh.
    // The port is picked free just before start; a rare collision with another process is retried.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      await appendFile(
        join(data, 'postgresql.conf'),
        [
          '',
          `port = ${port}`,
          "listen_addresses = '127.0.0.1'",
          `unix_socket_directories = '${dir}'`,
          'fsync = off',
          'synchronous_commit = off',
          'full_page_writes = off',
          // Test files run in parallel, each with its own pools.
          'max_connections = 300',
          '',
        ].join('\n'),
      );
      try {
        await asPostgres(join(bin, 'pg_ctl'), ['-D', data, '-l', log, '-w', '-t', '60', 'start'], dir);
      } catch (error) {
        const tail = (await readFile(log, 'utf8').catch(() => '')).split('\n').slice(-20).join('\n');
        if (attempt < 3 && tail.includes('could not bind')) continue;
        throw new Error(`PostgreSQL did not start (log ${log}):\n${tail}`, { cause: error });
      }
      const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
      return {
        url,
        dir,
        async stop() {
          await asPostgres(join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop'], dir);
          await rm(dir, { recursive: true, force: true });
        },
      };
    }
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** The same server and credentials, another database. */
export function databaseUrl(baseUrl: string, database: string): string {
  const url = new URL(baseUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

async function asAdmin<T>(baseUrl: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A fresh, empty database `t_<random>` on the cluster at `baseUrl`. */
export async function createTestDatabase(baseUrl: string): Promise<TestDatabase> {
  const name = `t_${randomBytes(8).toString('hex')}`;
  await asAdmin(baseUrl, (c) => c.query(`create database ${c.escapeIdentifier(name)}`));
  return {
    name,
    url: databaseUrl(baseUrl, name),
    async drop() {
      await asAdmin(baseUrl, (c) => c.query(`drop database if exists ${c.escapeIdentifier(name)} with (force)`));
    },
  };
}
