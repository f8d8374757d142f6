/**
 * A real Alertmanager (Debian's prometheus-alertmanager 0.25) on loopback: a free port, a temp dir
 * for config and storage, clustering off, a webhook receiver pointing at opsbot, stopped by PID.
 * Readiness is polled on GET /-/ready (no fixed sleeps).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
export { freePort } from '../../support/ports.js';
import { freePort } from '../../support/ports.js';

export const ALERTMANAGER_BIN = '/usr/bin/prometheus-alertmanager';

export interface RunningAlertmanager {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export function webhookConfig(webhookUrl: string, token: string): string {
  return [
    'route:',
    '  receiver: opsbot',
    '  group_by: [alertname]',
    '  group_wait: 0s',
    '  group_interval: 1s',
    '  repeat_interval: 1h',
    'receivers:',
    '  - name: opsbot',
    '    webhook_configs:',
    `      - url: ${JSON.stringify(webhookUrl)}`,
    '        send_resolved: true',
    '        http_config:',
    '          authorization:',
    '            type: Bearer',
    `            credentials: ${JSON.stringify(token)}`,
    '',
  ].join('\n');
}

export async function startAlertmanager(configYaml: string, listenPort?: number): Promise<RunningAlertmanager> {
  const dir = await mkdtemp(join(tmpdir(), 'opsbot-am-'));
  await writeFile(join(dir, 'am.yml'), configYaml);
  const port = listenPort ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const child = execa(ALERTMANAGER_BIN, [`--config.file=${join(dir, 'am.yml')}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=', '--log.level=warn'], {
    reject: false,
    stdin: 'ignore',
    cleanup: true,
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${ALERTMANAGER_BIN}`);
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) process.kill(pid, 'SIGTERM');
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
      if ((await fetch(`${url}/-/ready`)).ok) return { url, pid, stop };
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
