/**
 * opsbot's real composition root (buildApp) with an `alerts` section, a recording alert poster and
 * the real HTTP server (fastify on a free loopback port) serving POST /alerts/:source.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp, type App } from '../../../src/app.js';
import { renderText } from '../../../src/adapters/shell/render.js';
import type { AlertsConfig, LoadedConfig } from '../../../src/config/types.js';
import type { DispatchOutcome } from '../../../src/core/dispatch.js';
import type { Conversation, Principal } from '../../../src/core/identity.js';
import { silentLogger } from '../../../src/core/log.js';
import { createHttpServer } from '../../../src/http/server.js';
import { people, places, tempDir, testConfig } from '../../support/app.js';
import { RecordingPoster } from './pipeline.js';

export interface AlertsApp {
  readonly app: App;
  readonly poster: RecordingPoster;
  readonly url: string;
  readonly http: FastifyInstance;
  /** Dispatches `text` (as Olga in #ops by default) and waits for the job, if one started. */
  say(text: string, as?: Principal, where?: Conversation): Promise<{ status: string; text: string; outcome: DispatchOutcome }>;
  close(): Promise<void>;
}

export async function startAlertsApp(alerts: AlertsConfig, options: { http?: (app: FastifyInstance) => void } = {}): Promise<AlertsApp> {
  const loaded: LoadedConfig = { config: { ...testConfig({ storagePath: join(tempDir('opsbot-alerts-app-'), 'opsbot.db') }), alerts }, file: '/test/opsbot.yaml', secrets: [] };
  const poster = new RecordingPoster();
  const app = await buildApp({ loaded, logger: silentLogger, alertPoster: poster });
  const http = createHttpServer({ store: app.store, metrics: app.metrics, logger: silentLogger, isDraining: () => false, routes: [...(options.http === undefined ? [] : [options.http]), (h) => app.alerts.routes(h)] });
  await http.listen({ host: '127.0.0.1', port: 0 });
  app.alerts.pipeline?.start();
  const { port } = http.server.address() as AddressInfo;
  return {
    app,
    poster,
    url: `http://127.0.0.1:${port}`,
    http,
    async say(text, as = people.olga, where = places.ops) {
      const outcome = await app.dispatcher.dispatch({ id: randomUUID(), text, principal: as, conversation: where, receivedAt: new Date() });
      if (outcome.kind === 'reply') return { status: outcome.status, text: renderText(outcome.reply), outcome };
      const done = await outcome.completion;
      return { status: done.job.state, text: renderText(done.reply), outcome };
    },
    async close() {
      await http.close();
      await app.close(0);
    },
  };
}
