/**
 * The BuildPort until a pipeline backend (Jenkins, GitLab) is wired in: stores without `build`
 * never call it; a store that names a pipeline gets a clear error instead of a silent skip.
 */
import type { BuildPort } from '../../core/deploy/ports.js';
import { BackendError } from '../../core/errors.js';

export const noPipelines: BuildPort = {
  run(pipeline) {
    return Promise.reject(new BackendError(`The store's build pipeline \`${pipeline}\` cannot run: no pipeline backend (Jenkins, GitLab) is configured in this opsbot.`, 'build'));
  },
};
