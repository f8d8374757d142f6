/**
 * Group commit for the single SQLite connection: units of work that arrive while a transaction is
 * running wait, then all run one after another inside the next transaction, which commits once.
 *
 * A commit is the costly part of a short transaction (WAL frames for every page it touched, lock
 * handling) and on one connection transactions run one at a time anyway, so sixteen jobs starting
 * together pay for one commit instead of sixteen. Nothing else changes:
 * - each unit runs whole, in arrival order, and sees the units before it, exactly as if each had
 *   its own transaction in that order (there is only one connection: they were serial already);
 * - each unit's promise settles only after the commit that contains it, so a caller never acts on
 *   a change that could still be lost, and everything a unit writes commits together;
 * - if any unit throws, or the commit fails, the whole transaction rolls back and every unit of
 *   that batch is run again on its own, so each gets exactly its own result or error.
 * An idle runner starts a unit at the end of the event loop's current turn (setImmediate), so the
 * units of every request read in that turn go together. SQLite's driver is synchronous: a
 * transaction runs from begin to commit within one turn, so waiting only for the microtasks (as
 * this once did) gathered nothing but units started by the same call, and under load nearly every
 * job paid a commit of its own (see `npm run bench`, job-start).
 */
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export type TransactionWork<T> = (trx: Kysely<Database>) => Promise<T>;

export interface TransactionRunner {
  run<T>(work: TransactionWork<T>): Promise<T>;
}

/** Bounds one transaction's length, so other queries on the connection never wait long behind it. */
export const MAX_GROUP = 64;

interface Pending {
  readonly work: TransactionWork<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * `alone` runs one unit in a transaction of its own (with whatever retry the caller needs); it is
 * used for a batch of one and to replay a failed batch unit by unit.
 */
export function groupCommit(db: Kysely<Database>, alone: <T>(work: TransactionWork<T>) => Promise<T>, maxGroup = MAX_GROUP): TransactionRunner {
  const queue: Pending[] = [];
  let draining = false;

  async function runAlone(unit: Pending): Promise<void> {
    try {
      unit.resolve(await alone(unit.work));
    } catch (error) {
      unit.reject(error);
    }
  }

  async function runGroup(group: readonly Pending[]): Promise<void> {
    let results: unknown[];
    try {
      results = await db.transaction().execute(async (trx) => {
        const out: unknown[] = [];
        for (const unit of group) out.push(await unit.work(trx));
        return out;
      });
    } catch {
      // Rolled back as a whole: nothing of it was written. Replaying unit by unit gives each the
      // outcome it would have had alone (the failing one fails again, the others succeed).
      for (const unit of group) await runAlone(unit);
      return;
    }
    group.forEach((unit, i) => unit.resolve(results[i]));
  }

  async function drain(): Promise<void> {
    try {
      for (let group = queue.splice(0, maxGroup); group.length > 0; group = queue.splice(0, maxGroup)) {
        if (group.length === 1 && group[0] !== undefined) await runAlone(group[0]);
        else await runGroup(group);
      }
    } finally {
      draining = false;
    }
  }

  return {
    run<T>(work: TransactionWork<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
        if (draining) return;
        draining = true;
        setImmediate(() => void drain());
      });
    },
  };
}
