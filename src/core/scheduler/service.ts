/** The SchedulesPort over the store: validation at add time, next runs for listings. */
import { parseArgs } from '../args/parse.js';
import { tokenize } from '../args/tokenize.js';
import type { Clock } from '../clock.js';
import type { Command } from '../command.js';
import { confirmCommand } from '../confirm.js';
import { ConflictError, NotFoundError, UsageError, isOpsbotError } from '../errors.js';
import { principalKey, type Principal } from '../identity.js';
import type { AccessPort } from '../ports.js';
import type { CommandRegistry } from '../registry.js';
import { authorizeScheduleChannels } from './channel-access.js';
import { channelConversation } from './channels.js';
import { CronCache, validateCron } from './cron.js';
import { SERVICE_PRINCIPAL } from './identity.js';
import type { NewScheduleRequest, SchedulesPort, ScheduleView } from './port.js';
import type { ScheduleStore } from './store-port.js';
import type { ScheduleAction, ScheduleRecord } from './types.js';

export const SCHEDULE_ID = /^[a-z][a-z0-9_-]{0,62}$/;
const MAX_TEXT = 2_000;

export interface SchedulesServiceDeps {
  readonly store: ScheduleStore;
  readonly clock: Clock;
  /** Scheduled command text must name a command that exists, with arguments its schema accepts. */
  readonly registry: Pick<CommandRegistry, 'find' | 'suggest'>;
  /** The channel bindings a schedule's channels are held to (see channel-access.ts). */
  readonly access: Pick<AccessPort, 'describe'>;
}

export function createSchedulesPort(deps: SchedulesServiceDeps): SchedulesPort {
  const crons = new CronCache();
  const view = (record: ScheduleRecord): ScheduleView => {
    let nextRun: Date | null = null;
    if (!record.paused) {
      try {
        nextRun = crons.get(record.cron, record.timezone).next(deps.clock.now());
      } catch {
        nextRun = null;
      }
    }
    return { ...record, nextRun };
  };
  const validate = (request: NewScheduleRequest, by: Principal): void => {
    const command = validateSchedule(request, deps.registry);
    authorizeScheduleChannels(request.action, command, by, deps.access);
  };

  return {
    async list() {
      return (await deps.store.list()).map(view);
    },
    async get(id) {
      const record = await deps.store.get(id);
      if (record === null) throw unknownSchedule(id);
      return view(record);
    },
    validate,
    async add(request, by) {
      validate(request, by);
      const created = await deps.store.create({ ...request, source: 'chat', paused: false, createdBy: by.name, createdByKey: principalKey(by), now: deps.clock.now() });
      if (!created) throw new ConflictError(`A schedule named \`${request.id}\` exists already; remove it first or pick another name.`);
      const record = await deps.store.get(request.id);
      if (record === null) throw new NotFoundError(`Schedule \`${request.id}\` disappeared right after it was added.`);
      return view(record);
    },
    async setPaused(id, paused) {
      const record = await deps.store.setPaused(id, paused, deps.clock.now());
      if (record === null) throw unknownSchedule(id);
      return view(record);
    },
    async remove(id) {
      const record = await deps.store.get(id);
      if (record === null) throw unknownSchedule(id);
      if (record.source === 'config') {
        throw new ConflictError(`Schedule \`${id}\` is defined in the config file; remove it there (you can \`schedule pause ${id}\` meanwhile).`);
      }
      await deps.store.remove(id);
      return record;
    },
  };
}

function unknownSchedule(id: string): NotFoundError {
  return new NotFoundError(`There is no schedule \`${id}\`.`, { hint: 'See `schedule list`.' });
}

/**
 * Shared by chat (`schedule add`) and the config loader's checks: one set of rules. Returns the
 * scheduled command (null for an announcement, or without a registry to find it in).
 */
export function validateSchedule(request: NewScheduleRequest, registry: Pick<CommandRegistry, 'find' | 'suggest'> | null): Command | null {
  if (!SCHEDULE_ID.test(request.id)) throw new UsageError(`\`${request.id}\` is not a schedule name: use lowercase letters, digits, - and _, starting with a letter.`);
  validateCron(request.cron, request.timezone);
  return validateAction(request.action, registry);
}

function validateAction(action: ScheduleAction, registry: Pick<CommandRegistry, 'find' | 'suggest'> | null): Command | null {
  for (const channel of action.to) channelConversation(channel);
  if (action.kind === 'announce') {
    if (action.text.trim() === '') throw new UsageError('The announcement text is empty.');
    if (action.text.length > MAX_TEXT) throw new UsageError(`The announcement is too long (at most ${MAX_TEXT} characters).`);
    if (action.to.length === 0) throw new UsageError('An announcement needs at least one channel: `--to mattermost:<channel id>`.');
    return null;
  }
  if (!SERVICE_PRINCIPAL.test(action.as)) {
    throw new UsageError(`\`${action.as}\` is not a service principal name: use lowercase letters, digits, - and _ (it runs as schedule:<name>).`);
  }
  if (action.command.length > MAX_TEXT) throw new UsageError(`The scheduled command is too long (at most ${MAX_TEXT} characters).`);
  return registry === null ? null : validateCommandText(action.command, registry);
}

/**
 * Resolves the command name and parses its arguments now, so a typo fails at `add` (or when the
 * config is loaded), not at 02:00. Returns the command, whose channel bindings `add` checks.
 */
export function validateCommandText(text: string, registry: Pick<CommandRegistry, 'find' | 'suggest'>): Command {
  const tokens = tokenize(text.trim().replace(/^\//, ''));
  const head = tokens[0];
  if (head === undefined) throw new UsageError('The scheduled command is empty: give it as --run "<command text>".');
  const name = head.value.toLowerCase();
  const command = registry.find(name);
  if (command === null) {
    const suggestion = registry.suggest(name);
    throw new UsageError(`The scheduled command \`${name}\` does not exist.${suggestion === null ? '' : ` Did you mean \`${suggestion}\`?`}`, {
      hint: 'Type `help` to list the commands.',
    });
  }
  if (command === confirmCommand) throw new UsageError('`confirm` cannot be scheduled: scheduled commands run pre-confirmed.');
  try {
    parseArgs(command, tokens.slice(1));
  } catch (error: unknown) {
    if (isOpsbotError(error)) throw new UsageError(`The scheduled command \`${text}\` is not valid: ${error.message}`, { hint: error.hint });
    throw error;
  }
  return command;
}
