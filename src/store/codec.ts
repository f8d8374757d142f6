/**
 * Column values ⇄ domain values: epoch-ms times, JSON text, identities and enumerations. Everything
 * read back is checked, because a row is wire input too (another version of opsbot, a manual
 * UPDATE, a restored backup) and a wrong type must fail here, not deep inside a command.
 */
import type { Conversation, Platform, Principal } from '../core/identity.js';
import { AUDIT_EVENTS, JOB_STATES } from '../core/store.js';
import type { AuditEvent, JobState, Refs } from '../core/store.js';

/** Adding a platform to the union without adding it here is a compile error. */
const PLATFORMS: Record<Platform, true> = { mattermost: true, teams: true, shell: true, schedule: true };

/** A stored value this code could not have written: the row is reported, never guessed at. */
export function corrupt(what: string, value: unknown): Error {
  return new Error(`store: unexpected ${what}: ${JSON.stringify(value) ?? String(value)}`);
}

export function toMs(date: Date): number {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new Error('store: invalid Date');
  return ms;
}

export function fromMs(ms: number): Date {
  return new Date(ms);
}

export function fromMsOrNull(ms: number | null): Date | null {
  return ms === null ? null : new Date(ms);
}

export function encodeJson(value: unknown): string {
  return JSON.stringify(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function decodeObject(text: string, what: string): Record<string, unknown> {
  const value: unknown = JSON.parse(text);
  if (!isPlainObject(value)) throw corrupt(what, value);
  return value;
}

/** A JSON object whose values are all strings (labels, annotations, links). */
export function decodeStringMap(text: string, what: string): Record<string, string> {
  const value = decodeObject(text, what);
  for (const v of Object.values(value)) if (typeof v !== 'string') throw corrupt(what, value);
  return value as Record<string, string>;
}

/** An already decoded value that must be a list of strings. */
export function asStringList(value: unknown, what: string): string[] {
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string')) throw corrupt(what, value);
  return value;
}

/** A JSON array of strings. */
export function decodeStringList(text: string, what: string): string[] {
  return asStringList(JSON.parse(text), what);
}

export function decodeRefs(text: string): Refs {
  const value = decodeObject(text, 'refs');
  for (const v of Object.values(value)) if (typeof v !== 'string') throw corrupt('refs value', v);
  return value as Refs;
}

export function encodeGroups(groups: readonly string[] | undefined): string | null {
  return groups === undefined ? null : JSON.stringify(groups);
}

function decodeGroups(text: string | null): readonly string[] | null {
  if (text === null) return null;
  const value: unknown = JSON.parse(text);
  if (!Array.isArray(value) || !value.every((g): g is string => typeof g === 'string')) throw corrupt('groups', value);
  return value;
}

export function decodePlatform(value: string): Platform {
  if (!Object.hasOwn(PLATFORMS, value)) throw corrupt('platform', value);
  return value as Platform;
}

export function decodeJobState(value: string): JobState {
  const state = JOB_STATES.find((s) => s === value);
  if (state === undefined) throw corrupt('job state', value);
  return state;
}

export function decodeAuditEvent(value: string): AuditEvent {
  const event = AUDIT_EVENTS.find((e) => e === value);
  if (event === undefined) throw corrupt('audit event', value);
  return event;
}

export function decodePrincipal(platform: string, id: string, name: string, groups: string | null): Principal {
  const decoded = decodeGroups(groups);
  const base = { platform: decodePlatform(platform), id, name };
  // exactOptionalPropertyTypes: an absent `groups` must stay absent, not become undefined.
  return decoded === null ? base : { ...base, groups: decoded };
}

export function decodeConversation(platform: string, id: string, threadId: string | null, name: string | null): Conversation {
  return {
    platform: decodePlatform(platform),
    id,
    ...(threadId === null ? {} : { threadId }),
    ...(name === null ? {} : { name }),
  };
}
