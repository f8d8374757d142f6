/**
 * The alert commands through the real dispatcher: local silences (no Alertmanager configured),
 * listing, dry runs, permissions, and what happens when the config has no `alerts` section.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeAlert } from '../../src/alert-sources/common.js';
import { people, removeTempDirs, startTestApp } from '../support/app.js';
import { startAlertsApp, type AlertsApp } from './support/app.js';
import { alertsConfig } from './support/intake.js';

let opsbot: AlertsApp;

beforeAll(async () => {
  opsbot = await startAlertsApp(alertsConfig({ alertmanager: null }));
});

afterAll(async () => {
  await opsbot.close();
  removeTempDirs();
});

const foo = (instance: string) => makeAlert({ source: 'generic', status: 'firing', severity: 'warning', labels: { alertname: 'Foo', instance } });

describe('alert commands without an Alertmanager', () => {
  it('`alerts` says when nothing is active', async () => {
    expect(await opsbot.say('alerts')).toMatchObject({ status: 'ok', text: expect.stringContaining('No active alerts.') });
  });

  it('`silence` mutes matching alerts in opsbot until `unsilence`', async () => {
    const said = await opsbot.say('silence alertname=Foo,instance!=keep 30m maintenance of foo');
    expect(said.status).toBe('succeeded');
    expect(said.text).toMatch(/Silenced \{alertname="Foo", instance!="keep"\} until \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ \(silence [0-9a-f-]{36}\)/);
    expect(said.text).not.toContain('Alertmanager');
    const id = /silence ([0-9a-f-]{36})/.exec(said.text)?.[1] ?? '';

    const listed = await opsbot.say('silence');
    expect(listed.text).toContain(id);
    expect(listed.text).toContain('maintenance of foo');

    const pipeline = opsbot.app.alerts.pipeline;
    expect(await pipeline?.ingest([foo('a'), foo('keep')])).toMatchObject({ silenced: 1, new: 1 });
    expect(await opsbot.say(`unsilence ${id}`)).toMatchObject({ status: 'succeeded', text: expect.stringContaining(`Ended silence ${id}`) });
    // It was recorded while silenced and released by `unsilence` (it posts on the next tick): a repeat is no news.
    expect(await pipeline?.ingest([foo('a')])).toMatchObject({ silenced: 0, new: 0, duplicates: 1 });
    expect(await opsbot.say(`unsilence ${id}`)).toMatchObject({ status: 'failed', text: expect.stringContaining('has already ended') });
    expect(await opsbot.say('unsilence 0000-not-a-silence')).toMatchObject({ status: 'failed', text: expect.stringContaining('There is no active silence') });
  });

  it('checks matchers and the duration before any job, and honours --dry-run', async () => {
    expect(await opsbot.say('silence alertname=Foo')).toMatchObject({ status: 'usage', text: expect.stringContaining('How long?') });
    expect(await opsbot.say('silence "alertname=Foo" 10s')).toMatchObject({ status: 'usage', text: expect.stringContaining('`duration` is too short (at least 1m).') });
    expect(await opsbot.say('silence alertname=Foo 31d')).toMatchObject({ status: 'usage', text: expect.stringContaining('`duration` is too long (at most 30d).') });
    expect(await opsbot.say('silence foo=~"[" 1h')).toMatchObject({ status: 'usage', text: expect.stringContaining('not a valid regular expression') });
    expect(await opsbot.say('silence alertname=Foo 2h --dry-run')).toMatchObject({ status: 'succeeded', text: expect.stringContaining('Would silence {alertname="Foo"} for 2h') });
    // A value with spaces, quoted as the help says, unquoted around the whole word, and an empty one.
    expect(await opsbot.say('silence alertname="High CPU" 1h --dry-run')).toMatchObject({ status: 'succeeded', text: expect.stringContaining('Would silence {alertname="High CPU"} for 1h') });
    expect(await opsbot.say('silence alertname=\u201cHigh CPU\u201d,instance=~"web \\"1\\"" 1h --dry-run')).toMatchObject({
      status: 'succeeded',
      text: expect.stringContaining('Would silence {alertname="High CPU", instance=~"web \\"1\\""} for 1h'),
    });
    expect(await opsbot.say(`silence 'alertname="High CPU"' 1h --dry-run`)).toMatchObject({ status: 'succeeded', text: expect.stringContaining('Would silence {alertname="High CPU"} for 1h') });
    expect(await opsbot.say('silence alertname=Foo,team="" 1h --dry-run')).toMatchObject({ status: 'succeeded', text: expect.stringContaining('Would silence {alertname="Foo", team=""} for 1h') });
    expect(await opsbot.app.store.alerts.activeSilences(new Date())).toEqual([]);
  });

  it('needs the alerts permissions', async () => {
    expect((await opsbot.say('alerts', people.vera)).status).toBe('denied');
    expect((await opsbot.say('silence alertname=Foo 1h', people.vera)).status).toBe('denied');
    expect((await opsbot.say('ack 1', people.sam)).status).toBe('denied');
  });
});

describe('without an alerts section', () => {
  it('the commands say how to turn alerts on', async () => {
    const plain = await startTestApp();
    try {
      expect(await plain.say('alerts')).toMatchObject({ status: 'usage', text: expect.stringContaining('Alerts are not set up here: add an `alerts` section to the config.') });
    } finally {
      await plain.close();
    }
  });
});
