/** The TrafficPort: each store's switcher, built from its `traffic` config. */
import type { TrafficPort } from '../../core/deploy/ports.js';
import { NotFoundError } from '../../core/errors.js';
import type { StoresConfig, TrafficConfig } from '../../config/deploy-types.js';
import { HaproxySwitcher } from './haproxy.js';
import { NginxSwitcher } from './nginx.js';
import type { Switcher } from './switcher.js';
import { SymlinkSwitcher } from './symlink.js';

export function createSwitcher(config: TrafficConfig): Switcher {
  switch (config.kind) {
    case 'haproxy':
      return new HaproxySwitcher(config);
    case 'nginx':
      return new NginxSwitcher(config);
    case 'symlink':
      return new SymlinkSwitcher(config);
  }
}

export function describeTraffic(config: TrafficConfig): string {
  switch (config.kind) {
    case 'haproxy':
      return `haproxy ${config.backend}`;
    case 'nginx':
      return `nginx upstream ${config.include}`;
    case 'symlink':
      return `symlink ${config.link}`;
  }
}

export function createTrafficPort(stores: StoresConfig): TrafficPort {
  const switchers = new Map(Object.entries(stores).map(([name, s]) => [name, createSwitcher(s.traffic)]));
  const get = (store: string): Switcher => {
    const switcher = switchers.get(store);
    if (switcher === undefined) throw new NotFoundError(`There is no store \`${store}\`.`);
    return switcher;
  };
  // One switch per store at a time in this process (the job lock already serializes jobs; a
  // switch-back after a cancel may overlap the next job's first read).
  const chains = new Map<string, Promise<unknown>>();
  return {
    live: (store, signal) => get(store).live(signal),
    switchTo(store, colour, signal) {
      const run = (chains.get(store) ?? Promise.resolve()).then(() => get(store).switchTo(colour, signal));
      chains.set(store, run.catch(() => undefined));
      return run;
    },
  };
}
