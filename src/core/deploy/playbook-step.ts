/** Runs a catalogued playbook as one step of a flow: live task progress, log lines, recap. */
import { BackendError } from '../errors.js';
import type { FlowContext } from './context.js';
import type { PlaybookRunRequest } from './ports.js';
import type { HostRecap, PlaybookResult } from './types.js';

export async function runPlaybookStep(
  ctx: FlowContext,
  request: Omit<PlaybookRunRequest, 'onEvent' | 'signal'>,
  onTask: (name: string, index: number) => void,
): Promise<PlaybookResult> {
  const result = await ctx.deploy.playbooks.run({
    ...request,
    signal: ctx.signal,
    onEvent: (event) => {
      if (event.kind === 'task') {
        ctx.log(`TASK [${event.name}]`);
        onTask(event.name, event.index);
      } else {
        ctx.log(`  ${event.status}: ${event.host}${event.message === null ? '' : ` — ${event.message}`}`);
      }
    },
  });
  for (const line of recapLines(result.recap)) ctx.log(line);
  return result;
}

export function recapLines(recap: readonly HostRecap[]): string[] {
  return recap.map((h) => `${h.host}: ok=${h.ok} changed=${h.changed} failed=${h.failed} unreachable=${h.unreachable} skipped=${h.skipped}`);
}

/** The error for a playbook run that did not succeed: the first failures and the recap. */
export function playbookFailure(what: string, result: PlaybookResult): BackendError {
  const failures = result.failures.slice(0, 3).map((f) => `${f.host}: ${f.task}: ${f.message}`);
  const unreachable = result.recap.filter((h) => h.unreachable > 0).map((h) => h.host);
  const reason =
    failures.length > 0
      ? failures.join('; ')
      : unreachable.length > 0
        ? `unreachable: ${unreachable.join(', ')}`
        : `ansible-playbook exited with code ${result.exitCode}`;
  const recap = recapLines(result.recap).join('\n');
  return new BackendError(`${what} failed: ${reason}.`, 'ansible', recap === '' ? {} : { hint: recap });
}
