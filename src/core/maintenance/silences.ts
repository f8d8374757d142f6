/** The silencing backend (Alertmanager's v2 API in src/backends); the core only sees this port. */
import type { Matchers } from './types.js';

export interface SilenceRequest {
  readonly matchers: Matchers;
  readonly startsAt: Date;
  readonly endsAt: Date;
  readonly createdBy: string;
  readonly comment: string;
}

export interface SilencesPort {
  /** Creates a silence; returns its id. Throws BackendError with Alertmanager's own words. */
  create(request: SilenceRequest, signal?: AbortSignal): Promise<string>;
  /** Expires (deletes) a silence. An id Alertmanager no longer knows is not an error. */
  expire(id: string, signal?: AbortSignal): Promise<void>;
}
