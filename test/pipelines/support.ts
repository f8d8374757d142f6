/** Contract specs, contract examples and upstream fixtures for the pipeline tests. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ContractReply } from '../support/contract/contract-server.js';
import { freePort } from '../support/ports.js';
import { readShared, sharedDir } from '../support/shared.js';

export const jenkinsSpec = (): string => join(sharedDir(), 'contracts', 'jenkins', 'jenkins-remote-access.openapi.yaml');
export const gitlabSpec = (): string => join(sharedDir(), 'contracts', 'gitlab', 'gitlab-pipelines.openapi.yaml');

type Json = Record<string, unknown>;

export interface UpstreamBuild {
  readonly number: number;
  readonly actions: readonly { readonly parameters?: readonly { readonly name: string; readonly value: string | number }[] }[];
}

export const jenkins = {
  crumb: () => readShared<{ crumb: string; crumbRequestField: string }>('contracts', 'jenkins', 'examples', 'crumb.response.json'),
  queueWaiting: () => readShared<Json>('contracts', 'jenkins', 'examples', 'queue-item.waiting.json'),
  queueLeft: () => readShared<Json>('contracts', 'jenkins', 'examples', 'queue-item.left.json'),
  queueCancelled: () => readShared<Json>('contracts', 'jenkins', 'examples', 'queue-item.cancelled.json'),
  buildRunning: () => readShared<Json>('contracts', 'jenkins', 'examples', 'build.running.json'),
  buildFinished: () => readShared<Json>('contracts', 'jenkins', 'examples', 'build.finished.json'),
  /** pycontribs/jenkinsapi's BUILD_DATA (see fixtures/SOURCES.md). */
  upstreamBuild: () => readShared<UpstreamBuild & Json>('fixtures', 'jenkins', 'jenkinsapi_BUILD_DATA.json'),
  upstreamParameters: (build: UpstreamBuild) => build.actions.flatMap((a) => a.parameters ?? []),
};

/** The console log of the contract's progressive-text example, completed with the end of the run. */
function consoleLog(): string {
  const example = readFileSync(join(sharedDir(), 'contracts', 'jenkins', 'examples', 'progressive-text.http.txt'), 'utf8');
  const body = example.split('X-More-Data: true\n\n')[1]?.split('\n--- next poll')[0] ?? '';
  return `${body}\n[Pipeline] }\n[Pipeline] // stage\n[Pipeline] End of Pipeline\nFinished: SUCCESS\n`;
}

const LOG = consoleLog();
// The first chunk ends in the middle of a line, as Jenkins' byte offsets allow.
const CUT = Buffer.byteLength(LOG.slice(0, LOG.indexOf('+ ./deploy.sh') + 5));
const BYTES = Buffer.from(LOG, 'utf8');

/** Serves the log in two chunks with X-Text-Size and (for the first) X-More-Data, like Stapler's LargeText. */
export function progressiveText(start: number): ContractReply {
  const end = start < CUT ? CUT : BYTES.length;
  const text = BYTES.subarray(start, end).toString('utf8');
  return { status: 200, body: text, headers: { 'x-text-size': String(end), ...(end < BYTES.length ? { 'x-more-data': 'true' } : {}) } };
}
progressiveText.lines = LOG.split('\n').slice(0, -1);
progressiveText.offsets = [0, CUT];

export const gitlab = {
  pipeline: () => readShared<Json & { id: number; project_id: number }>('contracts', 'gitlab', 'examples', 'pipeline.response.json'),
  jobs: () => readShared<(Json & { name: string; status: string })[]>('contracts', 'gitlab', 'examples', 'pipeline-jobs.response.json'),
  hookExample: () => readShared<Json>('contracts', 'gitlab', 'examples', 'pipeline-hook.json'),
  /** Upstream Pipeline Hook payloads (fixtures/SOURCES.md). */
  gitlab4jPipelineEvent: () => readShared<Json>('fixtures', 'gitlab', 'gitlab4j_pipeline_event.json'),
  goGitlabPipeline: () => readShared<Json>('fixtures', 'gitlab', 'go-gitlab_pipeline.json'),
  goGitlabBuild: () => readShared<Json>('fixtures', 'gitlab', 'go-gitlab_build_created.json'),
};

/**
 * A loopback port nothing listens on: connections are refused. From freePort, not `listen(0)` and
 * close, which another worker's server listening on port 0 could then be given (ports.ts).
 */
export function closedPort(): Promise<number> {
  return freePort();
}
