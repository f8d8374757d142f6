/**
 * A job's log: lines appended by the handler, secrets masked on the way in, only the tail kept so a
 * chatty playbook cannot grow memory or the database without bound.
 */
import { redactText } from '../args/redact.js';

export class OutputBuffer {
  private lines: string[] = [];
  private bytes = 0;
  private dropped = 0;

  constructor(
    private readonly limitBytes: number,
    private readonly secrets: readonly string[],
  ) {}

  append(text: string): void {
    for (const raw of text.split(/\r?\n/)) {
      const line = redactText(raw, this.secrets);
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
    return redactText(text, this.secrets);
  }
}
