/**
 * Destructive commands run only after the same person, in the same conversation, confirms within
 * five minutes with a one-time code (typed, or sent by a signed button).
 */
import { randomInt } from 'node:crypto';
import type { Message } from './message.js';
import { defineCommand } from './command.js';

export const CONFIRM_TTL_MS = 5 * 60_000;
// No 0/O, 1/I/L: codes get read aloud and retyped.
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

export function newConfirmationCode(): string {
  let code = '';
  for (let i = 0; i < 6; i += 1) code += ALPHABET[randomInt(ALPHABET.length)];
  return code;
}

export const CONFIRM_CODE = /^[A-Za-z0-9]{6}$/;

export function confirmationPrompt(canonical: string, code: string): Message {
  return {
    title: `Confirm: \`${canonical}\``,
    tone: 'warning',
    blocks: [{ kind: 'text', text: `This is destructive. Type \`confirm ${code}\` within 5 minutes to go ahead; otherwise nothing happens.` }],
    actions: [
      { id: 'confirm', label: 'Confirm', style: 'danger', command: `confirm ${code}` },
    ],
  };
}

/**
 * `confirm <code>` is listed and parsed like any command, but the dispatcher redeems it itself: it
 * must re-dispatch the stored invocation, which no handler may do.
 */
export const confirmCommand = defineCommand({
  name: 'confirm',
  summary: 'Confirm a destructive command with the code from its prompt.',
  examples: ['confirm K7QX2M'],
  args: {
    code: { type: 'string', positional: 0, required: true, pattern: CONFIRM_CODE, patternHint: 'six letters and digits', description: 'The code shown in the confirmation prompt.' },
  },
  permission: () => 'confirm',
  sideEffect: 'none',
  run: () => {
    throw new Error('confirm is redeemed by the dispatcher, never run as a handler');
  },
});
