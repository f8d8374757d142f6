/**
 * A service scaled by a catalogued Ansible playbook: the generic fallback for whatever runs it
 * (plain processes, VMs, an appliance), when it is not Compose, Swarm or Kubernetes.
 *
 * opsbot passes only its own variables, as the one JSON `--extra-vars` document, over the fixed vars
 * from the config: `opsbot_service` and `opsbot_env` (names from the config, never user text),
 * `opsbot_action` (`scale` or `status`), and for a scale `opsbot_replicas` (the planned count) and
 * `opsbot_expected` (the count the plan started from, so the playbook can refuse when someone scaled
 * meanwhile). The playbook reports back with `set_fact: { opsbot_replicas: N, opsbot_ready: M }`,
 * read from the task results of ansible's JSON callback; several reporting hosts add up.
 */
import { playbookFailure } from '../../core/deploy/playbook-step.js';
import type { VarValue, VarValues } from '../../core/deploy/types.js';
import { BackendError } from '../../core/errors.js';
import type { Orchestrator, ReplicaCount } from '../../core/scaling/ports.js';
import type { AnsiblePlaybooksPort } from '../ansible/playbooks.js';
import type { AnsibleResult } from '../ansible/runner.js';

export interface AnsibleScalingSettings {
  /** The service's name in the config (opsbot_service). */
  readonly service: string;
  /** The environment's name in the config (opsbot_env). */
  readonly env: string;
  readonly playbook: string;
  readonly statusPlaybook: string | null;
  readonly limit: string | null;
  readonly connection: 'local' | 'ssh' | null;
  readonly vars: VarValues;
}

export interface AnsibleScalingDeps {
  readonly playbooks: AnsiblePlaybooksPort;
  /**
   * Brings the playbook repository to its pinned ref (the deploy's RepoPort, so the two never sync
   * the working copy at once); absent when the playbooks are local files.
   */
  readonly sync?: (signal: AbortSignal) => Promise<unknown>;
}

const COUNT = /^\d{1,6}$/;

export class AnsibleOrchestrator implements Orchestrator {
  readonly kind = 'ansible' as const;
  readonly target: string;
  readonly scalePlaybook: string;
  private synced = false;

  constructor(
    private readonly settings: AnsibleScalingSettings,
    private readonly deps: AnsibleScalingDeps,
  ) {
    this.scalePlaybook = settings.playbook;
    this.target = `playbook ${settings.playbook}${settings.limit === null ? '' : ` on ${settings.limit}`}`;
  }

  async read(signal: AbortSignal): Promise<ReplicaCount> {
    // Reads are frequent (every poll while waiting): they use the working copy as last synced, and
    // sync only when this process has not synced it yet.
    if (!this.synced) await this.sync(signal);
    const id = this.settings.statusPlaybook ?? this.settings.playbook;
    const result = await this.run(id, { opsbot_action: 'status' }, signal);
    return this.counts(id, result);
  }

  async scale(replicas: number, expected: number, signal: AbortSignal): Promise<void> {
    await this.sync(signal);
    const id = this.settings.playbook;
    const result = await this.run(id, { opsbot_action: 'scale', opsbot_replicas: replicas, opsbot_expected: expected }, signal);
    // A playbook that reports after scaling must report what it was asked for.
    const reported = this.reported(result);
    if (reported.length > 0) {
      const { desired } = this.counts(id, result);
      if (desired !== replicas) throw new BackendError(`The playbook ${id} was asked for ${replicas} replicas of ${this.settings.service} but reports ${desired}.`, 'ansible');
    }
  }

  private async sync(signal: AbortSignal): Promise<void> {
    if (this.deps.sync === undefined) return;
    await this.deps.sync(signal);
    this.synced = true;
  }

  private async run(id: string, vars: VarValues, signal: AbortSignal): Promise<AnsibleResult> {
    const result = await this.deps.playbooks.run({
      playbook: id,
      limit: this.settings.limit,
      // opsbot's own variables last: the config cannot override them (its check refuses opsbot_* too).
      vars: { ...this.settings.vars, ...vars, opsbot_service: this.settings.service, opsbot_env: this.settings.env },
      check: false,
      connection: this.settings.connection,
      signal,
      // The scale flow reports its own progress (before → after, ready counts); task events are not needed.
      onEvent: () => undefined,
    });
    if (!result.ok) throw playbookFailure(`The playbook ${id} (${String(vars.opsbot_action)} ${this.settings.service} in ${this.settings.env})`, result);
    return result;
  }

  private reported(result: AnsibleResult): [string, VarValues][] {
    return Object.entries(result.outputs).filter(([, o]) => Object.hasOwn(o, 'opsbot_replicas') || Object.hasOwn(o, 'opsbot_ready'));
  }

  /** The counts the playbook reported; several hosts each report their own replicas, which add up. */
  private counts(id: string, result: AnsibleResult): ReplicaCount {
    const reported = this.reported(result);
    if (reported.length === 0) {
      throw new BackendError(`The playbook ${id} reported no replica counts: it must end with a task \`set_fact: { opsbot_replicas: <desired>, opsbot_ready: <ready> }\`.`, 'ansible');
    }
    let desired = 0;
    let ready = 0;
    for (const [host, outputs] of reported) {
      desired += count(id, host, 'opsbot_replicas', outputs.opsbot_replicas);
      ready += count(id, host, 'opsbot_ready', outputs.opsbot_ready);
    }
    return { desired, ready };
  }
}

function count(id: string, host: string, name: string, value: VarValue | undefined): number {
  // set_fact templates give strings ("3") unless jinja2_native is on: both are accepted.
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  if (typeof value === 'string' && COUNT.test(value.trim())) return Number(value.trim());
  const said = value === undefined ? 'nothing' : JSON.stringify(value);
  throw new BackendError(`The playbook ${id} reported ${name}=${said} for ${host}, not a replica count.`, 'ansible');
}
