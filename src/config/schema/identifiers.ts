/**
 * The names and references a config refers to, each with one pattern used by the loader, by the JSON
 * Schema for editors and (through patternErrorMessage) in the error text.
 */
import { Type, type SchemaOptions } from '@sinclair/typebox';
import type { Platform } from '../../core/identity.js';

export const PLATFORMS = ['mattermost', 'teams', 'shell', 'schedule'] as const satisfies readonly Platform[];
// Fails to compile when core/identity.ts gains a platform that is missing above.
const _everyPlatformListed: Exclude<Platform, (typeof PLATFORMS)[number]> extends never ? true : never = true;

const platformAlternation = PLATFORMS.join('|');
const platformList = `${PLATFORMS.slice(0, -1).join(', ')} or ${PLATFORMS.at(-1) ?? ''}`;

/** `<platform>:<stable id>` (the principalKey of a user) or `group:<name>`. Ids contain no spaces. */
export const MEMBER_PATTERN = `^(?:(?:${platformAlternation}):\\S+|group:\\S+)$`;

/** `<platform>:<conversation id>` (the conversationKey). Teams ids such as `19:abc@thread.tacv2` fit. */
export const CONVERSATION_PATTERN = `^(?:${platformAlternation}):\\S+$`;

/** Lowercase word, as used in `role:<name>` references. */
export const ROLE_NAME_PATTERN = '^[a-z][a-z0-9_-]*$';

/** A command's name as in `help`, or `*` for every command. */
export const COMMAND_NAME_PATTERN = '^(?:\\*|[a-z][a-z0-9-]*)$';

/**
 * Permission patterns, as matched by src/core/policy/permission.ts. A permission is
 * `domain:action[:scope...]`, segments separated by `:`.
 * - the first segment is lowercase letters, digits, `.`, `_` and `-`; later segments may also hold
 *   capitals and `/` (store names, environments, job paths such as `store/build`);
 * - `*` within a segment matches any characters inside that segment (`deploy:store-*` allows
 *   `deploy:store-pl`; a whole-segment `*` matches any one segment);
 * - a `*` as the last segment matches any remaining segments, including none (`deploy:*` allows
 *   `deploy`, `deploy:store-pl` and `deploy:store-pl:prod`); `*` alone allows everything.
 * Empty segments (`deploy::x`, a trailing `:`) are rejected.
 */
export const PERMISSION_PATTERN = '^[a-z*][a-z0-9*._-]*(?::[A-Za-z0-9*._/-]+)*$';

export function MemberRef(options: SchemaOptions = {}) {
  return Type.String({
    description: `A user as <platform>:<stable id> (platform ${platformList}), e.g. mattermost:8x7k3kz9q7pf6y4wq1mzbd5tgca (never a display name such as mattermost:@olga), or a group as group:<name>.`,
    ...options,
    pattern: MEMBER_PATTERN,
    patternErrorMessage: `is not a member (use <platform>:<id> with platform ${platformList}, or group:<name>)`,
  });
}

export function ConversationKey(options: SchemaOptions = {}) {
  return Type.String({
    description: `A conversation as <platform>:<conversation id> (platform ${platformList}), e.g. mattermost:ops-channel-id.`,
    ...options,
    pattern: CONVERSATION_PATTERN,
    patternErrorMessage: `is not a conversation (use <platform>:<conversation id> with platform ${platformList})`,
  });
}

export function RoleName(options: SchemaOptions = {}) {
  return Type.String({
    description: 'Role name: lowercase letters, digits, - and _, starting with a letter.',
    ...options,
    pattern: ROLE_NAME_PATTERN,
    patternErrorMessage: 'is not a role name (use lowercase letters, digits, - and _, starting with a letter)',
  });
}

export function CommandName(options: SchemaOptions = {}) {
  return Type.String({
    description: 'A command name such as deploy, or * for every command.',
    ...options,
    pattern: COMMAND_NAME_PATTERN,
    patternErrorMessage: 'is not a command name (use lowercase letters, digits and -, or * for all)',
  });
}

export function PermissionPattern(options: SchemaOptions = {}) {
  return Type.String({
    description:
      'Permission pattern domain:action[:scope]. * matches any characters within a segment (deploy:store-*), a trailing :* any remaining segments, and * alone everything.',
    examples: ['*', 'deploy:store-*', 'jobs:list', 'scale:*'],
    ...options,
    pattern: PERMISSION_PATTERN,
    patternErrorMessage: 'is not a permission pattern (use domain:action[:scope] with * wildcards, e.g. deploy:store-*)',
  });
}
