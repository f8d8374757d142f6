import {
  defineCommand,
  explainDenial,
  formatInZone,
  isTimeZone,
  MISSED_POLICIES,
  parseChannelList,
  SCHEDULE_ID,
  SERVICE_PRINCIPAL,
  UsageError,
  type Invoker,
  type Message,
  type NewScheduleRequest,
  type Ports,
  type ScheduleAction,
  type ScheduleView,
  viewerZone,
} from '#core';

const ACTIONS = ['list', 'add', 'pause', 'resume', 'remove'] as const;

export const schedule = defineCommand({
  name: 'schedule',
  aliases: ['schedules'],
  summary: 'List, add, pause, resume or remove schedules: timed announcements, or commands run as a service principal.',
  description:
    'A schedule is a cron expression read in a time zone (daylight-saving changes handled) plus one action: ' +
    '`--announce "<text>" --to <channel>` posts the text, `--run "<command>" --as <name>` runs the command as the service ' +
    'principal schedule:<name>, which needs roles and a channel binding (`schedule:<name>`) in the access config like anyone. ' +
    'Each tick fires once, however many opsbot replicas run. `--missed skip|run-once` says what to do with ticks that ' +
    'passed while opsbot was down. Adding a `--run` schedule needs `schedules:add:<name>`; pausing, resuming or removing one needs `schedules:<action>:<name>` too. ' +
    'Each --to channel\'s binding must allow the scheduled command (its outcome goes only where it may run), or for an announcement `schedule` (only where you could run `schedule` yourself).',
  examples: [
    'schedule list --tz Europe/Warsaw',
    'schedule add nightly-notice "30 1 * * *" --tz Europe/Warsaw --announce "Nightly maintenance at 02:00" --to mattermost:ops-channel-id',
    'schedule add nightly-backup "0 2 * * *" --tz Europe/Warsaw --run "run backup" --as backup-bot --missed run-once',
    'schedule pause nightly-backup',
    'schedule remove nightly-notice',
  ],
  args: {
    action: { type: 'string', positional: 0, enum: ACTIONS, default: 'list', description: 'list, add, pause, resume or remove.' },
    id: { type: 'string', positional: 1, pattern: SCHEDULE_ID, patternHint: 'lowercase letters, digits, - and _, e.g. nightly-backup', placeholder: 'name', description: 'The schedule name.' },
    cron: { type: 'string', positional: 2, maxLength: 100, placeholder: '"cron"', description: 'add: the cron expression, quoted, e.g. "30 1 * * *" (minute hour day month weekday).' },
    tz: { type: 'string', maxLength: 64, description: 'add: the zone the cron expression is read in; list: the zone next runs are shown in. Default: add, UTC; list, your own zone as your chat platform knows it, else UTC.' },
    announce: { type: 'string', maxLength: 2000, description: 'add: text to post on every tick (needs --to).' },
    to: { type: 'string', maxLength: 1000, description: 'add: channels, comma-separated, as <platform>:<channel id> (mattermost, teams or shell).' },
    run: { type: 'string', maxLength: 2000, description: 'add: command text to run on every tick (needs --as).' },
    as: { type: 'string', pattern: SERVICE_PRINCIPAL, patternHint: 'a service principal name such as backup-bot', description: 'add: the service principal the command runs as (schedule:<name>).' },
    missed: { type: 'string', enum: MISSED_POLICIES, description: 'add: ticks missed while opsbot was down: skip (default) or run-once.' },
  },
  // pause, resume and remove name no principal: the schedule's own is authorized once it is looked up (changePermission).
  permission: ({ action, run, as }) => (action === 'add' && run !== undefined && as !== undefined ? `schedules:add:${as}` : `schedules:${action}`),
  extraPermissions: async ({ action, id }, ports) => {
    if (action === 'list' || action === 'add' || id === undefined) return [];
    const permission = changePermission(action, await ports.schedules.get(id));
    return permission === null ? [] : [permission];
  },
  sideEffect: ({ action }) => (action === 'list' ? 'none' : 'mutates'),
  // A bad cron, zone, channel or missing action is refused at once, with the usage, before any job. So
  // is a change to a schedule that runs as a principal the person may not manage (audited as denied).
  async check(args, ports, who) {
    if (args.action === 'list') return;
    if (args.id === undefined) throw new UsageError(`Give the schedule name: \`schedule ${args.action} <name>\`.`);
    if (args.action === 'add') ports.schedules.validate(addRequest(args.id, args), who.principal);
    else await authorizeChange(args.action, args.id, ports, who);
  },
  async run(args, ctx): Promise<Message> {
    const { action, id } = args;
    const port = ctx.ports.schedules;
    if (action === 'list') {
      // Next runs read best in the viewer's own zone, as their chat client shows times.
      const zone = await viewerZone(args.tz, ctx.ports.profiles, ctx.principal);
      if (!isTimeZone(zone)) throw new UsageError(`\`${zone}\` is not a time zone: use an IANA name such as Europe/Warsaw or UTC.`);
      return listing(await port.list(), zone);
    }
    if (id === undefined) throw new UsageError(`Give the schedule name: \`schedule ${action} <name>\`.`);
    switch (action) {
      case 'add': {
        const request = addRequest(id, args);
        if (ctx.dryRun) return { tone: 'info', blocks: [{ kind: 'text', text: `Would add schedule \`${id}\`: ${describe(request.action)} at \`${request.cron}\` (${request.timezone}).` }] };
        const added = await port.add(request, ctx.principal);
        return {
          tone: 'success',
          blocks: [
            { kind: 'text', text: `Schedule \`${id}\` added: ${describe(added.action)} at \`${added.cron}\` (${added.timezone}).` },
            { kind: 'text', text: added.nextRun === null ? 'It never fires again.' : `Next run: ${formatInZone(added.nextRun, added.timezone)}.` },
          ],
        };
      }
      case 'pause':
      case 'resume': {
        await authorizeChange(action, id, ctx.ports, ctx);
        if (ctx.dryRun) return { tone: 'info', blocks: [{ kind: 'text', text: `Would ${action} schedule \`${id}\`.` }] };
        const view = await port.setPaused(id, action === 'pause');
        const text =
          action === 'pause'
            ? `Schedule \`${id}\` is paused. \`schedule resume ${id}\` starts it again (ticks in between are skipped).`
            : `Schedule \`${id}\` is running again.${view.nextRun === null ? '' : ` Next run: ${formatInZone(view.nextRun, view.timezone)}.`}`;
        return { tone: action === 'pause' ? 'warning' : 'success', blocks: [{ kind: 'text', text }] };
      }
      case 'remove': {
        await authorizeChange(action, id, ctx.ports, ctx);
        if (ctx.dryRun) return { tone: 'info', blocks: [{ kind: 'text', text: `Would remove schedule \`${id}\`.` }] };
        const removed = await port.remove(id);
        return { tone: 'success', blocks: [{ kind: 'text', text: `Schedule \`${id}\` removed (it was: ${describe(removed.action)} at \`${removed.cron}\`, ${removed.timezone}).` }] };
      }
    }
  },
});

type Change = 'pause' | 'resume' | 'remove';

/**
 * A schedule that runs a command as schedule:<as> is scoped to that principal, as adding it was
 * (`schedules:add:<as>`): pausing, resuming or removing it needs `schedules:<action>:<as>`. An
 * announcement acts as nobody, so `schedules:<action>` is all it needs.
 */
function changePermission(action: Change, schedule: ScheduleView): string | null {
  return schedule.action.kind === 'command' ? `schedules:${action}:${schedule.action.as}` : null;
}

/** Throws DeniedError unless `who` may change schedule `id` (NotFoundError when there is none). */
async function authorizeChange(action: Change, id: string, ports: Pick<Ports, 'schedules' | 'access'>, who: Invoker): Promise<void> {
  const permission = changePermission(action, await ports.schedules.get(id));
  if (permission === null) return;
  const doing = { pause: 'pausing', resume: 'resuming', remove: 'removing' }[action];
  explainDenial(() => ports.access.authorize(who.principal, who.conversation, 'schedule', permission), permission, `Schedule \`${id}\` runs a command as a service principal: ${doing} it needs \`${permission}\`, and none of your roles grants it.`);
}

interface AddArgs {
  readonly cron: string | undefined;
  readonly tz: string | undefined;
  readonly announce: string | undefined;
  readonly to: string | undefined;
  readonly run: string | undefined;
  readonly as: string | undefined;
  readonly missed: (typeof MISSED_POLICIES)[number] | undefined;
}

function addRequest(id: string, args: AddArgs): NewScheduleRequest {
  const usage = 'schedule add <name> "<cron>" [--tz <zone>] (--announce "<text>" --to <channel> | --run "<command>" --as <principal>)';
  if (args.cron === undefined) throw new UsageError('Give the cron expression, quoted: e.g. `"30 1 * * *"`.', { hint: `Usage: ${usage}` });
  if ((args.announce === undefined) === (args.run === undefined)) throw new UsageError('Give exactly one action: `--announce "<text>"` or `--run "<command>"`.', { hint: `Usage: ${usage}` });
  const to = args.to === undefined ? [] : parseChannelList(args.to);
  let action: ScheduleAction;
  if (args.announce !== undefined) {
    if (args.as !== undefined) throw new UsageError('`--as` goes with `--run`, not with `--announce`.');
    action = { kind: 'announce', text: args.announce, to };
  } else {
    if (args.as === undefined) throw new UsageError('`--run` needs `--as <service principal>`: the name the command runs as (schedule:<name>).', { hint: `Usage: ${usage}` });
    action = { kind: 'command', command: args.run ?? '', as: args.as, to };
  }
  return { id, cron: args.cron, timezone: args.tz ?? 'UTC', action, missed: args.missed ?? 'skip' };
}

function describe(action: ScheduleAction): string {
  const to = action.to.length === 0 ? '' : ` → ${action.to.join(', ')}`;
  return action.kind === 'announce' ? `announce "${clip(action.text, 60)}"${to}` : `run \`${clip(action.command, 60)}\` as schedule:${action.as}${to}`;
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function listing(schedules: readonly ScheduleView[], zone: string): Message {
  if (schedules.length === 0) return { tone: 'neutral', blocks: [{ kind: 'text', text: 'No schedules. Add one with `schedule add` or in the config file (schedules:).' }] };
  return {
    title: `Schedules (times in ${zone})`,
    tone: 'neutral',
    blocks: [
      {
        kind: 'table',
        columns: ['name', 'when', 'next run', 'action', 'state', 'last outcome'],
        rows: schedules.map((s) => [
          s.id,
          `${s.cron} (${s.timezone})`,
          s.nextRun === null ? '—' : formatInZone(s.nextRun, zone),
          describe(s.action),
          `${s.paused ? 'paused' : 'active'}${s.source === 'config' ? ', config' : ''}`,
          s.lastOutcome === null ? '—' : `${s.lastTickAt === null ? '' : `${formatInZone(s.lastTickAt, zone)}: `}${clip(s.lastOutcome, 80)}`,
        ]),
      },
    ],
  };
}
