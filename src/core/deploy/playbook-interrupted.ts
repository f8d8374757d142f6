/**
 * What an interrupted `run <playbook>` leaves behind, for the report recovery writes. The playbook
 * itself did not go on: it runs under a guard that ends its process group when opsbot dies
 * (src/backends/process/guard.ts). But it may have run part of its tasks, on the hosts it was run on:
 * `--limit`'s host, or every host of its inventory. A run with --check (or --dry-run) changed nothing.
 */
import type { JobRecord } from '../store.js';
import type { PlaybooksPort } from './ports.js';

export function playbookAfterInterruption(job: Pick<JobRecord, 'id' | 'args' | 'dryRun'>, playbooks: Pick<PlaybooksPort, 'get' | 'inventory'>): string | null {
  const { playbook, limit, check } = job.args;
  if (typeof playbook !== 'string') return null;
  if (job.dryRun || check === true) return `It ran \`${playbook}\` in check mode: it changed nothing.`;
  const spec = playbooks.get(playbook);
  const hosts = typeof limit === 'string' ? [limit] : spec === null ? [] : (playbooks.inventory(spec.inventory)?.hosts ?? []);
  const where = hosts.length === 0 ? 'on the hosts of its inventory' : `on ${hosts.join(', ')}`;
  return (
    `Playbook \`${playbook}\` was stopped with opsbot (it never runs on without it), but it may have run part of its tasks ${where}: ` +
    `\`job ${job.id}\` shows the tasks it reported.`
  );
}
