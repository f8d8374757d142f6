/**
 * Process groups. Children we start are `detached` (their own group, led by the child), so a cancel
 * can signal the whole tree: ansible-playbook, its forked workers, ssh, the modules they run.
 */

/** Sends `signal` to every process of the group led by `pid`; false if the group is gone. */
export function signalGroup(pid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** True while any process of the group led by `pid` exists. */
export function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch (error: unknown) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * SIGTERM to the group, SIGKILL after `graceMs` if anything is left; resolves once the group is
 * gone (or after a final bounded wait, so a stuck kernel cannot hang the job forever).
 */
export async function terminateGroup(pid: number, graceMs: number): Promise<boolean> {
  signalGroup(pid, 'SIGTERM');
  const until = Date.now() + graceMs;
  while (groupAlive(pid) && Date.now() < until) await pause(50);
  if (!groupAlive(pid)) return true;
  signalGroup(pid, 'SIGKILL');
  const last = Date.now() + 5_000;
  while (groupAlive(pid) && Date.now() < last) await pause(50);
  return !groupAlive(pid);
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
