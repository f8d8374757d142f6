/**
 * The plain-webhook fallback (alerts.webhooks.<name>): when a chat cannot be reached, its alert
 * posts go out as one JSON POST each, to a URL written in the config (never one from a message).
 * Body: `{ source, title, text, severity, tone, url, conversation, key, failingSince }`, with `text`
 * the message as plain text. A non-2xx answer, a network error or the timeout is a failure: the
 * fallback tries again on the chat's next failed delivery.
 */
import { renderText } from './shell/render.js';
import type { FallbackNotice, WebhookSender } from '../core/outbox/fallback.js';
import { conversationKey } from '../core/identity.js';
import type { Message, Tone } from '../core/message.js';

export interface FallbackWebhookConfig {
  readonly url: string;
  /** Sent as `Authorization: Bearer <token>`; written in the config as `${ENV_VAR}`. */
  readonly bearer: string | null;
  /** Milliseconds per request. */
  readonly timeout: number;
}

export interface WebhookBody {
  readonly source: 'opsbot';
  readonly title: string;
  readonly text: string;
  readonly severity: string;
  readonly tone: Tone;
  /** The first link of the message (runbook, dashboard), or null. */
  readonly url: string | null;
  /** Where it should have gone: `mattermost:<channel id>`, `teams:<conversation id>`. */
  readonly conversation: string;
  readonly key: string | null;
  readonly failingSince: string;
}

const TONE_SEVERITY: Readonly<Record<Tone, string>> = { danger: 'critical', warning: 'warning', info: 'info', neutral: 'info', success: 'resolved' };

/** The alert's own severity when the message shows one (alert group posts have a Severity field), else one from its tone. */
function severityOf(message: Message): string {
  for (const block of message.blocks) {
    if (block.kind !== 'fields') continue;
    const field = block.fields.find((f) => f.label.toLowerCase() === 'severity');
    if (field !== undefined) return field.value;
  }
  return TONE_SEVERITY[message.tone];
}

function firstLink(message: Message): string | null {
  for (const block of message.blocks) if (block.kind === 'links' && block.links[0] !== undefined) return block.links[0].url;
  return null;
}

export function webhookBody(notice: FallbackNotice): WebhookBody {
  const { message } = notice;
  // The title has its own field; buttons mean nothing outside chat.
  const text = renderText({ tone: message.tone, blocks: message.blocks });
  return {
    source: 'opsbot',
    title: message.title ?? text.split('\n')[0] ?? '',
    text,
    severity: severityOf(message),
    tone: message.tone,
    url: firstLink(message),
    conversation: conversationKey(notice.conversation),
    key: notice.key,
    failingSince: notice.failingSince.toISOString(),
  };
}

export class FallbackWebhook implements WebhookSender {
  constructor(
    readonly name: string,
    private readonly config: FallbackWebhookConfig,
  ) {}

  async send(notice: FallbackNotice): Promise<void> {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'opsbot' };
    if (this.config.bearer !== null) headers.authorization = `Bearer ${this.config.bearer}`;
    let response: Response;
    try {
      response = await fetch(this.config.url, { method: 'POST', headers, body: JSON.stringify(webhookBody(notice)), signal: AbortSignal.timeout(this.config.timeout), redirect: 'error' });
    } catch (error: unknown) {
      // Never the URL's query or the token: only the name the config gave the webhook.
      const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
      throw new Error(`fallback webhook ${this.name} unreachable (${error instanceof Error ? error.name : 'error'}${cause})`, { cause: error });
    }
    // Drain the body so the connection can be reused; its content is not needed.
    await response.arrayBuffer().catch(() => undefined);
    if (!response.ok) throw new Error(`fallback webhook ${this.name} answered HTTP ${response.status}`);
  }
}

/** The webhooks of the config, by name. */
export function fallbackWebhooks(configs: Readonly<Record<string, FallbackWebhookConfig>> | undefined): Map<string, WebhookSender> {
  return new Map(Object.entries(configs ?? {}).map(([name, config]) => [name, new FallbackWebhook(name, config)]));
}
