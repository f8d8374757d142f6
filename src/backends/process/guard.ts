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

/**
 * Plain CommonJS for `node -e`: argv is [grace ms, file, ...args]. opsbot starts the guard with execa
 * and an argument array; the guard starts the program with node's own spawn, also with an argument
 * array and never a shell. Not execa there: code run with `-e` would have to import it by URL, and
 * loading it costs about 140 ms more per playbook run before the playbook starts (the deploy
 * benchmark's bot overhead measured 882 ms with it, 160 ms without, in the same hour).
 */
const GUARD_SOURCE = `'use strict';
const { spawn } = require('node:child_process');
const { constants } = require('node:os');
const [graceText, file, ...args] = process.argv.slice(1);
const graceMs = Number(graceText);
let orphaned = false;
const killGroup = (signal) => { try { process.kill(-process.pid, signal); } catch {} };
const child = spawn(file, args, { stdio: ['ignore', 'inherit', 'inherit'] });
child.on('error', (error) => {
  process.stderr.write(file + ': ' + error.message + '\\n');
  process.exit(error.code === 'ENOENT' ? 127 : 126);
});
child.on('exit', (code, signal) => {
  if (orphaned) killGroup('SIGKILL');
  process.exit(code ?? 128 + (constants.signals[signal] ?? 0));
});
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
`;

/** Exit code of the guard when the program could not be found. */
export const GUARD_NOT_FOUND = 127;

/**
 * The file and argv that run `file args…` under the guard. Spawn them `detached` (so the guard leads
 * a new group) with stdin a pipe that is never written nor closed until the run is over.
 */
export function guardedCommand(file: string, args: readonly string[], graceMs: number): { readonly file: string; readonly args: readonly string[] } {
  return { file: process.execPath, args: ['-e', GUARD_SOURCE, '--', String(graceMs), file, ...args] };
}
