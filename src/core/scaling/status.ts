/**
 * Replicas of the configured services for `/status`: desired and ready per environment, the bounds,
 * and the last scaling. One unreachable orchestrator shows as such; it never fails the whole status.
 */
import { formatTime } from '../format.js';
import type { Block, Message } from '../message.js';
import type { ScalingPort } from './ports.js';
import { unconfirmed } from './unconfirmed.js';

export async function serviceStatusBlocks(port: ScalingPort, names: readonly string[], signal: AbortSignal): Promise<Block[]> {
  if (names.length === 0) return [];
  const described = (await Promise.all(names.map((name) => port.describe(name, signal)))).flat();
  const rows = described.map((s) => [
    s.service,
    s.env,
    s.kind,
    s.counts === null ? '?' : String(s.counts.desired),
    s.counts === null ? `? (${s.error ?? 'unknown'})` : `${s.counts.ready}/${s.counts.desired}`,
    `${s.min}…${s.max}`,
    s.last === null ? '—' : `${s.last.from} → ${s.last.to} by ${s.last.by}, ${formatTime(s.last.at)}${s.last.pending === true ? ` (${unconfirmed(s.last)})` : ''}`,
  ]);
  return [{ kind: 'table', columns: ['service', 'env', 'runs on', 'desired', 'ready', 'bounds', 'last scaled'], rows }];
}

/** One service (`status web`). */
export async function serviceStatus(port: ScalingPort, name: string, signal: AbortSignal): Promise<Message> {
  return { title: `Service ${name}`, tone: 'neutral', blocks: await serviceStatusBlocks(port, [name], signal) };
}

/** `status` without a name: the stores' message, then every service. */
export async function withServices(message: Message, port: ScalingPort, signal: AbortSignal): Promise<Message> {
  const blocks = await serviceStatusBlocks(port, port.services(), signal);
  if (blocks.length === 0) return message;
  const noStores = message.blocks.length === 1 && message.blocks[0]?.kind === 'text' && /No stores are configured/.test(message.blocks[0].text);
  return { ...message, title: message.title ?? 'Status', blocks: [...(noStores ? [] : message.blocks), ...blocks] };
}
