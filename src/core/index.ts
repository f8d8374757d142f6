/** The core's public surface: the only module commands/ may import (as `#core`). */
export { defineCommand, type Command, type CommandContext, type CommandDefinition, type SideEffect } from './command.js';
export type { ArgSpec, ArgsSchema, ArgValues, AnyArgValues } from './args/schema.js';
export { parseDuration, formatDuration, formatElapsed } from './args/duration.js';
export { usageLine, argumentLines } from './args/usage.js';
export { UsageError, DeniedError, ConflictError, NotFoundError, BackendError, TimeoutError, CancelledError, OpsbotError } from './errors.js';
export { msg, type Message, type Block, type Field, type Action, type Link, type Tone } from './message.js';
export type { Principal, Conversation, Invocation, Platform } from './identity.js';
export { principalKey, conversationKey } from './identity.js';
export type { Ports, JobsPort, AuditPort, LocksPort, HelpPort, AccessPort, AccessDescription } from './ports.js';
export { JOB_STATES, FINAL_JOB_STATES, type JobState, type JobRecord, type AuditEntry, type LockRecord } from './store.js';
export { stateWords } from './jobs/texts.js';
export { formatTime, tail } from './format.js';
export * from './deploy/index.js';
export * from './scheduler/index.js';
export * from './maintenance/index.js';
export * from './pipelines/index.js';
export * from './scaling/index.js';
export * from './alerts/index.js';
