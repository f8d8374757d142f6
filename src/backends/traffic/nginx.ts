/**
 * Blue/green on nginx: the upstream block includes one file naming the live colour's server. A
 * switch writes the new include to a temporary file and renames it over the old one (atomic), checks
 * the whole config with `nginx -t`, and reloads (old workers finish their requests). A failed check
 * or reload puts the previous include back: the include is what `live()` reads, so it must keep
 * naming what nginx serves. Every nginx call gets `-p -c -e`.
 */
import { randomBytes } from 'node:crypto';
import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import type { Colour } from '../../core/deploy/types.js';
import { COLOURS } from '../../core/deploy/types.js';
import { BackendError } from '../../core/errors.js';
import type { Switcher } from './switcher.js';

export interface NginxOptions {
  readonly binary: string;
  readonly prefix: string;
  readonly config: string;
  readonly errorLog: string;
  readonly include: string;
  readonly servers: Readonly<Record<Colour, string>>;
}

/** nginx gets no environment of opsbot's, only a fixed PATH for anything it might exec. */
const NGINX_ENV = { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' };

export class NginxSwitcher implements Switcher {
  constructor(private readonly options: NginxOptions) {}

  async live(): Promise<Colour | null> {
    const servers = await this.includedServers();
    const live = COLOURS.filter((c) => servers.includes(this.options.servers[c]));
    return live.length === 1 ? (live[0] ?? null) : null;
  }

  async switchTo(colour: Colour, signal: AbortSignal): Promise<void> {
    const { include, servers } = this.options;
    const previous = await readFile(include, 'utf8').catch(() => null);
    await replaceFile(include, `# written by opsbot: ${colour} is live\nserver ${servers[colour]};\n`);
    const test = await this.nginx(['-t', '-q'], signal);
    if (test.exitCode !== 0) {
      await this.restore(previous);
      throw new BackendError(`nginx -t rejected the switch to ${colour}, the previous upstream is back: ${oneLine(test.stderr)}`, 'nginx');
    }
    const reload = await this.nginx(['-s', 'reload'], signal);
    if (reload.exitCode !== 0) {
      // A failed `-s reload` signalled no master (no pid file, or no such process), so nginx, if it
      // runs at all, still serves the old upstream. Left in place, the new include would make
      // `live()`, `status` and the next deploy's settling of this switch believe the switch happened.
      await this.restore(previous);
      throw new BackendError(`nginx -s reload failed, the previous upstream is back and nothing was switched: ${oneLine(reload.stderr)}`, 'nginx');
    }
  }

  /** Puts back the include as it was before a switch (absent stays absent). */
  private async restore(previous: string | null): Promise<void> {
    if (previous !== null) await replaceFile(this.options.include, previous);
    else await unlink(this.options.include).catch(() => undefined);
  }

  private async includedServers(): Promise<string[]> {
    let text: string;
    try {
      text = await readFile(this.options.include, 'utf8');
    } catch (error: unknown) {
      throw new BackendError(`Cannot read the nginx upstream include ${this.options.include}: ${error instanceof Error ? error.message : String(error)}`, 'nginx', { cause: error });
    }
    return [...text.replace(/#.*$/gm, '').matchAll(/\bserver\s+([^\s;]+)[^;]*;/g)].map((m) => m[1] ?? '');
  }

  private async nginx(args: string[], signal: AbortSignal): Promise<{ exitCode: number; stderr: string }> {
    const { binary, prefix, config, errorLog } = this.options;
    // execa loads on first use: a process that never switches nginx traffic does not carry it.
    const { execa } = await import('execa');
    const result = await execa(binary, [...args, '-p', prefix, '-c', config, '-e', errorLog], {
      env: NGINX_ENV,
      extendEnv: false,
      cancelSignal: signal,
      reject: false,
      stdin: 'ignore',
      timeout: 30_000,
    });
    if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('aborted');
    if ((result as { code?: string }).code === 'ENOENT') throw new BackendError(`${binary} was not found.`, 'nginx');
    return { exitCode: result.exitCode ?? -1, stderr: String(result.stderr) };
  }
}

/** Write a temporary file beside `file`, then rename it over `file`: readers see old or new, never half. */
export async function replaceFile(file: string, content: string): Promise<void> {
  const temp = `${file}.opsbot-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(temp, content, { mode: 0o644 });
    await rename(temp, file);
  } catch (error: unknown) {
    // A full disk or a read-only directory: leave no half-written temporary file beside the include.
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}

function oneLine(text: string): string {
  return text.trim().split('\n').slice(-3).join(' ') || 'no output';
}
