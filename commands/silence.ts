import { defineCommand, formatDuration, formatMatchers, formatTime, parseMatchers, UsageError, type Message } from '#core';

const DAY = 86_400_000;

export const silence = defineCommand({
  name: 'silence',
  summary: 'Mute alerts matching label matchers for a while (in Alertmanager too, when configured). Without arguments, list silences.',
  description:
    'Matchers are name=value, name!=value, name=~regex or name!~regex, separated by commas, optionally in { } as Alertmanager writes them; quote values with spaces: alertname="High CPU". Regexes are RE2, as in Alertmanager (`(?i)` for any case), and match the whole value. Silenced alerts post nothing until the silence ends or `unsilence <id>`; then those still firing post.',
  examples: ['silence', 'silence alertname=HighCPU,instance=~"web-.*" 2h deploying web', "silence '{alertname=\"Disk full\"}' 30m"],
  args: {
    matchers: { type: 'string', positional: 0, maxLength: 2000, description: 'Label matchers, e.g. alertname=HighCPU,env=prod.' },
    duration: { type: 'duration', positional: 1, min: 60_000, max: 30 * DAY, description: 'How long, e.g. 30m, 2h, 1d (at most 30d).' },
    reason: { type: 'string', positional: 2, rest: true, maxLength: 500, description: 'Why; shown with the silence.' },
  },
  // The first hook the dispatcher calls after parsing: matchers and the duration are checked here, so
  // a typo is a usage error before any job starts (the args schema cannot express the grammar).
  permission: ({ matchers, duration }) => {
    if (matchers === undefined) return 'alerts:list';
    parseMatchers(matchers);
    if (duration === undefined) throw new UsageError('How long? Give a duration after the matchers, e.g. `silence alertname=HighCPU 2h`.');
    return 'alerts:silence';
  },
  sideEffect: ({ matchers }) => (matchers === undefined ? 'none' : 'mutates'),
  // Without an alerts section a silence (its dry run too) is refused at once, not as a job that fails.
  check: (_args, ports) => ports.alerts.requireConfigured(),
  timeout: 60_000,
  async run({ matchers, duration, reason }, ctx): Promise<Message> {
    const port = ctx.ports.alerts;
    if (matchers === undefined) {
      const list = await port.silences();
      if (list.length === 0) return { tone: 'neutral', blocks: [{ kind: 'text', text: 'No active silences.' }] };
      return {
        title: 'Active silences',
        tone: 'neutral',
        blocks: [{ kind: 'table', columns: ['id', 'matchers', 'until', 'by', 'why'], rows: list.map((s) => [s.id, formatMatchers(s.matchers), formatTime(s.endsAt), s.createdBy.name, s.comment]) }],
      };
    }
    const parsed = parseMatchers(matchers);
    if (duration === undefined) throw new UsageError('How long? Give a duration after the matchers.');
    const where = port.silenceTarget === 'alertmanager' ? ' in Alertmanager and opsbot' : '';
    if (ctx.dryRun) return { tone: 'info', blocks: [{ kind: 'text', text: `Would silence ${formatMatchers(parsed)}${where} for ${formatDuration(duration)}.` }] };
    const created = await port.silence({ matchers: parsed, durationMs: duration, comment: reason ?? '' }, ctx.principal, ctx.signal);
    ctx.ref('silence', created.id);
    // A silence for another source's alerts (`__source__`) is not sent to Alertmanager.
    const kept = created.inAlertmanager ? where : '';
    return {
      tone: 'warning',
      blocks: [{ kind: 'text', text: `Silenced ${formatMatchers(parsed)}${kept} until ${formatTime(created.endsAt)} (silence ${created.id}). \`unsilence ${created.id}\` ends it.` }],
    };
  },
});
