/**
 * Runs ansible-playbook: argv only (never a shell), an allowlisted environment (`extendEnv: false`),
 * structured events from the jsonl stdout callback, and on cancel the whole process group is
 * terminated (SIGTERM, then SIGKILL) before the run settles, so no worker or ssh survives it. If
 * opsbot itself dies, the guard it runs under ends the group the same way (process/guard.ts).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { PlaybookEvent, PlaybookResult } from '../../core/deploy/types.js';
import { BackendError } from '../../core/errors.js';
import type { AnsibleConfig } from '../../config/deploy-types.js';
import { terminateGroup } from '../process/group.js';
import { GUARD_NOT_FOUND, guardedCommand } from '../process/guard.js';
import { ansibleArgv, type AnsibleInvocation } from './argv.js';
import { JsonlEvents, type HostOutputs } from './events.js';

const STDERR_TAIL = 4_000;

export interface AnsibleRun extends Omit<AnsibleInvocation, 'vaultPasswordFile'> {
  readonly signal: AbortSignal;
  onEvent(event: PlaybookEvent): void;
  /** A stdout line that is not an event (rare: plugins printing directly). */
  onText?(line: string): void;
  /** Called with the pid once the process runs (tests watch its process group). */
  onSpawn?(pid: number): void;
}

/** A PlaybookResult plus what the playbook reported on purpose (`opsbot_*` facts per host). */
export interface AnsibleResult extends PlaybookResult {
  readonly outputs: HostOutputs;
}

export class AnsibleRunner {
  constructor(private readonly config: AnsibleConfig) {}

  /** The environment ansible-playbook gets: the allowlist from the config plus what opsbot needs. */
  environment(): Record<string, string> {
    return {
      ...this.config.env,
      ANSIBLE_STDOUT_CALLBACK: 'ansible.posix.jsonl',
      ANSIBLE_NOCOLOR: '1',
      ANSIBLE_FORCE_COLOR: '0',
      ANSIBLE_RETRY_FILES_ENABLED: '0',
      // Events must arrive as they happen, not when a pipe buffer fills.
      PYTHONUNBUFFERED: '1',
    };
  }

  async run(run: AnsibleRun): Promise<AnsibleResult> {
    run.signal.throwIfAborted();
    const vault = await this.vaultFile();
    try {
      return await this.spawn(run, vault?.file ?? null);
    } finally {
      if (vault?.dir != null) await rm(vault.dir, { recursive: true, force: true });
    }
  }

  private async spawn(run: AnsibleRun, vaultPasswordFile: string | null): Promise<AnsibleResult> {
    const argv = ansibleArgv({ ...run, vaultPasswordFile });
    // execa loads on first use: a process that never runs a playbook does not carry it.
    const { execa } = await import('execa');
    // Under the guard (process/guard.ts), so the run ends with opsbot if opsbot dies.
    const guarded = guardedCommand(this.config.binary, argv, this.config.killGrace);
    const child = execa(guarded.file, guarded.args, {
      env: this.environment(),
      extendEnv: false,
      cwd: this.config.workdir,
      // Its own process group, so cancel reaches every descendant.
      detached: true,
      cancelSignal: run.signal,
      forceKillAfterDelay: this.config.killGrace,
      // The guard's lifeline: never written, closed by the kernel when this process dies.
      stdin: 'pipe',
      buffer: false,
      reject: false,
    });
    child.stdin.on('error', () => undefined);
    const pid = child.pid;
    const kill: { done: Promise<boolean> | null } = { done: null };
    const onAbort = (): void => {
      if (pid !== undefined) kill.done ??= terminateGroup(pid, this.config.killGrace);
    };
    run.signal.addEventListener('abort', onAbort, { once: true });
    if (pid !== undefined) run.onSpawn?.(pid);

    const events = new JsonlEvents();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_TAIL);
    });
    const lines = createInterface({ input: child.stdout, crlfDelay: Infinity });
    lines.on('line', (line) => {
      const parsed = events.line(line);
      if (parsed === null) {
        if (line.trim() !== '') run.onText?.(line);
        return;
      }
      for (const event of parsed) run.onEvent(event);
    });
    const closed = new Promise<void>((resolve) => lines.once('close', () => resolve()));

    try {
      const result = await child;
      await closed;
      if (run.signal.aborted) {
        onAbort();
        if (kill.done !== null) await kill.done;
        throw run.signal.reason instanceof Error ? run.signal.reason : new Error(String(run.signal.reason));
      }
      // Workers left behind by a crashed ansible-playbook are still ours to clean up.
      if (pid !== undefined) await terminateGroup(pid, 0).catch(() => false);
      const failedToStart = (result as { failed?: boolean; code?: string }).code === 'ENOENT' || (result.exitCode === GUARD_NOT_FOUND && events.recap === null);
      if (failedToStart) throw new BackendError(`${this.config.binary} was not found: install ansible (Debian: apt-get install ansible).`, 'ansible');
      const exitCode = result.exitCode ?? -1;
      const recap = events.recap;
      if (recap === null) {
        const why = lastLines(stderr) || result.shortMessage;
        throw new BackendError(`ansible-playbook could not run (exit ${exitCode}): ${why}`, 'ansible');
      }
      return { ok: exitCode === 0, exitCode, recap, failures: events.failures, tasks: events.tasks, check: run.check, outputs: events.outputs };
    } finally {
      run.signal.removeEventListener('abort', onAbort);
    }
  }

  /** The vault password from the environment goes to a private file for the run, never to argv or logs. */
  private async vaultFile(): Promise<{ dir: string | null; file: string } | null> {
    const vault = this.config.vault;
    if (vault === null) return null;
    if (vault.kind === 'file') return { dir: null, file: vault.file };
    const dir = await mkdtemp(join(tmpdir(), 'opsbot-vault-'));
    const file = join(dir, 'password');
    await writeFile(file, `${vault.password}\n`, { mode: 0o600 });
    return { dir, file };
  }
}

function lastLines(text: string): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .slice(-3)
    .join(' ');
}
