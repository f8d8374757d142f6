/**
 * The person behind a scheduled invocation: whoever added the schedule from chat. Its command runs as
 * the schedule's service principal, which must not let that person be the second person on their own
 * deploy. Null for anyone else, and for schedules from the config file, which no one added in chat.
 */
import { NotFoundError } from '../errors.js';
import type { Conversation, Principal } from '../identity.js';
import type { SchedulesPort } from './port.js';

export async function personBehind(principal: Principal, conversation: Conversation, schedules: Pick<SchedulesPort, 'get'>): Promise<string | null> {
  // A scheduled invocation's conversation carries its schedule's id as the thread (serviceConversation).
  if (principal.platform !== 'schedule' || conversation.platform !== 'schedule' || conversation.threadId === undefined) return null;
  try {
    return (await schedules.get(conversation.threadId)).createdByKey;
  } catch (error: unknown) {
    // Removed since it fired: nobody to tell apart.
    if (error instanceof NotFoundError) return null;
    throw error;
  }
}
