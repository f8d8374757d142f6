/**
 * Every benchmark `npm run bench` runs, in this order. To add one: write `./<name>.ts` exporting a
 * Benchmark and add it here; `node dist/test/bench/run.js <name>` runs it alone.
 */
import { dispatchBenchmark } from './dispatch.js';
import { jobsBenchmark } from './jobs.js';
import type { Benchmark } from './types.js';
import { mattermostBenchmark } from './mattermost.js';
import { alertsBenchmark } from './alerts.js';
import { deployBenchmark } from './deploy.js';

export const benchmarks: readonly Benchmark[] = [dispatchBenchmark, jobsBenchmark, mattermostBenchmark, alertsBenchmark, deployBenchmark];
