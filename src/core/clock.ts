/** Time is a port so windows, TTLs, leases and schedules can be tested deterministically. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
