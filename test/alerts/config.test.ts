/** The `alerts` config section: defaults, per-source verification, routes and what is refused. */
import { describe, expect, it } from 'vitest';
import { errorOf, loadText } from '../config/fixtures.js';
import type { Alert } from '../../src/core/alerts/model.js';
import { AlertRouter } from '../../src/core/alerts/routing.js';

const BASE = 'storage:\n  engine: sqlite\n  path: ":memory:"\n';

describe('alerts config', () => {
  it('is absent (null) unless written, and then fills every default', () => {
    expect(loadText(BASE).config.alerts).toBeNull();
    const { config, secrets } = loadText(`${BASE}alerts:\n  sources:\n    alertmanager: { bearer: "\${AM_TOKEN}" }\n`, { AM_TOKEN: 'tok-123456' });
    expect(config.alerts).toEqual({
      bodyLimit: 1_048_576,
      sources: { alertmanager: { kind: 'bearer', token: 'tok-123456' } },
      grouping: { by: ['alertname'], wait: 30_000, interval: 300_000, repeat: 14_400_000 },
      routes: [],
      defaultTo: [],
      alertmanager: null,
      rateLimits: { mattermost: 8, teams: 6, shell: 20, schedule: 20 },
      storm: { threshold: 10, window: 600_000 },
      tick: 1_000,
    });
    expect(secrets).toContain('tok-123456');
  });

  it('reads routes with their own timings, HMAC defaults per source, Basic auth and the Alertmanager', () => {
    const { config } = loadText(
      `${BASE}alerts:
  sources:
    grafana: { hmac: { secret: s3cret } }
    generic: { hmac: { secret: s3cret, header: X-Sig, timestampHeader: X-Ts, maxSkew: 1m } }
    netdata: { basic: { username: nd, password: pw } }
    zabbix: { allowUnauthenticated: true }
  grouping: { by: [alertname, cluster], wait: 10s }
  routes:
    - match: { severity: critical }
      matchRe: { instance: "db-.*" }
      to: ["mattermost:ops", "teams:19:abc@thread.tacv2"]
      groupBy: [instance]
      repeat: 1h
    - name: rest
      to: ["mattermost:noise"]
  defaultTo: ["mattermost:catchall"]
  alertmanager: { url: "http://am:9093/" }
  rateLimits: { teams: 3 }
`,
    );
    const alerts = config.alerts;
    expect(alerts?.sources).toEqual({
      grafana: { kind: 'hmac', secret: 's3cret', header: 'x-grafana-alerting-signature', timestampHeader: null, maxSkew: 300_000 },
      generic: { kind: 'hmac', secret: 's3cret', header: 'x-sig', timestampHeader: 'x-ts', maxSkew: 60_000 },
      netdata: { kind: 'basic', username: 'nd', password: 'pw' },
      zabbix: { kind: 'none' },
    });
    expect(alerts?.routes).toEqual([
      { name: 'route 1', match: { severity: 'critical' }, matchRe: { instance: 'db-.*' }, to: ['mattermost:ops', 'teams:19:abc@thread.tacv2'], groupBy: ['instance'], wait: 10_000, interval: 300_000, repeat: 3_600_000 },
      { name: 'rest', match: {}, matchRe: {}, to: ['mattermost:noise'], groupBy: ['alertname', 'cluster'], wait: 10_000, interval: 300_000, repeat: 14_400_000 },
    ]);
    expect(alerts?.alertmanager).toEqual({ url: 'http://am:9093', bearer: null, timeout: 10_000 });
    expect(alerts?.rateLimits.teams).toBe(3);
    expect(alerts?.rateLimits.mattermost).toBe(8);
  });

  it('refuses an unknown source, two proofs for one source, bad routes and bad regexes', () => {
    expect(errorOf(`${BASE}alerts:\n  sources:\n    nagios: { bearer: x }\n`)).toMatch(/alerts\.sources: unknown key "nagios" \(allowed: alertmanager, grafana, uptime-kuma, zabbix, netdata, alerta, generic\)/);
    expect(errorOf(`${BASE}alerts:\n  sources:\n    grafana: { bearer: x, hmac: { secret: y } }\n`)).toMatch(/alerts\.sources\.grafana/);
    expect(errorOf(`${BASE}alerts:\n  sources:\n    grafana: {}\n`)).toMatch(/alerts\.sources\.grafana/);
    expect(errorOf(`${BASE}alerts:\n  routes:\n    - to: ["slack:x"]\n`)).toMatch(/is not a conversation/);
    expect(errorOf(`${BASE}alerts:\n  routes:\n    - to: []\n`)).toMatch(/alerts\.routes\[0\]\.to: must list at least 1 item/);
    expect(errorOf(`${BASE}alerts:\n  routes:\n    - matchRe: { instance: "(" }\n      to: ["mattermost:x"]\n`)).toMatch(/`\(` is not a valid regular expression \(missing closing \)/);
    expect(errorOf(`${BASE}alerts:\n  alertmanager: { url: "am:9093" }\n`)).toMatch(/is not an http\(s\) URL/);
    expect(errorOf(`${BASE}alerts:\n  alertmanager: { url: "http://admin:hunter2@am:9093" }\n`)).toMatch(/alerts\.alertmanager\.url: "http:\/\/\*\*\*@am:9093" is not an http\(s\) URL without credentials in it/);
    expect(errorOf(`${BASE}alerts:\n  alertmanager: { url: "http://admin:hunter2@am:9093" }\n`)).not.toContain('hunter2');
    // An @ in the path is not a credential.
    expect(() => loadText(`${BASE}alerts:\n  alertmanager: { url: "http://am:9093/@proxy/" }\n`)).not.toThrow();
  });

  it('reads matchRe as Alertmanager does (RE2), so a route matches what the same matcher matches there', () => {
    const { config } = loadText(`${BASE}alerts:\n  routes:\n    - name: web\n      matchRe: { instance: "(?i)web-[[:digit:]]+" }\n      to: ["mattermost:x"]\n`);
    const alerts = config.alerts;
    if (alerts === null) throw new Error('no alerts section');
    const router = new AlertRouter({ routes: alerts.routes, defaultTo: alerts.defaultTo, grouping: alerts.grouping });
    const alert = (instance: string): Alert => ({ source: 'alertmanager', fingerprint: instance, status: 'firing', severity: 'warning', labels: { alertname: 'Down', instance }, annotations: {}, summary: '', links: {}, startsAt: null, endsAt: null });
    expect(router.target(alert('WEB-12'))?.route).toBe('web');
    expect(router.target(alert('web-12x'))).toBeNull();
  });
});
