/**
 * Persistence of the chat outbox, of message refs and of one-time button tokens (migration 0002).
 * Claims are leases taken by one conditional UPDATE, so the database decides which replica delivers
 * a row; coalescing is one conditional UPDATE too, so it never touches a row being delivered.
 */
import { sql } from 'kysely';
import type { ColumnType, Generated, Kysely, Selectable } from 'kysely';
import type { MessageRef } from '../core/chat.js';
import type { Conversation } from '../core/identity.js';
import type { Message } from '../core/message.js';
import type { MessageRefStore, NewOutboxEntry, NonceStore, OutboxEntry, OutboxState, OutboxStore } from '../core/outbox/ports.js';
import { decodeFallbackPolicy, type FallbackPolicy } from '../core/outbox/fallback-policy.js';
import { conversationKey } from '../core/identity.js';
import { corrupt, decodeConversation, decodeObject, decodePlatform, encodeJson, fromMs, toMs } from './codec.js';
import type { TransactionRunner } from './group-commit.js';
import { prepareInsert, prepareQuery } from './prepared.js';
import type { Database, StoreEngine } from './schema.js';

type OutboxTable = {
  id: Generated<number>;
  platform: string;
  conversation: string;
  conversation_key: string;
  ref_key: string | null;
  message: string;
  actors: string | null;
  state: string;
  attempts: ColumnType<number, number | undefined, number>;
  not_before: number;
  claimed_until: number | null;
  claimed_by: string | null;
  created_at: number;
  updated_at: number;
  last_error: string | null;
  /** Migration 0009: the key of the message this row replies under. */
  thread_key: string | null;
  /** Migration 0009: JSON FallbackPolicy, or null. */
  fallback: string | null;
  /** Migration 0009: digest of the content last sent to the fallback. */
  fallback_sent: string | null;
};

type MessageRefsTable = {
  key: string;
  platform: string;
  conversation_id: string;
  message_id: string;
  extra: string | null;
  updated_at: number;
};

type NoncesTable = {
  nonce: string;
  expires_at: number;
};

// A type alias, not an interface: Kysely's withTables needs an index-signature-compatible shape.
type OutboxTables = {
  outbox: OutboxTable;
  message_refs: MessageRefsTable;
  nonces: NoncesTable;
};

type Db = Kysely<Database & OutboxTables>;

function withOutboxTables(db: Kysely<Database>): Db {
  return db.withTables<OutboxTables>();
}

function decodeStoredConversation(text: string): Conversation {
  const raw = decodeObject(text, 'outbox conversation');
  const str = (key: string): string | null => {
    const value = raw[key];
    if (value === undefined || value === null) return null;
    if (typeof value !== 'string') throw corrupt(`outbox conversation ${key}`, value);
    return value;
  };
  const platform = str('platform');
  const id = str('id');
  if (platform === null || id === null) throw corrupt('outbox conversation', raw);
  return decodeConversation(platform, id, str('threadId'), str('name'));
}

function decodeMessage(text: string): Message {
  const raw = decodeObject(text, 'outbox message');
  if (typeof raw.tone !== 'string' || !Array.isArray(raw.blocks)) throw corrupt('outbox message', raw);
  // Written by encodeJson(Message) in enqueue; the shape check above catches a foreign row.
  return raw as unknown as Message;
}

function decodeActors(text: string | null): readonly string[] | null {
  if (text === null) return null;
  const value: unknown = JSON.parse(text);
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string')) throw corrupt('outbox actors', value);
  return value;
}

function decodeFallback(text: string | null): FallbackPolicy | null {
  if (text === null) return null;
  const policy = decodeFallbackPolicy(JSON.parse(text));
  if (policy === null) throw corrupt('outbox fallback', text);
  return policy;
}

function decodeState(value: string): OutboxState {
  if (value !== 'pending' && value !== 'dead') throw corrupt('outbox state', value);
  return value;
}

function entryFromRow(row: Selectable<OutboxTable>): OutboxEntry {
  const fallback = decodeFallback(row.fallback);
  return {
    id: row.id,
    conversation: decodeStoredConversation(row.conversation),
    key: row.ref_key,
    message: decodeMessage(row.message),
    actors: decodeActors(row.actors),
    ...(row.thread_key === null ? {} : { threadKey: row.thread_key }),
    ...(fallback === null ? {} : { fallback }),
    ...(row.fallback_sent === null ? {} : { fallbackSent: row.fallback_sent }),
    state: decodeState(row.state),
    attempts: row.attempts,
    notBefore: fromMs(row.not_before),
    createdAt: fromMs(row.created_at),
    lastError: row.last_error,
  };
}

/** Error texts come from remote servers: keep the row small whatever they say. */
function shortError(error: string): string {
  return error.length > 1000 ? `${error.slice(0, 999)}…` : error;
}

const CONTENT_COLUMNS = ['conversation', 'message', 'actors', 'fallback', 'updated_at'] as const;
const INSERT_COLUMNS = [
  ...CONTENT_COLUMNS,
  'platform',
  'conversation_key',
  'ref_key',
  'thread_key',
  'not_before',
  'created_at',
] as const;

/** The enqueue's two statements, compiled once for `database`'s dialect (prepared.ts): every job's live post runs them. */
function enqueueQueries(database: Kysely<Database>, engine: StoreEngine) {
  const db = withOutboxTables(database);
  // The newest pending row of the key, unless a worker holds it: its delivery may already have
  // read the old content, and a completed row is deleted, so the new content would be lost.
  const coalesce = prepareQuery(database, [...CONTENT_COLUMNS, 'key', 'now'], ({ key, now, ...content }) =>
    db
      .updateTable('outbox')
      .set(content)
      .where((eb) =>
        eb('id', '=', eb.selectFrom('outbox as q').select((q) => q.fn.max('q.id').as('newest')).where('q.ref_key', '=', key).where('q.state', '=', 'pending')),
      )
      .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', now)]))
      .returning('id'),
  );
  const insert = prepareInsert(database, engine, INSERT_COLUMNS, (row) =>
    db.insertInto('outbox').values({ ...row, state: 'pending', attempts: 0, claimed_until: null, claimed_by: null, last_error: null }),
  );
  return { coalesce, insert };
}

type EnqueueQueries = ReturnType<typeof enqueueQueries>;

/** Coalesces into the key's newest pending row when it may, else adds a row (inside `hot`'s transaction). */
async function enqueueIn(trx: Kysely<Database>, q: EnqueueQueries, entry: NewOutboxEntry): Promise<{ id: number; coalesced: boolean }> {
  const now = toMs(entry.now);
  const content = {
    conversation: encodeJson(entry.conversation),
    message: encodeJson(entry.message),
    actors: entry.actors === null ? null : encodeJson(entry.actors),
    fallback: entry.fallback === undefined || entry.fallback === null ? null : encodeJson(entry.fallback),
    updated_at: now,
  };
  if (entry.key !== null && entry.coalesce !== false) {
    const [coalesced] = await q.coalesce.execute(trx, { ...content, key: entry.key, now });
    if (coalesced !== undefined) return { id: coalesced.id, coalesced: true };
  }
  const id = await q.insert.insert(trx, {
    ...content,
    platform: entry.conversation.platform,
    conversation_key: conversationKey(entry.conversation),
    ref_key: entry.key,
    thread_key: entry.threadKey ?? null,
    not_before: now,
    created_at: now,
  });
  return { id, coalesced: false };
}

/** Writes an outbox entry inside the caller's transaction: the outbox's own enqueue, and a job's final post (jobs.ts). */
export type OutboxWriter = (trx: Kysely<Database>, entry: NewOutboxEntry) => Promise<{ id: number; coalesced: boolean }>;

export function outboxWriter(database: Kysely<Database>, engine: StoreEngine): OutboxWriter {
  const queries = enqueueQueries(database, engine);
  return (trx, entry) => enqueueIn(trx, queries, entry);
}

/**
 * `hot` runs enqueues (kysely-store.ts): a job's live post is queued from its start and finish, so on
 * SQLite the row shares their turn's commit instead of paying one of its own; either way the
 * coalescing update and the insert that follows it when nothing was coalesced are one transaction.
 */
export function createOutboxStore(database: Kysely<Database>, hot: TransactionRunner, write: OutboxWriter): OutboxStore {
  const db = withOutboxTables(database);
  return {
    enqueue(entry) {
      return hot.run((trx) => write(trx, entry));
    },

    async due(platforms, now, limit, skip = []) {
      if (platforms.length === 0) return [];
      const nowMs = toMs(now);
      let query = db.selectFrom('outbox as o').selectAll('o').where('o.state', '=', 'pending').where('o.platform', 'in', [...platforms]);
      if (skip.length > 0) query = query.where('o.conversation_key', 'not in', [...skip]);
      const rows = await query
        .where('o.not_before', '<=', nowMs)
        .where((eb) => eb.or([eb('o.claimed_until', 'is', null), eb('o.claimed_until', '<', nowMs)]))
        .where((eb) =>
          eb.or([
            eb('o.ref_key', 'is', null),
            eb.not(
              eb.exists(
                eb.selectFrom('outbox as p').select('p.id').whereRef('p.ref_key', '=', 'o.ref_key').where('p.state', '=', 'pending').whereRef('p.id', '<', 'o.id'),
              ),
            ),
          ]),
        )
        // In order per conversation: nothing overtakes an older row that waits for its retry (after an
        // outage the backlog goes out as it was queued), and a reply waits for its thread's message.
        .where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom('outbox as h')
                .select('h.id')
                .whereRef('h.conversation_key', '=', 'o.conversation_key')
                .where('h.state', '=', 'pending')
                .whereRef('h.id', '<', 'o.id')
                .where('h.not_before', '>', nowMs),
            ),
          ),
        )
        .where((eb) =>
          eb.or([
            eb('o.thread_key', 'is', null),
            eb.not(
              eb.exists(
                eb.selectFrom('outbox as r').select('r.id').whereRef('r.ref_key', '=', 'o.thread_key').where('r.state', '=', 'pending').whereRef('r.id', '<', 'o.id'),
              ),
            ),
          ]),
        )
        .orderBy('o.id', 'asc')
        .limit(limit)
        .execute();
      return rows.map(entryFromRow);
    },

    async claim(id, owner, now, leaseMs) {
      const nowMs = toMs(now);
      const row = await db
        .updateTable('outbox')
        .set({ claimed_until: nowMs + leaseMs, claimed_by: owner })
        .where('id', '=', id)
        .where('state', '=', 'pending')
        .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<', nowMs)]))
        .returningAll()
        .executeTakeFirst();
      return row === undefined ? null : entryFromRow(row);
    },

    async complete(id, owner) {
      await db.deleteFrom('outbox').where('id', '=', id).where('claimed_by', '=', owner).execute();
    },

    retry(id, owner, notBefore, error) {
      return db.transaction().execute(async (trx) => {
        const current = await trx.selectFrom('outbox').select(['ref_key']).where('id', '=', id).executeTakeFirst();
        const key = current?.ref_key ?? null;
        if (key !== null) {
          const newer = await trx
            .selectFrom('outbox')
            .select('id')
            .where('ref_key', '=', key)
            .where('state', '=', 'pending')
            .where('id', '>', id)
            .limit(1)
            .executeTakeFirst();
          if (newer !== undefined) {
            await trx.deleteFrom('outbox').where('id', '=', id).where('claimed_by', '=', owner).execute();
            return 'superseded' as const;
          }
        }
        await trx
          .updateTable('outbox')
          .set((eb) => ({
            attempts: eb('attempts', '+', 1),
            not_before: toMs(notBefore),
            last_error: shortError(error),
            claimed_until: null,
            claimed_by: null,
          }))
          .where('id', '=', id)
          .where('claimed_by', '=', owner)
          .execute();
        return 'rescheduled' as const;
      });
    },

    async fail(id, owner, error) {
      await db
        .updateTable('outbox')
        .set((eb) => ({ state: 'dead', attempts: eb('attempts', '+', 1), last_error: shortError(error), claimed_until: null, claimed_by: null }))
        .where('id', '=', id)
        .where('claimed_by', '=', owner)
        .execute();
    },

    async nextDue(platforms) {
      if (platforms.length === 0) return null;
      // A leased row is not due before its lease ends, whatever its not_before says. Rows held back by
      // an older one (see `due`) are left out: the older row's time is the one that matters, and an
      // outage's backlog must not make the worker poll for rows that cannot go yet.
      //
      // "No older row of the conversation waits longer" is asked as a running maximum of not_before
      // over the conversation, in id order: one pass over the pending rows. Asked as a correlated
      // NOT EXISTS it was quadratic in one conversation's backlog (every row rescanned the rows before
      // it): 21,000 queued live posts of one channel held the event loop for 109 s.
      const pending = db
        .selectFrom('outbox as i')
        .select((eb) => [
          'i.id',
          'i.not_before',
          'i.claimed_until',
          'i.ref_key',
          'i.thread_key',
          eb.fn.max('i.not_before').over((over) => over.partitionBy('i.conversation_key').orderBy('i.id')).as('held_until'),
        ])
        .where('i.state', '=', 'pending')
        .where('i.platform', 'in', [...platforms]);
      const row = await db
        .selectFrom(pending.as('o'))
        .select(sql<number | null>`min(case when o.claimed_until is not null and o.claimed_until > o.not_before then o.claimed_until else o.not_before end)`.as('next'))
        .whereRef('o.not_before', '>=', 'o.held_until')
        .where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom('outbox as k')
                .select('k.id')
                .where('k.state', '=', 'pending')
                .whereRef('k.id', '<', 'o.id')
                .where((inner) => inner.or([inner('k.ref_key', '=', inner.ref('o.ref_key')), inner('k.ref_key', '=', inner.ref('o.thread_key'))])),
            ),
          ),
        )
        .executeTakeFirst();
      const next = row?.next ?? null;
      return next === null ? null : fromMs(Number(next));
    },

    async hasPending(key) {
      const row = await db.selectFrom('outbox').select('id').where('ref_key', '=', key).where('state', '=', 'pending').limit(1).executeTakeFirst();
      return row !== undefined;
    },

    async withFallback(conversationKey, limit) {
      const rows = await db
        .selectFrom('outbox')
        .selectAll()
        .where('conversation_key', '=', conversationKey)
        .where('state', '=', 'pending')
        .where('fallback', 'is not', null)
        .orderBy('id', 'asc')
        .limit(limit)
        .execute();
      return rows.map(entryFromRow);
    },

    async claimFallback(id, digest) {
      const result = await db
        .updateTable('outbox')
        .set({ fallback_sent: digest })
        .where('id', '=', id)
        .where((eb) => eb.or([eb('fallback_sent', 'is', null), eb('fallback_sent', '<>', digest)]))
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async releaseFallback(id, digest) {
      await db.updateTable('outbox').set({ fallback_sent: null }).where('id', '=', id).where('fallback_sent', '=', digest).execute();
    },

    async list(state, limit) {
      const rows = await db.selectFrom('outbox').selectAll().where('state', '=', state).orderBy('id', 'asc').limit(limit).execute();
      return rows.map(entryFromRow);
    },

    async count(state) {
      const row = await db.selectFrom('outbox').select((eb) => eb.fn.countAll<number | string>().as('n')).where('state', '=', state).executeTakeFirst();
      return Number(row?.n ?? 0);
    },
  };
}

function decodeExtra(text: string | null): Readonly<Record<string, string>> | null {
  if (text === null) return null;
  const value = decodeObject(text, 'message ref extra');
  for (const v of Object.values(value)) if (typeof v !== 'string') throw corrupt('message ref extra value', v);
  return value as Readonly<Record<string, string>>;
}

export function createMessageRefStore(database: Kysely<Database>): MessageRefStore {
  const db = withOutboxTables(database);
  return {
    async get(key) {
      const row = await db.selectFrom('message_refs').selectAll().where('key', '=', key).executeTakeFirst();
      if (row === undefined) return null;
      const extra = decodeExtra(row.extra);
      const ref: MessageRef = { platform: decodePlatform(row.platform), conversationId: row.conversation_id, messageId: row.message_id };
      return extra === null ? ref : { ...ref, extra };
    },

    async put(key, ref, now) {
      const values = {
        platform: ref.platform,
        conversation_id: ref.conversationId,
        message_id: ref.messageId,
        extra: ref.extra === undefined ? null : encodeJson(ref.extra),
        updated_at: toMs(now),
      };
      await db
        .insertInto('message_refs')
        .values({ key, ...values })
        .onConflict((oc) => oc.column('key').doUpdateSet(values))
        .execute();
    },
  };
}

export function createNonceStore(database: Kysely<Database>): NonceStore {
  const db = withOutboxTables(database);
  return {
    async use(nonce, expiresAt, now) {
      await db.deleteFrom('nonces').where('expires_at', '<=', toMs(now)).execute();
      const row = await db
        .insertInto('nonces')
        .values({ nonce, expires_at: toMs(expiresAt) })
        .onConflict((oc) => oc.column('nonce').doNothing())
        .returning('nonce')
        .executeTakeFirst();
      return row !== undefined;
    },
  };
}
