/**
 * In-process dispatch of a read-only command with three typed arguments (parse, validate,
 * authorize, run), against the peer most people would pick: hubot v14's CommandBus, `invoke` on an
 * equivalent command with a room permission. Both run in the same process, in alternating rounds,
 * so drift on a shared machine hits both alike.
 */
import { CommandBus, type HubotInvokeContext } from 'hubot';
import { combine, opsPerSecond, sequential, summarize, type Measurement, type Operation } from './measure.js';
import { benchStatus, BENCH_ENVS } from './support/bench-commands.js';
import { BENCH_CONVERSATION, BENCH_PRINCIPAL, startBenchApp } from './support/opsbot-app.js';
import { meets, type Benchmark, type BenchResult, type Target } from './types.js';

const ROUNDS = 5;
const ROUND_MS = 1_000;
const WARM_UP_MS = 500;
const TARGET: Target = { op: '>=', value: 1.0 };

/** A few distinct argument sets, cycled, so neither side benefits from one repeated input. */
const CASES = Array.from({ length: 8 }, (_, i) => ({ service: `api-${i + 1}`, env: BENCH_ENVS[i % BENCH_ENVS.length] ?? 'dev', count: i + 1 }));
const text = (c: (typeof CASES)[number]): string => `bench-status --service ${c.service} --env ${c.env} --count ${c.count}`;
const expected = (c: (typeof CASES)[number]): string => `${c.service} in ${c.env}: ${c.count} ok`;
const TEXTS = CASES.map(text);

function hubotBus(): CommandBus {
  // invoke never touches the robot for these argument types (only the `user` type reads robot.brain).
  const bus = new CommandBus(null, { disableLogging: true });
  bus.register({
    id: 'bench-status',
    description: 'Benchmark: a read-only command with three typed arguments.',
    args: {
      service: { type: 'string', required: true },
      env: { type: 'enum', values: BENCH_ENVS, required: true },
      count: { type: 'number', required: true },
    },
    confirm: 'never',
    permissions: { rooms: [BENCH_CONVERSATION.id] },
    handler: ({ args }) => `${String(args.service)} in ${String(args.env)}: ${String(args.count)} ok`,
  });
  return bus;
}

function assertOnce(ok: boolean, what: string): void {
  if (!ok) throw new Error(`dispatch bench: ${what} did not succeed; refusing to measure an error path`);
}

async function rounds(a: Operation, b: Operation): Promise<[Measurement, Measurement]> {
  const as: Measurement[] = [];
  const bs: Measurement[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    // Alternate which side goes first, so neither always runs on a warmer or colder machine.
    if (i % 2 === 0) {
      as.push(await sequential(a, ROUND_MS));
      bs.push(await sequential(b, ROUND_MS));
    } else {
      bs.push(await sequential(b, ROUND_MS));
      as.push(await sequential(a, ROUND_MS));
    }
  }
  return [combine(as), combine(bs)];
}

async function run(): Promise<BenchResult[]> {
  const bench = await startBenchApp([benchStatus]);
  try {
    const { dispatcher } = bench.app;
    let n = 0;
    const opsbot: Operation = async () => {
      const i = n++;
      const outcome = await dispatcher.dispatch(bench.invocation(TEXTS[i % TEXTS.length] ?? '', `bench-${i}`));
      return outcome.kind === 'reply' && outcome.status === 'ok';
    };

    const bus = hubotBus();
    const context: HubotInvokeContext = { room: BENCH_CONVERSATION.id, user: { id: BENCH_PRINCIPAL.id, name: BENCH_PRINCIPAL.name } };
    let m = 0;
    const hubot: Operation = async () => {
      const result = await bus.invoke(TEXTS[m++ % TEXTS.length] ?? '', context);
      return result !== null && 'ok' in result && result.ok;
    };

    // Both paths must really succeed, with the right answer, before anything is timed.
    for (const c of CASES) {
      const outcome = await dispatcher.dispatch(bench.invocation(text(c), 'bench-check'));
      const reply = outcome.kind === 'reply' && outcome.status === 'ok' ? outcome.reply.blocks[0] : undefined;
      assertOnce(reply?.kind === 'text' && reply.text === expected(c), `opsbot \`${text(c)}\` (got ${JSON.stringify(outcome.kind === 'reply' ? outcome.reply : outcome.kind)})`);
      const result = await bus.invoke(text(c), context);
      assertOnce(result !== null && 'ok' in result && result.ok && result.result === expected(c), `hubot \`${text(c)}\` (got ${JSON.stringify(result)})`);
    }
    // And a denial must be a denial, or the permission check is not on the measured path.
    const stranger = await dispatcher.dispatch({ ...bench.invocation(text(CASES[0]!), 'bench-deny'), principal: { ...BENCH_PRINCIPAL, id: 'stranger' } });
    assertOnce(stranger.kind === 'reply' && stranger.status === 'denied', 'opsbot denial of an unknown user');
    await assertRejects(() => bus.invoke(text(CASES[0]!), { ...context, room: 'elsewhere' }), 'hubot room permission');

    await sequential(opsbot, WARM_UP_MS);
    await sequential(hubot, WARM_UP_MS);
    const [ours, theirs] = await rounds(opsbot, hubot);

    const oursRate = opsPerSecond(ours);
    const theirsRate = opsPerSecond(theirs);
    const ratio = oursRate / theirsRate;
    const oursLatency = summarize(ours.latenciesMs);
    const theirsLatency = summarize(theirs.latenciesMs);
    const failures = ours.failures + theirs.failures;
    return [
      {
        name: 'dispatch.read-only vs hubot',
        unit: 'ops/s',
        value: oursRate,
        baseline: { name: 'hubot CommandBus', value: theirsRate },
        ratio,
        target: TARGET,
        pass: failures === 0 && meets(TARGET, ratio),
        extra: {
          opsbotOps: ours.ops,
          opsbotFailures: ours.failures,
          opsbotP50Ms: oursLatency.p50Ms,
          opsbotP99Ms: oursLatency.p99Ms,
          hubotOps: theirs.ops,
          hubotFailures: theirs.failures,
          hubotP50Ms: theirsLatency.p50Ms,
          hubotP99Ms: theirsLatency.p99Ms,
          rounds: `${ROUNDS} x ${ROUND_MS} ms each, alternating`,
          logWarnings: bench.logs.problems(),
        },
      },
    ];
  } finally {
    await bench.close();
  }
}

async function assertRejects(call: () => Promise<unknown>, what: string): Promise<void> {
  try {
    await call();
  } catch {
    return;
  }
  throw new Error(`dispatch bench: ${what} was not enforced`);
}

export const dispatchBenchmark: Benchmark = {
  name: 'dispatch',
  description: 'read-only command, three typed args, in-process, vs hubot v14 CommandBus',
  run,
};
