/**
 * `POST /api/messages` on opsbot's fastify server, handed to botbuilder's CloudAdapter through a thin
 * request/response shim (CloudAdapter wants an Express-like `req` with a parsed body and a `res` with
 * status/header/send/end). An activity whose fields opsbot reads have the wrong type is refused first
 * (400, with the reason). What CloudAdapter answers is passed on, except that a server-side failure
 * is logged and answered without its internals. What botbuilder prints meanwhile goes to opsbot's
 * log, not to stderr (see console-capture.ts).
 */
import type { CloudAdapter, TurnContext } from 'botbuilder';
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../../core/log.js';
import { shapeCheck } from '../../json-shape.js';
import { capturingConsole, describeConsoleLine, routeConsoleToScope, type ConsoleLine } from './console-capture.js';
import { WIRE_ACTIVITY } from './wire.js';

export const MESSAGES_PATH = '/api/messages';

interface Captured {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

function responseShim(captured: Captured) {
  return {
    socket: null,
    status(code: number) {
      captured.status = code;
      return this;
    },
    header(name: string, value: unknown) {
      captured.headers[name] = String(value);
      return this;
    },
    send(body: unknown) {
      captured.body = body;
      return this;
    },
    end() {
      return this;
    },
  };
}

const activityShape = shapeCheck(WIRE_ACTIVITY);

/** The Error botbuilder printed (CloudAdapter prints the one it answered with), for its stack. */
function printedError(printed: readonly ConsoleLine[]): Error | undefined {
  for (const line of printed) for (const arg of line.args) if (arg instanceof Error) return arg;
  return undefined;
}

export function registerMessagesRoute(app: FastifyInstance, adapter: CloudAdapter, logic: (context: TurnContext) => Promise<void>, logger: Logger): void {
  routeConsoleToScope();
  app.post(MESSAGES_PATH, async (request, reply) => {
    const captured: Captured = { status: 200, body: undefined, headers: {} };
    // CloudAdapter throws on an object without a `type` and answers an empty one with a bare 400:
    // both are refused here, with the reason.
    const body: unknown = request.body;
    const type = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as { type?: unknown }).type : undefined;
    if (typeof type !== 'string' || type === '') {
      return reply.status(400).send({ error: 'the body is not a Bot Framework activity (a JSON object with a "type")' });
    }
    // A field opsbot reads must have its type: refused here with the reason, not failed in the turn.
    const activity = activityShape.check(body);
    if (!activity.ok) return reply.status(400).send({ error: `not a Bot Framework activity opsbot can read: ${activity.problem}` });
    const req = { method: request.method, headers: request.headers, body: activity.value };
    const printed: ConsoleLine[] = [];
    await capturingConsole(printed, () => adapter.process(req, responseShim(captured), logic));
    if (captured.status >= 500) {
      logger.error({ status: captured.status, reason: typeof captured.body === 'string' ? captured.body : undefined, err: printedError(printed) }, 'teams: a turn failed');
      return reply.status(500).send({ error: 'internal error' });
    }
    // Refusals are logged below in opsbot's words; botbuilder's own account (which can quote the
    // public key a token was checked with) is kept at debug.
    if (printed.length > 0) logger.debug({ printed: printed.map(describeConsoleLine) }, 'teams: botbuilder output');
    if (captured.status === 401) {
      logger.warn({ reason: typeof captured.body === 'string' ? captured.body : undefined, ip: request.ip }, 'teams: refused a request without a valid Bot Framework token');
      return reply.status(401).send({ error: 'unauthorized: a valid Bot Framework token is required' });
    }
    void reply.status(captured.status).headers(captured.headers);
    // Every refusal says why, even one CloudAdapter makes without a body.
    if (captured.body === undefined && captured.status >= 400) return reply.send({ error: `the Bot Framework adapter refused the activity (HTTP ${captured.status})` });
    return captured.body === undefined ? reply.send() : reply.send(captured.body);
  });
}
