/**
 * Coded errors. These four (plus ConfirmationExpired via UsageError) are shown to the user as they
 * are; anything else is reported as an internal error with a correlation id and logged with its stack.
 */
import type { LockRecord } from './store.js';

export type ErrorCode = 'usage' | 'denied' | 'conflict' | 'backend' | 'not_found' | 'timeout' | 'cancelled';

export abstract class OpsbotError extends Error {
  abstract readonly code: ErrorCode;
  /** Text shown after the sentence, e.g. the command's usage. */
  readonly hint: string | undefined;

  constructor(message: string, options?: { cause?: unknown; hint?: string | undefined }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options?.hint;
  }
}

/** The user typed something we cannot act on: unknown command, bad argument, missing value. */
export class UsageError extends OpsbotError {
  readonly code = 'usage' as const;
}

/** The user may not do this here. `permission` names what was missing, for the message and the audit. */
export class DeniedError extends OpsbotError {
  readonly code = 'denied' as const;
  constructor(
    message: string,
    readonly permission: string,
    options?: { cause?: unknown; hint?: string },
  ) {
    super(message, options);
  }
}

/** Someone else holds the target, or the state does not allow the action now. */
export class ConflictError extends OpsbotError {
  readonly code = 'conflict' as const;
}

/**
 * A lock is held: the job's own target, or one its command respects besides (the build pipeline of a
 * deploy), by another job or by a freeze (`lock`). Audited as `conflict`, naming the holder.
 */
export class LockedError extends ConflictError {
  constructor(
    message: string,
    readonly key: string,
    readonly holder: LockRecord,
    options?: { cause?: unknown; hint?: string },
  ) {
    super(message, options);
  }
}

/** Something we asked for does not exist (a job id, a store, a lock). */
export class NotFoundError extends OpsbotError {
  readonly code = 'not_found' as const;
}

/** A backend (Ansible, Jenkins, HAProxy, …) failed; the message carries the backend's own words. */
export class BackendError extends OpsbotError {
  readonly code = 'backend' as const;
  constructor(
    message: string,
    readonly backend: string,
    options?: { cause?: unknown; hint?: string },
  ) {
    super(message, options);
  }
}

export class TimeoutError extends OpsbotError {
  readonly code = 'timeout' as const;
}

export class CancelledError extends OpsbotError {
  readonly code = 'cancelled' as const;
}

export function isOpsbotError(error: unknown): error is OpsbotError {
  return error instanceof OpsbotError;
}

/**
 * Runs an authorization `check` (which throws DeniedError) and, when it refuses, says why `permission`
 * is needed here (`message`) instead of the policy's general refusal; other errors pass unchanged.
 */
export function explainDenial(check: () => unknown, permission: string, message: string): void {
  try {
    check();
  } catch (error: unknown) {
    if (error instanceof DeniedError) throw new DeniedError(message, permission, { cause: error });
    throw error;
  }
}
