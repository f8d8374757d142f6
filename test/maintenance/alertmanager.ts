/**
 * A real Alertmanager (Debian's prometheus-alertmanager) on loopback for tests: a free port, a temp
 * dir for its config and storage, clustering off, stopped by PID. No fixed sleeps: readiness is
 * polled on GET /-/ready.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { freePort } from '../support/ports.js';

export const ALERTMANAGER_BIN = process.env.ALERTMANAGER_BIN ?? '/usr/bin/prometheus-alertmanager';

export interface RunningAlertmanager {
  readonly url: string;
  stop(): Promise<void>;
}

const CONFIG = ['route:', '  receiver: blackhole', '  group_wait: 0s', 'receivers:', '  - name: blackhole', ''].join('\n');

export async function startAlertmanager(): Promise<RunningAlertmanager> {
  const dir = await mkdtemp(join(tmpdir(), 'opsbot-am-'));
  await writeFile(join(dir, 'am.yml'), CONFIG);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = execa(
    ALERTMANAGER_BIN,
    [`--config.file=${join(dir, 'am.yml')}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=', '--log.level=warn'],
    { reject: false, stdin: 'ignore', cleanup: true },
  );
  const stop = async (): Promise<void> => {
    if (child.pid !== undefined && child.exitCode === null) child.kill('SIGTERM');
    await child;
    await rm(dir, { recursive: true, force: true });
  };
  const until = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) {
      const result = await child;
      await rm(dir, { recursive: true, force: true });
      throw new Error(`prometheus-alertmanager exited: ${String(result.stderr)}`);
    }
    try {
      const ready = await fetch(`${url}/-/ready`);
      if (ready.ok) return { url, stop };
    } catch {
      // not listening yet
    }
    if (Date.now() > until) {
      await stop();
      throw new Error(`prometheus-alertmanager on ${url} was not ready within 15 s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
