import { Type } from '@sinclair/typebox';
import { formatDuration } from '../duration.js';
import type { JobsConfig } from '../types.js';
import { Duration, durationMs } from './duration.js';
import { defineSection, type SectionProblem } from './section.js';

const DEFAULTS = {
  timeout: '30m',
  queueWait: '1h',
  lockTtl: '60s',
  heartbeat: '10s',
  progressThrottle: '1s',
  outputLimit: 65_536,
} as const;

const JobsSchema = Type.Object(
  {
    timeout: Type.Optional(Duration({ default: DEFAULTS.timeout, description: 'Timeout of a job whose command sets none.' })),
    queueWait: Type.Optional(
      Duration({ default: DEFAULTS.queueWait, description: 'How long a job started with --queue may wait for its target to be free before it ends as timed_out. Its own timeout counts from when it starts.' }),
    ),
    lockTtl: Type.Optional(
      Duration({ default: DEFAULTS.lockTtl, description: 'A lock lease expires this long after its last heartbeat (e.g. when a replica dies).' }),
    ),
    heartbeat: Type.Optional(Duration({ default: DEFAULTS.heartbeat, description: 'How often a running job renews its lease. Must be shorter than lockTtl.' })),
    progressThrottle: Type.Optional(
      Duration({ default: DEFAULTS.progressThrottle, description: 'Minimum interval between progress updates reaching chat.' }),
    ),
    outputLimit: Type.Optional(
      Type.Integer({ minimum: 1024, maximum: 16_777_216, default: DEFAULTS.outputLimit, description: 'Bytes of job output kept (the tail).' }),
    ),
  },
  { additionalProperties: false, title: 'Jobs', description: 'Every side effect runs as a job: locked, audited, time-bounded.' },
);

export const jobsSection = defineSection({
  schema: JobsSchema,
  load(raw): JobsConfig {
    return {
      timeout: durationMs(raw?.timeout ?? DEFAULTS.timeout),
      queueWait: durationMs(raw?.queueWait ?? DEFAULTS.queueWait),
      lockTtl: durationMs(raw?.lockTtl ?? DEFAULTS.lockTtl),
      heartbeat: durationMs(raw?.heartbeat ?? DEFAULTS.heartbeat),
      progressThrottle: durationMs(raw?.progressThrottle ?? DEFAULTS.progressThrottle),
      outputLimit: raw?.outputLimit ?? DEFAULTS.outputLimit,
    };
  },
  check(jobs): SectionProblem[] {
    const problems: SectionProblem[] = [];
    for (const key of ['timeout', 'lockTtl', 'heartbeat'] as const) {
      if (jobs[key] === 0) problems.push({ path: [key], reason: 'must be longer than 0s' });
    }
    // A lease renewed less often than it expires is lost between heartbeats, and another replica
    // would take the lock of a job that is still running.
    if (jobs.heartbeat > 0 && jobs.heartbeat >= jobs.lockTtl) {
      problems.push({ path: ['heartbeat'], reason: `must be shorter than lockTtl (${formatDuration(jobs.lockTtl)})` });
    }
    return problems;
  },
});
