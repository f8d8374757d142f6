/**
 * Input the config refuses is refused by the command's check, at dispatch: the reply says what is
 * wrong (with the usage, and for an unknown name the known ones), no job and no confirmation exist,
 * and the audit holds one `rejected` row, as for any refused mutating command. The config is the
 * shipped demo config's (store demo, service web, pipeline build, maintenance target demo-db, the
 * shipped playbook catalog), as the new-user audit that found these used it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoConfigPath } from '../../src/config/demo-path.js';
import { readEnvironment } from '../../src/config/env.js';
import { loadConfig } from '../../src/config/load.js';
import type { OpsbotConfig } from '../../src/config/types.js';
import { removeTempDirs, startTestApp, tempDir, type TestApp } from '../support/app.js';

/** The sections of the demo config that name stores, services, pipelines, playbooks and targets. */
function demoSections(): Partial<OpsbotConfig> {
  const dir = tempDir('opsbot-demo-');
  const { config } = loadConfig(demoConfigPath(), readEnvironment({ OPSBOT_DATA_DIR: dir }), { cwd: dir });
  return { stores: config.stores, services: config.services, pipelines: config.pipelines, playbooks: config.playbooks, maintenance: config.maintenance };
}

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ config: demoSections() });
});
afterAll(async () => {
  await t.close();
  removeTempDirs();
});

const USAGE = {
  deploy: 'Usage: deploy <store> <blue|green|auto>',
  rollback: 'Usage: rollback <store>',
  approve: 'Usage: approve <store>',
  reject: 'Usage: reject <store>',
  run: 'Usage: run <playbook>',
  maintenance: 'Usage: maintenance [<target>]',
  lock: 'Usage: lock [<target>]',
  scale: 'Usage: scale <service>',
  silence: 'Usage: silence [<matchers>]',
  ack: 'Usage: ack <#>',
  unsilence: 'Usage: unsilence <id>',
} as const;

const CASES: [text: string, command: keyof typeof USAGE, permission: string, says: string][] = [
  ['deploy nosuch blue', 'deploy', 'deploy:nosuch', 'There is no store `nosuch` (stores: demo).'],
  ['deploy dmeo blue --force', 'deploy', 'deploy:dmeo', 'There is no store `dmeo` (stores: demo). Did you mean `demo`?'],
  ['rollback nosuch', 'rollback', 'rollback:nosuch', 'There is no store `nosuch` (stores: demo).'],
  ['approve nosuch', 'approve', 'deploy:approve:nosuch', 'There is no store `nosuch` (stores: demo).'],
  ['reject nosuch', 'reject', 'deploy:approve:nosuch', 'There is no store `nosuch` (stores: demo).'],
  ['run nosuch', 'run', 'playbooks:run:nosuch', '`nosuch` is not in the playbook catalog (playbooks: deploy-colour, health, maintenance, backup'],
  ['run helth', 'run', 'playbooks:run:helth', 'Did you mean `health`?'],
  ['run health colour=purple', 'run', 'playbooks:run:health', '`purple` is not a valid colour: use one of blue, green.'],
  ['run maintenance keep=0', 'run', 'playbooks:run:maintenance', '`keep` must be between 1 and 100.'],
  ['run backup --limit elsewhere', 'run', 'playbooks:run:backup', '`elsewhere` is not a host of inventory'],
  ['maintenance nosuch now 1h', 'maintenance', 'maintenance:open:nosuch', '`nosuch` is not a maintenance target.'],
  ['maintenance demo-db', 'maintenance', 'maintenance:open:demo-db', 'Give a start and a duration'],
  ['maintenance demo-db 02:00 90m --tz Nowhere/X', 'maintenance', 'maintenance:open:demo-db', '`Nowhere/X` is not a time zone'],
  ['maintenance demo-db 25:00 1h', 'maintenance', 'maintenance:open:demo-db', '`25:00` is not a start time'],
  ['maintenance demo-db 2020-01-01T00:00 1h', 'maintenance', 'maintenance:open:demo-db', 'is in the past'],
  ['maintenance end soon', 'maintenance', 'maintenance:end', 'Give the window number'],
  ['lock nosuch-target because', 'lock', 'locks:set:nosuch-target', '`nosuch-target` is not something a lock protects: freeze a store (demo), a service (web) or a pipeline (pipeline.build).'],
  ['lock wbe', 'lock', 'locks:set:wbe', 'Did you mean `web`?'],
  ['scale web 0', 'scale', 'scale:web', '`web` (demo) is kept within 1…6 replicas (min and max in the config): 0 is below its minimum of 1.'],
  ['scale web x0', 'scale', 'scale:web', '0 is below its minimum of 1.'],
  ['scale web 7 --dry-run', 'scale', 'scale:web', '7 is above its maximum of 6.'],
  // The demo config has no alerts section: its dry run must not claim a silence would be made.
  ['silence alertname=HighCPU 1h --dry-run', 'silence', 'alerts:silence', 'Alerts are not set up here: add an `alerts` section to the config.'],
  ['ack 1', 'ack', 'alerts:ack', 'Alerts are not set up here'],
  ['unsilence 3f2a', 'unsilence', 'alerts:silence', 'Alerts are not set up here'],
];

describe('checks before any job, on the demo config', () => {
  it.each(CASES)('%j is refused at once with the usage: no job, no confirmation, one `rejected` audit row', async (text, command, permission, says) => {
    const before = (await t.store.audit.recent(500)).length;
    const said = await t.say(text);
    expect(said.status).toBe('usage');
    expect(said.text).toContain(says);
    // An unknown maintenance target names the targets instead of the usage.
    expect(said.text).toContain(text.startsWith('maintenance nosuch') ? 'Targets: demo-db' : USAGE[command]);
    expect(await t.store.jobs.list({ limit: 10 })).toEqual([]);
    expect(t.dump()).toContain('"confirmations":[]');
    const audit = await t.store.audit.recent(500);
    expect(audit).toHaveLength(before + 1);
    expect(audit[0]).toMatchObject({ event: 'rejected', outcome: 'rejected', command, permission, jobId: null });
    expect(audit[0]?.detail).toContain(says);
  });

  it.each([
    ['approve demo', 'approve', 'No deploy of `demo` is waiting for approval.'],
    ['reject demo 5', 'reject', 'No deploy of `demo` is waiting for approval (job #5 is not).'],
  ])('%j with no deploy waiting is refused at once: no job, one `rejected` audit row', async (text, command, says) => {
    const said = await t.say(text);
    expect(said.status).not.toBe('job');
    expect(said.text).toContain(says);
    expect(await t.store.jobs.list({ limit: 10 })).toEqual([]);
    expect((await t.store.audit.recent(1))[0]).toMatchObject({ event: 'rejected', command, permission: 'deploy:approve:demo', jobId: null });
  });

  it('still starts jobs for what the config accepts (dry runs and a freeze of each kind of target)', async () => {
    for (const text of ['scale web 3 --dry-run', 'maintenance demo-db now 1h --dry-run', 'lock demo', 'lock web', 'lock pipeline.build']) {
      const done = await t.runJob(text);
      expect([text, done.job.state]).toEqual([text, 'succeeded']);
    }
    expect((await t.store.locks.list(new Date())).map((l) => l.key)).toEqual(['demo', 'pipeline.build', 'web']);
    // A destructive command that passes its check still asks first.
    expect((await t.say('unlock demo')).status).toBe('confirm');
  });
});
