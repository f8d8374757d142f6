import { isAbsolute, join, resolve } from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import type { StorageConfig } from '../types.js';
import { defineSection } from './section.js';

const DEFAULT_DATA_DIR = './data';
const DEFAULT_DB_FILE = 'opsbot.db';
const DEFAULT_POOL_SIZE = 10;

const SqliteStorage = Type.Object(
  {
    engine: Type.Literal('sqlite', { description: 'Embedded database in one file. Supports one replica.' }),
    path: Type.Optional(
      Type.String({
        minLength: 1,
        default: `${DEFAULT_DATA_DIR}/${DEFAULT_DB_FILE}`,
        description:
          'Database file. Relative paths resolve against the working directory; :memory: keeps nothing. Default: $OPSBOT_DATA_DIR/opsbot.db, or ./data/opsbot.db.',
      }),
    ),
  },
  { additionalProperties: false, title: 'SQLite storage' },
);

const PostgresStorage = Type.Object(
  {
    engine: Type.Literal('postgres', { description: 'PostgreSQL. Required for several replicas.' }),
    url: Type.String({
      minLength: 1,
      // `${` too, so editors checking the file as written accept the usual `url: ${DATABASE_URL}`.
      pattern: '^(?:postgres(?:ql)?://|\\$\\{)',
      patternErrorMessage: 'is not a PostgreSQL URL (use postgres://user:password@host:5432/database)',
      description: 'Connection URL, usually ${DATABASE_URL} so the password stays out of the file.',
    }),
    poolSize: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1000, default: DEFAULT_POOL_SIZE, description: 'Maximum open connections.' }),
    ),
  },
  { additionalProperties: false, title: 'PostgreSQL storage' },
);

type RawStorage = Static<typeof SqliteStorage> | Static<typeof PostgresStorage>;

// oneOf + discriminator (not TypeBox's anyOf union) so ajv validates only the branch `engine` names
// and reports that branch's errors, instead of every branch's.
const StorageSchema = Type.Unsafe<RawStorage>({
  type: 'object',
  title: 'Storage',
  description: 'Where jobs, audit, locks and schedules are kept. Default: SQLite in $OPSBOT_DATA_DIR/opsbot.db ($OPSBOT_DATA_DIR defaults to ./data).',
  default: { engine: 'sqlite', path: `${DEFAULT_DATA_DIR}/${DEFAULT_DB_FILE}` },
  discriminator: { propertyName: 'engine' },
  oneOf: [SqliteStorage, PostgresStorage],
});

/**
 * The password in a PostgreSQL URL, as written and percent-decoded: masked wherever it could be
 * echoed (a driver's error, a log line), also when the URL is written in the file rather than
 * substituted from the environment.
 */
export function storageSecrets(storage: StorageConfig): string[] {
  if (storage.engine !== 'postgres') return [];
  let password: string;
  try {
    password = new URL(storage.url).password;
  } catch {
    return [];
  }
  if (password === '') return [];
  let decoded = password;
  try {
    decoded = decodeURIComponent(password);
  } catch {
    // A malformed %-escape: the driver sees it as written, and so is it masked.
  }
  return [...new Set([password, decoded])];
}

export const storageSection = defineSection({
  schema: StorageSchema,
  load(raw, ctx): StorageConfig {
    if (raw?.engine === 'postgres') {
      return { engine: 'postgres', url: raw.url, poolSize: raw.poolSize ?? DEFAULT_POOL_SIZE };
    }
    const path = raw?.path ?? join(ctx.environment.OPSBOT_DATA_DIR ?? DEFAULT_DATA_DIR, DEFAULT_DB_FILE);
    return { engine: 'sqlite', path: path === ':memory:' || isAbsolute(path) ? path : resolve(ctx.cwd, path) };
  },
});
