// Time as a dependency: the token core never calls Date.now() itself, so tests can freeze it.

/** A source of the current time in milliseconds since the epoch. */
export interface Clock {
  now(): number;
}

/** The real clock. */
export const systemClock: Clock = Object.freeze({ now: () => Date.now() });

/** A clock that only moves when told to: for tests of expiry and `iat` copying. */
export class FrozenClock implements Clock {
  constructor(private ms: number = Date.UTC(2026, 10, 22, 12, 0, 0)) {}
  now(): number {
    return this.ms;
  }
  /** Moves the clock forward by `seconds`. */
  advance(seconds: number): void {
    this.ms += seconds * 1000;
  }
}

/** Whole seconds since the epoch, as JWT `iat`/`exp` carry them. */
export const epochSeconds = (clock: Clock): number => Math.floor(clock.now() / 1000);
