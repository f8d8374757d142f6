/**
 * A "firing" delivered after its own "resolved" (a webhook retried once the resolve went through)
 * must not reopen the alert: it would stay firing for good, with no resolve left to come. A real fire
 * after the resolve, which starts again, is news as ever. Alertmanager's own payloads (fixtures).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { alertSources } from '../../src/alert-sources/index.js';
import type { Alert } from '../../src/core/alerts/model.js';
import type { Store } from '../../src/core/store.js';
import { sharedDir } from '../support/shared.js';
import { engines, type Opened } from './support/fixtures.js';
import { pipeline } from './support/pipeline.js';

type Body = { status: string; alerts: Record<string, unknown>[] } & Record<string, unknown>;

/** prom2teams' resolved notification: DiskSpace, 07:01:37 → 07:08:37 on 2017-05-09. */
function resolvedBody(): Body {
  return JSON.parse(readFileSync(join(sharedDir(), 'fixtures', 'alertmanager', 'prom2teams_resolved_all_ok.json'), 'utf8')) as Body;
}

/** The same notification as Alertmanager sent it while the alert fired (no end time yet). */
function firingBody(startsAt?: string): Body {
  const body = resolvedBody();
  return {
    ...body,
    status: 'firing',
    alerts: body.alerts.map((a) => ({ ...a, status: 'firing', endsAt: '0001-01-01T00:00:00Z', ...(startsAt === undefined ? {} : { startsAt }) })),
  };
}

function parse(body: Body, receivedAt: Date): Alert[] {
  return alertSources.alertmanager.parse({ kind: 'json', value: body }, { receivedAt });
}

const T = (minute: number): Date => new Date(Date.UTC(2017, 4, 9, 7, minute, 0));

describe.each(engines)('a firing that comes after its resolve, on $name', (engine) => {
  let opened: Opened;
  let store: Store;

  beforeEach(async () => {
    opened = await engine.open();
    store = opened.store;
  });

  afterEach(async () => {
    await store.close();
    await opened.dispose();
  });

  it('is counted, not taken as news: the group closes resolved; a real fire afterwards (a new start) reopens it', async () => {
    const { pipeline: p, clock, poster } = pipeline(store.alerts, { routing: { routes: [], defaultTo: ['mattermost:ch-ops'], grouping: { by: ['alertname'], wait: 0, interval: 60_000, repeat: 3_600_000 } } });
    clock.set(T(2));
    expect(await p.ingest(parse(firingBody(), T(2)))).toMatchObject({ new: 1 });
    await p.tick();
    clock.set(T(9));
    expect(await p.ingest(parse(resolvedBody(), T(9)))).toMatchObject({ changed: 1 });
    await p.tick();
    expect(poster.take().map((s) => s.message.title)).toEqual(['[FIRING:1] DiskSpace', '[RESOLVED] DiskSpace']);

    // The webhook's retry of the firing notification arrives late (the closed group's alerts are out of the dedup memory).
    clock.set(T(20));
    expect(await p.ingest(parse(firingBody(), T(20)))).toMatchObject({ new: 0, changed: 0, duplicates: 1 });
    await p.tick();
    expect(poster.take()).toEqual([]);
    expect(await store.alerts.openGroups(10)).toEqual([]);

    // Firing again for real: Prometheus gives it a new start, after the resolve.
    clock.set(T(30));
    expect(await p.ingest(parse(firingBody('2017-05-09T07:29:00Z'), T(30)))).toMatchObject({ new: 1 });
    await p.tick();
    expect(poster.take().map((s) => s.message.title)).toEqual(['[FIRING:1] DiskSpace']);
  });

  it('from Alerta, whose reopened alert keeps its createTime: a firing after the close is news', async () => {
    const created = (JSON.parse(readFileSync(join(sharedDir(), 'fixtures', 'alerta', 'create_alert_response_201.json'), 'utf8')) as { alert: Record<string, unknown> }).alert;
    const alerta = (body: Record<string, unknown>, at: Date): Alert[] => alertSources.alerta.parse({ kind: 'json', value: body }, { receivedAt: at });
    const { pipeline: p, clock } = pipeline(store.alerts, { routing: { routes: [], defaultTo: ['mattermost:ch-ops'], grouping: { by: ['alertname'], wait: 0, interval: 60_000, repeat: 3_600_000 } } });
    clock.set(new Date(Date.UTC(2018, 0, 27, 21, 1)));
    expect(await p.ingest(alerta(created, clock.now()))).toMatchObject({ new: 1 });
    await p.tick();
    clock.set(new Date(Date.UTC(2018, 0, 27, 21, 10)));
    expect(await p.ingest(alerta({ ...created, status: 'closed' }, clock.now()))).toMatchObject({ changed: 1 });
    await p.tick();
    clock.set(new Date(Date.UTC(2018, 0, 27, 21, 30)));
    // Reopened in Alerta: the same createTime as before its close.
    const again = await p.ingest(alerta({ ...created, status: 'open' }, clock.now()));
    expect(again.new + again.changed).toBe(1);
  });

  it('from the generic format, whose sender may give every firing the same start, a firing after the resolve is news', async () => {
    // The format documented in src/alert-sources/generic/schema.ts, start and end given.
    const generic = (status: 'firing' | 'resolved', at: Date): Alert[] =>
      alertSources.generic.parse(
        { kind: 'json', value: { alerts: [{ status, labels: { alertname: 'DiskFull', instance: 'db-1' }, severity: 'critical', startsAt: '2026-01-15T10:00:00Z', ...(status === 'resolved' ? { endsAt: '2026-01-15T10:30:00Z' } : {}) }] } },
        { receivedAt: at },
      );
    const { pipeline: p, clock } = pipeline(store.alerts, { routing: { routes: [], defaultTo: ['mattermost:ch-ops'], grouping: { by: ['alertname'], wait: 0, interval: 60_000, repeat: 3_600_000 } } });
    clock.set(new Date(Date.UTC(2026, 0, 15, 10, 1)));
    expect(await p.ingest(generic('firing', clock.now()))).toMatchObject({ new: 1 });
    await p.tick();
    clock.set(new Date(Date.UTC(2026, 0, 15, 10, 31)));
    expect(await p.ingest(generic('resolved', clock.now()))).toMatchObject({ changed: 1 });
    await p.tick();
    clock.set(new Date(Date.UTC(2026, 0, 15, 11, 0)));
    const again = await p.ingest(generic('firing', clock.now()));
    expect(again.new + again.changed).toBe(1);
  });
});
