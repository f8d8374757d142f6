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
import { CompiledQuery } from 'kysely';
import type { Compilable, Kysely } from 'kysely';
import type { Database } from './schema.js';

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
  const { sql } = compiled;
  // Parameters that are not slots are constants of the query (e.g. the states in an `in` list).
  const bind = (values: Readonly<Record<N, SqlValue>>) => CompiledQuery.raw(sql, template.map((p) => (p instanceof Slot ? values[p.name as N] : p)));
  return {
    sql,
    async execute(target, values) {
      return (await target.executeQuery<R>(bind(values))).rows;
    },
    async run(target, values) {
      return Number((await target.executeQuery(bind(values))).numAffectedRows ?? 0n);
    },
  };
}
