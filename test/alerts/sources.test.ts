/**
 * Every upstream sample in ../shared/fixtures for the alert sources parses into valid Alerts (the
 * few files that are documentation, not payloads, are skipped with a reason), the contract
 * examples in ../shared/contracts/alerts validate against their schemas and parse, and bad input
 * is refused with a typed error that says why.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { describe, expect, it } from 'vitest';
import { AlertPayloadError, alertSources, decodePayload } from '../../src/alert-sources/index.js';
import type { Payload } from '../../src/alert-sources/payload.js';
import { labelsFingerprint } from '../../src/core/alerts/fingerprint.js';
import { ALERT_SEVERITIES, type Alert, type AlertSourceName } from '../../src/core/alerts/model.js';
import { sharedDir } from '../support/shared.js';

const receivedAt = new Date('2026-01-15T12:00:00Z');
const FOLDERS: Readonly<Record<string, AlertSourceName>> = {
  alertmanager: 'alertmanager',
  grafana: 'grafana',
  'uptime-kuma': 'uptime-kuma',
  zabbix: 'zabbix',
  netdata: 'netdata',
  alerta: 'alerta',
};

/** Files that are not payloads, skipped on purpose. */
const NOT_PAYLOADS: Readonly<Record<string, string>> = {
  'alertmanager/upstream_docs_webhook_format.txt': 'the docs template with <placeholders> and // comments, not a body',
  'uptime-kuma/FIELDS.md': 'a field list written from upstream code',
  'zabbix/media_mattermost_parameters.yaml': "Zabbix's media type parameter list (the macros), not a body",
  'netdata/cloud_webhook_fields.md': "Netdata Cloud's field tables",
};

/** Payload-looking files that carry no alert: refused with a reason, never a crash. */
const NO_ALERT: Readonly<Record<string, RegExp>> = {
  'alerta/create_alert_response_202_blackout.json': /no resource\/event/,
};

function fixture(folder: string, file: string): Buffer {
  return readFileSync(join(sharedDir(), 'fixtures', folder, file));
}

/** `.txt` form-data samples start with their Content-Type header line. */
function request(folder: string, file: string): { contentType: string; body: Buffer } {
  const raw = fixture(folder, file);
  if (!file.endsWith('.txt')) return { contentType: 'application/json', body: raw };
  const text = raw.toString('utf8');
  const firstLine = text.slice(0, text.indexOf('\n'));
  return { contentType: firstLine.replace(/^Content-Type:\s*/i, '').trim(), body: Buffer.from(text.slice(text.indexOf('\n') + 1).replace(/^\r?\n/, '')) };
}

function parseAs(source: AlertSourceName, contentType: string, body: Buffer): Alert[] {
  const s = alertSources[source];
  return s.parse(decodePayload(contentType, body, s.accepts), { receivedAt });
}

function parseFixture(folder: string, file: string): Alert[] {
  const { contentType, body } = request(folder, file);
  return parseAs(FOLDERS[folder] ?? 'generic', contentType, body);
}

function json(value: unknown): Payload {
  return { kind: 'json', value };
}

function expectValid(alert: Alert, source: AlertSourceName): void {
  expect(alert.source).toBe(source);
  expect(alert.fingerprint).toMatch(/\S/);
  expect(['firing', 'resolved']).toContain(alert.status);
  expect(ALERT_SEVERITIES).toContain(alert.severity);
  expect(alert.labels.alertname).toMatch(/\S/);
  expect(alert.summary).toMatch(/\S/);
  expect(alert.summary).not.toContain('\n');
  for (const value of Object.values(alert.labels)) expect(typeof value).toBe('string');
  for (const url of Object.values(alert.links)) expect(url).toMatch(/^https?:\/\//);
  for (const t of [alert.startsAt, alert.endsAt]) if (t !== null) expect(Number.isNaN(t.getTime())).toBe(false);
}

describe('every upstream fixture for the alert sources', () => {
  const files = Object.keys(FOLDERS).flatMap((folder) => readdirSync(join(sharedDir(), 'fixtures', folder)).map((file) => ({ folder, file, key: `${folder}/${file}` })));

  it('covers the six systems, skipping only the listed non-payloads', () => {
    expect(files.length).toBeGreaterThanOrEqual(40);
    for (const key of Object.keys({ ...NOT_PAYLOADS, ...NO_ALERT })) expect(files.map((f) => f.key)).toContain(key);
  });

  it.each(files.filter((f) => !(f.key in NOT_PAYLOADS) && !(f.key in NO_ALERT)))('$key parses into valid alerts', ({ folder, file }) => {
    const alerts = parseFixture(folder, file);
    expect(alerts.length).toBeGreaterThan(0);
    for (const alert of alerts) expectValid(alert, FOLDERS[folder] ?? 'generic');
  });

  it.each(Object.entries(NO_ALERT))('%s is refused with a reason', (key, reason) => {
    const [folder = '', file = ''] = key.split('/');
    const error = ((): unknown => {
      try {
        parseFixture(folder, file);
        return null;
      } catch (e: unknown) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(AlertPayloadError);
    expect((error as AlertPayloadError).kind).toBe('invalid');
    expect((error as AlertPayloadError).reason).toMatch(reason);
  });
});

describe('alertmanager', () => {
  it('reads version 3 with a numeric groupKey beyond 2^53, offsets and no fingerprint', () => {
    const [alert] = parseFixture('alertmanager', 'alerta_test_prometheus_v3_numeric_groupkey.json');
    expect(alert).toMatchObject({ status: 'firing', severity: 'critical', summary: 'Connect fail', endsAt: null });
    expect(alert?.startsAt?.toISOString()).toBe('2016-08-01T10:27:08.008Z');
    // No fingerprint in the body: Prometheus' own label-set hash, as Alertmanager would compute it.
    expect(alert?.fingerprint).toBe(labelsFingerprint(alert?.labels ?? {}));
    expect(alert?.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(alert?.links.silence).toMatch(/^http:\/\/alertmanager\.host:9093\/#\/silences\/new\?filter=/);
  });

  it('keeps the source fingerprint and per-alert annotations, nanosecond times and zero endsAt', () => {
    const alerts = parseFixture('alertmanager', 'zulip_fixture_alert_two_firing.json');
    expect(alerts.map((a) => a.fingerprint)).toEqual(['a1bc48475b20e73d', 'c2ea85182f28cbd9']);
    expect(alerts.map((a) => a.labels.host)).toEqual(['andromeda', 'andromeda']);
    expect(alerts[0]?.startsAt?.toISOString()).toBe('2020-02-06T00:17:58.432Z');
    expect(alerts[0]?.endsAt).toBeNull();
    expect(alerts[0]?.links.source).toMatch(/^http:\/\/cobalt:9090\/graph\?/);
  });

  it('takes the top-level status when alerts carry none, and reads -05:00 offsets', () => {
    const [alert] = parseFixture('alertmanager', 'msteams_prom_post_request.json');
    expect(alert).toMatchObject({ status: 'firing', severity: 'warning', summary: 'Server High Memory usage' });
    expect(alert?.startsAt?.toISOString()).toBe('2018-03-07T11:33:21.873Z');
  });

  it('copes with a body missing status and alertname (resolved by its endsAt, named "(unnamed)")', () => {
    const [alert] = parseFixture('alertmanager', 'prom2teams_without_status_and_alertname.json');
    expect(alert).toMatchObject({ status: 'resolved', severity: 'error', fingerprint: 'dd19ae3d4e06ac55', summary: 'disk usage 73% on rootfs device' });
    expect(alert?.labels.alertname).toBe('(unnamed)');
  });

  it('links runbooks and drops links that are not http(s)', () => {
    const [alert] = parseFixture('alertmanager', 'prom2teams_extra_annotations.json');
    expect(alert?.links.runbook).toBe('https://cs30-evilcorp-runbooks.com/rootfs-device-high-disk-usage');
    expect(alert?.links.source).toBeUndefined(); // generatorURL "my.prometheusserver.url"
    expect(alert?.links.silence).toBeUndefined(); // externalURL is not a URL either
  });
});

describe('grafana', () => {
  it('reads unified alerting with silence, dashboard and runbook links', () => {
    const alerts = parseFixture('grafana', 'docs_webhook_notifier_example.json');
    expect(alerts.map((a) => a.fingerprint)).toEqual(['c6eadffa33fcdf37', 'bc97ff14869b13e3']);
    expect(alerts[0]?.links).toMatchObject({ runbook: 'https://myrunbook.com/runbook/1234', source: 'https://play.grafana.org/alerting/1afz29v7z/edit' });
    expect(alerts[0]?.links.silence).toMatch(/^https:\/\/play\.grafana\.org\/alerting\/silence\/new/);
    expect(alerts[0]?.links.dashboard).toBeUndefined(); // "" in the body
  });

  it('keeps each alert its own status in a mixed firing/resolved body', () => {
    const alerts = parseFixture('grafana', 'zulip_fixture_grafana9_mixed_firing_resolved.json');
    expect(alerts.map((a) => a.status)).toEqual(['resolved', 'resolved', 'firing']);
    expect(alerts[0]?.endsAt?.toISOString()).toBe('2022-06-17T01:08:28.652Z');
  });

  it('reads legacy alerting, where ok resolves the alerting rule (same fingerprint)', () => {
    const [firing] = parseFixture('grafana', 'legacy_alerta_test_grafana_alerting.json');
    const [ok] = parseFixture('grafana', 'legacy_alerta_test_grafana_ok.json');
    expect(firing).toMatchObject({ status: 'firing', summary: 'boom!' });
    expect(firing?.labels).toMatchObject({ alertname: 'Zeta CPU alert', rule_id: '7' });
    expect(ok?.status).toBe('resolved');
    expect(ok?.fingerprint).toBe(firing?.fingerprint);
  });

  it('turns legacy tags into labels (severity from the tag)', () => {
    const [alert] = parseFixture('grafana', 'legacy_alerta_test_grafana_6.json');
    expect(alert?.severity).toBe('warning');
    expect(alert?.labels).toMatchObject({ environment: 'Staging', service: 'Physical' });
    expect(alert?.annotations.values).toContain('Battery Voltage (millivolts)=23644.5');
  });
});

describe('uptime-kuma', () => {
  it('makes down and up one alert per monitor: firing, then resolved', () => {
    const [down] = parseFixture('uptime-kuma', 'constructed_down.json');
    const [up] = parseFixture('uptime-kuma', 'constructed_up_recovered.json');
    expect(down).toMatchObject({ status: 'firing', severity: 'critical', summary: '[Café API – prod] [🔴 Down] timeout of 48000ms exceeded' });
    expect(down?.labels).toMatchObject({ alertname: 'MonitorDown', monitor: 'Café API – prod', monitor_id: '3', region: 'eu-west' });
    expect(down?.startsAt?.toISOString()).toBe('2025-03-14T09:26:53.123Z');
    expect(up?.status).toBe('resolved');
    expect(up?.fingerprint).toBe(down?.fingerprint);
    expect(up?.endsAt?.toISOString()).toBe('2025-03-14T09:31:54.871Z');
  });

  it('reads the form-data variant as the same alert', () => {
    const [fromForm] = parseFixture('uptime-kuma', 'constructed_form_data_body.txt');
    const [fromJson] = parseFixture('uptime-kuma', 'constructed_down.json');
    expect(fromForm).toEqual(fromJson);
  });

  it('keeps notices (test, certificate expiry) as short-lived alerts whose id survives the day count', () => {
    const [cert] = parseFixture('uptime-kuma', 'constructed_cert_expiry.json');
    expect(cert).toMatchObject({ severity: 'warning', status: 'firing' });
    expect(cert?.endsAt?.getTime()).toBeGreaterThan(receivedAt.getTime());
    const tomorrow = JSON.parse(fixture('uptime-kuma', 'constructed_cert_expiry.json').toString('utf8')) as { msg: string };
    tomorrow.msg = tomorrow.msg.replace('in 7 days', 'in 6 days');
    expect(alertSources['uptime-kuma'].parse(json(tomorrow), { receivedAt })[0]?.fingerprint).toBe(cert?.fingerprint);
    const [test] = parseFixture('uptime-kuma', 'constructed_test_notification.json');
    expect(test).toMatchObject({ severity: 'info', labels: { alertname: 'TestNotification' } });
  });
});

describe('zabbix', () => {
  it('reads the media type parameters: problem, update and recovery are one alert (event id)', () => {
    const [problem] = parseFixture('zabbix', 'constructed_value_problem.json');
    const [update] = parseFixture('zabbix', 'constructed_value_update_ack.json');
    const [recovery] = parseFixture('zabbix', 'constructed_value_recovery.json');
    expect(problem).toMatchObject({ fingerprint: '8812', status: 'firing', severity: 'warning', summary: 'Linux: High CPU utilization (over 90% for 5m) on web-01' });
    expect(problem?.labels).toEqual({ class: 'os', component: 'cpu', scope: 'performance', target: 'linux', alertname: 'Linux: High CPU utilization (over 90% for 5m)', instance: 'web-01', trigger_id: '23011' });
    expect(problem?.links.source).toBe('https://zabbix.example.com/tr_events.php?triggerid=23011&eventid=8812');
    expect(update).toMatchObject({ fingerprint: '8812', status: 'firing' });
    expect(update?.labels).not.toHaveProperty('__mattermost_post_id');
    expect(recovery).toMatchObject({ fingerprint: '8812', status: 'resolved' });
    expect(recovery?.labels.alertname).toBe(problem?.labels.alertname);
  });

  it('reads the flat shape: problem and OK share the trigger id, a missing hostname is tolerated', () => {
    const [problem] = parseFixture('zabbix', 'zulip_fixture_zabbix_alert_problem.json');
    const [ok] = parseFixture('zabbix', 'zulip_fixture_zabbix_ok.json');
    const [noHost] = parseFixture('zabbix', 'zulip_fixture_zabbix_missing_hostname.json');
    expect(problem).toMatchObject({ status: 'firing', severity: 'warning', labels: { instance: 'www.example.com' } });
    expect(ok?.status).toBe('resolved');
    expect(ok?.fingerprint).toBe(problem?.fingerprint);
    expect(noHost?.labels.instance).toBeUndefined();
  });

  it('accepts the parameters wrapped as the script\'s raw `value` (object or JSON text)', () => {
    const params = JSON.parse(fixture('zabbix', 'constructed_value_problem.json').toString('utf8')) as unknown;
    const direct = alertSources.zabbix.parse(json(params), { receivedAt });
    expect(alertSources.zabbix.parse(json({ value: params }), { receivedAt })).toEqual(direct);
    expect(alertSources.zabbix.parse(json({ value: JSON.stringify(params) }), { receivedAt })).toEqual(direct);
  });
});

describe('netdata', () => {
  it('reads Cloud alert notifications: critical then clear is one alert', () => {
    const [critical] = parseFixture('netdata', 'constructed_alert_critical.json');
    const [clear] = parseFixture('netdata', 'constructed_alert_clear.json');
    expect(critical).toMatchObject({ status: 'firing', severity: 'critical', labels: { alertname: '10min_cpu_usage', instance: 'web-01', chart: 'system.cpu' } });
    expect(clear?.status).toBe('resolved');
    expect(clear?.fingerprint).toBe(critical?.fingerprint);
  });

  it('reads reachability: unreachable fires, reachable resolves', () => {
    const [down] = parseFixture('netdata', 'constructed_reachability_unreachable.json');
    const [up] = parseFixture('netdata', 'constructed_reachability_reachable.json');
    expect(down).toMatchObject({ status: 'firing', severity: 'critical', labels: { alertname: 'NodeUnreachable', instance: 'web-01' } });
    expect(up?.status).toBe('resolved');
    expect(up?.fingerprint).toBe(down?.fingerprint);
  });
});

describe('alerta', () => {
  it('identifies an alert by environment, resource and event (correlated events included)', () => {
    const [request] = parseFixture('alerta', 'create_alert_request.json');
    const [created] = parseFixture('alerta', 'create_alert_response_201.json');
    const [searched] = parseFixture('alerta', 'search_alerts_response.json');
    expect(request).toMatchObject({ status: 'firing', severity: 'error', summary: 'Site is down.', labels: { alertname: 'HttpServerError', instance: 'web01', environment: 'Production' } });
    expect(created?.fingerprint).toBe(request?.fingerprint);
    expect(searched?.fingerprint).toBe(request?.fingerprint);
    const ok = alertSources.alerta.parse(json({ resource: 'web01', event: 'HttpServerOK', environment: 'Production', severity: 'normal', correlate: ['HttpServerError', 'HttpServerOK'] }), { receivedAt });
    expect(ok[0]).toMatchObject({ status: 'resolved', fingerprint: request?.fingerprint });
  });

  it('reads history entries as alerts', () => {
    const alerts = parseFixture('alerta', 'alert_history_response.json');
    expect(alerts).toHaveLength(2);
    expect(alerts[0]?.links.source).toBe('http://localhost:8080/alert/17d8e7ea-b3ba-4bb1-9c5a-29e60865f258');
  });
});

describe('the contracts in ../shared/contracts/alerts', () => {
  const ajv = new Ajv({ strict: false, allErrors: true });
  const compiled = new Map<string, ValidateFunction>();
  const contract = (name: string): ValidateFunction => {
    let validate = compiled.get(name);
    if (validate === undefined) {
      validate = ajv.compile(JSON.parse(readFileSync(join(sharedDir(), 'contracts', 'alerts', name), 'utf8')) as object);
      compiled.set(name, validate);
    }
    return validate;
  };
  const example = (name: string): Buffer => readFileSync(join(sharedDir(), 'contracts', 'alerts', 'examples', name));
  const cases: { schema: string; example: string; source: AlertSourceName }[] = [
    { schema: 'alertmanager-webhook-v4.schema.json', example: 'alertmanager-webhook.firing.json', source: 'alertmanager' },
    { schema: 'alertmanager-webhook-v4.schema.json', example: 'alertmanager-webhook.resolved.json', source: 'alertmanager' },
    { schema: 'grafana-webhook.schema.json', example: 'grafana-webhook.firing.json', source: 'grafana' },
    { schema: 'uptime-kuma-webhook.schema.json', example: 'uptime-kuma-webhook.down.json', source: 'uptime-kuma' },
    { schema: 'uptime-kuma-webhook.schema.json', example: 'uptime-kuma-webhook.up.json', source: 'uptime-kuma' },
    { schema: 'uptime-kuma-webhook.schema.json', example: 'uptime-kuma-webhook.test.json', source: 'uptime-kuma' },
    { schema: 'zabbix-webhook.schema.json', example: 'zabbix-webhook.problem.json', source: 'zabbix' },
    { schema: 'zabbix-webhook.schema.json', example: 'zabbix-webhook.recovery.json', source: 'zabbix' },
    { schema: 'alerta-alert.schema.json', example: 'netdata-alerta.critical.json', source: 'alerta' },
    { schema: 'alerta-alert.schema.json', example: 'netdata-alerta.cleared.json', source: 'alerta' },
    { schema: 'alerta-alert.schema.json', example: 'netdata-alerta.critical.json', source: 'netdata' },
  ];

  it.each(cases)('$example fits $schema and parses as $source', ({ schema, example: name, source }) => {
    const validate = contract(schema);
    const body = example(name);
    expect(validate(JSON.parse(body.toString('utf8'))), JSON.stringify(validate.errors)).toBe(true);
    const alerts = parseAs(source, 'application/json', body);
    expect(alerts.length).toBeGreaterThan(0);
    for (const alert of alerts) expectValid(alert, source);
  });

  it('accepts every fixture the contract schemas accept (our schemas are never stricter)', () => {
    const pairs: [string, string, string][] = [
      ['alertmanager-webhook-v4.schema.json', 'alertmanager', 'alertmanager'],
      ['grafana-webhook.schema.json', 'grafana', 'grafana'],
      ['uptime-kuma-webhook.schema.json', 'uptime-kuma', 'uptime-kuma'],
      ['zabbix-webhook.schema.json', 'zabbix', 'zabbix'],
      ['alerta-alert.schema.json', 'alerta', 'alerta'],
    ];
    let fitting = 0;
    for (const [schema, folder] of pairs) {
      const validate = contract(schema);
      for (const file of readdirSync(join(sharedDir(), 'fixtures', folder)).filter((f) => f.endsWith('.json'))) {
        if (!validate(JSON.parse(fixture(folder, file).toString('utf8')))) continue;
        fitting += 1;
        expect(parseFixture(folder, file).length, `${folder}/${file}`).toBeGreaterThan(0);
      }
    }
    expect(fitting).toBeGreaterThan(5);
  });

  it('agrees: zabbix problem and recovery are one alert; netdata via alerta: critical then cleared', () => {
    const [problem] = parseAs('zabbix', 'application/json', example('zabbix-webhook.problem.json'));
    const [recovery] = parseAs('zabbix', 'application/json', example('zabbix-webhook.recovery.json'));
    expect(problem).toMatchObject({ fingerprint: '184467', status: 'firing', severity: 'error', labels: { scope: 'performance', service: 'db', instance: 'db-1' } });
    expect(problem?.startsAt).toBeNull(); // no zone in {EVENT.DATE} {EVENT.TIME}: not guessed
    expect(recovery).toMatchObject({ fingerprint: '184467', status: 'resolved' });
    const [critical] = parseAs('netdata', 'application/json', example('netdata-alerta.critical.json'));
    const [cleared] = parseAs('netdata', 'application/json', example('netdata-alerta.cleared.json'));
    expect(critical).toMatchObject({ source: 'netdata', status: 'firing', severity: 'critical' });
    expect(cleared).toMatchObject({ status: 'resolved', fingerprint: critical?.fingerprint });
  });
});

describe('bad input', () => {
  const refused = (source: AlertSourceName, contentType: string | undefined, body: string): AlertPayloadError => {
    try {
      const s = alertSources[source];
      s.parse(decodePayload(contentType, Buffer.from(body), s.accepts), { receivedAt });
    } catch (error: unknown) {
      if (error instanceof AlertPayloadError) return error;
      throw error;
    }
    throw new Error('expected a refusal');
  };

  it('malformed JSON is `malformed`, with the parser\'s reason', () => {
    const e = refused('alertmanager', 'application/json', '{"alerts": [');
    expect(e.kind).toBe('malformed');
    expect(e.reason).toMatch(/^the body is not valid JSON \(/);
  });

  it('wrong or missing content types are `unsupported_media`; form-data only where the source sends it', () => {
    expect(refused('alertmanager', 'text/plain', '{}').kind).toBe('unsupported_media');
    expect(refused('alertmanager', undefined, '{}').reason).toMatch(/\(none\).*application\/json/);
    expect(refused('grafana', 'multipart/form-data; boundary=x', '--x--').kind).toBe('unsupported_media');
    expect(refused('alertmanager', 'application/json; charset=latin1', '{}').reason).toMatch(/charset/);
  });

  it('valid JSON of the wrong shape is `invalid`, naming where', () => {
    expect(refused('alertmanager', 'application/json', '{"alerts": [{"labels": {"a": 1}}]}').reason).toMatch(/`\/alerts\/0\/labels\/a` must be string/);
    expect(refused('alertmanager', 'application/json', '[]').reason).toMatch(/must be object/);
    expect(refused('generic', 'application/json', '{"alerts": [{"status": "firing", "labels": {}}]}').reason).toMatch(/alertname/);
    expect(refused('zabbix', 'application/json', '{"hello": "world"}').kind).toBe('invalid');
    expect(refused('uptime-kuma', 'multipart/form-data; boundary=b', '--b\r\nContent-Disposition: form-data; name="other"\r\n\r\nx\r\n--b--').reason).toMatch(/`data` field/);
    expect(refused('uptime-kuma', 'multipart/form-data; boundary=b', 'no boundary here').kind).toBe('malformed');
  });

  it('tolerates unknown extra fields everywhere', () => {
    const body = JSON.parse(fixture('alertmanager', 'zulip_fixture_alert_two_firing.json').toString('utf8')) as { alerts: Record<string, unknown>[] } & Record<string, unknown>;
    const before = alertSources.alertmanager.parse(json(body), { receivedAt });
    body.newTopLevel = { nested: [1, 2] };
    for (const a of body.alerts) a.somethingNew = 'x';
    expect(alertSources.alertmanager.parse(json(body), { receivedAt })).toEqual(before);
  });
});

describe('generic', () => {
  it('reads the documented format, with or without the alerts wrapper', () => {
    const one = { status: 'firing', labels: { alertname: 'DiskFull', instance: 'db-1' }, severity: 'crit', summary: '/var at 97%', links: { runbook: 'https://wiki/runbook', source: 'javascript:alert(1)' } };
    const [alert] = alertSources.generic.parse(json(one), { receivedAt });
    expect(alert).toMatchObject({ status: 'firing', severity: 'critical', summary: '/var at 97%', links: { runbook: 'https://wiki/runbook' } });
    expect(alert?.links.source).toBeUndefined();
    expect(alert?.fingerprint).toBe(labelsFingerprint({ alertname: 'DiskFull', instance: 'db-1' }));
    expect(alertSources.generic.parse(json({ alerts: [one, { ...one, fingerprint: 'mine' }] }), { receivedAt }).map((a) => a.fingerprint)).toEqual([alert?.fingerprint, 'mine']);
  });
});

describe('labelsFingerprint', () => {
  it("is Prometheus' FNV-1a label-set hash", () => {
    // model.emptyLabelSignature: the FNV-64 offset basis.
    expect(labelsFingerprint({})).toBe('cbf29ce484222325');
    expect(labelsFingerprint({ b: '2', a: '1' })).toBe(labelsFingerprint({ a: '1', b: '2' }));
    expect(labelsFingerprint({ a: '1' })).not.toBe(labelsFingerprint({ a: '2' }));
  });
});
