/**
 * Turns progressive-log chunks into whole lines (a chunk may end mid-line) and notices the Pipeline
 * stage being run, for the job's progress line.
 */
const STAGE = /^\[Pipeline\] \{ \((.+)\)$/;

export class ConsoleLines {
  private partial = '';
  private stageName: string | null = null;

  /** Whole lines completed by this chunk; `final` flushes an unterminated last line. */
  push(chunk: string, final: boolean): string[] {
    const text = this.partial + chunk.replace(/\r\n?/g, '\n');
    const parts = text.split('\n');
    this.partial = final ? '' : (parts.pop() ?? '');
    const lines = final && parts.at(-1) === '' ? parts.slice(0, -1) : parts;
    for (const line of lines) {
      const stage = STAGE.exec(line)?.[1];
      if (stage !== undefined) this.stageName = stage;
    }
    return lines;
  }

  get stage(): string | null {
    return this.stageName;
  }
}
