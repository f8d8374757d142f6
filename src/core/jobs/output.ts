/**
 * A job's log: lines appended by the handler, secrets masked on the way in, only the tail kept so a
 * chatty playbook cannot grow memory or the database without bound.
 */
import { SecretMask } from '../args/redact.js';

export class OutputBuffer {
  private lines: string[] = [];
  private bytes = 0;
  private dropped = 0;
  private readonly mask: SecretMask;

  constructor(
    private readonly limitBytes: number,
    secrets: readonly string[],
  ) {
    this.mask = new SecretMask(secrets);
  }

  append(text: string): void {
    for (const raw of text.split(/\r?\n/)) {
      const line = lineTail(this.mask.text(raw), this.limitBytes);
      this.lines.push(line);
      this.bytes += Buffer.byteLength(line) + 1;
    }
    while (this.bytes > this.limitBytes && this.lines.length > 1) {
      const removed = this.lines.shift() as string;
      this.bytes -= Buffer.byteLength(removed) + 1;
      this.dropped += 1;
    }
  }

  toString(): string {
    const head = this.dropped > 0 ? `… ${this.dropped} earlier lines not kept\n` : '';
    return head + this.lines.join('\n');
  }

  redact(text: string): string {
    return this.mask.text(text);
  }
}

/**
 * One line is bounded too (minified JSON, a progress bar redrawn with \r): beyond the limit only its
 * end is kept, after an ellipsis, so the tail stays within `limitBytes` however the output is cut.
 */
function lineTail(line: string, limitBytes: number): string {
  if (Buffer.byteLength(line) <= limitBytes) return line;
  const room = Math.max(0, limitBytes - Buffer.byteLength('…'));
  // A UTF-16 unit is at least one byte, so `room` units is an upper bound; trim to fit in bytes.
  let kept = room === 0 ? '' : line.slice(-room);
  while (Buffer.byteLength(kept) > room) kept = kept.slice(Math.max(1, Math.floor((Buffer.byteLength(kept) - room) / 3)));
  return `…${kept}`;
}
