/** In-memory fakes of the deploy ports, for the orchestration's unit tests. */
import type {
  ApprovalDecision,
  ApprovalRequest,
  BuildPort,
  BuildResult,
  DeployPorts,
  DeployStateStore,
  HealthOutcome,
  HealthPort,
  PlaybookRunRequest,
  PlaybooksPort,
  RemoteCommandPort,
  RepoPort,
  StoresPort,
  TrafficPort,
} from '../../../src/core/deploy/ports.js';
import type { Colour, DeployState, InventorySpec, PendingSwitch, PlaybookResult, PlaybookSpec, StoreSpec } from '../../../src/core/deploy/types.js';
import type { FlowContext } from '../../../src/core/deploy/context.js';
import type { Principal } from '../../../src/core/identity.js';

export const olga: Principal = { platform: 'mattermost', id: 'u-olga', name: 'Olga' };
export const piotr: Principal = { platform: 'mattermost', id: 'u-piotr', name: 'Piotr' };

export function storeSpec(overrides: Partial<StoreSpec> = {}): StoreSpec {
  return {
    name: 'store-pl',
    env: 'prod',
    playbook: 'deploy-colour',
    limit: null,
    connection: null,
    vars: { app_root: '/srv/store-pl' },
    defaultVersion: null,
    build: null,
    approval: { required: false },
    traffic: 'haproxy be',
    frontend: 'https://store.example.com/health',
    ...overrides,
  };
}

export const deployPlaybook: PlaybookSpec = {
  id: 'deploy-colour',
  description: 'deploy',
  inventory: 'web',
  permission: 'deploy:playbook',
  tags: [],
  vars: {
    colour: { type: 'enum', values: ['blue', 'green'], required: true, description: 'colour' },
    version: { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$', maxLength: 64, required: true, description: 'version' },
  },
};

export const backupPlaybook: PlaybookSpec = {
  id: 'backup',
  description: 'backup',
  inventory: 'web',
  permission: 'playbooks:backup',
  tags: [],
  vars: {
    label: { type: 'string', pattern: '^[a-z0-9-]{1,32}$', maxLength: 32, required: false, default: 'manual', description: 'label' },
    keep: { type: 'integer', min: 1, max: 30, required: false, description: 'keep' },
    full: { type: 'boolean', required: false, description: 'full' },
    mode: { type: 'enum', values: ['fast', 'slow'], required: true, description: 'how' },
  },
};

const inventory: InventorySpec = { id: 'web', hosts: ['web1', 'web2'] };

export function okResult(check = false): PlaybookResult {
  return { ok: true, exitCode: 0, recap: [{ host: 'web1', ok: 4, changed: 2, failed: 0, unreachable: 0, skipped: 0 }], failures: [], tasks: 4, check };
}

export class FakePlaybooks implements PlaybooksPort {
  readonly runs: PlaybookRunRequest[] = [];
  result: PlaybookResult = okResult();
  /** Runs before resolving (e.g. waits for a cancel). */
  during: (request: PlaybookRunRequest) => Promise<void> = () => Promise.resolve();
  catalog(): readonly PlaybookSpec[] {
    return [deployPlaybook, backupPlaybook];
  }
  get(id: string): PlaybookSpec | null {
    return this.catalog().find((p) => p.id === id) ?? null;
  }
  inventory(id: string): InventorySpec | null {
    return id === 'web' ? inventory : null;
  }
  async run(request: PlaybookRunRequest): Promise<PlaybookResult> {
    this.runs.push(request);
    request.onEvent({ kind: 'task', name: 'install release', index: 1 });
    request.onEvent({ kind: 'host', host: 'web1', task: 'install release', status: 'changed', message: null });
    await this.during(request);
    return { ...this.result, check: request.check };
  }
}

export class FakeTraffic implements TrafficPort {
  readonly switches: Colour[] = [];
  /** Errors for the next switches, in order (undefined: succeed). */
  readonly failures: (Error | undefined)[] = [];
  constructor(public current: Colour | null) {}
  live(): Promise<Colour | null> {
    return Promise.resolve(this.current);
  }
  /** Runs inside each switch, before it takes effect (e.g. to cancel there). */
  onSwitch: (colour: Colour) => void = () => undefined;
  switchTo(_store: string, colour: Colour, signal: AbortSignal): Promise<void> {
    const failure = this.failures.shift();
    if (failure !== undefined) return Promise.reject(failure);
    this.onSwitch(colour);
    // As a real balancer's switch stopped halfway: the new colour takes traffic, the old one still too.
    if (signal.aborted) {
      this.current = null;
      return Promise.reject(signal.reason as Error);
    }
    this.switches.push(colour);
    this.current = colour;
    return Promise.resolve();
  }
}

export class FakeHealth implements HealthPort {
  healthy: Record<Colour, boolean> = { blue: true, green: true };
  frontend = true;
  readonly waits: { colour: Colour; version: string | null }[] = [];
  /** Runs inside verifyFrontend (e.g. to cancel there). */
  onVerify: () => void = () => undefined;
  waitHealthy(_store: string, colour: Colour, options: { version: string | null }): Promise<HealthOutcome> {
    this.waits.push({ colour, version: options.version });
    return Promise.resolve(this.healthy[colour] ? { healthy: true, attempts: 2, detail: 'HTTP 200' } : { healthy: false, attempts: 30, detail: 'HTTP 503' });
  }
  probe(_store: string, colour: Colour): Promise<HealthOutcome> {
    return Promise.resolve(this.healthy[colour] ? { healthy: true, attempts: 1, detail: 'HTTP 200' } : { healthy: false, attempts: 1, detail: 'ECONNREFUSED' });
  }
  /** How many frontend verifications ran. */
  verified = 0;
  verifyFrontend(_store: string, options: { signal: AbortSignal }): Promise<HealthOutcome> {
    this.verified += 1;
    this.onVerify();
    if (options.signal.aborted) return Promise.reject(options.signal.reason as Error);
    return Promise.resolve(this.frontend ? { healthy: true, attempts: 3, detail: 'HTTP 200' } : { healthy: false, attempts: 10, detail: 'HTTP 502' });
  }
}

export class MemoryState implements DeployStateStore {
  readonly states = new Map<string, DeployState>();
  approvals: (ApprovalRequest & { decision: ApprovalDecision | null })[] = [];
  private base(store: string): DeployState {
    return this.states.get(store) ?? { store, live: null, previous: null, versions: { blue: null, green: null }, deployedAt: { blue: null, green: null }, switchedAt: null, rolledBack: false, jobId: null, switching: null };
  }
  get(store: string): Promise<DeployState | null> {
    return Promise.resolve(this.states.get(store) ?? null);
  }
  list(): Promise<DeployState[]> {
    return Promise.resolve([...this.states.values()]);
  }
  recordVersion(store: string, colour: Colour, version: string, at: Date, jobId: number | null): Promise<void> {
    const s = this.base(store);
    this.states.set(store, { ...s, versions: { ...s.versions, [colour]: version }, deployedAt: { ...s.deployedAt, [colour]: at }, jobId });
    return Promise.resolve();
  }
  recordSwitch(store: string, live: Colour, previous: Colour | null, at: Date, jobId: number | null, rolledBack: boolean): Promise<void> {
    this.states.set(store, { ...this.base(store), live, previous, switchedAt: at, rolledBack, jobId, switching: null });
    return Promise.resolve();
  }
  beginSwitch(store: string, pending: PendingSwitch): Promise<void> {
    this.states.set(store, { ...this.base(store), switching: pending });
    return Promise.resolve();
  }
  clearSwitch(store: string): Promise<void> {
    const s = this.states.get(store);
    if (s !== undefined) this.states.set(store, { ...s, switching: null });
    return Promise.resolve();
  }
  requestApproval(request: ApprovalRequest): Promise<void> {
    // As the store: only the newest request of a store stays open.
    this.approvals = this.approvals.filter((a) => a.store !== request.store || a.decision !== null);
    this.approvals.push({ ...request, decision: null });
    return Promise.resolve();
  }
  pendingApproval(store: string, now: Date): Promise<ApprovalRequest | null> {
    return Promise.resolve(this.approvals.find((a) => a.store === store && a.decision === null && a.expiresAt > now) ?? null);
  }
  decideApproval(store: string, jobId: number, decision: ApprovalDecision): Promise<boolean> {
    const a = this.approvals.find((x) => x.store === store && x.jobId === jobId && x.decision === null);
    if (a === undefined) return Promise.resolve(false);
    a.decision = decision;
    return Promise.resolve(true);
  }
  approvalDecision(jobId: number): Promise<ApprovalDecision | null> {
    return Promise.resolve(this.approvals.find((a) => a.jobId === jobId)?.decision ?? null);
  }
}

export class FakeBuild implements BuildPort {
  readonly calls: { pipeline: string; variables: Readonly<Record<string, string>> }[] = [];
  result: BuildResult = { ok: true, runId: '311', url: 'https://ci.example.com/job/store/311', version: '2.0.0', detail: 'SUCCESS' };
  /** The run the server gave at the start, told to `onRun` before the build ends. */
  started: { runId: string; url: string | null } | null = null;
  /** Set: the build ends with this instead of the result (a timeout, a cancellation). */
  failure: Error | null = null;
  run(pipeline: string, variables: Readonly<Record<string, string>>, options: Parameters<BuildPort['run']>[2]): Promise<BuildResult> {
    this.calls.push({ pipeline, variables });
    if (this.started !== null) options.onRun?.(this.started.runId, this.started.url);
    return this.failure === null ? Promise.resolve(this.result) : Promise.reject(this.failure);
  }
}

export interface Fakes {
  readonly stores: StoreSpec[];
  readonly playbooks: FakePlaybooks;
  readonly traffic: FakeTraffic;
  readonly health: FakeHealth;
  readonly state: MemoryState;
  readonly build: FakeBuild;
  readonly repoSyncs: number[];
  readonly ports: DeployPorts;
}

export function fakes(options: { stores?: StoreSpec[]; live?: Colour | null } = {}): Fakes {
  const stores = options.stores ?? [storeSpec()];
  const playbooks = new FakePlaybooks();
  const traffic = new FakeTraffic(options.live === undefined ? 'blue' : options.live);
  const health = new FakeHealth();
  const state = new MemoryState();
  const build = new FakeBuild();
  const repoSyncs: number[] = [];
  const storesPort: StoresPort = { list: () => stores, get: (n) => stores.find((s) => s.name === n) ?? null };
  const repo: RepoPort = {
    sync: () => {
      repoSyncs.push(1);
      return Promise.resolve({ commit: '0123456789abcdef0123456789abcdef01234567', ref: 'main' });
    },
  };
  const remote: RemoteCommandPort = { hosts: () => [], commands: () => [], run: () => Promise.reject(new Error('no ssh in these tests')) };
  return { stores, playbooks, traffic, health, state, build, repoSyncs, ports: { stores: storesPort, state, playbooks, repo, traffic, health, remote, build } };
}

export interface Recorded {
  readonly ctx: FlowContext;
  readonly log: string[];
  readonly steps: { step: string; done: number | null; total: number | null }[];
  readonly refs: Record<string, string>;
  readonly controller: AbortController;
}

export function flowContext(ports: DeployPorts, options: { dryRun?: boolean; principal?: Principal; jobId?: number } = {}): Recorded {
  const log: string[] = [];
  const steps: Recorded['steps'] = [];
  const refs: Record<string, string> = {};
  const controller = new AbortController();
  let now = Date.UTC(2026, 10, 22, 21, 0, 0);
  const ctx: FlowContext = {
    principal: options.principal ?? olga,
    jobId: options.jobId ?? 42,
    dryRun: options.dryRun ?? false,
    signal: controller.signal,
    clock: { now: () => new Date((now += 1_000)) },
    log: (line) => log.push(line),
    progress: (step, counts) => steps.push({ step, done: counts?.done ?? null, total: counts?.total ?? null }),
    ref: (name, value) => {
      refs[name] = value;
    },
    deploy: ports,
    approvalPollMs: 5,
  };
  return { ctx, log, steps, refs, controller };
}
