/**
 * Injected clocks. Logic never reads the clock itself: it is handed one.
 *
 * `nowMs()` is monotonic milliseconds since the clock's anchor (fractional, from
 * `process.hrtime.bigint()`); `anchorWallMs` is the wall-clock time of that anchor, taken once
 * per run, so every recorded time can be shown as a date without a second clock read.
 */
export interface Clock {
  /** Monotonic milliseconds since the anchor. */
  nowMs(): number;
  /** Wall-clock epoch milliseconds at the anchor (nowMs() === 0). */
  readonly anchorWallMs: number;
  /**
   * The clock's reading for an earlier `process.hrtime.bigint()` reading (the monotonic clock every
   * thread shares): how an arrival stamped on the socket reader's thread enters the record. A clock
   * without it (tests' fake clocks) records arrivals when the main thread sees them.
   */
  fromMonotonicNs?(ns: bigint): number;
}

export function systemClock(): Clock {
  const anchorNs = process.hrtime.bigint();
  const anchorWallMs = Date.now();
  return {
    anchorWallMs,
    nowMs: () => Number(process.hrtime.bigint() - anchorNs) / 1e6,
    fromMonotonicNs: (ns) => Number(ns - anchorNs) / 1e6,
  };
}

/** A clock tests move by hand. */
export class FakeClock implements Clock {
  constructor(
    private currentMs = 0,
    readonly anchorWallMs = Date.UTC(2026, 0, 1),
  ) {}
  nowMs(): number {
    return this.currentMs;
  }
  advance(ms: number): void {
    this.currentMs += ms;
  }
  set(ms: number): void {
    this.currentMs = ms;
  }
}
