/** `opsbot shell`: an interactive session, like talking to the bot in a channel. */
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { ShellSession } from './session.js';

export interface ReplOptions {
  readonly input: Readable;
  readonly output: Writable;
  readonly banner: string;
}

/**
 * Reads lines until `exit`, `quit` or end of input. Lines are handled one after another, so the output
 * of a job is never interleaved with the next command's. Ctrl-C while a job runs cancels it; at the
 * prompt it leaves, as in other shells.
 */
export async function runRepl(session: ShellSession, options: ReplOptions): Promise<void> {
  const interactive = 'isTTY' in options.input && options.input.isTTY === true;
  const rl = createInterface({ input: options.input, output: options.output, terminal: interactive, prompt: 'opsbot> ' });
  const onInterrupt = (): void => {
    void session.interrupt().then((cancelled) => {
      if (!cancelled) rl.close();
    });
  };
  // A terminal in raw mode hands Ctrl-C to readline; piped input leaves it a signal to the process.
  rl.on('SIGINT', onInterrupt);
  if (!interactive) process.on('SIGINT', onInterrupt);
  options.output.write(`${options.banner}\n`);
  if (interactive) rl.prompt();
  for await (const raw of rl) {
    const line = raw.trim();
    if (line === 'exit' || line === 'quit') break;
    if (line !== '') await session.handle(line);
    if (interactive) rl.prompt();
  }
  rl.close();
  process.off('SIGINT', onInterrupt);
}
