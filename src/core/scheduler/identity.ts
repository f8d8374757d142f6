/**
 * Who acts when a schedule fires. A command runs as the service principal `schedule:<name>`, in the
 * conversation `schedule:<name>`: the access config grants it roles (`members: [schedule:backup-bot]`)
 * and binds the commands it may run (`channels: {"schedule:backup-bot": {commands: [run]}}`),
 * exactly as for a person in a channel. Deny by default applies unchanged.
 */
import type { Conversation, Principal } from '../identity.js';

/** Service principal names: plain lowercase words, like schedule ids. */
export const SERVICE_PRINCIPAL = /^[a-z][a-z0-9_-]{0,62}$/;

export function servicePrincipal(name: string): Principal {
  return { platform: 'schedule', id: name, name: `schedule:${name}` };
}

export function serviceConversation(name: string, scheduleId: string): Conversation {
  // threadId and name are display and trace only (conversationKey ignores them): audit rows show
  // which schedule acted, while the binding is per principal.
  return { platform: 'schedule', id: name, threadId: scheduleId, name: `schedule ${scheduleId}` };
}

/**
 * The scheduler itself, for the audit of announcements and missed ticks. Its id has a dot, which
 * service principal names cannot: no schedule can act as it, and it is never authorized for anything.
 */
export const schedulerPrincipal: Principal = { platform: 'schedule', id: 'opsbot.scheduler', name: 'opsbot scheduler' };

/** Where the scheduler's own audit entries happen: `schedule:@<schedule id>` (the `@` keeps it apart from principals). */
export function scheduleConversation(scheduleId: string): Conversation {
  return { platform: 'schedule', id: `@${scheduleId}`, name: `schedule ${scheduleId}` };
}
