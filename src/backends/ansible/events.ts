/**
 * Reads ansible's `ansible.posix.jsonl` stdout callback: one JSON event per line. Task starts become
 * progress, per-host results become log lines, `v2_playbook_on_stats` becomes the host recap. Only
 * names, statuses, short messages and the `opsbot_*` facts a playbook reports on purpose are kept:
 * module arguments may hold secrets.
 */
import type { HostRecap, PlaybookEvent, TaskFailure, VarValue, VarValues } from '../../core/deploy/types.js';

const MAX_MESSAGE = 300;

/**
 * What a playbook reports back on purpose: facts named `opsbot_*` that a task sets with `set_fact`
 * (scalars only), per host, the last value winning. Nothing else of a task's result is kept.
 */
export type HostOutputs = Readonly<Record<string, VarValues>>;
const OUTPUT_NAME = /^opsbot_[a-z0-9_]{1,64}$/;
const MAX_OUTPUT = 1_000;

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

function messageOf(result: Json): string | null {
  if (result._ansible_no_log === true) return 'output hidden (no_log)';
  const candidates = [result.msg, result.stderr, result.reason];
  const text = candidates.find((c): c is string => typeof c === 'string' && c.trim() !== '');
  if (text === undefined) return null;
  const one = text.trim().replace(/\s+/g, ' ');
  // Long messages (ssh warnings) end with the reason: keep the start and the end.
  return one.length > MAX_MESSAGE ? `${one.slice(0, 100)} … ${one.slice(-(MAX_MESSAGE - 103))}` : one;
}

export class JsonlEvents {
  private taskIndex = 0;
  private currentTask = '';
  private readonly failuresList: TaskFailure[] = [];
  private recapList: HostRecap[] | null = null;
  private readonly outputsMap = new Map<string, Map<string, VarValue>>();

  get tasks(): number {
    return this.taskIndex;
  }

  get failures(): readonly TaskFailure[] {
    return this.failuresList;
  }

  /** The `opsbot_*` facts each host set (see HostOutputs). */
  get outputs(): HostOutputs {
    return Object.fromEntries([...this.outputsMap].map(([host, facts]) => [host, Object.fromEntries(facts)]));
  }

  /** Null until the stats event arrived (ansible stopped early or never started). */
  get recap(): readonly HostRecap[] | null {
    return this.recapList;
  }

  /** Parses one stdout line; a line that is not an event yields null (the caller logs it as text). */
  line(text: string): PlaybookEvent[] | null {
    let event: unknown;
    try {
      event = JSON.parse(text);
    } catch {
      return null;
    }
    if (!isRecord(event) || typeof event._event !== 'string') return null;
    const name = event._event;
    const task = isRecord(event.task) && typeof event.task.name === 'string' ? event.task.name : this.currentTask;
    switch (name) {
      case 'v2_playbook_on_task_start':
      case 'v2_playbook_on_handler_task_start':
        this.taskIndex += 1;
        this.currentTask = task;
        return [{ kind: 'task', name: task, index: this.taskIndex }];
      case 'v2_runner_on_ok':
      case 'v2_runner_on_failed':
      case 'v2_runner_on_skipped':
      case 'v2_runner_on_unreachable':
        return this.hostResults(name, task, event.hosts);
      case 'v2_playbook_on_stats':
        this.recapList = this.stats(event.stats);
        return [];
      default:
        return [];
    }
  }

  private hostResults(name: string, task: string, hosts: unknown): PlaybookEvent[] {
    if (!isRecord(hosts)) return [];
    const events: PlaybookEvent[] = [];
    for (const [host, raw] of Object.entries(hosts)) {
      const result = isRecord(raw) ? raw : {};
      const message = messageOf(result);
      const status =
        name === 'v2_runner_on_failed' ? 'failed' : name === 'v2_runner_on_unreachable' ? 'unreachable' : name === 'v2_runner_on_skipped' ? 'skipped' : result.changed === true ? 'changed' : 'ok';
      if (status === 'failed' || status === 'unreachable') this.failuresList.push({ host, task, message: message ?? status });
      if (name === 'v2_runner_on_ok') this.keepOutputs(host, result);
      events.push({ kind: 'host', host, task, status, message: status === 'ok' || status === 'changed' || status === 'skipped' ? null : message });
    }
    return events;
  }

  private keepOutputs(host: string, result: Json): void {
    if (result._ansible_no_log === true || !isRecord(result.ansible_facts)) return;
    for (const [key, value] of Object.entries(result.ansible_facts)) {
      if (!OUTPUT_NAME.test(key)) continue;
      const scalar = typeof value === 'number' ? (Number.isFinite(value) ? value : null) : typeof value === 'boolean' ? value : typeof value === 'string' ? value.slice(0, MAX_OUTPUT) : null;
      if (scalar === null) continue;
      const facts = this.outputsMap.get(host) ?? new Map<string, VarValue>();
      facts.set(key, scalar);
      this.outputsMap.set(host, facts);
    }
  }

  private stats(stats: unknown): HostRecap[] {
    if (!isRecord(stats)) return [];
    return Object.entries(stats)
      .map(([host, raw]) => {
        const s = isRecord(raw) ? raw : {};
        return { host, ok: count(s.ok), changed: count(s.changed), failed: count(s.failures), unreachable: count(s.unreachable), skipped: count(s.skipped) };
      })
      .sort((a, b) => a.host.localeCompare(b.host));
  }
}
