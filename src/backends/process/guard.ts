/**
 * A child that must not outlive opsbot. A playbook is started through a small guard process (node
 * itself, running GUARD_SOURCE): the guard leads the process group opsbot made for the run, starts
 * the real program in that group, and holds the read end of a pipe whose write end only opsbot
 * holds. When opsbot dies in any way (SIGKILL, OOM, a crash), the kernel closes that pipe, the guard
 * reads end-of-file and ends the whole group as a cancel would (SIGTERM, SIGKILL after the grace). So
 * a playbook never goes on changing hosts unsupervised, after recovery has freed its lock.
 *
 * Without it, ansible-playbook in its own group survives opsbot and stops only when it next writes
 * to its dead stdout (EPIPE): the tasks in flight, however long, ran on.
 *
 * The guard exits with the program's code (127 when it cannot be started), so the caller reads the
 * run as before. A cancel signals the group: the guard dies with it, which changes nothing.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/**
 * Plain CommonJS for `node -e`: argv is [execa's module URL, grace ms, file, ...args]. It starts the
 * program with execa, as everything in opsbot does (an argument array, never a shell), imported by
 * the URL opsbot resolved: code run with `-e` has no package to resolve it from. The lifeline is
 * watched before execa loads, and a parent gone by then starts nothing.
 */
const GUARD_SOURCE = `'use strict';
const { constants } = require('node:os');
const [execaUrl, graceText, file, ...args] = process.argv.slice(1);
const graceMs = Number(graceText);
let orphaned = false;
const killGroup = (signal) => { try { process.kill(-process.pid, signal); } catch {} };
const parentGone = () => {
  if (orphaned) return;
  orphaned = true;
  process.on('SIGTERM', () => undefined);
  killGroup('SIGTERM');
  setTimeout(() => killGroup('SIGKILL'), graceMs).unref();
};
process.stdin.on('end', parentGone);
process.stdin.on('error', parentGone);
process.stdin.resume();
import(execaUrl).then(async ({ execa }) => {
  if (orphaned) process.exit(1);
  const result = await execa(file, args, { stdin: 'ignore', stdout: 'inherit', stderr: 'inherit', reject: false });
  if (orphaned) killGroup('SIGKILL');
  if (result.exitCode === undefined && result.signal === undefined) {
    process.stderr.write(file + ': ' + (result.originalMessage || result.shortMessage) + '\\n');
    process.exit(result.code === 'ENOENT' ? 127 : 126);
  }
  process.exit(result.exitCode ?? 128 + (constants.signals[result.signal] ?? 0));
});
`;

/** Where the guard imports execa from: opsbot's own copy (resolved on the first run, not at start-up). */
let execaUrl: string | null = null;

/** Exit code of the guard when the program could not be found. */
export const GUARD_NOT_FOUND = 127;

/**
 * The file and argv that run `file args…` under the guard. Spawn them `detached` (so the guard leads
 * a new group) with stdin a pipe that is never written nor closed until the run is over.
 */
export function guardedCommand(file: string, args: readonly string[], graceMs: number): { readonly file: string; readonly args: readonly string[] } {
  execaUrl ??= pathToFileURL(createRequire(import.meta.url).resolve('execa')).href;
  return { file: process.execPath, args: ['-e', GUARD_SOURCE, '--', execaUrl, String(graceMs), file, ...args] };
}
