/**
 * The Teams conversations a config names: channel bindings' keys, alert routes' `to`, `defaultTo` and
 * fallbacks, schedules' `to`, maintenance `announceTo`. Retention keeps their conversation references
 * however long nobody spoke to opsbot there (src/store/retention.ts: teamsConversations): a channel
 * that only gets alerts is exactly one whose reference Teams never refreshes.
 *
 * It walks the whole loaded config instead of listing those fields, so a field added later that names
 * a conversation is covered without anyone remembering this file. Whatever else reads `teams:…` (a
 * member `teams:<user id>`) only keeps a reference that does not exist: keeping too much is the safe
 * side.
 */
import type { RetentionSettings } from '../core/retention/pruner.js';
import type { OpsbotConfig } from './types.js';

const TEAMS_CONVERSATION = /^teams:./;

/** Sorted, each once. */
export function namedTeamsConversations(config: OpsbotConfig): string[] {
  const found = new Set<string>();
  const seen = new Set<object>();
  const visit = (value: unknown): void => {
    if (typeof value === 'string') {
      if (TEAMS_CONVERSATION.test(value)) found.add(value);
      return;
    }
    if (typeof value !== 'object' || value === null || seen.has(value)) return;
    seen.add(value);
    if (Array.isArray(value)) {
      for (const item of value) visit(item);
      return;
    }
    // Keys too: access.channels is keyed by conversation.
    for (const [key, item] of Object.entries(value)) {
      visit(key);
      visit(item);
    }
  };
  visit(config);
  return [...found].sort();
}

/** The retention pruner's settings from the config: the ages, the interval, and what it must keep. */
export function retentionSettings(config: OpsbotConfig): RetentionSettings {
  const { interval, ...ages } = config.retention;
  return { ages, keep: { conversations: namedTeamsConversations(config) }, intervalMs: interval };
}
