/** What every alert source implements: a pure function from a decoded body to Alerts. */
import type { Alert, AlertSourceName } from '../core/alerts/model.js';
import type { Payload, PayloadKind } from './payload.js';

export interface ParseContext {
  /** When opsbot received the body: the start of alerts whose source gives no time. */
  readonly receivedAt: Date;
}

export interface AlertSource {
  readonly name: AlertSourceName;
  /** Body kinds this source sends; anything else is refused with 415. */
  readonly accepts: readonly PayloadKind[];
  /** Throws AlertPayloadError (kind `invalid`) with a reason; never anything else for bad input. */
  parse(payload: Payload, ctx: ParseContext): Alert[];
}
