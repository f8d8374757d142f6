/**
 * The deploy domain as the core sees it: stores with a blue and a green colour, a catalog of
 * playbooks with typed variables, and what a playbook run reports back. Plain data, loaded from the
 * config by src/config and handed to the core through the deploy ports.
 */

export const COLOURS = ['blue', 'green'] as const;
export type Colour = (typeof COLOURS)[number];

export function otherColour(colour: Colour): Colour {
  return colour === 'blue' ? 'green' : 'blue';
}

/** A variable a catalogued playbook accepts, with its type. Anything not declared is refused. */
export type VarSpec =
  | { readonly type: 'string'; readonly pattern: string; readonly maxLength: number; readonly description: string; readonly required: boolean; readonly default?: string }
  | { readonly type: 'integer'; readonly min: number; readonly max: number; readonly description: string; readonly required: boolean; readonly default?: number }
  | { readonly type: 'boolean'; readonly description: string; readonly required: boolean; readonly default?: boolean }
  | { readonly type: 'enum'; readonly values: readonly string[]; readonly description: string; readonly required: boolean; readonly default?: string };

export type VarValue = string | number | boolean;
export type VarValues = Readonly<Record<string, VarValue>>;

export interface InventorySpec {
  readonly id: string;
  /** The hosts `--limit` may name: an allowlist, never a pattern typed by a user. */
  readonly hosts: readonly string[];
}

export interface PlaybookSpec {
  readonly id: string;
  readonly description: string;
  /** Id of the inventory it runs against. */
  readonly inventory: string;
  /** The permission a person needs to run it with `run` (besides `playbooks:run:<id>`). */
  readonly permission: string;
  readonly vars: Readonly<Record<string, VarSpec>>;
  /** Tags passed to `--tags`, fixed by the catalog. */
  readonly tags: readonly string[];
}

export type DeployEnv = 'dev' | 'test' | 'staging' | 'prod';

export interface StoreSpec {
  readonly name: string;
  readonly env: DeployEnv;
  /** Catalog id of the playbook that deploys a colour (it receives `colour` and `version`). */
  readonly playbook: string;
  /** The inventory host to `--limit` to, from the playbook's inventory allowlist; null for all. */
  readonly limit: string | null;
  /** Overrides the inventory's connection type (`local` for a store on this machine); null keeps it. */
  readonly connection: 'local' | 'ssh' | null;
  /** Fixed variables from the config, merged under the per-deploy `colour` and `version`. */
  readonly vars: VarValues;
  /** Version deployed when none is given and no build produces one. */
  readonly defaultVersion: string | null;
  /** Build pipeline run before the playbook, or null for none. */
  readonly build: { readonly pipeline: string; readonly variables: Readonly<Record<string, string>> } | null;
  /** Production stores may need a second person to approve before traffic moves. */
  readonly approval: { readonly required: boolean };
  /** How the traffic switch is done, for display (`haproxy be/blue`, `nginx upstream`, `symlink`). */
  readonly traffic: string;
  /** The public URL checked after a switch. */
  readonly frontend: string;
}

export interface HostRecap {
  readonly host: string;
  readonly ok: number;
  readonly changed: number;
  readonly failed: number;
  readonly unreachable: number;
  readonly skipped: number;
}

export interface TaskFailure {
  readonly host: string;
  readonly task: string;
  readonly message: string;
}

export interface PlaybookResult {
  readonly ok: boolean;
  readonly exitCode: number;
  readonly recap: readonly HostRecap[];
  readonly failures: readonly TaskFailure[];
  /** Tasks started, in order. */
  readonly tasks: number;
  readonly check: boolean;
}

export type PlaybookEvent =
  | { readonly kind: 'task'; readonly name: string; readonly index: number }
  | { readonly kind: 'host'; readonly host: string; readonly task: string; readonly status: 'ok' | 'changed' | 'failed' | 'skipped' | 'unreachable'; readonly message: string | null };

export interface DeployState {
  readonly store: string;
  /** The colour opsbot last switched traffic to; null before the first switch. */
  readonly live: Colour | null;
  /** The colour that was live before `live`: where `rollback` goes. */
  readonly previous: Colour | null;
  readonly versions: Readonly<Record<Colour, string | null>>;
  readonly deployedAt: Readonly<Record<Colour, Date | null>>;
  readonly switchedAt: Date | null;
  /**
   * Whether `previous` holds a release that was rolled back from (the last switch was a `rollback`,
   * or an in-place deploy after one): rolling back to it would undo the rollback.
   */
  readonly rolledBack: boolean;
  readonly jobId: number | null;
  /**
   * A traffic switch begun and not yet settled (recorded, or switched back): written before the
   * balancer is touched, so a crash between the switch and the record leaves this behind, not a
   * record that silently disagrees with the balancer. Null when none is under way.
   */
  readonly switching: PendingSwitch | null;
}

export interface PendingSwitch {
  /** The colour that was live when the switch began; null on a first deploy. */
  readonly from: Colour | null;
  readonly to: Colour;
  /** The job that began it (a deploy, or a rollback when `rollback`). */
  readonly jobId: number | null;
  readonly rollback: boolean;
  readonly at: Date;
}
