/**
 * A remote server's JSON answer, checked before anything reads it. An answer that is not JSON, or
 * not the shape opsbot reads (a proxy's error page with a 200, another API version, a URL that
 * reaches the wrong service), fails the job with a BackendError naming the server, the request and
 * the first problem, never with a TypeError deep inside a job.
 */
import { BackendError } from '../core/errors.js';
import type { ShapeCheck } from '../json-shape.js';

/** `server` names it in messages (`GitLab`); `backend` is the BackendError's id (`gitlab`). */
export function jsonReply<T>(shape: ShapeCheck<T>, text: string, server: string, backend: string, what: string): T {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error: unknown) {
    throw new BackendError(`${server} answered ${what} with something that is not JSON.`, backend, { cause: error });
  }
  return checkedReply(shape, parsed, server, backend, what);
}

/** The same for an answer already parsed. */
export function checkedReply<T>(shape: ShapeCheck<T>, parsed: unknown, server: string, backend: string, what: string): T {
  const checked = shape.check(parsed);
  if (!checked.ok) throw new BackendError(`${server} answered ${what} with JSON opsbot cannot read: ${checked.problem.replace(/^the body/, 'the answer')}.`, backend);
  return checked.value;
}
