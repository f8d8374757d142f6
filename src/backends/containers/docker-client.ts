/**
 * A dockerode client for a configured Docker host (`unix:///path` or `tcp://host:port`), and the
 * Engine's errors in its own words.
 */
import type Docker from 'dockerode';
import { BackendError } from '../../core/errors.js';

/**
 * The client, made on first use: dockerode (and its HTTP stack) is loaded only by a process that
 * really talks to Docker, not by every `opsbot serve` whose config names a Compose or Swarm service.
 */
export function dockerClient(dockerHost: string | null): () => Promise<Docker> {
  let client: Promise<Docker> | null = null;
  return () =>
    (client ??= import('dockerode').then(({ default: DockerClient }) => {
      // No host configured: the client's own default (DOCKER_HOST if set, else /var/run/docker.sock), as the CLI does.
      if (dockerHost === null) return new DockerClient();
      if (dockerHost.startsWith('unix://')) return new DockerClient({ socketPath: dockerHost.slice('unix://'.length) });
      const url = new URL(dockerHost.replace(/^tcp:/, 'http:'));
      return new DockerClient({ host: url.hostname, port: Number(url.port === '' ? 2375 : url.port), protocol: 'http' });
    }));
}

/** `connect ENOENT /var/run/docker.sock`, `(HTTP code 404) no such service - service web not found`, … */
export function dockerError(error: unknown, what: string, where: string, signal: AbortSignal): Error {
  if (signal.aborted) return signal.reason as Error;
  const record = (typeof error === 'object' && error !== null ? error : {}) as { statusCode?: unknown; json?: unknown; message?: unknown; code?: unknown };
  const json = record.json as { message?: unknown } | null | undefined;
  const said = typeof json?.message === 'string' ? json.message : typeof record.message === 'string' ? record.message : String(error);
  if (typeof record.statusCode === 'number') return new BackendError(`Docker refused ${what} (${record.statusCode}): ${said}`, 'docker', { cause: error });
  return new BackendError(`Cannot reach Docker at ${where} for ${what}: ${said}`, 'docker', { cause: error });
}
