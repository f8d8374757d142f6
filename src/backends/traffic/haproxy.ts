/**
 * Blue/green on HAProxy through the runtime API, no reload: first `set server be/<new> state ready`,
 * then `set server be/<old> state maint|drain` (the reverse order leaves a gap that answers 503),
 * then read both back with `show servers state`.
 */
import { COLOURS, otherColour, type Colour } from '../../core/deploy/types.js';
import { BackendError } from '../../core/errors.js';
import { haproxyCommand, parseServersState, serving, type ServerState } from './haproxy-socket.js';
import type { Switcher } from './switcher.js';

export interface HaproxyOptions {
  readonly socket: string;
  readonly backend: string;
  readonly servers: Readonly<Record<Colour, string>>;
  readonly idleState: 'maint' | 'drain';
}

export class HaproxySwitcher implements Switcher {
  constructor(private readonly options: HaproxyOptions) {}

  async states(signal: AbortSignal): Promise<Record<Colour, ServerState>> {
    const { backend, servers, socket } = this.options;
    const states = parseServersState(await haproxyCommand(socket, `show servers state ${backend}`, signal));
    const find = (colour: Colour): ServerState => {
      const state = states.find((s) => s.name === servers[colour]);
      if (state === undefined) throw new BackendError(`HAProxy backend ${backend} has no server ${servers[colour]} (${colour}).`, 'haproxy');
      return state;
    };
    return { blue: find('blue'), green: find('green') };
  }

  async live(signal: AbortSignal): Promise<Colour | null> {
    const states = await this.states(signal);
    const up = COLOURS.filter((c) => serving(states[c]));
    return up.length === 1 ? (up[0] ?? null) : null;
  }

  async switchTo(colour: Colour, signal: AbortSignal): Promise<void> {
    const old = otherColour(colour);
    await this.set(colour, 'ready', signal);
    try {
      await this.set(old, this.options.idleState, signal);
    } catch (error: unknown) {
      // Both colours take traffic now; that is safe, but not what was asked: say so.
      throw new BackendError(`${colour} is ready but ${old} could not be set to ${this.options.idleState}: ${error instanceof Error ? error.message : String(error)} Both colours take traffic.`, 'haproxy', { cause: error });
    }
    const states = await this.states(signal);
    if (!serving(states[colour]) || serving(states[old])) {
      throw new BackendError(`After the switch HAProxy reports ${colour} ${describe(states[colour])} and ${old} ${describe(states[old])}.`, 'haproxy');
    }
  }

  private async set(colour: Colour, state: 'ready' | 'maint' | 'drain', signal: AbortSignal): Promise<void> {
    const { backend, servers, socket } = this.options;
    const reply = (await haproxyCommand(socket, `set server ${backend}/${servers[colour]} state ${state}`, signal)).trim();
    if (reply !== '') throw new BackendError(`HAProxy refused \`set server ${backend}/${servers[colour]} state ${state}\`: ${reply}`, 'haproxy');
  }
}

function describe(state: ServerState): string {
  return serving(state) ? 'serving' : `not serving (op ${state.opState}, admin 0x${state.adminState.toString(16)})`;
}
