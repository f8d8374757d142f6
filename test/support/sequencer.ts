/**
 * The order test files start in. Workers take the next file as they free up, so a long file that
 * starts last keeps the whole run waiting for it alone. vitest starts the files that took longest
 * last time first, but only when it has a record of last time (node_modules/.vite): a fresh CI clone
 * has none, and then it goes by file size, which puts some of the slowest files near the end. These
 * files, the slowest ones (real ansible-playbook runs, opsbot processes, dockerd, sshd), always start
 * first, in this order; the rest keep vitest's order.
 */
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

export const SLOW_FILES: readonly string[] = [
  'test/scaling/ansible.test.ts',
  'test/e2e/cli.test.ts',
  'test/deploy/e2e.test.ts',
  'test/deploy/demo.test.ts',
  'test/backends/ansible.test.ts',
  'test/scaling/docker.test.ts',
  'test/deploy/crash-e2e.test.ts',
  'test/store/store.test.ts',
  'test/backends/ssh.test.ts',
  'test/scaling/compose-v2.test.ts',
  'test/store/retention.test.ts',
  'test/backends/git.test.ts',
  'test/teams/e2e.test.ts',
  'test/e2e/heap-policy.test.ts',
  'test/http/serve.test.ts',
  'test/e2e/recovery.test.ts',
];

export class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (spec: TestSpecification): number => {
      const at = SLOW_FILES.indexOf(relative(spec.project.config.root, spec.moduleId).replaceAll('\\', '/'));
      return at === -1 ? SLOW_FILES.length : at;
    };
    // Array.prototype.sort is stable: files not listed keep vitest's order among themselves.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}
