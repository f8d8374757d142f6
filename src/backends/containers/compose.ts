/**
 * A Docker Compose service, scaled with `<compose> --project-name P [--file F] up -d --no-recreate
 * --scale S=N S` through execa (an argument array; every word comes from the config or is a number).
 * Both the v2 plugin (`docker compose`) and the v1 binary (`docker-compose`) work; `auto` uses the
 * plugin when `docker compose version` answers, else the v1 binary.
 *
 * Counts are read from the Engine by Compose's own container labels (project, service, not one-off):
 * both Compose versions set them, while their `ps` differ (v1's `ps --filter status=running -q` does
 * not filter, v2 hides stopped containers). A replica is ready when its container runs and, if it has
 * a healthcheck, is healthy, and it has stayed up for at least a second.
 */
import type Docker from 'dockerode';
import { BackendError, ConflictError } from '../../core/errors.js';
import type { Orchestrator, ReplicaCount } from '../../core/scaling/ports.js';
import { dockerClient, dockerError } from './docker-client.js';

export interface ComposeSettings {
  readonly project: string;
  readonly service: string;
  readonly file: string | null;
  readonly command: 'auto' | 'plugin' | 'standalone';
  readonly dockerHost: string | null;
  readonly env: Readonly<Record<string, string>>;
  /** Executables, overridable for tests and unusual installs. */
  readonly dockerBinary?: string;
  readonly composeBinary?: string;
}

export type ComposeFlavour = 'plugin' | 'standalone';

export class ComposeOrchestrator implements Orchestrator {
  readonly kind = 'compose' as const;
  readonly target: string;
  private readonly docker: () => Promise<Docker>;
  private readonly where: string;
  private flavour: Promise<ComposeFlavour> | null = null;

  constructor(private readonly settings: ComposeSettings) {
    this.docker = dockerClient(settings.dockerHost);
    this.where = settings.dockerHost ?? 'the default Docker host';
    this.target = `Compose service ${settings.service} of project ${settings.project}`;
  }

  async read(signal: AbortSignal): Promise<ReplicaCount> {
    const labels = [`com.docker.compose.project=${this.settings.project}`, `com.docker.compose.service=${this.settings.service}`, 'com.docker.compose.oneoff=False'];
    let containers: Docker.ContainerInfo[];
    try {
      containers = await (await this.docker()).listContainers({ all: true, filters: { label: labels }, abortSignal: signal });
    } catch (error: unknown) {
      throw dockerError(error, `the containers of ${this.settings.project}/${this.settings.service}`, this.where, signal);
    }
    // A container that has not stayed up for a second is not ready yet: one that crashes at start
    // (a crash loop) would otherwise be counted in the instant it runs. Docker's list API says so in
    // its Status text ("Up Less than a second"), which saves an inspect call per container.
    const ready = containers.filter((c) => c.State === 'running' && !/\((?:unhealthy|health: starting)\)/.test(c.Status) && !/^Up Less than a second/.test(c.Status)).length;
    return { desired: containers.length, ready };
  }

  async scale(replicas: number, expected: number, signal: AbortSignal): Promise<void> {
    const now = await this.read(signal);
    if (now.desired !== expected) throw new ConflictError(`${this.settings.project}/${this.settings.service} changed meanwhile (it has ${now.desired} containers, not ${expected}); look again and retry.`);
    await this.compose(['up', '-d', '--no-recreate', '--scale', `${this.settings.service}=${replicas}`, this.settings.service], signal);
  }

  /** Which Compose runs: the configured one, or (auto) the plugin if it answers, else v1. */
  detect(signal: AbortSignal): Promise<ComposeFlavour> {
    if (this.settings.command !== 'auto') return Promise.resolve(this.settings.command);
    this.flavour ??= import('execa')
      .then(({ execa }) => execa(this.dockerBinary(), ['compose', 'version'], { env: this.env(), extendEnv: false, cancelSignal: signal, reject: false, timeout: 20_000 }))
      .then(
      (r): ComposeFlavour => {
        if (signal.aborted) throw signal.reason as Error;
        return r.exitCode === 0 ? 'plugin' : 'standalone';
      },
    );
    // A detection cut short (cancelled job) must not stick: the next call asks again.
    return this.flavour.catch((error: unknown) => {
      this.flavour = null;
      throw error;
    });
  }

  /** The argv of one Compose call (exposed so tests can show exactly what runs). */
  async argv(args: readonly string[], signal: AbortSignal): Promise<{ file: string; args: string[] }> {
    const common = ['--project-name', this.settings.project, ...(this.settings.file === null ? [] : ['--file', this.settings.file]), ...args];
    return (await this.detect(signal)) === 'plugin'
      ? { file: this.dockerBinary(), args: ['compose', ...common] }
      : { file: this.settings.composeBinary ?? 'docker-compose', args: common };
  }

  private async compose(args: readonly string[], signal: AbortSignal): Promise<void> {
    const { file, args: argv } = await this.argv(args, signal);
    // Loaded on first use, like dockerode: most processes never run Compose.
    const { execa, ExecaError } = await import('execa');
    try {
      await execa(file, argv, { env: this.env(), extendEnv: false, cancelSignal: signal, forceKillAfterDelay: 5_000, stdin: 'ignore', all: true });
    } catch (error: unknown) {
      if (signal.aborted) throw signal.reason as Error;
      if (error instanceof ExecaError) {
        if (error.code === 'ENOENT') throw new BackendError(`\`${file}\` is not installed here (needed for ${this.target}).`, 'compose', { cause: error });
        const said = String(error.all ?? error.stderr ?? '').trim().split('\n').slice(-5).join('\n');
        throw new BackendError(`\`${[file, ...argv].join(' ')}\` failed (exit ${String(error.exitCode ?? error.signal ?? '?')}): ${said || error.shortMessage}`, 'compose', { cause: error });
      }
      throw error;
    }
  }

  private dockerBinary(): string {
    return this.settings.dockerBinary ?? 'docker';
  }

  /**
   * Exactly the environment the config gives Compose (the basics and Docker's own variables from
   * opsbot's, see config/schema/services.ts, plus its `env`); never the rest of opsbot's environment
   * (bot tokens, the database URL, webhook secrets), which a Compose file could interpolate into a
   * container or a CLI plugin could read.
   */
  private env(): Record<string, string> {
    return { ...this.settings.env, ...(this.settings.dockerHost === null ? {} : { DOCKER_HOST: this.settings.dockerHost }) };
  }
}
