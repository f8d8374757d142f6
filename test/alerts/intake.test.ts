/**
 * POST /alerts/:source on a real fastify server: every fixture gets in with the right proof; wrong
 * proof, wrong types, bad JSON, wrong shapes and oversized bodies get a 4xx with a reason, never a
 * 5xx, and so do fixtures damaged in one place; duplicate deliveries post nothing new.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { AlertPipeline } from '../../src/core/alerts/pipeline.js';
import { AlertRouter } from '../../src/core/alerts/routing.js';
import { silentLogger } from '../../src/core/log.js';
import type { Store } from '../../src/core/store.js';
import { damaged } from '../support/mutate.js';
import { repoRoot, sharedDir } from '../support/shared.js';
import { at, engines, type Opened } from './support/fixtures.js';
import { alertsConfig, HMAC_SECRET, startIntake, TOKEN, type Intake } from './support/intake.js';
import { RecordingPoster, SETTINGS, SetClock } from './support/pipeline.js';

const sqlite = engines[0];
if (sqlite === undefined) throw new Error('no sqlite engine');

let opened: Opened;
let store: Store;
let intake: Intake;
let pipeline: AlertPipeline;
const poster = new RecordingPoster();
const clock = new SetClock(at(0));
const config = alertsConfig({ bodyLimit: 32_768 });

beforeAll(async () => {
  opened = await sqlite.open();
  store = opened.store;
  pipeline = new AlertPipeline({ store: store.alerts, router: new AlertRouter(config), poster, clock, logger: silentLogger, owner: 'test', settings: SETTINGS });
  intake = await startIntake({ store, config, pipeline, clock });
});

afterAll(async () => {
  await pipeline.stop();
  await intake.close();
  await store.close();
  await opened.dispose();
});

interface Sent {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

async function send(source: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<Sent> {
  const response = await fetch(`${intake.url}/alerts/${source}`, { method: 'POST', headers, body });
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

const json = { 'content-type': 'application/json' };
const bearer = { ...json, authorization: `Bearer ${TOKEN}` };
const basic = { ...json, authorization: `Basic ${Buffer.from('netdata:pw-3141').toString('base64')}` };
const sign = (body: string | Buffer, prefix = ''): string => createHmac('sha256', HMAC_SECRET).update(prefix).update(body).digest('hex');
const fixture = (folder: string, file: string): Buffer => readFileSync(join(sharedDir(), 'fixtures', folder, file));

function authFor(source: string, body: Buffer): Record<string, string> {
  if (source === 'grafana') return { ...json, 'x-grafana-alerting-signature': sign(body) };
  if (source === 'netdata') return basic;
  return bearer;
}

describe('every fixture through HTTP', () => {
  const skip = new Set(['upstream_docs_webhook_format.txt', 'FIELDS.md', 'media_mattermost_parameters.yaml', 'cloud_webhook_fields.md', 'create_alert_response_202_blackout.json']);
  const cases = ['alertmanager', 'grafana', 'uptime-kuma', 'zabbix', 'netdata', 'alerta'].flatMap((folder) => readdirSync(join(sharedDir(), 'fixtures', folder)).filter((f) => !skip.has(f)).map((file) => ({ folder, file })));

  it.each(cases)('$folder/$file is accepted (202)', async ({ folder, file }) => {
    let body = fixture(folder, file);
    let headers = authFor(folder, body);
    if (file.endsWith('.txt')) {
      const text = body.toString('utf8');
      headers = { ...bearer, 'content-type': text.slice(0, text.indexOf('\n')).replace(/^Content-Type:\s*/i, '').trim() };
      body = Buffer.from(text.slice(text.indexOf('\n') + 1).replace(/^\r?\n/, '').replace(/\r?\n/g, '\r\n'));
    }
    const sent = await send(folder, body, headers);
    expect(sent.status, JSON.stringify(sent.body)).toBe(202);
    expect(sent.body.received).toBeGreaterThan(0);
  });

  it('the blackout answer (no alert in it) is refused with 422 and a reason', async () => {
    const sent = await send('alerta', fixture('alerta', 'create_alert_response_202_blackout.json'), bearer);
    expect(sent).toMatchObject({ status: 422, body: { error: expect.stringMatching(/no resource\/event/) } });
  });
});

describe('refusals', () => {
  const am = fixture('alertmanager', 'zulip_fixture_alert_two_firing.json');

  it('unknown and disabled sources are 404', async () => {
    expect(await send('nagios', am, bearer)).toMatchObject({ status: 404, body: { error: 'unknown alert source "nagios"' } });
    expect(await send('generic', am, bearer)).toMatchObject({ status: 404, body: { error: 'alert source "generic" is not enabled' } });
  });

  it('missing or forged credentials are 401, with the scheme to use', async () => {
    expect(await send('alertmanager', am, json)).toMatchObject({ status: 401, body: { error: 'missing Authorization: Bearer <token>' } });
    expect(await send('alertmanager', am, { ...json, authorization: `Bearer ${TOKEN}x` })).toMatchObject({ status: 401, body: { error: 'wrong token' } });
    expect(await send('alertmanager', am, { ...json, authorization: 'Bearer' })).toMatchObject({ status: 401 });
    expect((await send('alerta', fixture('alerta', 'create_alert_request.json'), { ...json, authorization: `Key ${TOKEN}` })).status).toBe(202);
    expect(await send('netdata', fixture('netdata', 'constructed_alert_critical.json'), { ...json, authorization: `Basic ${Buffer.from('netdata:nope').toString('base64')}` })).toMatchObject({ status: 401, body: { error: 'wrong credentials' } });
    const response = await fetch(`${intake.url}/alerts/alertmanager`, { method: 'POST', headers: json, body: am });
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('grafana signatures: forged, missing, not hex, or over another body are 401', async () => {
    const body = fixture('grafana', 'docs_webhook_notifier_example.json');
    expect((await send('grafana', body, { ...json, 'x-grafana-alerting-signature': sign(body) })).status).toBe(202);
    expect(await send('grafana', body, { ...json, 'x-grafana-alerting-signature': sign(Buffer.concat([body, Buffer.from(' ')])) })).toMatchObject({ status: 401, body: { error: 'signature does not match the body' } });
    expect(await send('grafana', body, json)).toMatchObject({ status: 401, body: { error: 'missing signature header x-grafana-alerting-signature' } });
    expect(await send('grafana', body, { ...json, 'x-grafana-alerting-signature': 'zz' })).toMatchObject({ status: 401 });
    expect(await send('grafana', body, { ...json, 'x-grafana-alerting-signature': createHmac('sha256', 'other').update(body).digest('hex') })).toMatchObject({ status: 401 });
  });

  it('wrong or missing content types are 415, malformed JSON 400, wrong shapes 422', async () => {
    expect(await send('alertmanager', am, { ...bearer, 'content-type': 'text/plain' })).toMatchObject({ status: 415, body: { error: expect.stringMatching(/"text\/plain" is not accepted here; send application\/json/) } });
    expect(await send('alertmanager', am, { authorization: `Bearer ${TOKEN}` })).toMatchObject({ status: 415 });
    expect(await send('alertmanager', am, { ...bearer, 'content-type': 'multipart/form-data; boundary=x' })).toMatchObject({ status: 415 });
    expect(await send('alertmanager', '{"alerts": [', bearer)).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^the body is not valid JSON/) } });
    expect(await send('alertmanager', '', bearer)).toMatchObject({ status: 400 });
    expect(await send('alertmanager', '{"alerts": "no"}', bearer)).toMatchObject({ status: 422, body: { error: expect.stringMatching(/`\/alerts` must be array/) } });
  });

  it('oversized bodies are 413', async () => {
    const big = JSON.stringify({ alerts: [], padding: 'x'.repeat(40_000) });
    const sent = await send('alertmanager', big, bearer);
    expect(sent.status).toBe(413);
    expect(String(sent.body.error)).toMatch(/too large/i);
  });

  it('never answers 5xx to garbage', async () => {
    const types = ['application/json', 'text/plain', 'multipart/form-data; boundary=b', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16', ''];
    const sources = ['alertmanager', 'grafana', 'uptime-kuma', 'zabbix', 'netdata', 'alerta', 'generic', '..%2f', 'x'.repeat(300)];
    const bodies = [
      '',
      'null',
      '[]',
      '"x"',
      '{}',
      '{"alerts":[{}]}',
      '{"alerts":[{"labels":null}]}',
      '{"heartbeat":{"monitorID":"x"}}',
      '--b\r\nContent-Disposition: form-data; name="data"\r\n\r\n{bad\r\n--b--',
      '{"event_id":"1","event_value":"7"}',
      '\u0000\u0001',
      randomBytes(64).toString('latin1'),
    ];
    for (const source of sources) {
      for (const type of types) {
        for (const body of bodies) {
          const payload = Buffer.from(body);
          const headers: Record<string, string> = { ...(type === '' ? {} : { 'content-type': type }), authorization: `Bearer ${TOKEN}`, 'x-grafana-alerting-signature': sign(payload) };
          const sent = await send(source, payload, headers);
          expect(sent.status, `${source} ${type} ${JSON.stringify(body)} → ${JSON.stringify(sent.body)}`).toBeGreaterThanOrEqual(200);
          expect(sent.status, `${source} ${type} ${JSON.stringify(body)} → ${JSON.stringify(sent.body)}`).toBeLessThan(500);
          if (sent.status >= 400) expect(typeof sent.body.error).toBe('string');
        }
      }
    }
  });
});

describe('duplicate deliveries', () => {
  it('record the alerts once and post nothing new', async () => {
    // A run label makes these alerts new to the store (the fixture itself came in above).
    const parsed = JSON.parse(fixture('alertmanager', 'msteams_12_alerts.json').toString('utf8')) as { alerts: { labels: Record<string, string> }[] };
    for (const a of parsed.alerts) a.labels.run = 'duplicates';
    const body = JSON.stringify(parsed);
    poster.take();
    clock.set(at(1000));
    const first = await send('alertmanager', body, bearer);
    // Every count, and nothing else, whatever serializes the answer.
    expect(first).toMatchObject({ status: 202 });
    expect(first.body).toEqual({ received: 12, new: 12, changed: 0, duplicates: 0, stale: 0, silenced: 0, maintenance: 0, unrouted: 0 });
    await pipeline.tick();
    // Twelve new groups at once (and a few older ones due too): one storm digest (threshold 5), not a post each.
    const posts = poster.take();
    expect(posts).toHaveLength(1);
    expect(posts[0]?.message.title).toMatch(/^\[STORM\] 1[2-9] alert groups firing$/);
    for (let i = 0; i < 3; i++) {
      const again = await send('alertmanager', body, bearer);
      expect(again).toMatchObject({ status: 202, body: { received: 12, new: 0, changed: 0, duplicates: 12 } });
      clock.set(at(1001 + i));
      await pipeline.tick();
    }
    expect(poster.take()).toEqual([]);
  });
});

describe('the Zabbix media type opsbot ships', () => {
  it("its script posts a body opsbot accepts, with the token and the problem's start", async () => {
    const exported = parseYaml(readFileSync(join(repoRoot, 'src/alert-sources/zabbix/opsbot-media-type.yaml'), 'utf8')) as {
      zabbix_export: { media_types: { name: string; type: string; script: string; parameters: { name: string; value: string }[] }[] };
    };
    const [media] = exported.zabbix_export.media_types;
    expect(media?.type).toBe('WEBHOOK');
    // What Zabbix would pass after macro expansion: the parameters, with sample values.
    const values: Record<string, string> = { opsbot_url: `${intake.url}/alerts/zabbix`, opsbot_token: TOKEN };
    const sample = JSON.parse(fixture('zabbix', 'constructed_value_problem.json').toString('utf8')) as Record<string, string>;
    for (const p of media?.parameters ?? []) if (!(p.name in values)) values[p.name] = sample[p.name] ?? p.value;
    const requests: { url: string; body: string; headers: string[] }[] = [];
    class HttpRequest {
      private readonly headers: string[] = [];
      addHeader(h: string): void {
        this.headers.push(h);
      }
      setProxy(): void {}
      post(url: string, body: string): string {
        requests.push({ url, body, headers: this.headers });
        return '{}';
      }
      getStatus(): number {
        return 202;
      }
    }
    const result: unknown = runInNewContext(`(function () {\n${media?.script ?? ''}\n})()`, { value: JSON.stringify(values), HttpRequest, Zabbix: { log: () => undefined } });
    expect(result).toBe('OK');
    expect(requests).toHaveLength(1);
    const [request] = requests;
    expect(request?.headers).toEqual(['Content-Type: application/json', `Authorization: Bearer ${TOKEN}`]);
    const posted = JSON.parse(request?.body ?? '{}') as Record<string, string>;
    expect(posted).not.toHaveProperty('opsbot_token');
    expect(posted.starts_at).toMatch(/^2024-05-1[34]T\d\d:02:11Z$/);
    const sent = await send('zabbix', request?.body ?? '', { 'content-type': 'application/json', authorization: (request?.headers[1] ?? '').replace(/^Authorization: /, '') });
    expect(sent).toMatchObject({ status: 202, body: { received: 1 } });
  });

  it('its script fails loudly when opsbot refuses', () => {
    const exported = parseYaml(readFileSync(join(repoRoot, 'src/alert-sources/zabbix/opsbot-media-type.yaml'), 'utf8')) as { zabbix_export: { media_types: { script: string }[] } };
    class HttpRequest {
      addHeader(): void {}
      post(): string {
        return '{"error":"wrong token"}';
      }
      getStatus(): number {
        return 401;
      }
    }
    const run = (): unknown => runInNewContext(`(function () {\n${exported.zabbix_export.media_types[0]?.script ?? ''}\n})()`, { value: JSON.stringify({ opsbot_url: 'http://x/alerts/zabbix', opsbot_token: 't', event_id: '1' }), HttpRequest, Zabbix: { log: () => undefined } });
    expect(run).toThrow(/opsbot answered HTTP 401: \{"error":"wrong token"\}/);
  });
});

// Last: what the damaged deliveries leave in the store must not change the tests above.
describe('damaged fixtures', () => {
  const SOURCES = ['alertmanager', 'grafana', 'uptime-kuma', 'zabbix', 'netdata', 'alerta'];
  const samples = SOURCES.flatMap((source) =>
    readdirSync(join(sharedDir(), 'fixtures', source))
      .filter((file) => file.endsWith('.json'))
      .map((file) => ({ source, body: JSON.parse(fixture(source, file).toString('utf8')) as unknown })),
  );

  it('whatever one node of an upstream payload is changed to (or removed), the answer is never a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(damaged(samples, (sample) => sample.body), async ({ sample, value }) => {
        const body = Buffer.from(JSON.stringify(value) ?? '');
        const sent = await send(sample.source, body, authFor(sample.source, body));
        const what = `${sample.source} ${body.toString('utf8')} → ${sent.status} ${JSON.stringify(sent.body)}`;
        expect(sent.status, what).toBeGreaterThanOrEqual(200);
        expect(sent.status, what).toBeLessThan(500);
        if (sent.status >= 400) expect(sent.body.error, what).toEqual(expect.any(String));
      }),
      { numRuns: 400 },
    );
  });
});
