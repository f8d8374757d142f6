import {
  defineCommand,
  explainDenial,
  formatDuration,
  formatInZone,
  isTimeZone,
  UsageError,
  viewerZone,
  windowState,
  type Invoker,
  type MaintenanceAdminPort,
  type Message,
  type OpenWindowRequest,
  type Ports,
  type WindowView,
} from '#core';

/** Target names are an allowlist from the config; this only keeps the word plain. */
const WORD = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export const maintenance = defineCommand({
  name: 'maintenance',
  aliases: ['mw'],
  summary: 'Open a maintenance window for a target (announced, silenced in Alertmanager, alerts held back), list windows, or end one early.',
  description:
    'A window announces itself ahead of time, at start and at end, creates an Alertmanager silence for the target for its duration ' +
    '(removed if it ends early), holds back alert posts for the target, and blocks deploys of it if the config says so. ' +
    'Targets are the names under maintenance.targets in the config. Start is `now`, `HH:MM` in --tz (today, or tomorrow if that time has passed), ' +
    'or an ISO time. Recurring windows come from the config (maintenance.windows).',
  examples: ['maintenance list', 'maintenance db now 1h vacuum full', 'maintenance db 02:00 90m --tz Europe/Warsaw kernel upgrade', 'maintenance end 12'],
  args: {
    target: { type: 'string', positional: 0, pattern: WORD, patternHint: 'a target from maintenance.targets, or list / end', description: 'The target (or `list`, or `end`).' },
    start: { type: 'string', positional: 1, maxLength: 40, description: 'now, HH:MM (in --tz) or an ISO time; after `end`: the window number.' },
    duration: { type: 'duration', positional: 2, min: 60_000, description: 'How long, e.g. 30m, 1h, 1h30m.' },
    reason: { type: 'string', positional: 3, rest: true, maxLength: 300, description: 'Why: shown in announcements and in the silence.' },
    tz: { type: 'string', maxLength: 64, description: 'Zone of an HH:MM or offset-less start (default: the configured display zone), and of the listing (default: your own zone as your chat platform knows it, else the display zone).' },
  },
  // `end <n>` names no target: the window's own is authorized once it is looked up (endPermission).
  permission: ({ target }) => (target === undefined || target === 'list' ? 'maintenance:list' : target === 'end' ? 'maintenance:end' : `maintenance:open:${target}`),
  extraPermissions: async ({ target, start }, ports) => {
    const id = target === 'end' ? windowNumber(start) : null;
    return id === null ? [] : [endPermission((await ports.maintenance.window(id)).target)];
  },
  sideEffect: ({ target }) => (target === undefined || target === 'list' ? 'none' : 'mutates'),
  // An unknown target (with the known ones), a missing start or duration, a bad start, zone or window
  // number are refused at once, before any job exists; nothing is stored or contacted. So is ending a
  // window of a target the person may not end windows of (audited as denied).
  check: async (args, ports, who) => {
    const { action } = plan(args, ports.maintenance);
    if (action.kind === 'end') await authorizeEnd(action.id, ports, who);
  },
  async run(args, ctx): Promise<Message> {
    const port = ctx.ports.maintenance;
    // Checked again here: the replica that runs the job may have another config, and time has passed.
    const { zone, action } = plan(args, port);
    const now = ctx.clock.now();

    // A listing reads best in the viewer's own zone, as their chat client shows times (as `schedule list` does).
    if (action.kind === 'list') return listing(await port.list(now), await viewerZone(args.tz, ctx.ports.profiles, ctx.principal, zone), now);

    if (action.kind === 'end') {
      await authorizeEnd(action.id, ctx.ports, ctx);
      if (ctx.dryRun) return { tone: 'info', blocks: [{ kind: 'text', text: `Would end maintenance window #${action.id} and remove its silence.` }] };
      const ended = await port.end(action.id, ctx.principal);
      return { tone: 'success', blocks: [{ kind: 'text', text: `Maintenance #${ended.window.id} of \`${ended.window.target}\` ended; ${ended.silences}.` }] };
    }

    const { request } = action;
    const { target } = request;
    const duration = request.durationMs;
    const end = new Date(request.startsAt.getTime() + duration);
    const span = `${formatInZone(request.startsAt, zone)} – ${formatInZone(end, zone)} (${formatDuration(duration)})`;
    if (ctx.dryRun) return { tone: 'info', blocks: [{ kind: 'text', text: `Would open a maintenance window for \`${target}\`: ${span}.` }] };
    const opened = await port.open(request, ctx.principal, ctx.conversation);
    const w = opened.window;
    return {
      title: `Maintenance #${w.id} of ${w.target}`,
      tone: 'warning',
      blocks: [
        {
          kind: 'fields',
          fields: [
            { label: 'When', value: `${formatInZone(w.startsAt, zone)} – ${formatInZone(w.endsAt, zone)} (${formatDuration(w.endsAt.getTime() - w.startsAt.getTime())})` },
            { label: 'Alertmanager', value: opened.silence, short: true },
            { label: 'Deploys', value: w.blockDeploys ? 'blocked' : 'allowed', short: true },
            { label: 'Announced to', value: w.announceTo.length === 0 ? 'the log only' : w.announceTo.join(', ') },
            ...(w.reason === null ? [] : [{ label: 'Reason', value: w.reason }]),
          ],
        },
        { kind: 'text', text: `End it early with \`maintenance end ${w.id}\`.` },
      ],
    };
  },
});

/** Ending a window is scoped to its target as opening one is: `maintenance:end:<target>` beside `maintenance:open:<target>`. */
function endPermission(target: string): string {
  return `maintenance:end:${target}`;
}

/** Throws DeniedError unless `who` may end windows of window #id's target (NotFoundError without such a window). */
async function authorizeEnd(id: number, ports: Pick<Ports, 'maintenance' | 'access'>, who: Invoker): Promise<void> {
  const { target } = await ports.maintenance.window(id);
  const permission = endPermission(target);
  explainDenial(() => ports.access.authorize(who.principal, who.conversation, 'maintenance', permission), permission, `Maintenance #${id} is of \`${target}\`: ending it needs \`${permission}\`, and none of your roles grants it.`);
}

interface Typed {
  readonly target: string | undefined;
  readonly start: string | undefined;
  readonly duration: number | undefined;
  readonly reason: string | undefined;
  readonly tz: string | undefined;
}

type Action = { readonly kind: 'list' } | { readonly kind: 'end'; readonly id: number } | { readonly kind: 'open'; readonly request: OpenWindowRequest };

/** What the line asks for, or a UsageError naming what is wrong with it. */
function plan({ target, start, duration, reason, tz }: Typed, port: MaintenanceAdminPort): { zone: string; action: Action } {
  const zone = tz ?? port.displayZone;
  if (!isTimeZone(zone)) throw new UsageError(`\`${zone}\` is not a time zone: use an IANA name such as Europe/Warsaw or UTC.`);
  if (target === undefined || target === 'list') return { zone, action: { kind: 'list' } };
  if (target === 'end') {
    const id = windowNumber(start);
    if (id === null) throw new UsageError('Give the window number: `maintenance end <number>` (see `maintenance list`).');
    return { zone, action: { kind: 'end', id } };
  }
  if (start === undefined || duration === undefined) throw new UsageError('Give a start and a duration: `maintenance <target> <now|HH:MM|ISO time> <duration> [reason]`.');
  return { zone, action: { kind: 'open', request: port.request({ target, start, durationMs: duration, reason: reason ?? null, zone }) } };
}

/** The window number after `end`, or null when the word is not one. */
function windowNumber(start: string | undefined): number | null {
  return start !== undefined && /^\d{1,12}$/.test(start) ? Number(start) : null;
}

function listing(windows: readonly WindowView[], zone: string, now: Date): Message {
  if (windows.length === 0) return { tone: 'neutral', blocks: [{ kind: 'text', text: 'No maintenance windows now or coming up.' }] };
  return {
    title: `Maintenance windows (times in ${zone})`,
    tone: 'neutral',
    blocks: [
      {
        kind: 'table',
        columns: ['#', 'target', 'state', 'from', 'until', 'deploys', 'silence', 'reason'],
        rows: windows.map((w) => [
          w.id === null ? `${w.recurring ?? ''} (next)` : String(w.id),
          w.target,
          windowState(w, now),
          formatInZone(w.startsAt, zone),
          formatInZone(w.endsAt, zone),
          w.blockDeploys ? 'blocked' : 'allowed',
          w.silenceIds.length === 0 ? '—' : w.silenceIds.join(', '),
          w.reason ?? (w.recurring === null ? `by ${w.createdBy}` : `recurring: ${w.recurring}`),
        ]),
      },
    ],
  };
}
