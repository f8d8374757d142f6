/** Every command opsbot ships, in the order help lists them. */
import type { Command } from '#core';
import { ack } from './ack.js';
import { alerts } from './alerts.js';
import { approve, reject } from './approve.js';
import { audit } from './audit.js';
import { cancel } from './cancel.js';
import { deploy } from './deploy.js';
import { help } from './help.js';
import { job } from './job.js';
import { jobs } from './jobs.js';
import { lock } from './lock.js';
import { maintenance } from './maintenance.js';
import { pipeline } from './pipeline.js';
import { rollback } from './rollback.js';
import { run } from './run.js';
import { scale } from './scale.js';
import { silence } from './silence.js';
import { schedule } from './schedule.js';
import { status } from './status.js';
import { unlock } from './unlock.js';
import { unsilence } from './unsilence.js';
import { whoami } from './whoami.js';

export const builtinCommands: readonly Command[] = [help, whoami, jobs, job, cancel, audit, lock, unlock, schedule, maintenance, deploy, rollback, status, run, approve, reject, pipeline, scale, alerts, ack, silence, unsilence];
