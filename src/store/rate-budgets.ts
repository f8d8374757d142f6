/**
 * Persistence of the shared rate budgets (migration 0010): a take is one INSERT … ON CONFLICT DO
 * UPDATE … WHERE … RETURNING, so the database serializes the replicas' takes on the bucket's row and
 * a token is spent only if the refilled bucket holds one. The same statement runs on both engines;
 * only the names of the two-argument min/max differ.
 */
import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { RateLimit } from '../core/outbox/rate-limit.js';
import type { RateBudgetStore } from '../core/outbox/shared-rate-limit.js';
import type { Database, StoreEngine } from './schema.js';

type RateBudgetsTable = {
  key: string;
  tokens: number;
  at: number;
};

// A type alias, not an interface: Kysely's withTables needs an index-signature-compatible shape.
type RateBudgetTables = {
  rate_budgets: RateBudgetsTable;
};

function checkLimit(limit: RateLimit): void {
  if (!Number.isFinite(limit.perSecond) || limit.perSecond < 0 || !Number.isFinite(limit.burst) || limit.burst < 0) {
    throw new Error(`store: invalid rate limit ${JSON.stringify(limit)}`);
  }
}

export function createRateBudgetStore(database: Kysely<Database>, engine: StoreEngine): RateBudgetStore {
  const db = database.withTables<RateBudgetTables>();
  const least = sql.raw(engine === 'sqlite' ? 'min' : 'least');
  const greatest = sql.raw(engine === 'sqlite' ? 'max' : 'greatest');

  return {
    async take(key, limit, nowMs) {
      checkLimit(limit);
      // Typed parameters: PostgreSQL would otherwise infer bigint for the rate from `at`.
      const now = sql<number>`cast(${Math.trunc(nowMs)} as bigint)`;
      const rate = sql<number>`cast(${limit.perSecond} as double precision)`;
      const burst = sql<number>`cast(${limit.burst} as double precision)`;
      const refilled = sql<number>`${least}(${burst}, rate_budgets.tokens + ${greatest}(0, ${now} - rate_budgets.at) * ${rate} / 1000.0)`;
      const row = await db
        .insertInto('rate_budgets')
        .values({ key, tokens: limit.burst - 1, at: Math.trunc(nowMs) })
        .onConflict((oc) =>
          oc
            .column('key')
            .doUpdateSet({ tokens: sql<number>`${refilled} - 1`, at: sql<number>`${greatest}(rate_budgets.at, ${now})` })
            .where(sql<boolean>`${refilled} >= 1`),
        )
        .returning('tokens')
        .executeTakeFirst();
      return row !== undefined;
    },

    async peek(key) {
      const row = await db.selectFrom('rate_budgets').select(['tokens', 'at']).where('key', '=', key).executeTakeFirst();
      return row === undefined ? null : { tokens: Number(row.tokens), atMs: Number(row.at) };
    },

    async refund(key, limit) {
      checkLimit(limit);
      await db
        .updateTable('rate_budgets')
        .set({ tokens: sql<number>`${least}(cast(${limit.burst} as double precision), tokens + 1)` })
        .where('key', '=', key)
        .execute();
    },

    async prune(beforeMs) {
      const result = await db.deleteFrom('rate_budgets').where('at', '<', Math.trunc(beforeMs)).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
