/**
 * What the deploy, rollback, run and status commands may touch. Each port has one implementation
 * under src/backends (Ansible, git, HAProxy/nginx/symlink switchers, HTTP/SSH health, SSH), wired in
 * src/app.ts; the orchestration in this folder is a function over them, tested with fakes.
 */
import type { Colour, DeployState, InventorySpec, PendingSwitch, PlaybookEvent, PlaybookResult, PlaybookSpec, StoreSpec, VarValues } from './types.js';

/** The stores named in the config. */
export interface StoresPort {
  list(): readonly StoreSpec[];
  get(name: string): StoreSpec | null;
}

export interface PlaybookRunRequest {
  /** A catalog id; the backend resolves it to a file. Never a path. */
  readonly playbook: string;
  /** A host from the inventory allowlist, or null for the whole inventory. */
  readonly limit: string | null;
  /** Validated against the catalog; passed to ansible as one JSON document. */
  readonly vars: VarValues;
  /** `--check --diff`: report what would change, change nothing. */
  readonly check: boolean;
  /** Overrides the connection type (`local` for the demo store); null keeps the inventory's. */
  readonly connection: 'local' | 'ssh' | null;
  readonly signal: AbortSignal;
  onEvent(event: PlaybookEvent): void;
}

/** The playbook catalog and the runner of its entries (ansible-playbook). */
export interface PlaybooksPort {
  catalog(): readonly PlaybookSpec[];
  get(id: string): PlaybookSpec | null;
  inventory(id: string): InventorySpec | null;
  /** Resolves with the result also when tasks failed (`ok: false`); rejects on cancellation or when ansible cannot run at all. */
  run(request: PlaybookRunRequest): Promise<PlaybookResult>;
}

/** The playbook repository, synced to its pinned branch or tag before a run. */
export interface RepoPort {
  /** Null when no repository is configured (the playbooks are local files). */
  sync(signal: AbortSignal): Promise<{ readonly commit: string; readonly ref: string } | null>;
}

/** The traffic switch of each store: which colour the balancer sends traffic to. */
export interface TrafficPort {
  /** Read back from the balancer itself; null when neither or both colours take traffic. */
  live(store: string, signal: AbortSignal): Promise<Colour | null>;
  /** Moves traffic to `colour` without dropping requests; rejects with a BackendError if it could not. */
  switchTo(store: string, colour: Colour, signal: AbortSignal): Promise<void>;
}

export interface HealthOutcome {
  readonly healthy: boolean;
  readonly attempts: number;
  /** The last answer or error, e.g. `HTTP 200 (version 1.4.2)` or `connect ECONNREFUSED`. */
  readonly detail: string;
}

export interface HealthWaitOptions {
  /** When set, the answer must mention this version. */
  readonly version: string | null;
  readonly signal: AbortSignal;
  onAttempt?(attempt: number, detail: string): void;
}

export interface HealthPort {
  /** Retries until the colour answers healthy or the store's health deadline passes. */
  waitHealthy(store: string, colour: Colour, options: HealthWaitOptions): Promise<HealthOutcome>;
  /** One quick probe of a colour (for `status`). */
  probe(store: string, colour: Colour, signal: AbortSignal): Promise<HealthOutcome>;
  /** After a switch: the public frontend answers healthy (and with the version) until the deadline. */
  verifyFrontend(store: string, options: HealthWaitOptions): Promise<HealthOutcome>;
}

export interface RemoteResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Catalogued remote commands over SSH: a command id and a host name from the config, nothing typed. */
export interface RemoteCommandPort {
  hosts(): readonly string[];
  commands(): readonly string[];
  run(host: string, command: string, signal: AbortSignal): Promise<RemoteResult>;
}

export interface BuildResult {
  readonly ok: boolean;
  /** The pipeline's run id (build number, pipeline id). */
  readonly runId: string;
  readonly url: string | null;
  /** The version the build produced, if it reports one. */
  readonly version: string | null;
  readonly detail: string;
}

/** A build pipeline (Jenkins, GitLab) run before a deploy. */
export interface BuildPort {
  run(
    pipeline: string,
    variables: Readonly<Record<string, string>>,
    /**
     * `onRun` hears the run as soon as the server names it (and again when it changes, a Jenkins queue
     * item becoming a build), before the build ends: a deploy stopped meanwhile still names it.
     */
    options: { readonly signal: AbortSignal; onProgress?(detail: string): void; onRun?(runId: string, url: string | null): void },
  ): Promise<BuildResult>;
}

/** A pending second-person approval of a production switch. */
export interface ApprovalRequest {
  readonly store: string;
  readonly jobId: number;
  /** principalKey of the person who asked for the deploy. */
  readonly requester: string;
  readonly requesterName: string;
  /** principalKey of the person a schedule asked for (who added it), who may not approve either. */
  readonly onBehalfOf: string | null;
  readonly summary: string;
  readonly requestedAt: Date;
  readonly expiresAt: Date;
}

export type ApprovalDecision = { readonly decision: 'approved' | 'rejected'; readonly by: string; readonly byName: string; readonly at: Date };

/** The deploy state kept in the store (live colour, versions, approvals). */
export interface DeployStateStore {
  get(store: string): Promise<DeployState | null>;
  list(): Promise<DeployState[]>;
  recordVersion(store: string, colour: Colour, version: string, at: Date, jobId: number | null): Promise<void>;
  /** Records where traffic is now; settles any pending switch. */
  recordSwitch(store: string, live: Colour, previous: Colour | null, at: Date, jobId: number | null, rolledBack: boolean): Promise<void>;
  /** Notes a switch about to begin, before the balancer is touched (see DeployState.switching). */
  beginSwitch(store: string, pending: PendingSwitch): Promise<void>;
  /** Settles a pending switch that left the recorded live colour true (traffic is back where it was). */
  clearSwitch(store: string): Promise<void>;
  /** Opens an approval for a job (replacing any earlier one of the same store). */
  requestApproval(request: ApprovalRequest): Promise<void>;
  /** The open approval of a store, if any (expired ones are not open). */
  pendingApproval(store: string, now: Date): Promise<ApprovalRequest | null>;
  /** Decides an open approval once; returns false if there was none (or it was decided already). */
  decideApproval(store: string, jobId: number, decision: ApprovalDecision): Promise<boolean>;
  /** The decision on a job's approval, or null while undecided. */
  approvalDecision(jobId: number): Promise<ApprovalDecision | null>;
}

export interface DeployPorts {
  readonly stores: StoresPort;
  readonly state: DeployStateStore;
  readonly playbooks: PlaybooksPort;
  readonly repo: RepoPort;
  readonly traffic: TrafficPort;
  readonly health: HealthPort;
  readonly remote: RemoteCommandPort;
  readonly build: BuildPort;
}
