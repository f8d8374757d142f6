/** One store's traffic switch, whatever does it (HAProxy, nginx, a symlink). */
import type { Colour } from '../../core/deploy/types.js';

export interface Switcher {
  /** Read back from the balancer; null when neither or both colours take traffic. */
  live(signal: AbortSignal): Promise<Colour | null>;
  switchTo(colour: Colour, signal: AbortSignal): Promise<void>;
}
