/**
 * `opsbot mattermost register --team <name>`: creates or updates opsbot's slash commands in a team
 * through the REST API (Client4), with autocomplete hints generated from the command schemas, and
 * returns each trigger's token for the config. A command that already matches is left alone, so
 * running it twice changes nothing.
 */
import { Type } from '@sinclair/typebox';
import type { Command as MattermostCommand } from '@mattermost/types/integrations';
import { usageLine } from '../../core/args/usage.js';
import type { Command } from '../../core/command.js';
import type { CommandRegistry } from '../../core/registry.js';
import { checkedReply } from '../../backends/json-reply.js';
import { shapeCheck, type ShapeCheck } from '../../json-shape.js';
import type { MattermostClient } from './client.js';
import { COMMAND_PATH } from './routes.js';

export interface RegisterOptions {
  readonly team: string;
  /** Triggers to register: the umbrella and every per-command trigger. */
  readonly triggers: readonly string[];
  readonly umbrella: string;
  /** Where Mattermost reaches opsbot. */
  readonly publicUrl: string;
  readonly registry: Pick<CommandRegistry, 'find' | 'all'>;
}

export type Change = 'created' | 'updated' | 'unchanged';

export interface Registered {
  readonly trigger: string;
  readonly change: Change;
  readonly token: string;
}

export interface RegisterResult {
  readonly teamId: string;
  readonly commands: readonly Registered[];
}

/** The fields opsbot sets on a slash command; everything else is the server's. */
interface Desired {
  readonly trigger: string;
  readonly method: 'P';
  readonly url: string;
  readonly auto_complete: boolean;
  readonly auto_complete_desc: string;
  readonly auto_complete_hint: string;
  readonly display_name: string;
  readonly description: string;
}

const COMPARED = ['method', 'url', 'auto_complete', 'auto_complete_desc', 'auto_complete_hint', 'display_name', 'description'] as const;

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** What the autocomplete shows: the usage line without the command name, from the args schema. */
export function autocompleteHint(command: Command): string {
  return usageLine(command).split(' ').slice(1).join(' ');
}

export function desiredCommand(trigger: string, options: Pick<RegisterOptions, 'umbrella' | 'publicUrl' | 'registry'>): Desired {
  const url = `${options.publicUrl}${COMMAND_PATH}`;
  // Mattermost's limits (model.Command.IsValid): display name 64, description 128, hint and desc 1024.
  if (trigger === options.umbrella) {
    const names = options.registry.all().map((c) => c.name);
    return {
      trigger,
      method: 'P',
      url,
      auto_complete: true,
      auto_complete_desc: cut(`opsbot: ${names.join(', ')}`, 1024),
      auto_complete_hint: '<command> [arguments] (try: help)',
      display_name: 'opsbot',
      description: 'Run any opsbot command: deploys, pipelines, scaling, alerts.',
    };
  }
  const command = options.registry.find(trigger);
  if (command === null) throw new Error(`/${trigger}: opsbot has no command of that name (and it is not the umbrella trigger /${options.umbrella})`);
  return {
    trigger,
    method: 'P',
    url,
    auto_complete: true,
    auto_complete_desc: cut(command.summary, 1024),
    auto_complete_hint: cut(autocompleteHint(command), 1024),
    display_name: cut(`opsbot ${command.name}`, 64),
    description: cut(command.summary, 128),
  };
}

function differs(existing: MattermostCommand, desired: Desired): boolean {
  return COMPARED.some((key) => existing[key] !== desired[key]);
}

/** What registration reads of a team and of a slash command; Client4 passes on whatever came back. */
const teamShape = shapeCheck(Type.Object({ id: Type.String({ minLength: 1 }) }));
const COMMAND = Type.Object({ id: Type.String({ minLength: 1 }), trigger: Type.String(), token: Type.String(), delete_at: Type.Number() });
const commandShape = shapeCheck(COMMAND);
const commandsShape = shapeCheck(Type.Array(COMMAND));

/** The answer, or a BackendError naming what was odd about it (the CLI prints it after "Registration failed:"). */
const checked = <T>(shape: ShapeCheck<T>, answer: unknown, what: string): T => checkedReply(shape, answer, 'Mattermost', 'mattermost', what);

export async function registerCommands(client: Pick<MattermostClient, 'getTeamByName' | 'getCustomTeamCommands' | 'addCommand' | 'editCommand'>, options: RegisterOptions): Promise<RegisterResult> {
  const team = checked(teamShape, await client.getTeamByName(options.team), `team ${options.team}`);
  const listed = await client.getCustomTeamCommands(team.id);
  checked(commandsShape, listed, `the slash commands of team ${options.team}`);
  const existing = listed.filter((c) => c.delete_at === 0);
  const results: Registered[] = [];
  for (const trigger of [...new Set(options.triggers)]) {
    const desired = desiredCommand(trigger, options);
    const current = existing.find((c) => c.trigger.toLowerCase() === trigger);
    if (current === undefined) {
      // The server assigns id, token, creator and times; Client4 types the argument as a whole Command.
      const created = checked(commandShape, await client.addCommand({ ...desired, team_id: team.id } as unknown as MattermostCommand), `the new /${trigger}`);
      results.push({ trigger, change: 'created', token: created.token });
    } else if (differs(current, desired)) {
      const updated = checked(commandShape, await client.editCommand({ ...current, ...desired }), `the updated /${trigger}`);
      results.push({ trigger, change: 'updated', token: updated.token });
    } else {
      results.push({ trigger, change: 'unchanged', token: current.token });
    }
  }
  return { teamId: team.id, commands: results };
}

/** The report printed by the CLI: what changed, and the config lines with the tokens. */
export function registrationReport(team: string, result: RegisterResult): string {
  const width = Math.max(...result.commands.map((c) => c.trigger.length + 1), 4);
  const lines = [`Mattermost team ${team} (${result.teamId}):`];
  for (const c of result.commands) lines.push(`  /${c.trigger.padEnd(width)} ${c.change}`);
  lines.push('', 'Put the tokens in the config (or in the environment variables it names):', 'mattermost:', '  commands:');
  for (const c of result.commands) lines.push(`    ${c.trigger}: ${c.token}`);
  return `${lines.join('\n')}\n`;
}
