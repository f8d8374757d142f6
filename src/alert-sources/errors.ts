/**
 * Why an alert body was refused. The intake route maps `kind` to an HTTP status (400 malformed,
 * 415 unsupported media type, 422 well-formed but not this source's shape) and sends `reason`.
 */
export type PayloadErrorKind = 'malformed' | 'unsupported_media' | 'invalid';

export class AlertPayloadError extends Error {
  constructor(
    readonly kind: PayloadErrorKind,
    /** One sentence for the sender, never containing the body itself. */
    readonly reason: string,
  ) {
    super(reason);
    this.name = 'AlertPayloadError';
  }
}

export function invalid(reason: string): AlertPayloadError {
  return new AlertPayloadError('invalid', reason);
}
