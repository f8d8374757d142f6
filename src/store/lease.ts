/**
 * Lock rows as leases. A key is held while its row exists and has not expired (a null expiry is a
 * freeze that lasts until released). Taking a key is a single upsert that succeeds only if there is
 * no row or the row has expired, so the database — not a read-then-write in our code — decides who
 * wins when two transactions race for the same key.
 */
import type { Kysely } from 'kysely';
import type { LockRecord } from '../core/store.js';
import { lockFromRow, lockRow } from './rows.js';
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

/** The lock row for `key` if it is held at `nowMs`; expired rows count as absent. */
export async function liveLock(db: Kysely<Database>, key: string, nowMs: number): Promise<LockRecord | null> {
  const row = await db
    .selectFrom('locks')
    .selectAll()
    .where('key', '=', key)
    .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', nowMs)]))
    .executeTakeFirst();
  return row === undefined ? null : lockFromRow(row);
}

/**
 * Inserts the lock row, replacing a row that expired at or before `nowMs`. On PostgreSQL a
 * concurrent uncommitted insert of the same key makes this statement wait for that transaction,
 * then see its row: no unique-violation error, so our transaction is never left aborted.
 */
export async function takeLock(db: Kysely<Database>, lock: LockRecord, nowMs: number): Promise<void> {
  const row = lockRow(lock);
  const taken = await db
    .insertInto('locks')
    .values(row)
    .onConflict((oc) => oc.column('key').doUpdateSet(row).where('locks.expires_at', '<=', nowMs))
    .returning('key')
    .executeTakeFirst();
  if (taken === undefined) throw new LockRaceError(lock.key);
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
