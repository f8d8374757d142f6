import { Type } from '@sinclair/typebox';
import type { ServerConfig } from '../types.js';
import { Duration, durationMs } from './duration.js';
import { defineSection } from './section.js';

const DEFAULTS = { port: 8080, host: '127.0.0.1', shutdownGrace: '30s' } as const;

const ServerSchema = Type.Object(
  {
    port: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 65_535, default: DEFAULTS.port, description: 'HTTP port. The PORT environment variable overrides it.' }),
    ),
    host: Type.Optional(
      Type.String({
        minLength: 1,
        default: DEFAULTS.host,
        description: 'Address to listen on; 0.0.0.0 for every interface (in a container). The HOST environment variable overrides it.',
      }),
    ),
    shutdownGrace: Type.Optional(
      Duration({ default: DEFAULTS.shutdownGrace, description: 'How long running jobs and requests may take to finish after SIGTERM.' }),
    ),
  },
  { additionalProperties: false, title: 'HTTP server', description: 'The one HTTP server: chat webhooks, alerts, health and metrics.' },
);

export const serverSection = defineSection({
  schema: ServerSchema,
  load(raw, ctx): ServerConfig {
    return {
      port: ctx.environment.PORT ?? raw?.port ?? DEFAULTS.port,
      host: ctx.environment.HOST ?? raw?.host ?? DEFAULTS.host,
      shutdownGrace: durationMs(raw?.shutdownGrace ?? DEFAULTS.shutdownGrace),
    };
  },
});
