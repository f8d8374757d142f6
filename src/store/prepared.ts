/**
 * Hot statements built and compiled by Kysely once, then executed many times with new values.
 *
 * Building and compiling a query costs about as much JavaScript as running it on SQLite, and the
 * job path runs the same few shapes thousands of times a second. Here each shape is built once with
 * a placeholder object ("slot") wherever a value goes; Kysely compiles it for the store's own
 * dialect (`?` on SQLite, `$1` on PostgreSQL) and lists the slots among the query's parameters, in
 * placeholder order. Each execution only swaps the slots for this call's values. The SQL text is
 * exactly what the query builder produced, so both engines run what they ran before.
 */
import { CompiledQuery, sql } from 'kysely';
import type { Compilable, InsertQueryBuilder, InsertResult, Kysely, QueryResult } from 'kysely';
import type { Database, StoreEngine } from './schema.js';
import { sqliteConnectionOf } from './sqlite-direct.js';

/** What our columns hold once encoded (see codec.ts): text, epoch-ms or 0/1 integers, null. */
export type SqlValue = string | number | null;

/** Marks where a named value goes. Kysely treats it as an opaque parameter value. */
class Slot {
  constructor(readonly name: string) {}
}

export interface PreparedQuery<N extends string, R> {
  readonly sql: string;
  /** Runs on `db`, which may be a transaction, with a value for every slot; returns the rows. */
  execute(db: Kysely<Database>, values: Readonly<Record<N, SqlValue>>): Promise<R[]>;
  /** Runs a statement that returns no rows; resolves to how many rows it changed. */
  run(db: Kysely<Database>, values: Readonly<Record<N, SqlValue>>): Promise<number>;
  /** Runs it and resolves to the driver's whole answer (rows, rows changed, new id). */
  result(db: Kysely<Database>, values: Readonly<Record<N, SqlValue>>): Promise<QueryResult<R>>;
}

/**
 * Compiles `build` once. `build` receives one slot per name, typed `never` so it fits wherever the
 * query builder expects a value; a slot the query does not use is a mistake and throws here.
 */
export function prepareQuery<const N extends string, R>(
  db: Kysely<Database>,
  names: readonly N[],
  build: (slots: Readonly<Record<N, never>>) => Compilable<R>,
): PreparedQuery<N, R> {
  const slots = Object.fromEntries(names.map((name) => [name, new Slot(name)])) as unknown as Readonly<Record<N, never>>;
  const compiled = build(slots).compile();
  const template = [...compiled.parameters];
  const used = new Set(template.flatMap((p) => (p instanceof Slot ? [p.name] : [])));
  const unused = names.filter((name) => !used.has(name));
  if (unused.length > 0) throw new Error(`prepared query does not use ${unused.join(', ')}: ${compiled.sql}`);
  const text = compiled.sql;
  // Parameters that are not slots are constants of the query (e.g. the states in an `in` list).
  const parameters = (values: Readonly<Record<N, SqlValue>>): unknown[] => template.map((p) => (p instanceof Slot ? values[p.name as N] : p));
  const connection = sqliteConnectionOf(db);
  /** Inside a transaction on SQLite, straight on the connection (sqlite-direct.ts); else through Kysely. */
  const query = (target: Kysely<Database>, values: Readonly<Record<N, SqlValue>>): Promise<QueryResult<R>> => {
    if (connection === undefined || !target.isTransaction) return target.executeQuery<R>(CompiledQuery.raw(text, parameters(values)));
    // What Kysely's SQLite driver does with a query, minus the executor around it. A failing
    // statement rejects, as it does through Kysely, rather than throwing at the caller.
    try {
      const statement = connection.prepare(text);
      if (statement.reader) return Promise.resolve({ rows: statement.all(parameters(values)) as R[] });
      const { changes, lastInsertRowid } = statement.run(parameters(values));
      return Promise.resolve({ rows: [], numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid) });
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  };
  return {
    sql: text,
    async execute(target, values) {
      return (await query(target, values)).rows;
    },
    async run(target, values) {
      return Number((await query(target, values)).numAffectedRows ?? 0n);
    },
    result: query,
  };
}

export interface PreparedInsert<N extends string> {
  readonly sql: string;
  /** Inserts one row on `db`, which may be a transaction; resolves to its new id. */
  insert(db: Kysely<Database>, values: Readonly<Record<N, SqlValue>>): Promise<number>;
}

/**
 * An insert whose new id the caller needs. PostgreSQL reads it with RETURNING. SQLite does not:
 * there RETURNING runs the statement through a temporary trigger and collects its rows first, which
 * measured twice the cost of the plain insert (16 against 8 µs for an audit row), while the plain
 * insert already reports the id (last_insert_rowid, Kysely's `insertId`).
 */
export function prepareInsert<const N extends string>(
  db: Kysely<Database>,
  engine: StoreEngine,
  names: readonly N[],
  build: (slots: Readonly<Record<N, never>>) => InsertQueryBuilder<Database, keyof Database, InsertResult> | InsertQueryBuilder<never, never, InsertResult>,
): PreparedInsert<N> {
  if (engine === 'postgres') {
    const returning = prepareQuery(db, names, (slots) => (build(slots) as InsertQueryBuilder<Database, keyof Database, InsertResult>).returning(sql<number>`id`.as('id')));
    return {
      sql: returning.sql,
      async insert(target, values) {
        const [row] = await returning.execute(target, values);
        if (row === undefined) throw new Error(`store: insert returned no id: ${returning.sql}`);
        return Number(row.id);
      },
    };
  }
  const plain = prepareQuery(db, names, build);
  return {
    sql: plain.sql,
    async insert(target, values) {
      const { insertId } = await plain.result(target, values);
      if (insertId === undefined) throw new Error(`store: insert reported no id: ${plain.sql}`);
      return Number(insertId);
    },
  };
}
