/** The whole opsbot (config file → buildApp → dispatcher) for end-to-end deploy tests. */
import { randomUUID } from 'node:crypto';
import { buildApp, type App } from '../../../src/app.js';
import type { DeployPorts } from '../../../src/core/deploy/ports.js';
import type { DispatchOutcome } from '../../../src/core/dispatch.js';
import type { Conversation, Principal } from '../../../src/core/identity.js';
import type { JobOutcome } from '../../../src/core/jobs/runner.js';
import { silentLogger } from '../../../src/core/log.js';
import type { EnvVars } from '../../../src/config/env.js';
import { loadTestConfig } from './playbooks.js';

export const olga: Principal = { platform: 'mattermost', id: 'u-olga', name: 'Olga' };
export const piotr: Principal = { platform: 'mattermost', id: 'u-piotr', name: 'Piotr' };
export const guest: Principal = { platform: 'mattermost', id: 'u-guest', name: 'Guest' };
export const ops: Conversation = { platform: 'mattermost', id: 'ops', name: 'ops' };

/** Access for the tests: Olga deploys, Piotr deploys and approves, Guest may only look. */
export const ACCESS = `
access:
  roles:
    deployer:
      members: [mattermost:u-olga, mattermost:u-piotr]
      allow: ["deploy:*", "rollback:*", "status:*", "playbooks:run:*", "jobs:*", "locks:*"]
    approver:
      members: [mattermost:u-piotr]
      allow: ["deploy:approve:*", "playbooks:special", "schedules:*"]
    viewer:
      members: [mattermost:u-guest]
      allow: ["status:*"]
    deploy-bot:
      members: [schedule:deploy-bot]
      allow: ["deploy:gated"]
  channels:
    "mattermost:ops": { commands: ["*"] }
    "schedule:deploy-bot": { commands: [deploy] }
`;

export interface DeployApp {
  readonly app: App;
  say(text: string, as?: Principal): Promise<DispatchOutcome>;
  /** Dispatches, expects a job and waits for its end. */
  job(text: string, as?: Principal): Promise<JobOutcome>;
  close(): Promise<void>;
}

export async function startDeployApp(dir: string, yaml: string, options: { env?: EnvVars; wrap?: (ports: DeployPorts) => DeployPorts } = {}): Promise<DeployApp> {
  const loaded = loadTestConfig(dir, yaml, options.env);
  const app = await buildApp({ loaded, logger: silentLogger, ...(options.wrap === undefined ? {} : { wrapDeployPorts: options.wrap }) });
  const say = (text: string, as: Principal = olga): Promise<DispatchOutcome> =>
    app.dispatcher.dispatch({ id: randomUUID(), text, principal: as, conversation: ops, receivedAt: new Date() });
  return {
    app,
    say,
    async job(text, as) {
      const outcome = await say(text, as);
      if (outcome.kind !== 'job') throw new Error(`expected a job for "${text}", got ${outcome.status}: ${JSON.stringify(outcome.reply.blocks)}`);
      return outcome.completion;
    },
    close: () => app.close(5_000),
  };
}

/** The text of a reply, for assertions. */
export function textOf(outcome: DispatchOutcome | JobOutcome): string {
  const message = 'reply' in outcome ? outcome.reply : outcome.accepted;
  return JSON.stringify(message);
}
