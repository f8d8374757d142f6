#!/usr/bin/env node
/**
 * opsbot's command line. `serve` runs the bot (npm start); `shell` and `run` talk to it locally
 * through the same dispatch as the chat platforms. The only place that ends the process.
 */
// First: it must run before the other modules load (see the module).
import './cli/young-generation.js';
import { readFileSync, writeFileSync, createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { ShellSession, type ShellIdentity } from './adapters/shell/session.js';
import type { App } from './app.js';
import type { TeamsAdapter } from './adapters/teams/index.js';
import type { MattermostWiring } from './adapters/mattermost/index.js';
import { runRepl } from './adapters/shell/repl.js';
import { boot, loadedSecrets, localIdentity, resolveConfig } from './cli/bootstrap.js';
import { reportFailure } from './cli/failure-report.js';
import { commandReference, REFERENCE_MARKERS, replaceReference } from './cli/docs.js';
import { applyHeapPolicy, collectBootGarbage } from './cli/heap-policy.js';
import { configJsonSchema } from './config/json-schema.js';
import { retentionSettings } from './config/named-conversations.js';
import { systemClock } from './core/clock.js';
import { silentLogger } from './core/log.js';
import type { PruneTarget } from './core/retention/ports.js';
import { Pruner, RETENTION_TARGETS, type RetentionKind } from './core/retention/pruner.js';
import { commandRegistry } from './command-registry.js';
import { openStore } from './store/open.js';

const USAGE = `Usage: opsbot <command> [options]

  serve                          run the bot: HTTP endpoints, chat adapters, jobs (npm start)
  shell [--as <user>] [--channel <c>]
                                 talk to opsbot in this terminal, like in a chat channel
  run "<command text>" [--as <user>] [--channel <c>]
                                 one invocation; prints the reply; exit 0 ok, 1 failed, 2 usage/denied
  check-config                   validate the config file and exit
  config-schema                  print the JSON Schema of the config file (for editors)
  audit-export [--since <ISO date>] [--out <file>]
                                 write the audit log as JSON lines
  prune [--dry-run]              delete what is past the config's retention now, and print the counts
  docs [--write README.md]       print (or write into the README) the generated command reference
  mattermost register --team <name> [--trigger <command>]…
                                 create or update the slash commands in a Mattermost team; prints their tokens
  teams manifest [--out <file.zip>]
                                 write the Microsoft Teams app package (default opsbot-teams.zip)

Without a command, opsbot serves. Options: --config <file>  the config file (default: $OPSBOT_CONFIG,
else the demo config); --help, -h  this text; --version  the version.`;

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      config: { type: 'string' },
      as: { type: 'string' },
      channel: { type: 'string' },
      since: { type: 'string' },
      out: { type: 'string' },
      write: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean' },
      team: { type: 'string' },
      trigger: { type: 'string', multiple: true },
      'dry-run': { type: 'boolean' },
    },
  });
  const [subcommand = values.help === true ? 'help' : 'serve', ...rest] = positionals;
  // `opsbot shell --help` must not start a shell: --help anywhere prints the usage and does nothing else.
  if (values.help === true) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (values.version === true) {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    process.stdout.write(`${pkg.version}\n`);
    return 0;
  }
  for (const option of ['as', 'channel'] as const) {
    // `shell:` alone would be the nameless identity too (localIdentity drops the prefix).
    if (values[option] !== undefined && values[option].replace(/^shell:/, '').trim() === '') {
      process.stderr.write(`--${option} needs a name, e.g. --${option} ${option === 'as' ? 'guest' : 'guest-room'}\n`);
      return 2;
    }
  }
  switch (subcommand) {
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      return 0;
    case 'serve':
      return serve(values.config);
    case 'run': {
      const text = rest.join(' ');
      if (text.trim() === '') {
        process.stderr.write('opsbot run needs the command text, e.g. opsbot run "help"\n');
        return 2;
      }
      return runOnce(text, values.config, values.as, values.channel);
    }
    case 'shell':
      return shell(values.config, values.as, values.channel);
    case 'check-config': {
      const { loaded } = resolveConfig(values.config);
      const store = loaded.config.storage;
      process.stdout.write(`${loaded.file}: OK (storage: ${store.engine}, ${Object.keys(loaded.config.access.roles).length} roles, ${Object.keys(loaded.config.access.channels).length} channel bindings)\n`);
      return 0;
    }
    case 'config-schema':
      process.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
      return 0;
    case 'audit-export':
      return auditExport(values.config, values.since, values.out);
    case 'prune':
      return prune(values.config, values['dry-run'] === true);
    case 'docs': {
      const reference = commandReference(commandRegistry().all());
      if (values.write === undefined) {
        process.stdout.write(`${reference}\n`);
        return 0;
      }
      const readme = readFileSync(values.write, 'utf8');
      const written = replaceReference(readme, reference);
      if (written === null) {
        process.stderr.write(`opsbot: ${values.write} has no command reference markers (${REFERENCE_MARKERS.join(' … ')}); add them where the reference goes.\n`);
        return 1;
      }
      writeFileSync(values.write, written);
      return 0;
    }
    case 'teams':
      return teamsCli(rest, values.config, values.out);
    case 'mattermost': {
      const { mattermostCli } = await import('./adapters/mattermost/cli.js');
      return mattermostCli(rest, {
        loaded: resolveConfig(values.config).loaded,
        registry: commandRegistry(),
        team: values.team,
        triggers: values.trigger ?? [],
        out: (t) => process.stdout.write(t),
        err: (t) => process.stderr.write(t),
      });
    }
    default:
      process.stderr.write(`Unknown command "${subcommand}".\n\n${USAGE}\n`);
      return 2;
  }
}

/** The local shell chat on this process's terminal: its output, and its width while it is one. */
function terminalSession(app: App, identity: ShellIdentity): ShellSession {
  const columns = (): number | undefined => (process.stdout.isTTY ? process.stdout.columns : undefined);
  return new ShellSession({ dispatcher: app.dispatcher, runner: app.runner, clock: systemClock, write: (t) => process.stdout.write(t), columns }, identity);
}

async function runOnce(text: string, config: string | undefined, as: string | undefined, channel: string | undefined): Promise<number> {
  const { app } = await boot({ configPath: config, quiet: true });
  const session = terminalSession(app, localIdentity(as, channel));
  app.notifier.register('shell', session.notifier());
  // Ctrl-C cancels the job (checked and audited as `cancel <id>`); a second one stops waiting, and
  // the job is interrupted on the way out. Killing the process instead would leave its lock held
  // and its processes running until the next start notices.
  let interrupts = 0;
  const onInterrupt = (): void => {
    interrupts += 1;
    if (interrupts === 1) void session.interrupt().then((cancelled) => cancelled || process.exit(130));
    else void app.runner.shutdown(0);
  };
  process.on('SIGINT', onInterrupt);
  try {
    await app.recover();
    return await session.handle(text);
  } finally {
    process.off('SIGINT', onInterrupt);
    await app.close(0);
  }
}

async function shell(config: string | undefined, as: string | undefined, channel: string | undefined): Promise<number> {
  const { app } = await boot({ configPath: config, quiet: true });
  const session = terminalSession(app, localIdentity(as, channel));
  app.notifier.register('shell', session.notifier());
  try {
    await app.recover();
    await runRepl(session, {
      input: process.stdin,
      output: process.stdout,
      banner: `opsbot shell — you are ${session.principal.platform}:${session.principal.id} in ${session.conversation.platform}:${session.conversation.id}. Type \`help\`, or \`exit\` to leave.`,
    });
    return 0;
  } finally {
    await app.close(app.loaded.config.server.shutdownGrace);
  }
}

async function serve(config: string | undefined): Promise<number> {
  // The HTTP stack and the chat SDKs load only here: `run` and `shell` start faster without them.
  const [{ createHttpServer }, { gitlabWebhookRoutes }, { gitlabWebhookSecrets }, { startMattermost }] = await Promise.all([
    import('./http/server.js'),
    import('./http/gitlab-webhook-route.js'),
    import('./backends/gitlab/pipelines-from-config.js'),
    import('./adapters/mattermost/index.js'),
  ]);
  const { app, env } = await boot({ configPath: config, deferDelivery: true });
  applyHeapPolicy(env.variables.NODE_OPTIONS);
  let draining = false;
  const http = createHttpServer({ store: app.store, metrics: app.metrics, logger: app.logger, isDraining: () => draining });
  let mattermost: MattermostWiring | null = null;
  const { host, port, shutdownGrace } = app.loaded.config.server;
  try {
    // Microsoft Teams (POST /api/messages), when the config has a `teams` section.
    (await startTeams(app))?.routes(http);
    // POST /alerts/:source (404 for every source unless the config has an `alerts` section).
    app.alerts.routes(http);
    // Mattermost (POST /mattermost/command, /action, /dialog, /webhook; live job posts), when the config has a `mattermost` section.
    const mattermostConfig = app.loaded.config.mattermost;
    mattermost = mattermostConfig === null ? null : startMattermost(app, mattermostConfig);
    mattermost?.routes(http);
    // GitLab Pipeline events (POST /webhooks/gitlab) feed the followers of running pipelines.
    gitlabWebhookRoutes({ secrets: gitlabWebhookSecrets(app.loaded.config.pipelines), hub: app.pipelineEvents, logger: app.logger })(http);
    await app.recover();
    collectBootGarbage();
    const address = await http.listen({ host, port });
    app.logger.info({ address, store: app.store.engine, config: app.loaded.file }, 'opsbot is serving');
  } catch (error: unknown) {
    // A replica that does not serve must not live on half started (a taken port, a failed recovery):
    // close what boot opened, the store's connections above all, so the process ends and its
    // supervisor sees the failure.
    await http.close().catch(() => undefined);
    mattermost?.stop();
    await app.close(0);
    throw error;
  }
  // Only a replica that serves takes on background work: schedules, maintenance windows, alert
  // flushes and tickets, periodic recovery and chat delivery. `app.close` stops them.
  app.startWorkers();

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) {
        process.exit(130); // a second signal: stop now
      }
      stopping = true;
      draining = true;
      app.logger.info({ signal, graceMs: shutdownGrace }, 'shutting down: no new work, letting running jobs finish');
      void (async () => {
        // The server keeps answering while jobs drain: /readyz says 503 (draining), so the load
        // balancer stops sending traffic, and new commands are told opsbot is shutting down.
        await app.drain(shutdownGrace);
        await http.close();
        mattermost?.stop();
        await app.close(shutdownGrace);
        resolve(0);
      })();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}

/** `opsbot teams manifest [--out file.zip]`: the app package an admin uploads to Teams. */
async function teamsCli(args: readonly string[], config: string | undefined, out: string | undefined): Promise<number> {
  const { ManifestError, teamsAppPackage } = await import('./adapters/teams/manifest.js');
  if (args[0] !== 'manifest' || args.length > 1) {
    process.stderr.write('Usage: opsbot teams manifest [--out <file.zip>]\n');
    return 2;
  }
  const { loaded } = resolveConfig(config);
  const teams = loaded.config.teams;
  if (teams === null) {
    process.stderr.write(`${loaded.file}: there is no \`teams\` section; add one (appId, appPassword, tenants, actionSecret) first\n`);
    return 2;
  }
  let pkg: Buffer;
  try {
    pkg = teamsAppPackage(teams, commandRegistry().all());
  } catch (error: unknown) {
    if (!(error instanceof ManifestError)) throw error;
    process.stderr.write(`${loaded.file}: ${error.message}\n`);
    return 2;
  }
  const file = out ?? 'opsbot-teams.zip';
  writeFileSync(file, pkg);
  process.stdout.write(`${file}: Teams app package for bot ${teams.appId} (upload it in the Teams admin center or Developer Portal)\n`);
  return 0;
}

async function startTeams(app: App): Promise<TeamsAdapter | null> {
  const config = app.loaded.config.teams;
  if (config === null) return null;
  const { startTeamsAdapter } = await import('./adapters/teams/index.js');
  return startTeamsAdapter({ config, dispatcher: app.dispatcher, store: app.store, clock: systemClock, logger: app.logger, outbox: app.outbox, liveJobs: app.liveJobs, notifier: app.notifier, profiles: app.profiles });
}

async function auditExport(config: string | undefined, since: string | undefined, out: string | undefined): Promise<number> {
  const from = since === undefined ? null : new Date(since);
  if (from !== null && Number.isNaN(from.getTime())) {
    process.stderr.write(`--since "${since}" is not a date (use e.g. 2026-11-01 or 2026-11-01T12:00:00Z)\n`);
    return 2;
  }
  const { loaded } = resolveConfig(config);
  const store = await openStore(loaded.config.storage);
  async function* lines(): AsyncGenerator<string> {
    for await (const entry of store.audit.since(from)) yield `${JSON.stringify(entry)}\n`;
  }
  try {
    if (out !== undefined) {
      // pipeline: a file that cannot be opened or written rejects here (a clear error, exit 1), not
      // as an unhandled 'error' event.
      await pipeline(Readable.from(lines()), createWriteStream(out));
      return 0;
    }
    for await (const line of lines()) {
      if (!process.stdout.write(line)) await new Promise<void>((r) => process.stdout.once('drain', () => r()));
    }
  } finally {
    await store.close();
  }
  return 0;
}

/** `opsbot prune [--dry-run]`: one retention pass to the end (no per-pass budget), or its counts. */
async function prune(config: string | undefined, dryRun: boolean): Promise<number> {
  const { loaded } = resolveConfig(config);
  const store = await openStore(loaded.config.storage);
  try {
    const settings = retentionSettings(loaded.config);
    const pruner = new Pruner({ store: store.retention, clock: systemClock, logger: silentLogger, settings: { ...settings, maxBatches: null } });
    const counts = dryRun ? await pruner.dryRun() : (await pruner.pass()).counts;
    const verb = dryRun ? 'would delete' : 'deleted';
    for (const [kind, targets] of Object.entries(RETENTION_TARGETS)) {
      if (settings.ages[kind as RetentionKind] === null) {
        process.stdout.write(`${kind}: kept forever\n`);
        continue;
      }
      process.stdout.write(`${kind}: ${verb} ${targets.map((t) => counted(counts[t] ?? 0, TARGET_NOUNS[t])).join(', ')}\n`);
    }
    process.stdout.write(`expired: ${verb} ${counted(counts.confirmations ?? 0, TARGET_NOUNS.confirmations)}, ${counted(counts.nonces ?? 0, TARGET_NOUNS.nonces)}\n`);
  } finally {
    await store.close();
  }
  return 0;
}

/** Each target's noun, singular and plural. */
const TARGET_NOUNS: Record<PruneTarget, readonly [string, string]> = {
  jobs: ['job', 'jobs'],
  audit: ['audit entry', 'audit entries'],
  alertGroups: ['alert group', 'alert groups'],
  alertTickets: ['ticket', 'tickets'],
  alertDigests: ['digest', 'digests'],
  alertSilences: ['silence', 'silences'],
  scheduleClaims: ['claim', 'claims'],
  maintenanceWindows: ['window', 'windows'],
  maintenanceSummaryRefs: ['leftover summary post ref', 'leftover summary post refs'],
  scalingEvents: ['scaling event', 'scaling events'],
  deadOutbox: ['dead post', 'dead posts'],
  teamsConversations: ['conversation reference', 'conversation references'],
  confirmations: ['confirmation code', 'confirmation codes'],
  nonces: ['button nonce', 'button nonces'],
};

function counted(n: number, [one, many]: readonly [string, string]): string {
  return `${n} ${n === 1 ? one : many}`;
}

// `opsbot config-schema | head`: once the reader has gone, the rest of the output has nowhere to go.
// Stop quietly, as Unix tools do, instead of dying on an unhandled EPIPE with a stack trace.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`${error.message}\n\n${USAGE}\n`);
      process.exitCode = 2;
      return;
    }
    // A config error as check-config shows it; a failure with its causes, one line each, masked; a
    // stack only for what nobody foresaw (see src/cli/failure-report.ts).
    const report = reportFailure(error, loadedSecrets());
    process.stderr.write(report.text);
    process.exitCode = report.exitCode;
  },
);
