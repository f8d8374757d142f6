/**
 * Teams conversation references in the store: saved whenever Teams tells opsbot about a conversation
 * (installed, added to a team, any message), read when a proactive post goes out.
 */
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/log.js';
import type { ConversationRef, ConversationRefStore } from '../../core/store.js';
import type { RefChanges, TeamsAddress } from './inbound.js';

export function toStoredRef(address: TeamsAddress, now: Date): ConversationRef {
  const data: Record<string, string> = { serviceUrl: address.serviceUrl, botId: address.botId };
  if (address.tenantId !== null) data.tenantId = address.tenantId;
  if (address.botName !== null) data.botName = address.botName;
  if (address.conversationType !== null) data.conversationType = address.conversationType;
  return { platform: 'teams', conversationId: address.conversationId, address: data, groupId: address.teamId, name: address.name, updatedAt: now };
}

export function fromStoredRef(ref: ConversationRef): TeamsAddress | null {
  const { serviceUrl, botId, tenantId, botName, conversationType } = ref.address;
  if (serviceUrl === undefined || botId === undefined) return null;
  return {
    conversationId: ref.conversationId,
    serviceUrl,
    botId,
    tenantId: tenantId ?? null,
    botName: botName ?? null,
    conversationType: conversationType === 'channel' || conversationType === 'groupChat' || conversationType === 'personal' ? conversationType : null,
    teamId: ref.groupId,
    name: ref.name,
  };
}

/** Applies what an activity said about membership; a store failure is logged, never fails the turn. */
export async function applyRefChanges(store: ConversationRefStore, changes: RefChanges, clock: Clock, logger: Logger): Promise<void> {
  try {
    if (changes.forgetTeam !== null) {
      const removed = await store.removeGroup('teams', changes.forgetTeam);
      logger.info({ team: changes.forgetTeam, removed }, 'teams: opsbot was removed from a team; forgot its conversations');
    }
    for (const id of changes.forget) {
      if (await store.remove('teams', id)) logger.info({ conversation: id }, 'teams: opsbot was removed from a conversation; forgot it');
    }
    for (const address of changes.save) await store.save(toStoredRef(address, clock.now()));
  } catch (error: unknown) {
    logger.warn({ err: error }, 'teams: could not record a conversation reference');
  }
}
