/** Pending confirmations of destructive commands: one-time codes bound to a person and a place. */
import type { Kysely } from 'kysely';
import type { ConfirmationStore } from '../core/store.js';
import { toMs } from './codec.js';
import { confirmationFromRow, confirmationRow } from './rows.js';
import type { Database } from './schema.js';

export function createConfirmationStore(db: Kysely<Database>): ConfirmationStore {
  return {
    async create(pending) {
      await db.insertInto('confirmations').values(confirmationRow(pending)).execute();
    },

    async consume(code, principalKey, conversationKey, now) {
      const nowMs = toMs(now);
      // One statement that both checks and removes: of two concurrent consumers exactly one gets the
      // row. A wrong person or conversation matches nothing, so it cannot burn someone else's code.
      const row = await db
        .deleteFrom('confirmations')
        .where('code', '=', code)
        .where('principal_key', '=', principalKey)
        .where('conversation_key', '=', conversationKey)
        .where('expires_at', '>', nowMs)
        .returningAll()
        .executeTakeFirst();
      // Expired codes can never be consumed; drop them while we are here.
      await db.deleteFrom('confirmations').where('expires_at', '<=', nowMs).execute();
      return row === undefined ? null : confirmationFromRow(row);
    },
  };
}
