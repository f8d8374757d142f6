/** The operational endpoints, through fastify's inject on the real app and store. */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createHttpServer } from '../../src/http/server.js';
import { lockableServices, people, removeTempDirs, startTestApp, type TestApp } from '../support/app.js';

let t: TestApp;
let http: FastifyInstance;
let draining: boolean;

beforeEach(async () => {
  t = await startTestApp({ config: lockableServices('web') });
  draining = false;
  http = createHttpServer({ store: t.store, metrics: t.app.metrics, logger: t.app.logger, isDraining: () => draining });
  await http.ready();
});

afterEach(async () => {
  await http.close();
  await t.close();
});

afterAll(() => removeTempDirs());

/** The value of one sample line of the Prometheus text format, or null if absent. */
function sample(body: string, series: string): number | null {
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? null : Number(line.slice(series.length + 1));
}

describe('GET /healthz', () => {
  it('answers 200 while the process runs', async () => {
    const res = await http.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });
});

describe('GET /readyz', () => {
  it('answers 200 with the store engine when the store answers', async () => {
    const res = await http.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ready', store: 'sqlite' });
  });

  it('answers 503 when the store does not answer', async () => {
    await t.store.close();
    const res = await http.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: 'unavailable', reason: 'store unreachable' });
  });

  it('answers 503 while draining, so load balancers stop sending traffic', async () => {
    draining = true;
    const res = await http.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: 'draining' });
  });
});

describe('GET /metrics', () => {
  it('counts commands by outcome and jobs by state', async () => {
    await t.say('help');
    await t.say('help');
    await t.say('lock web', people.sam);
    await t.runJob('lock web');
    await t.runJob('lock web');

    const res = await http.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    const body = res.body;
    expect(sample(body, 'opsbot_commands_total{command="help",outcome="ok"}')).toBe(2);
    expect(sample(body, 'opsbot_commands_total{command="lock",outcome="denied"}')).toBe(1);
    expect(sample(body, 'opsbot_commands_total{command="lock",outcome="accepted"}')).toBe(2);
    expect(sample(body, 'opsbot_jobs{state="succeeded"}')).toBe(1);
    expect(sample(body, 'opsbot_jobs{state="failed"}')).toBe(1);
    expect(sample(body, 'opsbot_jobs{state="running"}')).toBe(0);
    expect(sample(body, 'opsbot_jobs_finished_total{command="lock",state="failed"}')).toBe(1);
    // Process and Node.js metrics under their standard names, as stock dashboards expect them.
    expect(body).toMatch(/^process_cpu_seconds_total \d/m);
    expect(body).toMatch(/^nodejs_heap_size_used_bytes \d/m);
    expect(body).not.toContain('opsbot_process_');
    // The answer-time histogram: cumulative buckets, +Inf equal to the count, a sum.
    expect(body).toContain('# TYPE opsbot_command_duration_seconds histogram');
    expect(body).toContain('# TYPE opsbot_commands_total counter');
    expect(sample(body, 'opsbot_command_duration_seconds_count{command="help"}')).toBe(2);
    expect(sample(body, 'opsbot_command_duration_seconds_bucket{le="+Inf",command="help"}')).toBe(2);
    expect(sample(body, 'opsbot_command_duration_seconds_count{command="lock"}')).toBe(3);
    const buckets = [...body.matchAll(/^opsbot_command_duration_seconds_bucket\{le="([^"]+)",command="lock"\} (\d+)$/gm)].map((m) => [m[1], Number(m[2])] as const);
    expect(buckets.map(([le]) => le)).toEqual(['0.001', '0.005', '0.01', '0.05', '0.1', '0.5', '1', '3', '+Inf']);
    expect(buckets.every(([, n], i) => i === 0 || n >= (buckets[i - 1]?.[1] ?? 0))).toBe(true);
    expect(sample(body, 'opsbot_command_duration_seconds_sum{command="lock"}')).toBeGreaterThan(0);
  });

  it('answers an unknown route with a 404, not a 5xx', async () => {
    const res = await http.inject({ method: 'GET', url: '/nope' });
    expect(res.statusCode).toBe(404);
  });
});
