/**
 * What each alert group post last showed (migration 0009), for the thread replies of
 * src/core/alerts/thread.ts. Rows go with their group (ON DELETE CASCADE).
 */
import type { Kysely } from 'kysely';
import type { AlertThreadStore, ThreadState } from '../core/alerts/thread.js';
import { decodeObject, encodeJson, toMs } from './codec.js';
import type { Database } from './schema.js';

type AlertThreadsTable = {
  group_id: number;
  conversation_key: string;
  state: string;
  updated_at: number;
};

type Db = Kysely<Database & { alert_threads: AlertThreadsTable }>;

function decodeState(text: string): ThreadState {
  const raw = decodeObject(text, 'alert thread state');
  const { firing, firingCount, ackedBy } = raw;
  if (!Array.isArray(firing) || !firing.every((f): f is string => typeof f === 'string') || typeof firingCount !== 'number' || (ackedBy !== null && typeof ackedBy !== 'string')) {
    throw new Error(`store: unexpected alert thread state: ${text.slice(0, 200)}`);
  }
  return { firing, firingCount, ackedBy };
}

export function createAlertThreadStore(database: Kysely<Database>): AlertThreadStore {
  const db: Db = database.withTables<{ alert_threads: AlertThreadsTable }>();
  return {
    async get(groupId, conversationKey) {
      const row = await db.selectFrom('alert_threads').select('state').where('group_id', '=', groupId).where('conversation_key', '=', conversationKey).executeTakeFirst();
      return row === undefined ? null : decodeState(row.state);
    },

    async put(groupId, conversationKey, state, now) {
      const values = { state: encodeJson(state), updated_at: toMs(now) };
      await db
        .insertInto('alert_threads')
        .values({ group_id: groupId, conversation_key: conversationKey, ...values })
        .onConflict((oc) => oc.columns(['group_id', 'conversation_key']).doUpdateSet(values))
        .execute();
    },
  };
}
