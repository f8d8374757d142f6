/**
 * Neutral actions -> signed Mattermost buttons. Each button carries its own grant: the command, who
 * may press it, until when, and a fresh nonce (so each rendering is single-use).
 */
import type { Clock } from '../../core/clock.js';
import { CONFIRM_TTL_MS } from '../../core/confirm.js';
import type { Action } from '../../core/message.js';
import type { ButtonMaker } from './render.js';
import { newNonce } from '../nonce.js';
import type { ActionSigner } from './signing.js';

export interface ButtonOptions {
  /** Mattermost user ids who may press; empty: anyone in the channel. */
  readonly actors: readonly string[];
  /** The channel the buttons are posted in: a press from anywhere else is refused. */
  readonly channel: string;
  /** The thread they are posted in, or null at the channel's root: what a press starts goes there. */
  readonly threadId: string | null;
  /** What the post said, shown with "who pressed what" once pressed. */
  readonly note: string | null;
  /** Replace the post when pressed (replies), or leave it (live job posts edit themselves). */
  readonly update: boolean;
}

export class ButtonFactory {
  constructor(
    private readonly signer: ActionSigner,
    private readonly clock: Clock,
    /** <publicUrl>/mattermost/action */
    private readonly actionUrl: string,
    private readonly ttlMs: number,
    private readonly nonce: () => string = newNonce,
  ) {}

  maker(options: ButtonOptions): ButtonMaker {
    return (action: Action) => {
      // A confirmation code lives five minutes; its button must not outlive it.
      const ttl = /^confirm\s/i.test(action.command) ? Math.min(this.ttlMs, CONFIRM_TTL_MS) : this.ttlMs;
      const context = this.signer.signButton({
        command: action.command,
        label: action.label,
        actors: options.actors,
        channel: options.channel,
        threadId: options.threadId,
        expiresAt: this.clock.now().getTime() + ttl,
        nonce: this.nonce(),
        note: options.note,
        update: options.update,
      });
      return {
        // Mattermost wants alphanumeric action ids.
        id: action.id.replace(/[^A-Za-z0-9]/g, '') || 'action',
        type: 'button',
        name: action.label,
        ...(action.style === undefined ? {} : { style: action.style }),
        integration: { url: this.actionUrl, context },
      };
    };
  }
}
