/** `whoami`: identity, channel, roles, grants and what may run here. */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fieldsOf, people, places, removeTempDirs, startTestApp, type TestApp } from '../support/app.js';

let t: TestApp;
beforeEach(async () => {
  t = await startTestApp();
});
afterEach(async () => t.close());
afterAll(() => removeTempDirs());

describe('whoami', () => {
  it('shows an operator their stable id, roles and that everything runs here', async () => {
    const said = await t.say('whoami');
    expect(said.message.title).toBe('Olga');
    expect(fieldsOf(said.message)).toEqual({
      Identity: 'mattermost:u-olga',
      Channel: 'mattermost:ch-ops',
      Roles: 'operator',
      Allowed: 'help, whoami, *',
      'Commands here': 'all',
    });
  });

  it('shows a viewer in a restricted channel what they may do there', async () => {
    const fields = fieldsOf((await t.say('whoami', people.vera, places.lobby)).message);
    expect(fields).toMatchObject({ Roles: 'viewer', Allowed: 'help, whoami, jobs:list, jobs:read, audit:read, locks:list', 'Commands here': 'help, whoami, jobs, job' });
  });

  it('shows someone without a role only the grants everyone has', async () => {
    const fields = fieldsOf((await t.say('whoami', people.sam, places.random)).message);
    expect(fields).toMatchObject({ Identity: 'mattermost:u-sam', Roles: 'none', Allowed: 'help, whoami', 'Commands here': 'help, whoami' });
  });

  it('takes no arguments', async () => {
    expect((await t.say('whoami extra')).status).toBe('usage');
  });
});
