import { Type } from '@sinclair/typebox';
import type { AccessConfig } from '../types.js';
import { CommandName, ConversationKey, MemberRef, PermissionPattern, RoleName } from './identifiers.js';
import { KeyedMap } from './primitives.js';
import { displayNameProblem } from './display-names.js';
import { defineSection, type SectionProblem } from './section.js';

const DEFAULT_EVERYONE_ALLOW = ['help', 'whoami'];
const DEFAULT_CHANNEL_COMMANDS = ['help', 'whoami'];

const Role = Type.Object(
  {
    members: Type.Array(MemberRef(), { description: 'Who has this role: <platform>:<stable id>. Display names never count. group:<name> is a Mattermost user group by its name (read with the bot token, which then needs the System Admin role); on Teams it matches nobody.' }),
    allow: Type.Array(PermissionPattern(), { description: 'Permission patterns this role grants.' }),
  },
  { additionalProperties: false, title: 'Role' },
);

const ChannelBinding = Type.Object(
  {
    commands: Type.Array(CommandName(), { description: 'Commands that may run in this conversation; * for all.' }),
  },
  { additionalProperties: false, title: 'Channel binding' },
);

const AccessSchema = Type.Object(
  {
    roles: Type.Optional(
      KeyedMap(RoleName(), Role, { default: {}, description: 'Role name -> members and the permissions they get. Deny by default.' }),
    ),
    everyone: Type.Optional(
      Type.Object(
        {
          allow: Type.Optional(
            Type.Array(PermissionPattern(), { default: DEFAULT_EVERYONE_ALLOW, description: 'Permissions every identified user has.' }),
          ),
        },
        { additionalProperties: false, default: { allow: DEFAULT_EVERYONE_ALLOW } },
      ),
    ),
    channels: Type.Optional(
      KeyedMap(ConversationKey(), ChannelBinding, {
        default: {},
        description: 'What may run where: <platform>:<conversation id> -> allowed commands. A command needs both the permission and the binding.',
      }),
    ),
    defaultChannel: Type.Optional(
      Type.Object(
        {
          commands: Type.Optional(
            Type.Array(CommandName(), { default: DEFAULT_CHANNEL_COMMANDS, description: 'Commands allowed in a conversation with no binding.' }),
          ),
        },
        { additionalProperties: false, default: { commands: DEFAULT_CHANNEL_COMMANDS } },
      ),
    ),
  },
  { additionalProperties: false, title: 'Access', description: 'Who may run what, and where.' },
);

export const accessSection = defineSection({
  schema: AccessSchema,
  load(raw): AccessConfig {
    return {
      roles: raw?.roles ?? {},
      everyone: { allow: raw?.everyone?.allow ?? DEFAULT_EVERYONE_ALLOW },
      channels: raw?.channels ?? {},
      defaultChannel: { commands: raw?.defaultChannel?.commands ?? DEFAULT_CHANNEL_COMMANDS },
    };
  },
  check(access): SectionProblem[] {
    const problems: SectionProblem[] = [];
    for (const [role, { members }] of Object.entries(access.roles)) {
      members.forEach((member, i) => {
        const reason = displayNameProblem(member);
        if (reason !== null) problems.push({ path: ['roles', role, 'members', i], reason });
      });
    }
    return problems;
  },
});
