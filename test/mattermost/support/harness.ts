/**
 * opsbot with Mattermost wired in, in process: the real app (buildApp over a temp SQLite file), the
 * real adapter and routes on the real fastify server (requests sent with inject), and a contract
 * server on the official Mattermost OpenAPI file standing in for the Mattermost server: every REST
 * call the bot makes is validated there, and the fake keeps the posts it was sent so tests can read
 * what a channel would show.
 */
import type { FastifyInstance } from 'fastify';
import { startMattermost, type MattermostWiring } from '../../../src/adapters/mattermost/index.js';
import type { AccessConfig, JobsConfig, MattermostConfig } from '../../../src/config/types.js';
import type { Command } from '../../../src/core/command.js';
import { createHttpServer } from '../../../src/http/server.js';
import { startContractServer, type ContractCall, type ContractServer } from '../../support/contract/contract-server.js';
import { startTestApp, type TestApp } from '../../support/app.js';
import { mattermostSpec } from './contracts.js';

export const BOT_TOKEN = 'bot-token-0123456789abcdefghij';
export const ACTION_SECRET = 'a-test-action-secret-with-more-than-32-characters';
export const TOKENS = { ops: 'tok-ops-umbrella-000000000a', 'mm-job': 'tok-mm-job-0000000000000b', 'mm-nuke': 'tok-mm-nuke-000000000000c' } as const;

export interface FakePost {
  id: string;
  channel_id: string;
  root_id: string;
  message: string;
  props: { attachments?: { title?: string; text?: string; color?: string; actions?: { name: string; integration: { context: Record<string, unknown> } }[] }[] };
  edits: number;
  /** Files attached to the post (ids in the fake's `files`). */
  file_ids?: string[];
}

/** An uploaded file, as the fake server keeps it. */
export interface FakeFile {
  id: string;
  name: string;
  channel_id: string;
  text: string;
  /** The post it is attached to; '' until one is. */
  post_id: string;
}

export interface Harness {
  readonly t: TestApp;
  readonly http: FastifyInstance;
  readonly mm: MattermostWiring;
  /** Null when the test runs without a reachable Mattermost. */
  readonly server: ContractServer | null;
  readonly posts: Map<string, FakePost>;
  /** Uploaded files (POST /api/v4/files), by id. */
  readonly files: Map<string, FakeFile>;
  readonly config: MattermostConfig;
  close(): Promise<void>;
}

export interface HarnessOptions {
  readonly botToken?: boolean;
  readonly config?: Partial<MattermostConfig>;
  readonly extraCommands?: readonly Command[];
  /** Use this Mattermost URL instead of a contract server (e.g. nothing listening). */
  readonly mattermostUrl?: string;
  readonly jobs?: Partial<JobsConfig>;
  /** Profiles the fake server knows (GET /api/v4/users/{user_id}); others are 404. */
  readonly users?: ReadonlyMap<string, FakeUser>;
  /** Values that came from `${VAR}` substitution: masked in every job's output. */
  readonly secrets?: readonly string[];
  /** Roles and channel bindings (default: the tests' usual ones). */
  readonly access?: AccessConfig;
  /**
   * What GET /api/v4/users/{user_id}/groups answers per user: their groups, or an HTTP status for an
   * error answer (501: groups need a licence; 403: the bot may not read them). Others: no groups.
   */
  readonly groups?: ReadonlyMap<string, readonly FakeGroup[] | number>;
}

/** A user group as the server keeps it; the rest of the Group schema is filled in by the fake. */
export interface FakeGroup {
  readonly name: string;
  readonly display_name?: string;
  readonly source?: 'ldap' | 'custom';
  /** Non-zero: the group was deleted (custom groups are soft-deleted). */
  readonly delete_at?: number;
}

/** The profile fields the bot reads; the rest of the User schema is filled in by `userBody`. */
export interface FakeUser {
  /** The id the server answers with (default: the one asked for; set it for `me`). */
  readonly id?: string;
  readonly username: string;
  readonly timezone?: { useAutomaticTimezone: boolean; automaticTimezone: string; manualTimezone: string };
}

export function mattermostConfig(url: string, overrides: Partial<MattermostConfig> = {}): MattermostConfig {
  return {
    url,
    botToken: BOT_TOKEN,
    commands: { ...TOKENS },
    webhooks: {},
    umbrella: 'ops',
    actionSecret: ACTION_SECRET,
    actionTtl: 24 * 60 * 60_000,
    publicUrl: 'https://opsbot.example.test',
    replyBudget: 2_500,
    requestTimeout: 2_000,
    rateLimit: 10,
    editsPerMinute: 600,
    uploadLimit: 5 * 1024 * 1024,
    retryMaxDelay: 200,
    giveUpAfter: 60 * 60_000,
    groupsTtl: 5 * 60_000,
    ...overrides,
  };
}

/** A file as FileInfo (the spec's schema). */
export function fileInfo(f: FakeFile) {
  const extension = f.name.includes('.') ? (f.name.split('.').pop() ?? '') : '';
  return { id: f.id, user_id: 'botuser', post_id: f.post_id, name: f.name, extension, size: Buffer.byteLength(f.text), mime_type: 'text/plain', create_at: 1_700_000_000_000, update_at: 1_700_000_000_000, delete_at: 0 };
}

/** A contract server for Mattermost whose handlers keep posts (and uploaded files) like the server would. */
export async function startFakeMattermost(
  posts: Map<string, FakePost>,
  users: ReadonlyMap<string, FakeUser> = new Map(),
  files: Map<string, FakeFile> = new Map(),
  groups: ReadonlyMap<string, readonly FakeGroup[] | number> = new Map(),
): Promise<ContractServer> {
  let next = 0;
  const asPost = (p: FakePost) => {
    const attached = (p.file_ids ?? []).flatMap((id) => {
      const file = files.get(id);
      return file?.post_id === p.id ? [fileInfo(file)] : [];
    });
    return {
      id: p.id,
      channel_id: p.channel_id,
      root_id: p.root_id,
      message: p.message,
      props: p.props,
      create_at: 1_700_000_000_000,
      update_at: 1_700_000_000_000 + p.edits,
      user_id: 'botuser',
      ...(attached.length === 0 ? {} : { file_ids: attached.map((f) => f.id), metadata: { files: attached } }),
    };
  };
  /** Like the server's attachFileIDsToPost: only files of the post's channel that no post has yet. */
  const attach = (post: FakePost, ids: readonly string[] | undefined) => {
    for (const id of ids ?? []) {
      const file = files.get(id);
      if (file === undefined || file.post_id !== '' || file.channel_id !== post.channel_id) continue;
      file.post_id = post.id;
      post.file_ids = [...(post.file_ids ?? []), id];
    }
  };
  const create = (call: ContractCall) => {
    const body = call.body as { channel_id: string; message: string; root_id?: string; props?: FakePost['props']; file_ids?: string[] };
    next += 1;
    const post: FakePost = { id: `post${next}`, channel_id: body.channel_id, root_id: body.root_id ?? '', message: body.message, props: body.props ?? {}, edits: 0 };
    attach(post, body.file_ids);
    posts.set(post.id, post);
    return { status: 201, body: asPost(post) };
  };
  return startContractServer({
    spec: mattermostSpec(),
    // The exact bot token, in whatever case the client writes "Bearer".
    authorize: (call) => (new RegExp(`^bearer ${BOT_TOKEN}$`, 'i').test(String(call.headers.authorization ?? '')) ? null : 'not the bot token'),
    handlers: {
      CreatePost: create,
      CreatePostEphemeral: (call) => {
        const body = call.body as { user_id: string; post: { channel_id: string; message: string; props?: FakePost['props'] } };
        next += 1;
        const post: FakePost = { id: `eph${next}`, channel_id: body.post.channel_id, root_id: '', message: body.post.message, props: body.post.props ?? {}, edits: 0 };
        posts.set(post.id, post);
        return { status: 201, body: asPost(post) };
      },
      PatchPost: (call) => {
        const post = posts.get(call.params.post_id ?? '');
        if (post === undefined) return { status: 404, body: { status_code: 404, id: 'app.post.get.app_error', message: 'Unable to get the post.' } };
        const body = call.body as { message?: string; props?: FakePost['props']; file_ids?: string[] };
        if (body.message !== undefined) post.message = body.message;
        if (body.props !== undefined) post.props = body.props;
        // Servers that support editing attachments attach new file_ids on a patch.
        attach(post, body.file_ids);
        post.edits += 1;
        return { status: 200, body: asPost(post) };
      },
      OpenInteractiveDialog: () => ({ status: 200, body: { status: 'OK' } }),
      UploadFile: async (call) => {
        // The parsed body has the fields; the file's name is in its part's headers.
        const form = await new Response(call.rawBody, { headers: { 'content-type': String(call.headers['content-type']) } }).formData();
        const part = form.get('files');
        const channelId = form.get('channel_id');
        if (typeof part === 'string' || part === null || typeof channelId !== 'string') {
          return { status: 400, body: { status_code: 400, id: 'api.file.upload_file.bad_parse.app_error', message: 'Unable to upload file. Header cannot be parsed.' } };
        }
        next += 1;
        const file: FakeFile = { id: `file${next}`, name: part.name, channel_id: channelId, text: await part.text(), post_id: '' };
        files.set(file.id, file);
        return { status: 201, body: { file_infos: [fileInfo(file)], client_ids: [] } };
      },
      GetGroupsByUserId: (call) => {
        const answer = groups.get(call.params.user_id ?? '') ?? [];
        if (typeof answer === 'number') return { status: answer, body: { status_code: answer, id: 'api.context.permissions.app_error', message: 'You do not have the appropriate permissions.' } };
        return {
          status: 200,
          body: answer.map((g, i) => ({
            id: `group${i}`,
            name: g.name,
            display_name: g.display_name ?? g.name,
            description: '',
            source: g.source ?? 'custom',
            remote_id: g.source === 'ldap' ? `ldap-${g.name}` : '',
            create_at: 1_700_000_000_000,
            update_at: 1_700_000_000_000,
            delete_at: g.delete_at ?? 0,
            has_syncables: false,
          })),
        };
      },
      GetUser: (call) => {
        const id = call.params.user_id ?? '';
        const user = users.get(id);
        if (user === undefined) return { status: 404, body: { status_code: 404, id: 'app.user.missing_account.const', message: 'Unable to find the user.' } };
        return { status: 200, body: { id: user.id ?? id, username: user.username, create_at: 1_700_000_000_000, update_at: 1_700_000_000_000, roles: 'system_user', locale: 'en', ...(user.timezone === undefined ? {} : { timezone: user.timezone }) } };
      },
    },
  });
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const posts = new Map<string, FakePost>();
  const files = new Map<string, FakeFile>();
  const server = options.mattermostUrl === undefined ? await startFakeMattermost(posts, options.users, files, options.groups) : null;
  const url = options.mattermostUrl ?? server?.url ?? '';
  const config = mattermostConfig(url, { ...(options.botToken === false ? { botToken: null } : {}), ...options.config });
  const t = await startTestApp({
    ...(options.extraCommands === undefined ? {} : { extraCommands: options.extraCommands }),
    ...(options.jobs === undefined ? {} : { jobs: options.jobs }),
    ...(options.secrets === undefined ? {} : { secrets: options.secrets }),
    ...(options.access === undefined ? {} : { access: options.access }),
  });
  const mm = startMattermost(t.app, config, { clock: t.clock, midwayAfterMs: 60_000 });
  const http = createHttpServer({ store: t.app.store, metrics: t.app.metrics, logger: t.app.logger, isDraining: () => false, routes: [mm.routes] });
  await http.ready();
  return {
    t,
    http,
    mm,
    server,
    posts,
    files,
    config,
    async close() {
      mm.stop();
      await http.close();
      await t.close();
      await server?.close();
    },
  };
}

/** The form Mattermost sends for `/<trigger> <text>`, as a body string (Go sorts the keys). */
export function slashForm(fields: Record<string, string | readonly string[]>): string {
  const params = new URLSearchParams();
  for (const key of Object.keys(fields).sort()) {
    const value = fields[key];
    for (const v of typeof value === 'string' ? [value] : (value ?? [])) params.append(key, v);
  }
  return params.toString();
}

export function slashFields(trigger: string, text: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    channel_id: 'ch-ops',
    channel_name: 'ops',
    command: `/${trigger}`,
    response_url: 'https://mattermost.invalid/hooks/commands/hookid000000000000000000',
    team_domain: 'acme',
    team_id: 'team0000000000000000000000',
    text,
    token: (TOKENS as Record<string, string>)[trigger] ?? 'unknown',
    trigger_id: 'dHJpZ2dlcg==',
    user_id: 'u-olga',
    user_name: 'olga',
    ...overrides,
  };
}

export async function sendCommand(h: Harness, body: string, headers: Record<string, string> = {}) {
  const response = await h.http.inject({ method: 'POST', url: '/mattermost/command', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...headers }, payload: body });
  return { status: response.statusCode, body: response.json<Record<string, unknown>>() };
}

/** An action request as Mattermost sends it for a press of a button with `context`, by Olga in ch-ops unless overridden. */
export function buttonPress(context: unknown, overrides: Record<string, unknown> = {}) {
  return {
    user_id: 'u-olga',
    user_name: 'olga',
    channel_id: 'ch-ops',
    channel_name: 'ops',
    team_id: 'team0000000000000000000000',
    team_domain: 'acme',
    post_id: 'post0000000000000000000000',
    trigger_id: 'dHJpZ2dlcg==',
    type: 'button',
    data_source: '',
    context,
    ...overrides,
  };
}

export async function sendJson(h: Harness, path: '/mattermost/action' | '/mattermost/dialog', payload: unknown) {
  const response = await h.http.inject({ method: 'POST', url: path, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(payload) });
  return { status: response.statusCode, body: response.json<Record<string, unknown>>() };
}
