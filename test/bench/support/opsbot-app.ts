/**
 * Builds opsbot in-process the way `opsbot serve` does (config file → logger → buildApp), on a
 * SQLite file in a fresh temporary directory (WAL, as in production), with the bench commands
 * registered and one principal allowed to run them in one conversation.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp, type App } from '../../../src/app.js';
import { commandRegistry } from '../../../src/command-registry.js';
import { readEnvironment } from '../../../src/config/env.js';
import { loadConfig } from '../../../src/config/load.js';
import type { Command } from '../../../src/core/command.js';
import type { Conversation, Invocation, Principal } from '../../../src/core/identity.js';
import { createLogger } from '../../../src/logging.js';

export const BENCH_PRINCIPAL: Principal = { platform: 'shell', id: 'bench-user', name: 'Bench User' };
export const BENCH_CONVERSATION: Conversation = { platform: 'shell', id: 'bench-room', name: 'bench-room' };

const PROBLEMS = new Set(['warn', 'error', 'fatal']);

/** Counts log lines by level instead of writing them: the bench reports warnings and errors. */
export class LogSink {
  readonly counts = new Map<string, number>();
  readonly samples: string[] = [];

  write(line: string): void {
    const level = (JSON.parse(line) as { level?: string }).level ?? 'unknown';
    this.counts.set(level, (this.counts.get(level) ?? 0) + 1);
    if (PROBLEMS.has(level) && this.samples.length < 5) this.samples.push(line.trim());
  }

  /** Warnings and worse. */
  problems(): number {
    let n = 0;
    for (const [level, count] of this.counts) if (PROBLEMS.has(level)) n += count;
    return n;
  }
}

export interface BenchApp {
  readonly app: App;
  readonly logs: LogSink;
  readonly dbPath: string;
  invocation(text: string, id: string): Invocation;
  close(): Promise<void>;
}

function configYaml(dbPath: string, commands: readonly Command[]): string {
  const names = commands.map((c) => c.name);
  return [
    'storage:',
    '  engine: sqlite',
    `  path: ${JSON.stringify(dbPath)}`,
    'log:',
    '  level: info',
    'access:',
    '  roles:',
    '    bench:',
    `      members: [${JSON.stringify(`${BENCH_PRINCIPAL.platform}:${BENCH_PRINCIPAL.id}`)}]`,
    `      allow: ${JSON.stringify(names.map((n) => `${n.replace(/^bench-/, 'bench:')}:*`))}`,
    '  channels:',
    `    ${JSON.stringify(`${BENCH_CONVERSATION.platform}:${BENCH_CONVERSATION.id}`)}:`,
    `      commands: ${JSON.stringify(names)}`,
    '',
  ].join('\n');
}

export async function startBenchApp(commands: readonly Command[]): Promise<BenchApp> {
  const dir = await mkdtemp(join(tmpdir(), 'opsbot-bench-'));
  const dbPath = join(dir, 'opsbot.db');
  const configPath = join(dir, 'opsbot.yaml');
  await writeFile(configPath, configYaml(dbPath, commands));
  // An empty environment: the bench must not depend on the caller's variables. The binding names
  // the bench commands, so the config is checked against the registry boot gets, as boot does.
  const loaded = loadConfig(configPath, readEnvironment({}), { cwd: dir, commands: commandRegistry(commands) });
  const logs = new LogSink();
  const logger = createLogger({ level: loaded.config.log.level, secrets: loaded.secrets, destination: logs });
  const app = await buildApp({ loaded, logger, extraCommands: commands, instance: 'bench' });
  return {
    app,
    logs,
    dbPath,
    invocation: (text, id) => ({ id, text, principal: BENCH_PRINCIPAL, conversation: BENCH_CONVERSATION, receivedAt: new Date() }),
    async close() {
      await app.close(5_000);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
