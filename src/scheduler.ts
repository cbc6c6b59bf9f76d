/**
 * Timers behind an interface, so watch sessions and the live progress view run on real timers and on a
 * hand-driven scheduler (with a FakeClock) in unit tests.
 */
import type { FakeClock } from './clock.js';

export interface Scheduler {
  /** Runs `fn` after `delayMs`; returns a cancel function. */
  after(delayMs: number, fn: () => void): () => void;
}

/** Node timers, unref'd: an open listener keeps the process alive, a pending bookmark does not. */
export const realScheduler: Scheduler = {
  after(delayMs, fn) {
    const timer = setTimeout(fn, Math.max(0, delayMs));
    timer.unref();
    return () => clearTimeout(timer);
  },
};

interface ManualTimer {
  atMs: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

/** Test scheduler: `advance(ms)` moves the FakeClock and runs due timers in time order. */
export class ManualScheduler implements Scheduler {
  private timers: ManualTimer[] = [];
  private seq = 0;

  constructor(readonly clock: FakeClock) {}

  after(delayMs: number, fn: () => void): () => void {
    const timer: ManualTimer = { atMs: this.clock.nowMs() + Math.max(0, delayMs), seq: this.seq++, fn, cancelled: false };
    this.timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  }

  /** Pending (not cancelled) timers. */
  pending(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  advance(ms: number): void {
    const targetMs = this.clock.nowMs() + ms;
    for (;;) {
      this.timers = this.timers.filter((t) => !t.cancelled);
      let next: ManualTimer | undefined;
      for (const t of this.timers) {
        if (t.atMs <= targetMs && (!next || t.atMs < next.atMs || (t.atMs === next.atMs && t.seq < next.seq))) next = t;
      }
      if (!next) break;
      next.cancelled = true;
      this.clock.set(Math.max(this.clock.nowMs(), next.atMs));
      next.fn();
    }
    this.clock.set(targetMs);
  }
}
