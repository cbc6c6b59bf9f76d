import type { Clock } from '../clock.js';
import type { SuiteListener, SuiteWindow } from '../run/run-suite.js';
import type { Scheduler } from '../scheduler.js';
import type { TimelineEntry } from '../record/timeline.js';
import { initialProgress, reduce, type ProgressEvent, type ProgressState } from './model.js';
import { renderProgressBlock, renderProgressLine } from './render.js';

export const PROGRESS_FLAG_VALUES = ['auto', 'tty', 'plain', 'none'] as const;
export type ProgressFlag = (typeof PROGRESS_FLAG_VALUES)[number];
export type ProgressMode = 'tty' | 'plain' | 'none';

/** `auto`: the status block when the stream is a terminal, periodic plain lines otherwise. */
export function progressModeFor(flag: ProgressFlag, stream: { isTTY?: boolean }): ProgressMode {
  if (flag === 'auto') return stream.isTTY === true ? 'tty' : 'plain';
  return flag;
}

export interface LiveProgressOptions {
  mode: ProgressMode;
  /** Where progress goes: the CLI passes stderr, never stdout (stdout may be `--json -`). */
  stream: NodeJS.WritableStream & { columns?: number };
  clock: Pick<Clock, 'nowMs'>;
  scheduler: Scheduler;
  color: boolean;
  /** tty: the block is re-rendered at most this often, and rewritten only when it changed. */
  redrawEveryMs?: number;
  /** plain: one line this often (restarted when the observation window opens). */
  lineEveryMs?: number;
}

/** Erases the `lines` lines just above the cursor (which sits at the start of the line below them). */
function eraseAbove(lines: number): string {
  return lines > 0 ? `\r\x1b[${lines}A\x1b[J` : '';
}

/**
 * The live terminal view of a run: listens to the runner's events only (`listener`), folds them
 * into a ProgressState with the pure `reduce`, and draws with the pure renderers — on a timer, so
 * however many events arrive the block is redrawn at most once per `redrawEveryMs`. The timer runs
 * on the injected scheduler and clock (fake in tests). `log` prints a line above the block;
 * `stop` erases the block, so what is printed next (the report) is never interleaved with it.
 */
export class LiveProgress {
  private state: ProgressState;
  /** The block lines currently on screen (tty). */
  private drawn: string[] = [];
  private cancelTimer: (() => void) | null = null;
  private stopped = false;
  private readonly redrawEveryMs: number;
  private readonly lineEveryMs: number;

  /** Hooks for runSuite/runWatchmark: they only update the state; drawing happens on the timer. */
  readonly listener: Required<Pick<SuiteListener, 'onPhase' | 'onEntry' | 'onWriteError' | 'onWindow'>>;

  constructor(private readonly options: LiveProgressOptions) {
    this.redrawEveryMs = options.redrawEveryMs ?? 100;
    this.lineEveryMs = options.lineEveryMs ?? 10_000;
    this.state = { ...initialProgress, phaseSinceMs: options.clock.nowMs() };
    this.listener = {
      onPhase: (phase, detail) => this.apply({ kind: 'phase', atMs: this.options.clock.nowMs(), phase, detail }),
      onEntry: (streamId: string, entry: TimelineEntry) => this.apply({ kind: 'entry', streamId, entry }),
      onWriteError: (message) => this.apply({ kind: 'write-error', message }),
      onWindow: (window: SuiteWindow) => {
        this.apply({ kind: 'window', ...window });
        // Plain lines count from the window's start: "observe 10/16 s" at 10 s.
        if (this.options.mode === 'plain' && !this.stopped) this.schedule(this.lineEveryMs);
      },
    };
    if (options.mode === 'tty') {
      this.draw();
      this.schedule(this.redrawEveryMs);
    } else if (options.mode === 'plain') this.schedule(this.lineEveryMs);
  }

  /** The current state (for tests and a final summary). */
  get progress(): ProgressState {
    return this.state;
  }

  /** Prints a line of its own; in tty mode above the block, which is then put back as it was. */
  log(line: string): void {
    const text = line.endsWith('\n') ? line : `${line}\n`;
    if (this.options.mode !== 'tty' || this.drawn.length === 0) {
      this.options.stream.write(text);
      return;
    }
    this.options.stream.write(eraseAbove(this.drawn.length) + text + this.drawn.map((l) => `${l}\n`).join(''));
  }

  /**
   * Someone else wrote to the stream below the block (e.g. the Ctrl-C notice): leave the block as
   * it is on screen and draw the next one below, rather than erase the wrong lines.
   */
  detach(): void {
    this.drawn = [];
  }

  /** Stops the timer and erases the block. Idempotent; later events are ignored, `log` still prints. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.cancelTimer?.();
    this.cancelTimer = null;
    if (this.options.mode === 'tty' && this.drawn.length > 0) this.options.stream.write(eraseAbove(this.drawn.length));
    this.drawn = [];
  }

  private apply(event: ProgressEvent): void {
    if (!this.stopped) this.state = reduce(this.state, event);
  }

  private schedule(delayMs: number): void {
    this.cancelTimer?.();
    this.cancelTimer = this.options.scheduler.after(delayMs, () => {
      this.cancelTimer = null;
      if (this.stopped) return;
      if (this.options.mode === 'tty') {
        this.draw();
        this.schedule(this.redrawEveryMs);
      } else {
        this.options.stream.write(`${renderProgressLine(this.state, this.options.clock.nowMs())}\n`);
        this.schedule(this.lineEveryMs);
      }
    });
  }

  /** Re-renders the block and rewrites it in one write, only when it changed. */
  private draw(): void {
    // A pseudo-terminal without a size reports 0 columns.
    const columns = this.options.stream.columns;
    const width = columns !== undefined && columns > 0 ? columns : 80;
    const lines = renderProgressBlock(this.state, this.options.clock.nowMs(), { width, color: this.options.color });
    if (lines.length === this.drawn.length && lines.every((l, i) => l === this.drawn[i])) return;
    this.options.stream.write(eraseAbove(this.drawn.length) + lines.map((l) => `${l}\n`).join(''));
    this.drawn = lines;
  }
}
