/**
 * Blue/green with a symlink: the frontend serves from `link`, which points at the live colour's
 * directory. A switch creates a new symlink beside it and renames it over the old one, which is
 * atomic: every request sees one colour or the other. Used by the demo store on one machine.
 */
import { randomBytes } from 'node:crypto';
import { readlink, rename, stat, symlink, unlink } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { COLOURS, type Colour } from '../../core/deploy/types.js';
import { BackendError } from '../../core/errors.js';
import type { Switcher } from './switcher.js';

export class SymlinkSwitcher implements Switcher {
  constructor(private readonly options: { readonly link: string; readonly targets: Readonly<Record<Colour, string>> }) {}

  async live(): Promise<Colour | null> {
    let target: string;
    try {
      target = resolve(dirname(this.options.link), await readlink(this.options.link));
    } catch (error: unknown) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new BackendError(`Cannot read the symlink ${this.options.link}: ${(error as Error).message}`, 'symlink', { cause: error });
    }
    return COLOURS.find((c) => resolve(this.options.targets[c]) === target) ?? null;
  }

  async switchTo(colour: Colour, signal: AbortSignal): Promise<void> {
    signal.throwIfAborted();
    const target = this.options.targets[colour];
    const info = await stat(target).catch(() => null);
    if (info === null || !info.isDirectory()) throw new BackendError(`${target} (${colour}) is not a directory: deploy it first.`, 'symlink');
    const temp = `${this.options.link}.opsbot-${randomBytes(4).toString('hex')}`;
    await symlink(target, temp);
    try {
      await rename(temp, this.options.link);
    } catch (error: unknown) {
      await unlink(temp).catch(() => undefined);
      throw new BackendError(`Cannot repoint ${this.options.link}: ${(error as Error).message}`, 'symlink', { cause: error });
    }
  }
}
