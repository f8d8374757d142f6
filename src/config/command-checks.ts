/**
 * Checks against the commands opsbot runs, which the schema alone cannot know: a schedule's `run`
 * must be a command whose arguments its schema accepts (else it fails every night at 02:00 instead
 * of now).
 */
import type { CommandRegistry } from '../core/registry.js';
import { validateCommandText } from '../core/scheduler/service.js';
import { scheduleAction } from './schema/schedules.js';
import type { SectionProblem } from './schema/section.js';
import type { OpsbotConfig } from './types.js';

/** The commands a config may name: the running bot's registry (see src/command-registry.ts). */
export type CommandCatalog = Pick<CommandRegistry, 'find' | 'suggest' | 'all'>;

/** Paths start with the section name. */
export function commandProblems(config: Pick<OpsbotConfig, 'schedules'>, commands: CommandCatalog): SectionProblem[] {
  return scheduledCommandProblems(config.schedules, commands);
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
