/**
 * What the alert commands may do (the `alerts` port): list active groups, acknowledge one, and
 * create or end silences. Silences are kept in the store (they mute every source at intake) and,
 * when an Alertmanager is configured, created there too through its v2 API, so Alertmanager stops
 * notifying as well; the silence id is then Alertmanager's.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../clock.js';
import { BackendError, NotFoundError, UsageError } from '../errors.js';
import type { Principal } from '../identity.js';
import type { Matcher } from './matchers.js';
import { alertmanagerMatchers } from './silence-view.js';
import type { AlertGroupRecord, AlertStore, GroupSummary, SilenceRecord } from './store.js';

export interface NewSilence {
  readonly matchers: readonly Matcher[];
  readonly startsAt: Date;
  readonly endsAt: Date;
  /** Shown in Alertmanager as the creator: the chat identity, never a secret. */
  readonly createdBy: string;
  readonly comment: string;
}

/** Alertmanager's silences API (src/backends/alertmanager). */
export interface SilenceBackend {
  /** Returns Alertmanager's silence id. */
  create(silence: NewSilence, signal: AbortSignal): Promise<string>;
  /** `not_found` when Alertmanager has no such silence (or it already ended). */
  expire(id: string, signal: AbortSignal): Promise<'expired' | 'not_found'>;
}

export interface AlertsPort {
  /** Open groups, most recently changed first. */
  active(limit: number): Promise<GroupSummary[]>;
  ack(groupId: number, by: Principal): Promise<AlertGroupRecord>;
  silence(request: { readonly matchers: readonly Matcher[]; readonly durationMs: number; readonly comment: string }, by: Principal, signal: AbortSignal): Promise<SilenceRecord>;
  unsilence(id: string, signal: AbortSignal): Promise<SilenceRecord | { readonly id: string; readonly onlyInAlertmanager: true }>;
  silences(): Promise<SilenceRecord[]>;
  /** Where silences go: 'alertmanager' when one is configured, else 'local'. */
  readonly silenceTarget: 'alertmanager' | 'local';
  /** Throws a UsageError saying how to turn alerts on when the config has no `alerts` section. */
  requireConfigured(): void;
}

export interface AlertsServiceDeps {
  readonly store: AlertStore;
  readonly clock: Clock;
  readonly backend: SilenceBackend | null;
  /** Called after anything that changes what chat should show or what is muted. */
  readonly onChange: {
    groupChanged(): void;
    silencesChanged(): void;
    /** A silence was ended early: what it held back posts now if still firing (never rejects). */
    silenceEnded?(id: string): Promise<void>;
  };
}

/** The port when the config has no `alerts` section: every use says how to turn alerts on. */
export const alertsNotConfigured: AlertsPort = (() => {
  const off = (): never => {
    throw new UsageError('Alerts are not set up here: add an `alerts` section to the config.');
  };
  return { silenceTarget: 'local', active: off, ack: off, silence: off, unsilence: off, silences: off, requireConfigured: off };
})();

export function createAlertsPort(deps: AlertsServiceDeps): AlertsPort {
  const { store, clock, backend } = deps;
  return {
    silenceTarget: backend === null ? 'local' : 'alertmanager',
    requireConfigured: () => undefined,
    active: (limit) => store.openGroups(limit),
    async ack(groupId, by) {
      const group = await store.ack(groupId, by, clock.now());
      if (group === null) throw new NotFoundError(`There is no open alert group #${groupId}.`, { hint: 'Type `alerts` to list them.' });
      deps.onChange.groupChanged();
      return group;
    },
    async silence(request, by, signal) {
      const startsAt = clock.now();
      const endsAt = new Date(startsAt.getTime() + request.durationMs);
      const comment = request.comment.trim() === '' ? `silenced from chat by ${by.name}` : request.comment;
      let id: string = randomUUID();
      // Alertmanager gets the matchers it understands for its own alerts, or nothing when the silence is
      // for another source's (opsbot still keeps it and mutes them at intake).
      const forAlertmanager = backend === null ? null : alertmanagerMatchers(request.matchers);
      if (backend !== null && forAlertmanager !== null) id = await backend.create({ matchers: forAlertmanager, startsAt, endsAt, createdBy: `${by.name} (${by.platform}:${by.id}) via opsbot`, comment }, signal);
      const record: SilenceRecord = { id, matchers: request.matchers, startsAt, endsAt, createdBy: by, comment, inAlertmanager: forAlertmanager !== null, expiredAt: null };
      await store.addSilence(record);
      deps.onChange.silencesChanged();
      return record;
    },
    async unsilence(id, signal) {
      const local = await store.getSilence(id);
      if (local !== null && (local.expiredAt !== null || local.endsAt <= clock.now())) throw new UsageError(`Silence ${id} has already ended.`);
      let inAlertmanager: 'expired' | 'not_found' | null = null;
      if (backend !== null && (local === null || local.inAlertmanager)) inAlertmanager = await backend.expire(id, signal);
      if (local === null) {
        if (inAlertmanager === 'expired') return { id, onlyInAlertmanager: true };
        throw new NotFoundError(`There is no active silence ${id}.`, { hint: 'Type `silence` with no arguments to list them.' });
      }
      // A silence Alertmanager no longer has (ended there by hand) still ends here.
      const ended = await store.expireSilence(id, clock.now());
      deps.onChange.silencesChanged();
      if (ended === null) throw new BackendError(`Silence ${id} could not be ended.`, 'store');
      await deps.onChange.silenceEnded?.(id);
      return ended;
    },
    silences: () => store.activeSilences(clock.now()),
  };
}
