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

/**
 * Node timers that keep the process alive while pending: for waits that are the work itself (a
 * run's observation window, a workload write due later, a probe's wait), where no open socket may
 * be holding the event loop open meanwhile.
 */
export const keepAliveScheduler: Scheduler = {
  after(delayMs, fn) {
    const timer = setTimeout(fn, Math.max(0, delayMs));
    return () => clearTimeout(timer);
  },
};

/**
 * Runs `fn` every `intervalMs` on `scheduler` (each run arms the next, so a ManualScheduler's
 * advance runs every due tick); returns a cancel function.
 */
export function every(scheduler: Scheduler, intervalMs: number, fn: () => void): () => void {
  let cancel = scheduler.after(intervalMs, tick);
  let cancelled = false;
  function tick(): void {
    if (cancelled) return;
    cancel = scheduler.after(intervalMs, tick);
    fn();
  }
  return () => {
    cancelled = true;
    cancel();
  };
}

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
