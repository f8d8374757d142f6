/** Every command opsbot ships, in the order help lists them. */
import type { Command } from '#core';
import { audit } from './audit.js';
import { cancel } from './cancel.js';
import { help } from './help.js';
import { job } from './job.js';
import { jobs } from './jobs.js';
import { lock } from './lock.js';
import { unlock } from './unlock.js';
import { whoami } from './whoami.js';

export const builtinCommands: readonly Command[] = [help, whoami, jobs, job, cancel, audit, lock, unlock];
