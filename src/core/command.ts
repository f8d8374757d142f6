/**
 * defineCommand: one declaration gives the parser, validation, usage, help, permission, locking,
 * timeout and the handler. Handlers are functions of typed args and injected ports.
 */
import type { AnyArgValues, ArgValues, ArgsSchema } from './args/schema.js';
import type { Clock } from './clock.js';
import type { Conversation, Principal } from './identity.js';
import type { Message } from './message.js';
import type { Ports } from './ports.js';

export type SideEffect = 'none' | 'mutates' | 'destructive';

/** Who asks, and where: what a command's check authorizes beyond the permission from its args. */
export interface Invoker {
  readonly principal: Principal;
  readonly conversation: Conversation;
}

/** What a command's check knows of the invocation besides its args: who, where, and whether it is a dry run. */
export interface CheckContext extends Invoker {
  /** `--dry-run`: the job will change nothing, so refusals that guard only a change need not apply. */
  readonly dryRun: boolean;
}

export interface CommandContext {
  readonly principal: Principal;
  readonly conversation: Conversation;
  /** Correlation id of the invocation. */
  readonly invocationId: string;
  /** Null for read-only commands, which do not run as jobs. */
  readonly jobId: number | null;
  /** `--dry-run`: report what would happen, change nothing. */
  readonly dryRun: boolean;
  /** Aborted on cancel, timeout or shutdown. Pass it to every backend call. */
  readonly signal: AbortSignal;
  readonly clock: Clock;
  /** Appends a line to the job's output (secrets are redacted before it is kept). */
  log(line: string): void;
  /** Reports a step; events are throttled before they reach chat. */
  progress(step: string, counts?: { done: number; total: number | null }): void;
  /** Remembers a backend fact with the job and its audit: a run id, a commit sha, a link. */
  ref(name: string, value: string): void;
  /**
   * Writes the job's refs to the store now instead of with the next throttled progress: for a fact a
   * restart must find if opsbot dies the next moment (a run it started on a server). Never rejects: a
   * store that cannot take it now gets it with the next progress.
   */
  keepRefs(): Promise<void>;
  readonly ports: Ports;
}

export interface CommandDefinition<A extends ArgsSchema> {
  readonly name: string;
  readonly aliases?: readonly string[];
  readonly summary: string;
  /** Longer text for `help <command>`. */
  readonly description?: string;
  readonly examples: readonly string[];
  readonly args: A;
  /** The permission this invocation needs, computed from its typed arguments: `domain:action[:scope]`. */
  permission(args: ArgValues<A>): string;
  /**
   * Permissions the job also needs, beyond `permission`, that only the config or a stored record can
   * name from the args: the environment `scale` uses when none is given, a playbook's catalog
   * permission, a pipeline's own, the target of the window `maintenance end` ends. The job checks them
   * itself (or the check does); stopping someone else's job needs them too, so they are computed here,
   * from the args the job keeps. Throws (UsageError, NotFoundError) when they cannot be worked out,
   * e.g. the config no longer has the entry.
   */
  extraPermissions?(args: ArgValues<A>, ports: Ports): readonly string[] | Promise<readonly string[]>;
  /** A constant, or computed from the args (e.g. `scale web 0` is destructive, `scale web x2` is not). */
  readonly sideEffect: SideEffect | ((args: ArgValues<A>) => SideEffect);
  /** The target to lock while the job runs (e.g. the store name). */
  lock?(args: ArgValues<A>): string;
  /**
   * Validation that needs the config or a port (an unknown pipeline, service or store): throw a
   * UsageError or NotFoundError. Runs after authorization and before any job exists, so bad input
   * is refused at once, with the usage, and nothing is queued, locked or contacted. It is also where
   * a permission only a stored record can name is checked (the target of maintenance window #3):
   * `ports.access.authorize` for `who`, a DeniedError audited as `denied` like any refusal. A
   * LockedError (a lock the command respects besides its own is held) is audited as `conflict`, like
   * a job refused its own lock.
   */
  check?(args: ArgValues<A>, ports: Ports, who: CheckContext): void | Promise<void>;
  /** Milliseconds; defaults: 30 s for read-only commands, 30 min for jobs. */
  readonly timeout?: number;
  run(args: ArgValues<A>, ctx: CommandContext): Promise<Message> | Message;
}

/**
 * The erased form the registry and dispatcher work with. Handlers are still type-checked against
 * their own schema inside defineCommand.
 */
export interface Command {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly summary: string;
  readonly description: string | undefined;
  readonly examples: readonly string[];
  readonly args: ArgsSchema;
  readonly timeout: number | undefined;
  /** False only for commands that can never change anything: they run inline, not as jobs. */
  readonly mayMutate: boolean;
  /** True if the command names a lock target (and so accepts `--queue`). */
  readonly locks: boolean;
  permission(args: AnyArgValues): string;
  /** The definition's `extraPermissions`, or none. */
  extraPermissions(args: AnyArgValues, ports: Ports): Promise<readonly string[]>;
  sideEffect(args: AnyArgValues): SideEffect;
  lock(args: AnyArgValues): string | null;
  /** Absent when the command has no config-dependent validation (most read-only ones). */
  readonly check: ((args: AnyArgValues, ports: Ports, who: CheckContext) => Promise<void>) | undefined;
  run(args: AnyArgValues, ctx: CommandContext): Promise<Message>;
  /**
   * The definition's own `run`, unwrapped: it may answer synchronously or throw. Inline runs use it
   * so a command that answers at once costs no promise (see `npm run bench`); jobs use `run`.
   */
  runDirect(args: AnyArgValues, ctx: CommandContext): Promise<Message> | Message;
}

export function defineCommand<const A extends ArgsSchema>(def: CommandDefinition<A>): Command {
  // The parser guarantees values match the schema, so narrowing AnyArgValues to ArgValues<A> is sound.
  const typed = (a: AnyArgValues): ArgValues<A> => a as ArgValues<A>;
  const { sideEffect } = def;
  return {
    name: def.name,
    aliases: def.aliases ?? [],
    summary: def.summary,
    description: def.description,
    examples: def.examples,
    args: def.args,
    timeout: def.timeout,
    mayMutate: typeof sideEffect === 'function' || sideEffect !== 'none',
    locks: def.lock !== undefined,
    permission: (a) => def.permission(typed(a)),
    extraPermissions: async (a, ports) => (def.extraPermissions === undefined ? [] : def.extraPermissions(typed(a), ports)),
    sideEffect: (a) => (typeof sideEffect === 'function' ? sideEffect(typed(a)) : sideEffect),
    lock: (a) => (def.lock === undefined ? null : def.lock(typed(a))),
    // Undefined rather than a no-op: the dispatcher then skips the await, which is a measurable share
    // of a read-only dispatch (see `npm run bench`).
    check: def.check === undefined ? undefined : async (a, ports, who) => def.check?.(typed(a), ports, who),
    run: async (a, ctx) => def.run(typed(a), ctx),
    runDirect: (a, ctx) => def.run(typed(a), ctx),
  };
}
