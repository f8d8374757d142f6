/**
 * Mattermost: the server, the bot account's token (for the live job posts), the token of each slash
 * command trigger and of each outgoing webhook, the key that signs message buttons, and how hard opsbot may push the server. Leave
 * the section out and the Mattermost endpoints are not served.
 */
import { Type } from '@sinclair/typebox';
import type { MattermostConfig } from '../types.js';
import { Duration, durationMs } from './duration.js';
import { KeyedMap } from './primitives.js';
import { defineSection, type SectionProblem } from './section.js';
import { HttpUrl } from './url.js';

const DEFAULTS = {
  umbrella: 'ops',
  actionTtl: '1d',
  replyBudget: '2500ms',
  requestTimeout: '10s',
  rateLimit: 10,
  editsPerMinute: 30,
  uploadLimit: 5 * 1024 * 1024,
  retryMaxDelay: '5m',
  giveUpAfter: '1d',
  groupsTtl: '5m',
} as const;

/** Mattermost's rule for a trigger word: no slash, no spaces; opsbot also keeps it lowercase. */
export const TRIGGER_PATTERN = '^[a-z0-9][a-z0-9._-]{0,127}$';


const Trigger = Type.String({
  pattern: TRIGGER_PATTERN,
  patternErrorMessage: 'is not a slash command trigger (lowercase letters, digits, ., _ and -, no leading /)',
  description: 'A slash command trigger without the slash, e.g. deploy.',
});

/** The name of an outgoing webhook entry: for logs and the config only, Mattermost never sends it. */
export const WEBHOOK_NAME_PATTERN = '^[a-z0-9][a-z0-9._-]{0,63}$';

const OutgoingWebhook = Type.Object(
  {
    token: Type.String({ minLength: 1, description: "The outgoing webhook's token from Mattermost (shown when it is created), usually ${MM_WEBHOOK_TOKEN_<NAME>}." }),
    triggers: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 128, pattern: '^\\S+$', patternErrorMessage: 'is not a trigger word (no spaces)' }), {
        uniqueItems: true,
        default: [],
        description: "The webhook's trigger words. A payload with this token and another trigger word is refused (401); empty or left out: any of the webhook's trigger words.",
      }),
    ),
  },
  { additionalProperties: false },
);

const MattermostSchema = Type.Object(
  {
    url: HttpUrl('The Mattermost server, e.g. https://chat.example.com (the REST API is <url>/api/v4).'),
    botToken: Type.Optional(
      Type.String({
        minLength: 1,
        description:
          "Access token of opsbot's bot account, usually ${MM_BOT_TOKEN}: posts and edits the live job posts, opens dialogs, registers the slash commands. Without it opsbot answers through each command's response_url only.",
      }),
    ),
    commands: Type.Optional(
      KeyedMap(Trigger, Type.String({ minLength: 1, description: "The trigger's token from Mattermost, usually ${MM_TOKEN_<TRIGGER>}." }), {
        default: {},
        description:
          'Slash command trigger -> its token. A request for a trigger that is not listed, or with another token, is refused (401). `opsbot mattermost register` prints these.',
      }),
    ),
    webhooks: Type.Optional(
      KeyedMap(
        Type.String({ pattern: WEBHOOK_NAME_PATTERN, patternErrorMessage: 'is not a webhook name (lowercase letters, digits, ., _ and -)' }),
        OutgoingWebhook,
        {
          default: {},
          description:
            'Outgoing webhooks (name -> token and trigger words) whose messages run commands: `<trigger word> <command>` in a channel, posted to <publicUrl>/mattermost/webhook. A payload whose token is none of these is refused (401).',
        },
      ),
    ),
    umbrella: Type.Optional(
      Type.String({
        pattern: TRIGGER_PATTERN,
        patternErrorMessage: 'is not a slash command trigger',
        default: DEFAULTS.umbrella,
        description: 'The one trigger that takes any command (`/ops deploy store-pl`); every other trigger is the command itself (`/deploy store-pl`).',
      }),
    ),
    actionSecret: Type.String({
      minLength: 32,
      description: 'Key (32+ characters, e.g. `openssl rand -hex 32`) that signs message buttons and dialogs, so a click runs only the command the button was made for, for the people it was made for.',
    }),
    actionTtl: Type.Optional(Duration({ default: DEFAULTS.actionTtl, description: 'How long a message button stays valid (confirmations: at most 5 minutes).' })),
    publicUrl: Type.Optional(
      HttpUrl('Where Mattermost reaches opsbot, e.g. https://opsbot.internal:8080 (buttons post to <publicUrl>/mattermost/action). Default: http://<server.host>:<server.port>.'),
    ),
    replyBudget: Type.Optional(
      Duration({ default: DEFAULTS.replyBudget, description: 'A read-only command that takes longer than this is answered "working on it" and its result posted when ready.' }),
    ),
    requestTimeout: Type.Optional(Duration({ default: DEFAULTS.requestTimeout, description: 'Timeout of each REST call to Mattermost.' })),
    rateLimit: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 1000, default: DEFAULTS.rateLimit, description: "Posts and edits per second per channel (Mattermost's own default limit is 10 per second)." }),
    ),
    editsPerMinute: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 600, default: DEFAULTS.editsPerMinute, description: "Edits of one job's live post per minute, at most; the final state always goes out." }),
    ),
    uploadLimit: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 100 * 1024 * 1024,
        default: DEFAULTS.uploadLimit,
        description:
          "Bytes, at most, of a finished job's log uploaded as a file (job-<id>.log) to its post when the log is too long for the post; a longer log keeps its tail. 0 never uploads (the post points to `job <id>`). Needs the bot token.",
      }),
    ),
    retryMaxDelay: Type.Optional(Duration({ default: DEFAULTS.retryMaxDelay, description: 'Longest wait between two delivery attempts while Mattermost is unreachable.' })),
    giveUpAfter: Type.Optional(Duration({ default: DEFAULTS.giveUpAfter, description: 'A message still undelivered this long after it was queued is given up and logged.' })),
    groupsTtl: Type.Optional(
      Duration({
        default: DEFAULTS.groupsTtl,
        description: "How long a user's Mattermost groups (read with the bot token when a role names group:<name> members) are used before they are read again.",
      }),
    ),
  },
  { additionalProperties: false, title: 'Mattermost', description: 'Slash commands, message buttons and dialogs in; one live post per job out.' },
);

export const mattermostSection = defineSection({
  schema: MattermostSchema,
  load(raw): MattermostConfig | null {
    if (raw === undefined) return null;
    return {
      url: raw.url.replace(/\/+$/, ''),
      botToken: raw.botToken ?? null,
      commands: { ...(raw.commands ?? {}) },
      webhooks: Object.fromEntries(Object.entries(raw.webhooks ?? {}).map(([name, hook]) => [name, { token: hook.token, triggers: [...(hook.triggers ?? [])] }])),
      umbrella: raw.umbrella ?? DEFAULTS.umbrella,
      actionSecret: raw.actionSecret,
      actionTtl: durationMs(raw.actionTtl ?? DEFAULTS.actionTtl),
      publicUrl: raw.publicUrl === undefined ? null : raw.publicUrl.replace(/\/+$/, ''),
      replyBudget: durationMs(raw.replyBudget ?? DEFAULTS.replyBudget),
      requestTimeout: durationMs(raw.requestTimeout ?? DEFAULTS.requestTimeout),
      rateLimit: raw.rateLimit ?? DEFAULTS.rateLimit,
      editsPerMinute: raw.editsPerMinute ?? DEFAULTS.editsPerMinute,
      uploadLimit: raw.uploadLimit ?? DEFAULTS.uploadLimit,
      retryMaxDelay: durationMs(raw.retryMaxDelay ?? DEFAULTS.retryMaxDelay),
      giveUpAfter: durationMs(raw.giveUpAfter ?? DEFAULTS.giveUpAfter),
      groupsTtl: durationMs(raw.groupsTtl ?? DEFAULTS.groupsTtl),
    };
  },
  check(mm): SectionProblem[] {
    const problems: SectionProblem[] = [];
    // Mattermost gives an integration 30 s at most, and people expect an answer within a few.
    if (mm === null) return problems;
    if (mm.replyBudget < 100 || mm.replyBudget > 10_000) problems.push({ path: ['replyBudget'], reason: 'must be between 100ms and 10s' });
    if (mm.actionTtl === 0) problems.push({ path: ['actionTtl'], reason: 'must be longer than 0s' });
    if (mm.requestTimeout === 0) problems.push({ path: ['requestTimeout'], reason: 'must be longer than 0s' });
    // The kept tail opens with a note of what was left out: a tiny limit would leave room for nothing else.
    // The token is all that says which webhook a payload comes from: two entries with one token are ambiguous.
    const seen = new Map<string, string>();
    for (const [name, hook] of Object.entries(mm.webhooks)) {
      const first = seen.get(hook.token);
      if (first === undefined) seen.set(hook.token, name);
      else problems.push({ path: ['webhooks', name, 'token'], reason: `is the same token as webhooks.${first}` });
    }
    if (mm.uploadLimit > 0 && mm.uploadLimit < 1024) problems.push({ path: ['uploadLimit'], reason: 'must be 0 (no uploads) or at least 1024 bytes' });
    return problems;
  },
});
