/**
 * One HTTP health probe: GET with a timeout, honouring the job's signal; 2xx is healthy, and when a
 * version is expected the body must contain it (so a colour still serving the old release is not
 * mistaken for the new one).
 */
import type { HealthOutcome } from '../../core/deploy/ports.js';

const MAX_BODY = 64 * 1024;

export interface ProbeOptions {
  readonly timeoutMs: number;
  readonly version: string | null;
  readonly signal: AbortSignal;
}

export async function httpProbe(url: string, options: ProbeOptions): Promise<HealthOutcome> {
  options.signal.throwIfAborted();
  try {
    const response = await fetch(url, {
      signal: AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]),
      redirect: 'manual',
      headers: { 'user-agent': 'opsbot-health', connection: 'close' },
    });
    const body = (await response.text()).slice(0, MAX_BODY);
    if (response.status < 200 || response.status > 299) return { healthy: false, attempts: 1, detail: `HTTP ${response.status}` };
    if (options.version !== null && !containsVersion(body, options.version)) {
      return { healthy: false, attempts: 1, detail: `HTTP ${response.status} but not version ${options.version} (${snippet(body)})` };
    }
    return { healthy: true, attempts: 1, detail: `HTTP ${response.status}${options.version === null ? '' : ` (version ${options.version})`}` };
  } catch (error: unknown) {
    if (options.signal.aborted) throw options.signal.reason instanceof Error ? options.signal.reason : error;
    return { healthy: false, attempts: 1, detail: describeFetchError(error, options.timeoutMs) };
  }
}

/** The version as a whole token: `1.4.2` must not match `1.4.20`. */
export function containsVersion(body: string, version: string): boolean {
  const escaped = version.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?:^|[^A-Za-z0-9._+-])${escaped}(?:$|[^A-Za-z0-9._+-])`).test(body);
}

function snippet(body: string): string {
  const one = body.trim().replace(/\s+/g, ' ');
  return one.length > 60 ? `${one.slice(0, 59)}…` : one || 'empty body';
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return `no answer within ${timeoutMs} ms`;
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : null;
  const code = cause !== null && 'code' in cause ? String(cause.code) : null;
  return code ?? (cause?.message ?? (error instanceof Error ? error.message : String(error)));
}
