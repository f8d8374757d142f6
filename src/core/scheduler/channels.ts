/**
 * Channels named in schedules and maintenance windows: `<platform>:<conversation id>`, the same key
 * the access config uses. Teams ids contain colons (`19:abc@thread.tacv2`): only the first colon splits.
 */
import { UsageError } from '../errors.js';
import type { Conversation, Platform } from '../identity.js';

/** Platforms a schedule may post to (`schedule` is where service principals act, not a chat). */
const CHAT_PLATFORMS: readonly Platform[] = ['mattermost', 'teams', 'shell'];

export const CHANNEL_KEY = /^(mattermost|teams|shell):\S{1,200}$/;

export function channelConversation(key: string): Conversation {
  const colon = key.indexOf(':');
  const platform = key.slice(0, colon) as Platform;
  if (colon < 0 || !CHAT_PLATFORMS.includes(platform) || !CHANNEL_KEY.test(key)) {
    throw new UsageError(`\`${key}\` is not a channel: use <platform>:<channel id> with platform mattermost, teams or shell.`);
  }
  return { platform, id: key.slice(colon + 1) };
}

/** Splits `a,b c` into channel keys, checking each. */
export function parseChannelList(text: string): string[] {
  const keys = text.split(/[,\s]+/).filter((k) => k !== '');
  for (const key of keys) channelConversation(key);
  return [...new Set(keys)];
}
