/**
 * `alerts`: which sources may post to POST /alerts/:source and how each proves it is the sender,
 * how alerts are grouped and timed (Alertmanager's group_wait / group_interval / repeat_interval),
 * where they go, how fast opsbot may post, and the Alertmanager that `silence` talks to.
 */
import { Type, type Static, type TOptional } from '@sinclair/typebox';
import { ALERT_SOURCES, type AlertSourceName } from '../../core/alerts/model.js';
import { compileLabelRegex } from '../../core/alerts/label-regex.js';
import type { AlertFallbackConfig, AlertRouteConfig, AlertSourceAuth, AlertsConfig, AlertWebhookConfig } from '../types.js';
import { DURATION_PATTERN } from '../duration.js';
import { Duration, durationMs } from './duration.js';
import { loadTickets, ticketProblems, TicketsSchema } from './alert-tickets.js';
import { ConversationKey } from './identifiers.js';
import { defineSection, type SectionProblem } from './section.js';
import { HttpUrl } from './url.js';

const DEFAULTS = {
  bodyLimit: 1_048_576,
  groupBy: ['alertname'],
  wait: '30s',
  interval: '5m',
  repeat: '4h',
  rateLimits: { mattermost: 8, teams: 6, shell: 20, schedule: 20 },
  stormThreshold: 10,
  stormWindow: '10m',
  tick: '1s',
  amTimeout: '10s',
} as const;

const LABEL_NAME = '^[A-Za-z_][A-Za-z0-9_]*$';
const Secret = (description: string) => Type.String({ minLength: 1, description });

const SourceAuth = Type.Object(
  {
    bearer: Type.Optional(Secret('Shared token the sender puts in `Authorization: Bearer <token>` (also accepted with the schemes Key and Token).')),
    basic: Type.Optional(
      Type.Object({ username: Type.String({ minLength: 1 }), password: Secret('Basic auth password.') }, { additionalProperties: false, description: 'HTTP Basic auth (Grafana, Netdata Cloud).' }),
    ),
    hmac: Type.Optional(
      Type.Object(
        {
          secret: Secret('Shared secret of the HMAC-SHA256 signature over the raw body.'),
          header: Type.Optional(Type.String({ minLength: 1, description: 'Header carrying the hex signature. Default X-Grafana-Alerting-Signature for grafana, else X-Opsbot-Signature.' })),
          timestampHeader: Type.Optional(Type.String({ minLength: 1, description: 'When set, the signature covers "<timestamp>:<body>" and the timestamp (Unix seconds) must be recent (Grafana\'s format).' })),
          maxSkew: Type.Optional(Duration({ default: '5m', description: 'How old a signed timestamp may be.' })),
        },
        { additionalProperties: false },
      ),
    ),
    allowUnauthenticated: Type.Optional(Type.Literal(true, { description: 'Accept this source without any check (only for a trusted network). Must be said explicitly.' })),
  },
  // Exactly one method: two would leave it unclear which proof a sender must bring.
  { additionalProperties: false, minProperties: 1, maxProperties: 1, title: 'Alert source', description: 'Exactly one of bearer, basic, hmac or allowUnauthenticated.' },
);

const Timings = {
  wait: Type.Optional(Duration({ default: DEFAULTS.wait, description: 'group_wait: how long a new group collects alerts before its first post.' })),
  interval: Type.Optional(Duration({ default: DEFAULTS.interval, description: 'group_interval: minimum time between two updates of a group for new or resolved alerts.' })),
  repeat: Type.Optional(Duration({ default: DEFAULTS.repeat, description: 'repeat_interval: how often a group that is still firing, with no change, is posted again.' })),
};

const WEBHOOK_NAME = '^[A-Za-z0-9_.-]+$';

/** `after`: a count of failed deliveries in a row (a bare number) or how long they have been failing (a duration with a unit). */
const After = Type.Unsafe<string | number>({
  type: ['string', 'integer'],
  minimum: 0,
  maximum: 1_000_000,
  pattern: DURATION_PATTERN,
  patternErrorMessage: 'is neither a count of failed deliveries (e.g. 3) nor a duration (e.g. 2m)',
  default: '2m',
  examples: [3, '2m', '30s'],
  description: 'When the chat counts as unreachable: after this many failed deliveries in a row (a bare number, e.g. 3), or once deliveries have been failing this long (a duration, e.g. 2m).',
});

const Fallback = Type.Object(
  {
    to: Type.String({
      pattern: '^(?:webhook:[A-Za-z0-9_.-]+|(?:mattermost|teams):\\S+)$',
      patternErrorMessage: 'is not a fallback (use teams:<conversation id>, mattermost:<channel id> or webhook:<name>)',
      description: 'Where alert posts also go while their chat cannot be reached: another chat conversation, or a webhook named in alerts.webhooks. They stay queued for their own chat and are posted there when it is back.',
    }),
    after: Type.Optional(After),
  },
  { additionalProperties: false, title: 'Alert fallback' },
);

const Webhook = Type.Object(
  {
    url: HttpUrl('Receives one JSON POST per alert post: {source, title, text, severity, tone, url, conversation, key, failingSince}.'),
    bearer: Type.Optional(Secret('Sent as Authorization: Bearer <token>; write it as ${ENV_VAR}.')),
    timeout: Type.Optional(Duration({ default: '10s', description: 'Per request.' })),
  },
  { additionalProperties: false, title: 'Fallback webhook' },
);

const LabelList = Type.Array(Type.String({ pattern: LABEL_NAME, patternErrorMessage: 'is not a label name' }), { description: 'Labels whose values form a group; [] puts every alert of the route in one group.' });

const Route = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Shown in logs; defaults to the route number.' })),
    match: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Label = value, all must hold. `severity` matches the normalised severity (critical, error, warning, info, unknown), `source` the source name.' })),
    matchRe: Type.Optional(Type.Record(Type.String(), Type.String(), { description: 'Label =~ regular expression (anchored), all must hold.' })),
    to: Type.Array(ConversationKey(), { minItems: 1, description: 'Conversations that get the group: mattermost:<channel id>, teams:<conversation id>.' }),
    groupBy: Type.Optional(LabelList),
    ...Timings,
    fallback: Type.Optional(Fallback),
  },
  { additionalProperties: false, title: 'Alert route' },
);

const AlertsSchema = Type.Object(
  {
    bodyLimit: Type.Optional(Type.Integer({ minimum: 1024, maximum: 67_108_864, default: DEFAULTS.bodyLimit, description: 'Largest alert body accepted, in bytes; larger ones get 413.' })),
    sources: Type.Optional(
      Type.Object(Object.fromEntries(ALERT_SOURCES.map((name) => [name, Type.Optional(SourceAuth)])) as Record<AlertSourceName, TOptional<typeof SourceAuth>>, {
        additionalProperties: false,
        default: {},
        description: 'Enabled sources (alertmanager, grafana, uptime-kuma, zabbix, netdata, alerta, generic) and how each is verified. Others get 404.',
      }),
    ),
    grouping: Type.Optional(Type.Object({ by: Type.Optional(LabelList), ...Timings }, { additionalProperties: false, description: 'Defaults for every route.' })),
    routes: Type.Optional(Type.Array(Route, { default: [], description: 'First match wins.' })),
    defaultTo: Type.Optional(Type.Array(ConversationKey(), { default: [], description: 'Where alerts no route matches go; empty: they are counted and dropped.' })),
    alertmanager: Type.Optional(
      Type.Object(
        {
          url: HttpUrl('Alertmanager base URL; `silence` creates real silences through its v2 API.'),
          bearer: Type.Optional(Secret('Token for Alertmanager, if it sits behind an authenticating proxy.')),
          timeout: Type.Optional(Duration({ default: DEFAULTS.amTimeout, description: 'Per request.' })),
        },
        { additionalProperties: false },
      ),
    ),
    rateLimits: Type.Optional(
      Type.Object(
        {
          mattermost: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1000, default: DEFAULTS.rateLimits.mattermost })),
          teams: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1000, default: DEFAULTS.rateLimits.teams })),
          shell: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1000, default: DEFAULTS.rateLimits.shell })),
          schedule: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1000, default: DEFAULTS.rateLimits.schedule })),
        },
        { additionalProperties: false, description: 'Posts and edits per second per conversation; keep them below the platform limits (Mattermost 10 req/s, Teams 7 msg/s).' },
      ),
    ),
    storm: Type.Optional(
      Type.Object(
        {
          threshold: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: DEFAULTS.stormThreshold, description: 'More new groups than this due at once in one conversation start a storm: they fold into one digest post.' })),
          window: Type.Optional(Duration({ default: DEFAULTS.stormWindow, description: 'A storm lasts until this long passes without a new group folding in.' })),
        },
        { additionalProperties: false },
      ),
    ),
    tick: Type.Optional(Duration({ default: DEFAULTS.tick, description: 'How often due groups are looked for.' })),
    threadReplies: Type.Optional(Type.Boolean({ default: true, description: 'Post a short reply in the thread of a group\'s post for each change ("+2 firing: web-3, web-4", "resolved: web-1", "acked by @olga", silences). Groups folded into a storm digest get none.' })),
    fallback: Type.Optional(Fallback),
    webhooks: Type.Optional(Type.Record(Type.String({ pattern: WEBHOOK_NAME }), Webhook, { description: 'Named webhooks a fallback can send to (`webhook:<name>`).' })),
    tickets: Type.Optional(TicketsSchema),
  },
  { additionalProperties: false, title: 'Alerts', description: 'Alert intake at POST /alerts/:source, grouping, routing and chat posts.' },
);

type RawAlerts = Static<typeof AlertsSchema>;
type RawFallback = Static<typeof Fallback>;

function loadFallback(raw: RawFallback): AlertFallbackConfig {
  const after = raw.after ?? '2m';
  // A bare number (or digits from ${VAR}) counts failed deliveries; anything with a unit is a duration.
  if (typeof after === 'number' || /^\d+$/.test(after)) return { to: raw.to, afterAttempts: Number(after), afterMs: null };
  return { to: raw.to, afterAttempts: null, afterMs: durationMs(after) };
}
type RawAuth = Static<typeof SourceAuth>;

function loadAuth(name: AlertSourceName, raw: RawAuth): AlertSourceAuth {
  if (raw.bearer !== undefined) return { kind: 'bearer', token: raw.bearer };
  if (raw.basic !== undefined) return { kind: 'basic', username: raw.basic.username, password: raw.basic.password };
  if (raw.hmac !== undefined) {
    return {
      kind: 'hmac',
      secret: raw.hmac.secret,
      header: (raw.hmac.header ?? (name === 'grafana' ? 'X-Grafana-Alerting-Signature' : 'X-Opsbot-Signature')).toLowerCase(),
      timestampHeader: raw.hmac.timestampHeader?.toLowerCase() ?? null,
      maxSkew: durationMs(raw.hmac.maxSkew ?? '5m'),
    };
  }
  return { kind: 'none' };
}

export const alertsSection = defineSection({
  schema: AlertsSchema,
  load(raw: RawAlerts | undefined): AlertsConfig | null {
    if (raw === undefined) return null;
    const grouping = {
      by: raw.grouping?.by ?? [...DEFAULTS.groupBy],
      wait: durationMs(raw.grouping?.wait ?? DEFAULTS.wait),
      interval: durationMs(raw.grouping?.interval ?? DEFAULTS.interval),
      repeat: durationMs(raw.grouping?.repeat ?? DEFAULTS.repeat),
    };
    const sources: Partial<Record<AlertSourceName, AlertSourceAuth>> = {};
    for (const [name, auth] of Object.entries(raw.sources ?? {}) as [AlertSourceName, RawAuth][]) sources[name] = loadAuth(name, auth);
    const routes: AlertRouteConfig[] = (raw.routes ?? []).map((r, i) => ({
      name: r.name ?? `route ${i + 1}`,
      match: r.match ?? {},
      matchRe: r.matchRe ?? {},
      to: r.to,
      groupBy: r.groupBy ?? grouping.by,
      wait: r.wait === undefined ? grouping.wait : durationMs(r.wait),
      interval: r.interval === undefined ? grouping.interval : durationMs(r.interval),
      repeat: r.repeat === undefined ? grouping.repeat : durationMs(r.repeat),
      ...(r.fallback === undefined ? {} : { fallback: loadFallback(r.fallback) }),
    }));
    const webhooks: Record<string, AlertWebhookConfig> = {};
    for (const [name, w] of Object.entries(raw.webhooks ?? {})) webhooks[name] = { url: w.url, bearer: w.bearer ?? null, timeout: durationMs(w.timeout ?? '10s') };
    const am = raw.alertmanager;
    return {
      bodyLimit: raw.bodyLimit ?? DEFAULTS.bodyLimit,
      sources,
      grouping,
      routes,
      defaultTo: raw.defaultTo ?? [],
      alertmanager: am === undefined ? null : { url: am.url.replace(/\/+$/, ''), bearer: am.bearer ?? null, timeout: durationMs(am.timeout ?? DEFAULTS.amTimeout) },
      rateLimits: { ...DEFAULTS.rateLimits, ...raw.rateLimits },
      storm: { threshold: raw.storm?.threshold ?? DEFAULTS.stormThreshold, window: durationMs(raw.storm?.window ?? DEFAULTS.stormWindow) },
      tick: durationMs(raw.tick ?? DEFAULTS.tick),
      // Written only when set, so a config without them loads as before (absent threadReplies: on).
      ...(raw.threadReplies === undefined ? {} : { threadReplies: raw.threadReplies }),
      ...(raw.fallback === undefined ? {} : { fallback: loadFallback(raw.fallback) }),
      ...(raw.webhooks === undefined ? {} : { webhooks }),
      ...(raw.tickets === undefined ? {} : { tickets: loadTickets(raw.tickets) }),
    };
  },
  check(alerts): SectionProblem[] {
    const problems: SectionProblem[] = [];
    if (alerts === null) return problems;
    alerts.routes.forEach((route, i) => {
      for (const [label, re] of Object.entries(route.matchRe)) {
        const compiled = compileLabelRegex(re);
        if (!compiled.ok) problems.push({ path: ['routes', i, 'matchRe', label], reason: compiled.reason });
      }
    });
    if (alerts.tick === 0) problems.push({ path: ['tick'], reason: 'must be longer than 0s' });
    const checkFallback = (fallback: AlertFallbackConfig | undefined, path: readonly (string | number)[]): void => {
      if (fallback === undefined || !fallback.to.startsWith('webhook:')) return;
      const name = fallback.to.slice('webhook:'.length);
      if (alerts.webhooks?.[name] === undefined) problems.push({ path: [...path, 'to'], reason: `there is no webhook "${name}" in alerts.webhooks` });
    };
    checkFallback(alerts.fallback, ['fallback']);
    alerts.routes.forEach((route, i) => checkFallback(route.fallback, ['routes', i, 'fallback']));
    if (alerts.tickets !== undefined) problems.push(...ticketProblems(alerts.tickets));
    return problems;
  },
});
