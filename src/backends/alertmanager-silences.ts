/**
 * Maintenance windows' silences through the one Alertmanager v2 client (src/backends/alertmanager/
 * client.ts, shared with the `silence` command): the window's label = value pairs become equality
 * matchers; ending a window expires its silence.
 */
import { BackendError } from '../core/errors.js';
import type { SilenceRequest, SilencesPort } from '../core/maintenance/silences.js';
import { AlertmanagerClient, type AlertmanagerSettings } from './alertmanager/client.js';

export class AlertmanagerSilences implements SilencesPort {
  constructor(readonly client: AlertmanagerClient) {}

  static fromSettings(settings: AlertmanagerSettings): AlertmanagerSilences {
    return new AlertmanagerSilences(new AlertmanagerClient({ ...settings, url: settings.url.replace(/\/+$/, '') }));
  }

  create(request: SilenceRequest, signal?: AbortSignal): Promise<string> {
    return this.client.create(
      {
        matchers: Object.entries(request.matchers).map(([name, value]) => ({ name, value, isRegex: false, isEqual: true })),
        startsAt: request.startsAt,
        endsAt: request.endsAt,
        createdBy: request.createdBy,
        comment: request.comment,
      },
      signal ?? new AbortController().signal,
    );
  }

  async expire(id: string, signal?: AbortSignal): Promise<void> {
    try {
      await this.client.expire(id, signal ?? new AbortController().signal);
    } catch (error: unknown) {
      // Alertmanager 0.25 answers an unknown id with HTTP 500 "silence not found": it mutes nothing
      // either way, which is what ending the window asks for.
      if (error instanceof BackendError && /silence not found/i.test(error.message)) return;
      throw error;
    }
  }
}
