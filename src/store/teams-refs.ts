/**
 * The ConversationRefStore over Kysely, for both engines. Its table is declared here (not in
 * schema.ts) and added to the database type with `withTables`, so this capability stays in its files.
 */
import type { Kysely } from 'kysely';
import type { Platform } from '../core/identity.js';
import type { ConversationRef, ConversationRefStore } from '../core/store.js';
import { decodeObject, decodePlatform, encodeJson, fromMs, toMs } from './codec.js';
import type { Database } from './schema.js';

// A type alias, not an interface: `withTables` needs an index-signature-compatible shape.
type ConversationRefsTable = {
  platform: string;
  conversation_id: string;
  /** JSON object of string values. */
  address: string;
  group_id: string | null;
  name: string | null;
  updated_at: number;
};

type RefTables = { conversation_refs: ConversationRefsTable };

function decodeAddress(text: string): Readonly<Record<string, string>> {
  const value = decodeObject(text, 'conversation address');
  for (const v of Object.values(value)) if (typeof v !== 'string') throw new Error(`store: unexpected conversation address value: ${JSON.stringify(v)}`);
  return value as Record<string, string>;
}

function fromRow(row: ConversationRefsTable): ConversationRef {
  return {
    platform: decodePlatform(row.platform),
    conversationId: row.conversation_id,
    address: decodeAddress(row.address),
    groupId: row.group_id,
    name: row.name,
    updatedAt: fromMs(row.updated_at),
  };
}

export function createConversationRefStore(base: Kysely<Database>): ConversationRefStore {
  const db = base.withTables<RefTables>();
  return {
    async save(ref) {
      const row = {
        platform: ref.platform,
        conversation_id: ref.conversationId,
        address: encodeJson(ref.address),
        group_id: ref.groupId,
        name: ref.name,
        updated_at: toMs(ref.updatedAt),
      };
      // One statement on both engines: two replicas recording the same conversation cannot collide.
      await db
        .insertInto('conversation_refs')
        .values(row)
        .onConflict((oc) =>
          oc.columns(['platform', 'conversation_id']).doUpdateSet({
            address: row.address,
            group_id: row.group_id,
            // A later event without a name (most of them) keeps the name an earlier one gave.
            name: (eb) => eb.fn.coalesce(eb.val(row.name), eb.ref('conversation_refs.name')),
            updated_at: row.updated_at,
          }),
        )
        .execute();
    },

    async get(platform: Platform, conversationId: string) {
      const row = await db.selectFrom('conversation_refs').selectAll().where('platform', '=', platform).where('conversation_id', '=', conversationId).executeTakeFirst();
      return row === undefined ? null : fromRow(row);
    },

    async remove(platform, conversationId) {
      const result = await db.deleteFrom('conversation_refs').where('platform', '=', platform).where('conversation_id', '=', conversationId).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    async removeGroup(platform, groupId) {
      const result = await db.deleteFrom('conversation_refs').where('platform', '=', platform).where('group_id', '=', groupId).executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async list(platform) {
      const rows = await db.selectFrom('conversation_refs').selectAll().where('platform', '=', platform).orderBy('conversation_id').execute();
      return rows.map(fromRow);
    },
  };
}
