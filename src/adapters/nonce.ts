/**
 * One-time nonces for signed buttons and action tokens: 12 random bytes, base64url.
 *
 * Every job's reply carries a signed Cancel button, so a burst of commands asks for thousands a
 * second, and `randomBytes(12)` is one getrandom system call each. The bytes are drawn from the OS
 * in blocks and handed out in order, as Node does for `randomUUID`; each byte is used once.
 */
import { randomFillSync } from 'node:crypto';

const NONCE_BYTES = 12;
const NONCES_PER_BLOCK = 128;

const block = Buffer.alloc(NONCE_BYTES * NONCES_PER_BLOCK);
let offset = block.length;

export function newNonce(): string {
  if (offset === block.length) {
    randomFillSync(block);
    offset = 0;
  }
  const nonce = block.toString('base64url', offset, offset + NONCE_BYTES);
  offset += NONCE_BYTES;
  return nonce;
}
