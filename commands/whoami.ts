import { defineCommand, type Message } from '#core';

export const whoami = defineCommand({
  name: 'whoami',
  summary: 'Show who opsbot thinks you are, your roles and what you may run here.',
  examples: ['whoami'],
  args: {},
  permission: () => 'whoami',
  sideEffect: 'none',
  run(_args, ctx): Message {
    const { principal, conversation } = ctx;
    const access = ctx.ports.access.describe(principal, conversation);
    return {
      title: principal.name,
      tone: 'info',
      blocks: [
        {
          kind: 'fields',
          fields: [
            { label: 'Identity', value: `${principal.platform}:${principal.id}`, short: true },
            { label: 'Channel', value: `${conversation.platform}:${conversation.id}`, short: true },
            // Groups only where the platform reported some (Mattermost, when a role names a group).
            ...(principal.groups === undefined || principal.groups.length === 0 ? [] : [{ label: 'Groups', value: principal.groups.map((g) => `group:${g}`).join(', '), short: true }]),
            { label: 'Roles', value: access.roles.length > 0 ? access.roles.join(', ') : 'none', short: true },
            { label: 'Allowed', value: access.allow.join(', ') || 'nothing', short: true },
            { label: 'Commands here', value: access.channelCommands === '*' ? 'all' : access.channelCommands.join(', ') },
          ],
        },
      ],
    };
  },
});
