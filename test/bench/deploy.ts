/**
 * The bot's own overhead on a deploy: wall time of `deploy bench auto --version v` through the
 * dispatcher and the job runner (sync, ansible with the jsonl callback, health checks, HAProxy switch,
 * frontend verification, state and audit rows) minus the wall time of the same steps run directly
 * (ansible-playbook with the same environment and callback, the same health and verification requests,
 * the same runtime API commands), in
 * alternating rounds of the same run; medians of 10 each. Also the chat edits one deploy's live post
 * gets per job-minute, through the live-post throttle Mattermost uses by default.
 */
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeFile } from 'node:fs/promises';
import { execa } from 'execa';
import { buildApp, type App } from '../../src/app.js';
import { AnsibleRunner } from '../../src/backends/ansible/runner.js';
import { readEnvironment } from '../../src/config/env.js';
import { loadConfig } from '../../src/config/load.js';
import { jobKey } from '../../src/core/outbox/job-status.js';
import { LiveJobPosts } from '../../src/core/outbox/live-jobs.js';
import { createLogger } from '../../src/logging.js';
import { percentile } from './measure.js';
import { BENCH_CONVERSATION, BENCH_PRINCIPAL, LogSink } from './support/opsbot-app.js';
import { startDeployRig, type DeployRig } from './support/deploy-rig.js';
import { meets, type Benchmark, type BenchResult, type Target } from './types.js';

const ROUNDS = 10;
const OVERHEAD_TARGET: Target = { op: '<', value: 200 };
const EDITS_TARGET: Target = { op: '<', value: 60.0001 };
/** Mattermost's default edits of one live post per minute. */
const EDITS_PER_MINUTE = 30;
const INTERVAL_MS = 50;

function configYaml(rig: DeployRig): string {
  return `
storage: { engine: sqlite, path: ./opsbot.db }
log: { level: warn }
access:
  roles:
    bench: { members: ["${BENCH_PRINCIPAL.platform}:${BENCH_PRINCIPAL.id}"], allow: ["deploy:bench"] }
  channels:
    "${BENCH_CONVERSATION.platform}:${BENCH_CONVERSATION.id}": { commands: [deploy] }
playbooks:
  catalog: playbooks/catalog.yaml
  vars: { app_root: ./app }
  ansible: { passEnv: [PATH, HOME, LANG] }
stores:
  bench:
    connection: local
    limit: localhost
    vars: { serve: false }
    health:
      blue: http://127.0.0.1:${rig.ports.blue}/health
      green: http://127.0.0.1:${rig.ports.green}/health
      frontend: http://127.0.0.1:${rig.frontendPort}/
      expectVersion: true
      interval: ${INTERVAL_MS}ms
      timeout: 30s
    traffic:
      haproxy: { socket: ${rig.haproxySocket}, backend: be }
`;
}

function haproxy(socket: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let reply = '';
    const conn = createConnection(socket);
    conn.setEncoding('utf8');
    conn.on('connect', () => conn.write(`${command}\n`));
    conn.on('data', (chunk: string) => (reply += chunk));
    conn.on('end', () => resolve(reply));
    conn.on('error', reject);
  });
}

async function liveColour(rig: DeployRig): Promise<'blue' | 'green'> {
  const state = await haproxy(rig.haproxySocket, 'show servers state be');
  return /\bblue 127\.0\.0\.1 2 [04] /.test(state) ? 'blue' : 'green';
}

async function answers(url: string, version: string): Promise<boolean> {
  const text = await fetch(url, { headers: { connection: 'close' } }).then((r) => (r.ok ? r.text() : ''), () => '');
  return text.endsWith(` ${version}`);
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The same steps without opsbot: what an operator's script would run. */
async function direct(rig: DeployRig, env: Record<string, string>, version: string, ansibleMs: number[] = []): Promise<boolean> {
  const live = await liveColour(rig);
  const target = live === 'blue' ? 'green' : 'blue';
  const vars = { ansible_python_interpreter: '/usr/bin/python3', app_root: './app', serve: false, colour: target, version };
  const t0 = performance.now();
  const play = await execa('ansible-playbook', ['-i', join(rig.playbooks, 'inventories', 'local.ini'), '--limit', 'localhost', '--connection', 'local', '--extra-vars', JSON.stringify(vars), join(rig.playbooks, 'deploy-colour.yml')], {
    cwd: rig.dir,
    env,
    extendEnv: false,
    reject: false,
  });
  ansibleMs.push(performance.now() - t0);
  if (play.exitCode !== 0) return false;
  while (!(await answers(`http://127.0.0.1:${rig.ports[target]}/health`, version))) await pause(INTERVAL_MS);
  if ((await haproxy(rig.haproxySocket, `set server be/${target} state ready`)).trim() !== '') return false;
  if ((await haproxy(rig.haproxySocket, `set server be/${live} state maint`)).trim() !== '') return false;
  await haproxy(rig.haproxySocket, 'show servers state be');
  for (let i = 0; i < 3; i += 1) {
    if (i > 0) await pause(INTERVAL_MS);
    if (!(await answers(`http://127.0.0.1:${rig.frontendPort}/`, version))) return false;
  }
  return true;
}

interface BotRun {
  readonly ok: boolean;
  readonly ms: number;
  readonly edits: number;
  readonly progressEvents: number;
}

async function viaBot(app: App, live: LiveJobPosts, edits: Map<string, number>, version: string, n: number): Promise<BotRun> {
  let progressEvents = 0;
  const started = performance.now();
  const outcome = await app.dispatcher.dispatch({ id: `bench-deploy-${n}`, text: `deploy bench auto --version ${version}`, principal: BENCH_PRINCIPAL, conversation: BENCH_CONVERSATION, receivedAt: new Date() });
  if (outcome.kind !== 'job') throw new Error(`deploy bench: the deploy did not start a job (${JSON.stringify(outcome.reply)})`);
  live.track(outcome.job);
  const stop = app.runner.onEvent((e) => {
    if (e.type === 'progress' && e.job.id === outcome.job.id) progressEvents += 1;
  });
  const done = await outcome.completion;
  const ms = performance.now() - started;
  stop();
  if (done.job.state !== 'succeeded') throw new Error(`deploy bench: deploy ${version} ended ${done.job.state}: ${done.job.error ?? ''}`);
  return { ok: true, ms, edits: edits.get(jobKey(outcome.job.id)) ?? 0, progressEvents };
}

async function run(): Promise<BenchResult[]> {
  const rig = await startDeployRig();
  const configPath = join(rig.dir, 'opsbot.yaml');
  await writeFile(configPath, configYaml(rig));
  const env: Record<string, string> = {};
  for (const name of ['PATH', 'HOME', 'LANG']) {
    const value = readEnvironment().variables[name];
    if (value !== undefined) env[name] = value;
  }
  const loaded = loadConfig(configPath, readEnvironment(env), { cwd: rig.dir });
  // The direct run gets exactly the environment opsbot gives ansible (same callback, same settings),
  // so the difference is opsbot's own work.
  const ansibleEnv = new AnsibleRunner(loaded.config.playbooks.ansible).environment();
  const logs = new LogSink();
  const spent = new Map<string, number>();
  const timed = <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    return work().finally(() => spent.set(name, (spent.get(name) ?? 0) + performance.now() - t0));
  };
  const app = await buildApp({
    loaded,
    logger: createLogger({ level: 'warn', secrets: loaded.secrets, destination: logs }),
    instance: 'bench',
    // Time spent in each backend, to show where a deploy's time goes.
    wrapDeployPorts: (ports) => ({
      ...ports,
      playbooks: { ...ports.playbooks, catalog: () => ports.playbooks.catalog(), get: (id) => ports.playbooks.get(id), inventory: (id) => ports.playbooks.inventory(id), run: (r) => timed('ansible', () => ports.playbooks.run(r)) },
      health: { probe: (st, c, s) => ports.health.probe(st, c, s), waitHealthy: (st, c, o) => timed('health', () => ports.health.waitHealthy(st, c, o)), verifyFrontend: (st, o) => timed('verify', () => ports.health.verifyFrontend(st, o)) },
      traffic: { live: (st, s) => timed('traffic', () => ports.traffic.live(st, s)), switchTo: (st, c, s) => timed('traffic', () => ports.traffic.switchTo(st, c, s)) },
    }),
  });
  // Chat edits as a live post would get them: the live-post throttle, counting what it would send.
  const edits = new Map<string, number>();
  const count = (key: string | null | undefined): void => {
    edits.set(key ?? '', (edits.get(key ?? '') ?? 0) + 1);
  };
  const live = new LiveJobPosts({
    runner: app.runner,
    outbox: {
      enqueue: (outgoing) => {
        count(outgoing.key);
        return Promise.resolve({ id: 0, coalesced: false });
      },
      // The final edit is stored with the job's end: counted when it is built.
      entryFor: (outgoing) => {
        count(outgoing.key);
        return app.outbox.entryFor(outgoing);
      },
      stored: () => undefined,
      settled: () => Promise.resolve(),
    },
    clock: { now: () => new Date() },
    logger: createLogger({ level: 'warn', secrets: [], destination: logs }),
  });
  live.enable(BENCH_CONVERSATION.platform, { editsPerMinute: EDITS_PER_MINUTE });
  try {
    const bot: BotRun[] = [];
    const plain: number[] = [];
    // Warm-up: one of each, not counted (first ansible start, JIT, SQLite pages).
    await viaBot(app, live, edits, 'w.1', 0);
    if (!(await direct(rig, ansibleEnv, 'w.2'))) throw new Error('deploy bench: the direct deploy failed');
    const directAnsible: number[] = [];
    const botAnsible: number[] = [];
    const botOwn: number[] = [];
    for (let i = 1; i <= ROUNDS; i += 1) {
      spent.clear();
      const one = await viaBot(app, live, edits, `1.0.${i}`, i);
      bot.push(one);
      botAnsible.push(spent.get('ansible') ?? 0);
      // What the bot spends outside its backends: dispatch, job and audit rows, locks, progress, state.
      botOwn.push(one.ms - [...spent.values()].reduce((a, b) => a + b, 0));
      const t0 = performance.now();
      if (!(await direct(rig, ansibleEnv, `2.0.${i}`, directAnsible))) throw new Error(`deploy bench: direct deploy 2.0.${i} failed`);
      plain.push(performance.now() - t0);
    }
    const median = (values: readonly number[]): number => percentile([...values].sort((a, b) => a - b), 50);
    const botMs = median(bot.map((b) => b.ms));
    const plainMs = median(plain);
    const overhead = botMs - plainMs;
    const editsPerMinute = bot.map((b) => b.edits / (b.ms / 60_000));
    const worstEdits = Math.max(...editsPerMinute);
    return [
      {
        name: 'deploy.bot overhead',
        unit: 'ms',
        value: overhead,
        target: OVERHEAD_TARGET,
        pass: meets(OVERHEAD_TARGET, overhead),
        extra: {
          rounds: ROUNDS,
          botMedianMs: Math.round(botMs),
          directMedianMs: Math.round(plainMs),
          botAnsibleMedianMs: Math.round(median(botAnsible)),
          directAnsibleMedianMs: Math.round(median(directAnsible)),
          botOutsideBackendsMedianMs: Math.round(median(botOwn)),
          logWarnings: logs.problems(),
        },
      },
      {
        name: 'deploy.chat edits per job-minute',
        unit: 'edits/min',
        value: worstEdits,
        target: EDITS_TARGET,
        pass: meets(EDITS_TARGET, worstEdits),
        extra: {
          medianEditsPerMinute: Number(median(editsPerMinute).toFixed(1)),
          editsPerDeploy: median(bot.map((b) => b.edits)),
          progressEventsPerDeploy: median(bot.map((b) => b.progressEvents)),
          liveEditsPerMinuteSetting: EDITS_PER_MINUTE,
        },
      },
    ];
  } finally {
    live.stop();
    await app.close(5_000);
    await rig.close();
  }
}

export const deployBenchmark: Benchmark = {
  name: 'deploy',
  description: `bot overhead on a blue/green deploy (real ansible + HAProxy), median of ${ROUNDS} against the same steps run directly`,
  run,
};
