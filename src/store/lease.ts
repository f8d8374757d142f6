/**
 * Lock rows as leases. A key is held while its row exists and has not expired (a null expiry is a
 * freeze that lasts until released). Taking a key is a single upsert that succeeds only if there is
 * no row or the row has expired, so the database — not a read-then-write in our code — decides who
 * wins when two transactions race for the same key.
 */
import type { Kysely } from 'kysely';
import type { LockRecord } from '../core/store.js';
import { prepareQuery } from './prepared.js';
import { LOCK_COLUMNS, lockFromRow, lockRow } from './rows.js';
import type { Database } from './schema.js';

/**
 * Thrown inside a transaction when another transaction took the key between our read and our write.
 * Throwing rolls back everything the transaction did; the caller then retries from the top and
 * sees the new holder.
 */
class LockRaceError extends Error {
  constructor(readonly key: string) {
    super(`lock ${key} was taken concurrently`);
    this.name = 'LockRaceError';
  }
}

/** After a lost race the retry sees the winner, so more than a couple of rounds means churn. */
const MAX_ATTEMPTS = 5;

export interface LeaseQueries {
  /** The lock row for `key` if it is held at `nowMs`; expired rows count as absent. */
  live(db: Kysely<Database>, key: string, nowMs: number): Promise<LockRecord | null>;
  /**
   * Inserts the lock row, replacing a row that expired at or before `nowMs`. On PostgreSQL a
   * concurrent uncommitted insert of the same key makes this statement wait for that transaction,
   * then see its row: no unique-violation error, so our transaction is never left aborted.
   * Throws LockRaceError (retried by retryOnLockRace) when the key is held after all.
   */
  take(db: Kysely<Database>, lock: LockRecord, nowMs: number): Promise<void>;
}

/** Both statements compiled once for `db`'s dialect (prepared.ts): every job takes a lease. */
export function leaseQueries(db: Kysely<Database>): LeaseQueries {
  const live = prepareQuery(db, ['key', 'nowMs'], (p) =>
    db
      .selectFrom('locks')
      .selectAll()
      .where('key', '=', p.key)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', p.nowMs)])),
  );
  const take = prepareQuery(db, [...LOCK_COLUMNS, 'nowMs'], ({ nowMs, ...row }) =>
    db
      .insertInto('locks')
      .values(row)
      .onConflict((oc) => oc.column('key').doUpdateSet(row).where('locks.expires_at', '<=', nowMs)),
  );
  return {
    async live(target, key, nowMs) {
      const [row] = await live.execute(target, { key, nowMs });
      return row === undefined ? null : lockFromRow(row);
    },
    async take(target, lock, nowMs) {
      // One row inserted or one expired row replaced; none when a live lease kept the key (an
      // upsert whose WHERE fails changes nothing, on both engines).
      const changed = await take.run(target, { ...lockRow(lock), nowMs });
      if (changed === 0) throw new LockRaceError(lock.key);
    },
  };
}

/** Runs `attempt` (a whole transaction) again when it lost a lock race. */
export async function retryOnLockRace<T>(attempt: () => Promise<T>): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof LockRaceError) || i >= MAX_ATTEMPTS) throw error;
    }
  }
}
