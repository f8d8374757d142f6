/**
 * Slash commands over HTTP: `opsbot serve` (the built bot, its own process, SQLite in WAL mode, a bot
 * token so every job gets its live post through the outbox) answering POST /mattermost/command at 64
 * concurrent connections, side by side with a bare node:http server (its own process too) that reads
 * the body and returns a JSON body of the same size, measured in the same run. Two commands: a
 * read-only one answered inline (`whoami`) and one that starts a job (`lock bench --dry-run`: a freeze
 * must name a configured target, and a real one would conflict from the second request on, so every
 * request starts a dry-run job on the one configured service; job row, audit rows and live post as any
 * job). Every response must be a 200; the server's peak RSS is read from /proc.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon, { type AutocannonResult } from 'autocannon';
import type { ChildProcess } from 'node:child_process';
import { execa } from 'execa';
import { meets, type Benchmark, type BenchResult, type Target } from './types.js';
import { freePort, peakRssMb, startMattermostStub, waitReady } from './support/http-rig.js';

const CONNECTIONS = 64;
const DURATION_S = 10;
const WARM_UP_S = 2;
const RATIO: Target = { op: '>=', value: 0.6 };
const P99: Target = { op: '<', value: 25 };
const RSS: Target = { op: '<', value: 150 };
/** SIGTERM to exit after the job-start round: the bench's shutdownGrace (5 s) plus the 5 s the chat gets. */
const SHUTDOWN: Target = { op: '<', value: 10_000 };
/** Measured read-only rounds of opsbot, each between two of the peer's. */
const ROUNDS = 2;

const TOKEN = 'bench-ops-token-000000000000';
const USER = 'benchuser00000000000000000';
const CHANNEL = 'benchchannel00000000000000';
const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));

function form(text: string): string {
  const params = new URLSearchParams({
    channel_id: CHANNEL,
    channel_name: 'bench',
    command: '/ops',
    response_url: 'http://127.0.0.1:9/hooks/commands/bench',
    team_domain: 'bench',
    team_id: 'benchteam00000000000000000',
    text,
    token: TOKEN,
    trigger_id: 'YmVuY2g=',
    user_id: USER,
    user_name: 'bench',
  });
  return params.toString();
}

/** The processes the bench starts: stopped by PID at the end. */
type Child = Pick<ChildProcess, 'pid' | 'exitCode' | 'kill'> & PromiseLike<unknown>;

const HEADERS = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', authorization: `Token ${TOKEN}` };

/** Stands in for Mattermost's REST API: every post and edit succeeds. */
/** The peer: node:http, reads the body, answers a fixed JSON body per path. */
const BASELINE = `
const http = require('node:http');
const [port, readBody, jobBody] = process.argv.slice(1);
const bodies = { '/read': Buffer.from(readBody), '/job': Buffer.from(jobBody) };
http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = bodies[req.url] ?? bodies['/read'];
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
    res.end(body);
  });
}).listen(Number(port), '127.0.0.1', () => process.stdout.write('ready\\n'));
`;

function configYaml(port: number, mattermostUrl: string): string {
  return [
    'storage: { engine: sqlite, path: ./opsbot.db }',
    `server: { port: ${port}, host: 127.0.0.1, shutdownGrace: 5s }`,
    'log: { level: warn }',
    'access:',
    '  roles:',
    `    bench: { members: ["mattermost:${USER}"], allow: ["*"] }`,
    '  channels:',
    `    "mattermost:${CHANNEL}": { commands: ["*"] }`,
    // The lock target of the job-start requests; nothing scales it, so the socket is never opened.
    'services:',
    '  bench:',
    '    min: 1',
    '    max: 3',
    '    environments:',
    '      bench: { swarm: { service: bench, dockerHost: "unix:///nonexistent/opsbot-bench-docker.sock" } }',
    'mattermost:',
    `  url: ${mattermostUrl}`,
    '  botToken: bench-bot-token',
    `  commands: { ops: ${TOKEN} }`,
    '  actionSecret: bench-action-secret-0123456789abcdef0123',
    '',
  ].join('\n');
}

async function hammer(url: string, body: () => string, seconds: number): Promise<AutocannonResult> {
  return autocannon({
    url,
    connections: CONNECTIONS,
    duration: seconds,
    requests: [{ method: 'POST', headers: HEADERS, setupRequest: (request) => ({ ...request, body: body() }) }],
  });
}

/** Wrong answers stop the bench; requests slower than autocannon's 10 s timeout are reported as a miss. */
function checked(result: AutocannonResult, what: string): AutocannonResult {
  // autocannon counts timeouts among its errors.
  const bad = result.non2xx + result.errors - result.timeouts;
  if (result['2xx'] === 0 || bad > 0) throw new Error(`mattermost bench: ${what} had ${result.non2xx} non-2xx and ${result.errors} errors; refusing to report an error path`);
  return result;
}

function meanRate(rounds: readonly AutocannonResult[]): number {
  return rounds.reduce((sum, r) => sum + r.requests.average, 0) / rounds.length;
}

function results(name: string, opsbotRounds: readonly AutocannonResult[], peerRounds: readonly AutocannonResult[], bytes: number): BenchResult[] {
  const rate = meanRate(opsbotRounds);
  const baselineRate = meanRate(peerRounds);
  const ratio = rate / baselineRate;
  const p99 = Math.max(...opsbotRounds.map((r) => r.latency.p99));
  const timeouts = opsbotRounds.reduce((n, r) => n + r.timeouts, 0);
  return [
    {
      name: `mattermost.${name}`,
      unit: 'req/s',
      value: rate,
      baseline: { name: 'node:http', value: baselineRate },
      ratio,
      target: RATIO,
      pass: meets(RATIO, ratio),
      extra: {
        connections: CONNECTIONS,
        seconds: `${opsbotRounds.length} x ${DURATION_S}`,
        responses: opsbotRounds.reduce((n, r) => n + r['2xx'], 0),
        'body bytes': bytes,
        'p50 ms': Math.max(...opsbotRounds.map((r) => r.latency.p50)),
        'p99 ms': p99,
        'baseline p50 ms': Math.max(...peerRounds.map((r) => r.latency.p50)),
        'baseline p99 ms': Math.max(...peerRounds.map((r) => r.latency.p99)),
        'rounds req/s': `opsbot ${opsbotRounds.map((r) => Math.round(r.requests.average)).join(', ')}; peer ${peerRounds.map((r) => Math.round(r.requests.average)).join(', ')}`,
        'timed out (>10 s)': timeouts,
      },
    },
    { name: `mattermost.${name}.p99`, unit: 'ms', value: p99, target: P99, pass: timeouts === 0 && meets(P99, p99) },
  ];
}

async function run(): Promise<BenchResult[]> {
  const dir = await mkdtemp(join(tmpdir(), 'opsbot-bench-mm-'));
  const stub = await startMattermostStub(CHANNEL);
  const children: Child[] = [];
  try {
    const port = await freePort();
    await writeFile(join(dir, 'opsbot.yaml'), configYaml(port, stub.url));
    const opsbot = execa(process.execPath, [MAIN, 'serve', '--config', join(dir, 'opsbot.yaml')], {
      cwd: dir,
      reject: false,
      stdin: 'ignore',
      extendEnv: false,
      env: { PATH: process.env.PATH ?? '', OPSBOT_INSTANCE: 'bench' },
      // Long enough that a slow shutdown is measured (and missed), not cut short at execa's 5 s.
      forceKillAfterDelay: 60_000,
    });
    children.push(opsbot);
    const base = `http://127.0.0.1:${port}`;
    await waitReady(`${base}/readyz`, 'mattermost');
    const target = `${base}/mattermost/command`;

    // One request of each kind first: the answer must be the real one, and its size sets the peer's.
    const sample = async (text: string, expect: RegExp): Promise<string> => {
      const response = await fetch(target, { method: 'POST', headers: HEADERS, body: form(text) });
      const body = await response.text();
      if (response.status !== 200 || !expect.test(body)) throw new Error(`mattermost bench: "${text}" answered ${response.status}: ${body.slice(0, 200)}`);
      return body;
    };
    const readBody = await sample('whoami', new RegExp(`mattermost:${USER}`));
    const jobBody = await sample('lock bench --dry-run', /Job #\d+ started/);

    const peerPort = await freePort();
    const peer = execa(process.execPath, ['-e', BASELINE, String(peerPort), readBody, jobBody], { reject: false, stdin: 'ignore', buffer: false });
    children.push(peer);
    await waitReady(`http://127.0.0.1:${peerPort}/read`, 'mattermost');

    const read = (): string => form('whoami');
    const job = (): string => form('lock bench --dry-run');
    const out: BenchResult[] = [];
    for (const [name, body, path, size] of [
      ['read-only', read, '/read', readBody.length],
      ['job-start', job, '/job', jobBody.length],
    ] as const) {
      await hammer(target, body, WARM_UP_S);
      await hammer(`http://127.0.0.1:${peerPort}${path}`, read, WARM_UP_S);
      // Read-only: alternating rounds, the peer first and last (peer, opsbot, peer, opsbot, peer), so
      // the machine's drift hits both alike and the peer's rate (it moves by a third between rounds
      // here) is a mean. Job-start: one round each, the peer first, because opsbot's job phase
      // leaves background work (jobs, posts) that would slow a peer round after it.
      const rounds = name === 'read-only' ? ROUNDS : 1;
      const peerRounds: AutocannonResult[] = [];
      const opsbotRounds: AutocannonResult[] = [];
      for (let round = 0; round < rounds; round++) {
        peerRounds.push(checked(await hammer(`http://127.0.0.1:${peerPort}${path}`, read, DURATION_S), `node:http ${name}`));
        opsbotRounds.push(checked(await hammer(target, body, DURATION_S), `opsbot ${name}`));
      }
      if (rounds > 1) peerRounds.push(checked(await hammer(`http://127.0.0.1:${peerPort}${path}`, read, DURATION_S), `node:http ${name}`));
      out.push(...results(name, opsbotRounds, peerRounds, size));
    }
    const rss = await peakRssMb(opsbot.pid);
    out.push({ name: 'mattermost.server-peak-rss', unit: 'MB', value: rss, target: RSS, pass: meets(RSS, rss), extra: { 'posts and edits sent': stub.requests() } });
    // The job-start round leaves thousands of live posts queued behind Mattermost's rate limit; a
    // shutdown must still take no longer than README promises (jobs' grace, then 5 s for the chat).
    const stopping = Date.now();
    opsbot.kill('SIGTERM');
    const exited = await opsbot;
    const shutdownMs = Date.now() - stopping;
    const clean = exited.exitCode === 0;
    out.push({ name: 'mattermost.shutdown-after-burst', unit: 'ms', value: shutdownMs, target: SHUTDOWN, pass: clean && meets(SHUTDOWN, shutdownMs), extra: { exit: exited.signal ?? exited.exitCode ?? 'unknown' } });
    return out;
  } finally {
    for (const child of children) {
      if (child.pid !== undefined && child.exitCode === null) child.kill('SIGTERM');
      await child;
    }
    await new Promise<void>((resolve) => stub.server.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  }
}

export const mattermostBenchmark: Benchmark = {
  name: 'mattermost',
  description: `POST /mattermost/command at ${CONNECTIONS} connections for ${DURATION_S} s, opsbot serve vs node:http`,
  run,
};
