/**
 * The one HTTP server: adapter routes (added by each chat adapter), /alerts/:source later, and the
 * operational endpoints /healthz, /readyz and /metrics.
 */
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Logger } from '../core/log.js';
import type { Store } from '../core/store.js';
import type { PromMetrics } from './metrics.js';

export interface HttpDeps {
  readonly store: Store;
  readonly metrics: PromMetrics;
  readonly logger: Logger;
  /** Set while shutting down: /readyz answers 503 so load balancers stop sending traffic. */
  readonly isDraining: () => boolean;
  readonly bodyLimitBytes?: number;
  /** Route sets added by the chat adapters and other features (e.g. POST /mattermost/command). */
  readonly routes?: readonly ((app: FastifyInstance) => void)[];
}

export function createHttpServer(deps: HttpDeps): FastifyInstance {
  // Request logging is ours (pino, with secrets redacted), not fastify's; the top-level
  // disableRequestLogging option is deprecated (FSTDEP023) in favour of a LogController.
  const app = Fastify({ bodyLimit: deps.bodyLimitBytes ?? 1_048_576, logController: new LogController({ disableRequestLogging: true }), return503OnClosing: true });

  app.setErrorHandler((error: { statusCode?: number; message: string }, request, reply) => {
    const status = error.statusCode ?? 500;
    // Malformed requests get a 4xx with a reason; only our own faults are 5xx, and they are logged.
    if (status >= 500) deps.logger.error({ err: error, url: request.url, method: request.method }, 'request failed');
    void reply.status(status).send({ error: status >= 500 ? 'internal error' : error.message });
  });

  app.get('/healthz', (_request, reply) => reply.send({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    if (deps.isDraining()) return reply.status(503).send({ status: 'draining' });
    try {
      await deps.store.ping();
      return { status: 'ready', store: deps.store.engine };
    } catch (error: unknown) {
      deps.logger.warn({ err: error }, 'readiness check: store unreachable');
      return reply.status(503).send({ status: 'unavailable', reason: 'store unreachable' });
    }
  });

  app.get('/metrics', async (_request, reply) => {
    const body = await deps.metrics.registry.metrics();
    return reply.header('content-type', deps.metrics.registry.contentType).send(body);
  });

  for (const addRoutes of deps.routes ?? []) addRoutes(app);

  return app;
}
