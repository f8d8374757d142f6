/**
 * Checks against the commands opsbot runs, which the schema alone cannot know: a schedule's `run`
 * must be a command whose arguments its schema accepts (else it fails every night at 02:00 instead
 * of now), and a channel binding must list commands by name (the policy compares names, so a typo or
 * an alias would allow nothing, silently).
 */
import { closest } from '../core/args/suggest.js';
import type { CommandRegistry } from '../core/registry.js';
import { validateCommandText } from '../core/scheduler/service.js';
import { scheduleAction } from './schema/schedules.js';
import type { SectionProblem } from './schema/section.js';
import type { OpsbotConfig } from './types.js';

/** The commands a config may name: the running bot's registry (see src/command-registry.ts). */
export type CommandCatalog = Pick<CommandRegistry, 'find' | 'suggest' | 'all'>;

/** Paths start with the section name. */
export function commandProblems(config: Pick<OpsbotConfig, 'schedules' | 'access'>, commands: CommandCatalog): SectionProblem[] {
  return [...scheduledCommandProblems(config.schedules, commands), ...bindingProblems(config.access, commands)];
}

function bindingProblems(access: OpsbotConfig['access'], commands: CommandCatalog): SectionProblem[] {
  const names = commands.all().map((c) => c.name);
  const problems: SectionProblem[] = [];
  const check = (listed: readonly string[], path: readonly (string | number)[]): void => {
    listed.forEach((name, i) => {
      const reason = bindingNameProblem(name, names, commands);
      if (reason !== null) problems.push({ path: [...path, i], reason });
    });
  };
  for (const [conversation, binding] of Object.entries(access.channels)) check(binding.commands, ['access', 'channels', conversation, 'commands']);
  check(access.defaultChannel.commands, ['access', 'defaultChannel', 'commands']);
  return problems;
}

function bindingNameProblem(name: string, names: readonly string[], commands: CommandCatalog): string | null {
  if (name === '*' || names.includes(name)) return null;
  const command = commands.find(name);
  if (command !== null) return `"${name}" is another name of "${command.name}": a binding lists commands by name, so write "${command.name}"`;
  const near = closest(name, names);
  return near === null ? `"${name}" is not a command (commands: ${names.join(', ')})` : `"${name}" is not a command; did you mean "${near}"?`;
}

function scheduledCommandProblems(schedules: OpsbotConfig['schedules'], commands: CommandCatalog): SectionProblem[] {
  const problems: SectionProblem[] = [];
  for (const [id, schedule] of Object.entries(schedules)) {
    const action = scheduleAction(schedule);
    // A schedule without a valid action is reported by the schedules section itself.
    if (typeof action === 'string' || action.kind !== 'command') continue;
    try {
      validateCommandText(action.command, commands);
    } catch (error: unknown) {
      problems.push({ path: ['schedules', id, 'run'], reason: (error instanceof Error ? error.message : String(error)).replace(/`/g, '"') });
    }
  }
  return problems;
}
