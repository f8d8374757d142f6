/**
 * POST /alerts/:source. Order of checks: the source must exist and be enabled (404), the body fit
 * the limit (413, by fastify before we see it), the sender prove itself (401), the content type be
 * one the source sends (415), the body decode (400) and have the source's shape (422). Only then do
 * alerts reach the pipeline; 202 says what happened to them. Bad input never gets a 5xx; a store
 * that cannot be reached gets 503 so the sender retries.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AlertPayloadError, alertSources, decodePayload } from '../../alert-sources/index.js';
import type { AlertsConfig } from '../../config/types.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/log.js';
import { isAlertSourceName } from '../../core/alerts/model.js';
import type { IngestResult } from '../../core/alerts/pipeline.js';
import type { Alert } from '../../core/alerts/model.js';
import { verify } from './verify.js';

export interface AlertIntake {
  ingest(alerts: readonly Alert[]): Promise<IngestResult>;
}

export interface AlertRouteDeps {
  readonly config: AlertsConfig | null;
  readonly intake: AlertIntake | null;
  readonly clock: Clock;
  readonly logger: Logger;
}

const STATUS = { malformed: 400, unsupported_media: 415, invalid: 422 } as const;

/** Every count of an IngestResult; the compiler checks that none is missing. */
const INGEST_COUNTS = ['received', 'new', 'changed', 'duplicates', 'stale', 'silenced', 'maintenance', 'unrouted'] as const;
const _everyCount: Exclude<keyof IngestResult, (typeof INGEST_COUNTS)[number]> extends never ? true : never = true;

/**
 * The 202 body's schema: fastify serializes it with a function compiled from it instead of
 * JSON.stringify, which was a few percent of every delivery (see `npm run bench`). It lists every
 * count (a serializer built from a schema leaves out what the schema does not name).
 */
const ACCEPTED_SCHEMA = {
  type: 'object',
  properties: Object.fromEntries(INGEST_COUNTS.map((name) => [name, { type: 'integer' }])),
  required: [...INGEST_COUNTS],
  additionalProperties: false,
} as const;

function refuse(reply: FastifyReply, status: number, error: string): FastifyReply {
  return reply.status(status).send({ error });
}

export function alertRoutes(deps: AlertRouteDeps): (app: FastifyInstance) => void {
  return (app) => {
    void app.register((scope, _options, done) => {
      // Our own body handling: the raw bytes for signatures, any content type (we answer 415 ourselves).
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: deps.config?.bodyLimit ?? 1_048_576 }, (_request, body, done) => done(null, body));

      scope.post('/alerts/:source', { schema: { response: { 202: ACCEPTED_SCHEMA } } }, async (request: FastifyRequest<{ Params: { source: string } }>, reply) => {
        const name = request.params.source;
        if (!isAlertSourceName(name)) return refuse(reply, 404, `unknown alert source "${name.slice(0, 40)}"`);
        const auth = deps.config?.sources[name];
        if (auth === undefined || deps.intake === null) return refuse(reply, 404, `alert source "${name}" is not enabled`);
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const verdict = verify(auth, request.headers, body, deps.clock.now());
        if (!verdict.ok) {
          if (auth.kind === 'bearer') void reply.header('www-authenticate', 'Bearer');
          if (auth.kind === 'basic') void reply.header('www-authenticate', 'Basic realm="opsbot alerts"');
          deps.logger.warn({ source: name, reason: verdict.reason, ip: request.ip }, 'alert intake: refused unauthenticated body');
          return refuse(reply, 401, verdict.reason);
        }
        const source = alertSources[name];
        let alerts: Alert[];
        try {
          const payload = decodePayload(request.headers['content-type'], body, source.accepts);
          alerts = source.parse(payload, { receivedAt: deps.clock.now() });
        } catch (error: unknown) {
          if (error instanceof AlertPayloadError) return refuse(reply, STATUS[error.kind], error.reason);
          throw error;
        }
        let result: IngestResult;
        try {
          result = await deps.intake.ingest(alerts);
        } catch (error: unknown) {
          deps.logger.error({ err: error, source: name }, 'alert intake: could not record alerts');
          return refuse(reply, 503, 'alerts could not be recorded now; try again');
        }
        return reply.status(202).send(result);
      });
      done();
    });
  };
}
