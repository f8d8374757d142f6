/**
 * The person behind a scheduled invocation: whoever added the schedule from chat. Its command runs as
 * the schedule's service principal, which must not let that person be the second person on their own
 * deploy. Null for anyone else, and for schedules from the config file, which no one added in chat.
 */
import type { Conversation, Principal } from '../identity.js';
import type { SchedulesPort } from './port.js';

export async function personBehind(principal: Principal, conversation: Conversation, schedules: Pick<SchedulesPort, 'list'>): Promise<string | null> {
  // A scheduled invocation's conversation carries its schedule's id as the thread (serviceConversation).
  if (principal.platform !== 'schedule' || conversation.platform !== 'schedule' || conversation.threadId === undefined) return null;
  const schedule = (await schedules.list()).find((s) => s.id === conversation.threadId);
  return schedule?.createdByKey ?? null;
}
