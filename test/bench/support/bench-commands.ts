/**
 * The commands the benchmarks dispatch. Both take the same three typed arguments; one is read-only
 * (runs inline), the other mutates (runs as a locked, audited job) and does nothing else, so the
 * figures measure opsbot's own machinery rather than a backend.
 */
import { defineCommand, msg } from '../../../src/core/index.js';

export const BENCH_ENVS = ['dev', 'staging', 'prod'] as const;

const args = {
  service: {
    type: 'string',
    description: 'Service name.',
    required: true,
    pattern: /^[a-z][a-z0-9-]{0,39}$/,
    patternHint: 'a service name such as api-1',
  },
  env: { type: 'string', description: 'Environment.', required: true, enum: BENCH_ENVS },
  count: { type: 'integer', description: 'How many.', required: true, min: 1, max: 100 },
} as const;

export const benchStatus = defineCommand({
  name: 'bench-status',
  summary: 'Benchmark: a read-only command with three typed arguments.',
  examples: ['bench-status --service api-1 --env prod --count 3'],
  args,
  permission: (a) => `bench:status:${a.env}`,
  sideEffect: 'none',
  run: (a) => msg.text(`${a.service} in ${a.env}: ${a.count} ok`),
});

export const benchTouch = defineCommand({
  name: 'bench-touch',
  summary: 'Benchmark: a mutating command that runs as a job and changes nothing.',
  examples: ['bench-touch --service api-1 --env prod --count 3'],
  args,
  permission: (a) => `bench:touch:${a.env}`,
  sideEffect: 'mutates',
  lock: (a) => `bench/${a.service}`,
  run: (a) => msg.text(`touched ${a.service} in ${a.env} (${a.count})`, 'success'),
});
