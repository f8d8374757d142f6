/**
 * Who and where. Identity is always the platform's stable id; `name` is for display only and never
 * takes part in a decision.
 */
export type Platform = 'mattermost' | 'teams' | 'shell' | 'schedule';

export interface Principal {
  readonly platform: Platform;
  readonly id: string;
  readonly name: string;
  /** Platform groups the adapter could establish, matched as `group:<name>` (Mattermost user groups; Teams sets none). */
  readonly groups?: readonly string[];
}

export interface Conversation {
  readonly platform: Platform;
  readonly id: string;
  readonly threadId?: string;
  /** Display only. */
  readonly name?: string;
}

export interface Invocation {
  /** Correlation id for logs and error messages. */
  readonly id: string;
  readonly text: string;
  readonly principal: Principal;
  readonly conversation: Conversation;
  readonly receivedAt: Date;
}

export function principalKey(p: Pick<Principal, 'platform' | 'id'>): string {
  return `${p.platform}:${p.id}`;
}

export function conversationKey(c: Pick<Conversation, 'platform' | 'id'>): string {
  return `${c.platform}:${c.id}`;
}
