/**
 * Signed button contexts and dialog states. Mattermost echoes a button's `context` back verbatim when
 * it is clicked, and anyone who can reach opsbot can post a forged one: so the context carries the
 * command, who may press it, in which channel and thread, until when, and a one-time nonce, all under an
 * HMAC-SHA256 made with the configured actionSecret. Verification recomputes the HMAC and compares in
 * constant time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export interface ButtonGrant {
  /** The command text dispatched when it is pressed, as the person pressing it. */
  readonly command: string;
  /** The button's label, to say who pressed what. */
  readonly label: string;
  /** Mattermost user ids allowed to press it; empty: anyone in the channel. */
  readonly actors: readonly string[];
  /**
   * The channel it was posted in; a press reported from any other is refused. Null only for buttons
   * signed before channels were bound (version 1), accepted until they expire.
   */
  readonly channel: string | null;
  /**
   * The thread it was posted in (a root post id), or null at the channel's root. A press carries no
   * thread, and what it starts (a job's live post) belongs where the button was. Null too for buttons
   * signed before threads were kept (versions 1 and 2).
   */
  readonly threadId: string | null;
  /** Epoch milliseconds. */
  readonly expiresAt: number;
  readonly nonce: string;
  /** Shown in the post once pressed (its title), or null. */
  readonly note: string | null;
  /** Replace the post on click (a reply), or leave it to its own edits (a live job post). */
  readonly update: boolean;
}

export interface DialogGrant {
  /** The command the dialog completes. */
  readonly command: string;
  readonly userId: string;
  readonly channelId: string;
  readonly expiresAt: number;
  /**
   * The thread the command was typed in, and the name of who typed it: a submission carries neither,
   * and its answer (a job's live post) belongs where the command was, under the person's name. Null
   * in a state signed before they were kept (version 1).
   */
  readonly threadId: string | null;
  readonly userName: string | null;
}

type Verified<T> = { readonly ok: true; readonly grant: T } | { readonly ok: false; readonly reason: 'malformed' | 'bad signature' };

const VERSION = 1;
/** Buttons: version 2 binds the channel, version 3 the thread too. */
const CHANNEL_BUTTON_VERSION = 2;
const BUTTON_VERSION = 3;
/** Dialog states: version 2 keeps the thread and the person's name. */
const DIALOG_VERSION = 2;

export class ActionSigner {
  constructor(private readonly secret: string) {}

  signButton(grant: ButtonGrant & { readonly channel: string }): Record<string, unknown> {
    const body = { v: BUTTON_VERSION, cmd: grant.command, lbl: grant.label, act: [...grant.actors], ch: grant.channel, th: grant.threadId, exp: grant.expiresAt, n: grant.nonce, note: grant.note, upd: grant.update };
    return { ...body, sig: this.mac('button', buttonPayload(body)) };
  }

  verifyButton(context: unknown): Verified<ButtonGrant> {
    if (!isRecord(context)) return { ok: false, reason: 'malformed' };
    const { v, cmd, lbl, act, ch, th, exp, n, note, upd, sig } = context;
    // Each version has exactly its own fields: a thread dropped from a version 3 context does not make
    // it a version 2 one (and the version is under the signature anyway).
    const shaped =
      (v === BUTTON_VERSION && typeof ch === 'string' && (th === null || typeof th === 'string')) ||
      (v === CHANNEL_BUTTON_VERSION && typeof ch === 'string' && th === undefined) ||
      (v === VERSION && ch === undefined && th === undefined);
    if (
      !shaped ||
      typeof cmd !== 'string' ||
      typeof lbl !== 'string' ||
      !Array.isArray(act) ||
      !act.every((a): a is string => typeof a === 'string') ||
      typeof exp !== 'number' ||
      typeof n !== 'string' ||
      (note !== null && typeof note !== 'string') ||
      typeof upd !== 'boolean' ||
      typeof sig !== 'string'
    ) {
      return { ok: false, reason: 'malformed' };
    }
    const channel = typeof ch === 'string' ? ch : null;
    const threadId = typeof th === 'string' ? th : null;
    if (!this.matches('button', buttonPayload({ v, cmd, lbl, act, ch: channel, th: threadId, exp, n, note, upd }), sig)) return { ok: false, reason: 'bad signature' };
    return { ok: true, grant: { command: cmd, label: lbl, actors: act, channel, threadId, expiresAt: exp, nonce: n, note, update: upd } };
  }

  signDialog(grant: DialogGrant): string {
    const body = { v: DIALOG_VERSION, cmd: grant.command, u: grant.userId, c: grant.channelId, exp: grant.expiresAt, t: grant.threadId, un: grant.userName };
    return JSON.stringify({ ...body, sig: this.mac('dialog', JSON.stringify([body.v, body.cmd, body.u, body.c, body.exp, body.t, body.un])) });
  }

  verifyDialog(state: unknown): Verified<DialogGrant> {
    if (typeof state !== 'string') return { ok: false, reason: 'malformed' };
    let parsed: unknown;
    try {
      parsed = JSON.parse(state);
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    if (!isRecord(parsed)) return { ok: false, reason: 'malformed' };
    const { v, cmd, u, c, exp, t, un, sig } = parsed;
    if (typeof cmd !== 'string' || typeof u !== 'string' || typeof c !== 'string' || typeof exp !== 'number' || typeof sig !== 'string') {
      return { ok: false, reason: 'malformed' };
    }
    if (v === VERSION && t === undefined && un === undefined) {
      // A form opened before an upgrade, still open: it knew no thread or name.
      if (!this.matches('dialog', JSON.stringify([v, cmd, u, c, exp]), sig)) return { ok: false, reason: 'bad signature' };
      return { ok: true, grant: { command: cmd, userId: u, channelId: c, expiresAt: exp, threadId: null, userName: null } };
    }
    if (v !== DIALOG_VERSION || (t !== null && typeof t !== 'string') || (un !== null && typeof un !== 'string')) return { ok: false, reason: 'malformed' };
    if (!this.matches('dialog', JSON.stringify([v, cmd, u, c, exp, t, un]), sig)) return { ok: false, reason: 'bad signature' };
    return { ok: true, grant: { command: cmd, userId: u, channelId: c, expiresAt: exp, threadId: t, userName: un } };
  }

  /** The domain keeps a button signature from ever passing as a dialog state, and the other way round. */
  private mac(domain: string, payload: string): string {
    return createHmac('sha256', this.secret).update(`${domain}\n${payload}`).digest('base64url');
  }

  private matches(domain: string, payload: string, signature: string): boolean {
    const expected = Buffer.from(this.mac(domain, payload), 'base64url');
    const given = Buffer.from(signature, 'base64url');
    // timingSafeEqual needs equal lengths; a length mismatch says nothing about the secret.
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}

/**
 * What the signature covers, per version, each kept as it was signed: version 1 had no channel,
 * version 2 no thread; version 3 covers the thread, null included (a root button cannot be moved into
 * a thread).
 */
function buttonPayload(b: { v: unknown; cmd: string; lbl: string; act: readonly string[]; ch: string | null; th: string | null; exp: number; n: string; note: string | null; upd: boolean }): string {
  if (b.v === BUTTON_VERSION) return JSON.stringify([b.v, b.cmd, b.lbl, b.act, b.ch, b.th, b.exp, b.n, b.note, b.upd]);
  return b.ch === null ? JSON.stringify([b.v, b.cmd, b.lbl, b.act, b.exp, b.n, b.note, b.upd]) : JSON.stringify([b.v, b.cmd, b.lbl, b.act, b.ch, b.exp, b.n, b.note, b.upd]);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
