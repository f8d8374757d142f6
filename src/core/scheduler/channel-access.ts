/**
 * Where a schedule added from chat may post. It posts as the bot, on every tick, with nobody there to
 * see it first, so each `--to` channel is held to the access config's channel binding:
 *
 * - a command's outcome goes only to channels whose binding allows that command, as if the schedule's
 *   principal ran it there (its permission is the policy's to check when the schedule fires, as for
 *   any run), so a schedule is no way to put `audit` into a channel that keeps `audit` out;
 * - an announcement goes only to channels where the person adding it may run `schedule` themselves,
 *   so `schedules:add` is no way to post chosen text, as the bot, into any channel opsbot can reach.
 *
 * Schedules from the config file are the operator's own and are not checked.
 */
import type { Command } from '../command.js';
import { DeniedError } from '../errors.js';
import type { Principal } from '../identity.js';
import type { AccessPort } from '../ports.js';
import { channelConversation } from './channels.js';
import { servicePrincipal } from './identity.js';
import type { ScheduleAction } from './types.js';

export function authorizeScheduleChannels(action: ScheduleAction, command: Command | null, by: Principal, access: Pick<AccessPort, 'describe'>): void {
  const name = action.kind === 'announce' ? 'schedule' : command?.name;
  if (name === undefined) return;
  const principal = action.kind === 'announce' ? by : servicePrincipal(action.as);
  for (const channel of action.to) {
    const allowed = access.describe(principal, channelConversation(channel)).channelCommands;
    if (allowed === '*' || allowed.includes(name)) continue;
    const there = `the binding of \`${channel}\` does not allow \`${name}\` (allowed there: ${allowed.length === 0 ? 'nothing' : allowed.join(', ')})`;
    const rule = action.kind === 'announce' ? 'An announcement goes only to channels where you may run `schedule` yourself' : `The outcome of \`${name}\` goes only to channels where \`${name}\` may run`;
    throw new DeniedError(`${rule}: ${there}.`, `channel:${name}`);
  }
}
