/** Blocks shared by the deploy, rollback and run summaries. */
import type { Block } from '../message.js';
import type { HostRecap } from './types.js';

export function recapBlock(recap: readonly HostRecap[]): Block {
  return {
    kind: 'table',
    columns: ['host', 'ok', 'changed', 'failed', 'unreachable', 'skipped'],
    rows: recap.map((h) => [h.host, String(h.ok), String(h.changed), String(h.failed), String(h.unreachable), String(h.skipped)]),
  };
}

/** Commit, build and approval facts; URLs become links. */
export function refsBlock(facts: Readonly<Record<string, string>>): Block[] {
  const blocks: Block[] = [];
  const fields = Object.entries(facts)
    .filter(([name]) => !name.endsWith('_url') && name !== 'version')
    .map(([label, value]) => ({ label, value: label === 'commit' ? value.slice(0, 12) : value, short: true }));
  if (fields.length > 0) blocks.push({ kind: 'fields', fields });
  const links = Object.entries(facts)
    .filter(([name]) => name.endsWith('_url'))
    .map(([name, url]) => ({ label: name.slice(0, -4), url }));
  if (links.length > 0) blocks.push({ kind: 'links', links });
  return blocks;
}
