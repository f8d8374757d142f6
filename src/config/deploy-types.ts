/**
 * Loaded shapes of the deploy sections (`playbooks`, `ssh`, `stores`): defaults filled, durations in
 * milliseconds, paths absolute, the playbook catalog read and validated. Part of OpsbotConfig.
 */
import type { Colour, DeployEnv, PlaybookSpec, VarValues } from '../core/deploy/types.js';

export interface CatalogInventory {
  readonly id: string;
  /** Absolute path of the inventory file. */
  readonly file: string;
  readonly hosts: readonly string[];
}

export interface CatalogPlaybook extends PlaybookSpec {
  /** Absolute path of the playbook file. */
  readonly file: string;
}

export interface PlaybookCatalog {
  /** Absolute path of the catalog file. */
  readonly file: string;
  readonly inventories: Readonly<Record<string, CatalogInventory>>;
  readonly playbooks: Readonly<Record<string, CatalogPlaybook>>;
}

export interface RepoConfig {
  readonly url: string;
  /** Branch or tag the working copy is pinned to. */
  readonly ref: string;
  /** Absolute path of the working copy. */
  readonly dir: string;
}

export type VaultConfig = { readonly kind: 'file'; readonly file: string } | { readonly kind: 'env'; readonly variable: string; readonly password: string };

export interface AnsibleConfig {
  /** The ansible-playbook executable (a path, or a name looked up in the passed PATH). */
  readonly binary: string;
  readonly pythonInterpreter: string;
  /** The whole environment ansible-playbook gets: the allowlisted variables plus the fixed ones. */
  readonly env: Readonly<Record<string, string>>;
  readonly vault: VaultConfig | null;
  /** Milliseconds between SIGTERM and SIGKILL to the process group on cancel. */
  readonly killGrace: number;
  /** Working directory of ansible-playbook (relative paths in variables resolve against it). */
  readonly workdir: string;
}

export interface PlaybooksConfig {
  readonly catalog: PlaybookCatalog;
  /** Fixed extra vars for every run (under the run's own). */
  readonly vars: VarValues;
  readonly repo: RepoConfig | null;
  readonly ansible: AnsibleConfig;
}

export interface SshHostConfig {
  readonly address: string;
  readonly port: number;
  readonly user: string;
}

export interface SshConfig {
  /** Absolute path of the known_hosts file the host keys are pinned in; null when no host is configured. */
  readonly knownHosts: string | null;
  /** Absolute path of the private key. */
  readonly privateKey: string | null;
  readonly connectTimeout: number;
  readonly commandTimeout: number;
  readonly hosts: Readonly<Record<string, SshHostConfig>>;
  /** Command id -> argv, run as given (each word quoted for the remote shell). */
  readonly commands: Readonly<Record<string, readonly string[]>>;
}

export type HealthTarget = { readonly kind: 'http'; readonly url: string } | { readonly kind: 'ssh'; readonly host: string; readonly command: string };

export interface StoreHealthConfig {
  readonly targets: Readonly<Record<Colour, HealthTarget>>;
  readonly frontend: string;
  /** The answer must mention the deployed version. */
  readonly expectVersion: boolean;
  readonly timeout: number;
  readonly interval: number;
  readonly requestTimeout: number;
}

export type TrafficConfig =
  | { readonly kind: 'haproxy'; readonly socket: string; readonly backend: string; readonly servers: Readonly<Record<Colour, string>>; readonly idleState: 'maint' | 'drain' }
  | {
      readonly kind: 'nginx';
      readonly binary: string;
      readonly prefix: string;
      readonly config: string;
      readonly errorLog: string;
      readonly include: string;
      readonly servers: Readonly<Record<Colour, string>>;
    }
  | { readonly kind: 'symlink'; readonly link: string; readonly targets: Readonly<Record<Colour, string>> };

export interface StoreConfig {
  readonly env: DeployEnv;
  readonly playbook: string;
  readonly limit: string | null;
  readonly connection: 'local' | 'ssh' | null;
  readonly vars: VarValues;
  readonly defaultVersion: string | null;
  readonly build: { readonly pipeline: string; readonly variables: Readonly<Record<string, string>> } | null;
  readonly approval: { readonly required: boolean };
  readonly health: StoreHealthConfig;
  readonly traffic: TrafficConfig;
}

export type StoresConfig = Readonly<Record<string, StoreConfig>>;
