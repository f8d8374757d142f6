/**
 * A timer around an async pass: the first pass runs at once, the next one `everyMs` after the
 * previous one ended (passes never overlap), failures are logged and do not stop the loop. The timer
 * is unref'd: it never keeps the process alive on its own.
 */
import type { Logger } from '../log.js';

export class Ticker {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;

  constructor(
    private readonly everyMs: number,
    private readonly pass: () => Promise<void>,
    private readonly logger: Logger,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  private run(): void {
    if (this.stopped) return;
    this.running = this.pass()
      .catch((error: unknown) => this.logger.error({ err: error }, 'scheduled pass failed'))
      .finally(() => {
        this.running = null;
        if (this.stopped) return;
        this.timer = setTimeout(() => this.run(), this.everyMs);
        this.timer.unref();
      });
  }
}
