import { describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import type { StreamRecord, TimelineEntry, WatchOptions } from '../record/timeline.js';
import { ManualScheduler } from '../scheduler.js';
import { reflectorWarnings } from '../reflector/ticker.js';
import { observeWatch, observeWatchOptions, WARNING_POLL_MS, type ObserveWatchConfig } from './observe-watch.js';
import type { SuiteClient } from './run-suite.js';

/** A watch that answers 200 at once and ends only when aborted (client-abort); `push` adds entries. */
class OneWatch implements Pick<SuiteClient, 'watch'> {
  record: StreamRecord | null = null;
  private onEntry: ((entry: TimelineEntry) => void) | undefined;
  constructor(private readonly clock: FakeClock) {}

  watch(spec: Parameters<SuiteClient['watch']>[0], opts: { signal: AbortSignal; onEntry?: (entry: TimelineEntry) => void }): Promise<StreamRecord> {
    const record: StreamRecord = {
      id: spec.id,
      scenario: spec.scenario,
      request: { method: 'GET', path: `${spec.basePath}?watch=true`, watched: spec.watched, options: spec.options, sentAtMs: this.clock.nowMs() },
      entries: [],
    };
    this.record = record;
    this.onEntry = opts.onEntry;
    this.push({ kind: 'response', atMs: this.clock.nowMs(), status: 200, httpVersion: '2.0', contentType: 'application/json', headers: {} });
    return new Promise((resolve) => {
      const end = () => {
        this.push({ kind: 'close', atMs: this.clock.nowMs(), reason: 'client-abort' });
        resolve(record);
      };
      if (opts.signal.aborted) end();
      else opts.signal.addEventListener('abort', end, { once: true });
    });
  }

  push(entry: TimelineEntry): void {
    this.record!.entries.push(entry);
    this.onEntry?.(entry);
  }
}

const BASE: ObserveWatchConfig = { resource: 'configmaps', profile: 'reference', watchList: true, bookmarks: true, durationMs: 25_000 };

function specOf(options: WatchOptions): Parameters<SuiteClient['watch']>[0] {
  return { id: 'observe#1', scenario: 'watch-list', basePath: '/api/v1/namespaces/default/configmaps', namespace: 'default', watched: { apiVersion: 'v1', kind: 'ConfigMap', resource: 'configmaps' }, options };
}

function start(config: ObserveWatchConfig, signal = new AbortController().signal) {
  const clock = new FakeClock(0);
  const scheduler = new ManualScheduler(clock);
  const client = new OneWatch(clock);
  const warnings: Array<{ atMs: number; line: string; reportedAtMs: number }> = [];
  const done = observeWatch(client, specOf(observeWatchOptions(config)), {
    clock,
    scheduler,
    signal,
    durationMs: config.durationMs,
    hooks: { onReflectorWarning: (w) => warnings.push({ ...w, reportedAtMs: clock.nowMs() }) },
  });
  return { clock, scheduler, client, warnings, done };
}

describe('observeWatch: the window and the live reflector warnings run on the scheduler', () => {
  it('reports each warning a client-go v0.35 reflector would log once, within one poll of its tick, while nothing arrives', async () => {
    const { scheduler, warnings, done } = start(BASE);
    scheduler.advance(BASE.durationMs);
    const stream = await done;
    expect(stream.entries.at(-1)).toMatchObject({ kind: 'close', atMs: 25_000, reason: 'client-abort' });
    // The marks printed live are the warnings the verdict counts on the finished record.
    const expected = reflectorWarnings(stream, 25_000);
    expect(expected.length).toBe(2); // the 10 s and 20 s ticks
    expect(warnings.map(({ atMs, line }) => ({ atMs, line }))).toEqual(expected);
    for (const w of warnings) {
      expect(w.reportedAtMs).toBeGreaterThanOrEqual(w.atMs);
      expect(w.reportedAtMs - w.atMs).toBeLessThanOrEqual(WARNING_POLL_MS);
    }
    expect(scheduler.pending()).toBe(0);
  });

  it('stops warning once the initial-events-end bookmark arrived', async () => {
    const { scheduler, client, warnings, done } = start(BASE);
    scheduler.advance(5_000);
    client.push({
      kind: 'event',
      atMs: 5_000,
      seq: 0,
      type: 'BOOKMARK',
      object: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { resourceVersion: '7', annotations: { 'k8s.io/initial-events-end': 'true' } } },
      bytes: 120,
    });
    scheduler.advance(20_000);
    await done;
    expect(warnings).toEqual([]);
  });

  it('a plain watch arms only the window, and closes at the duration', async () => {
    const plain = { ...BASE, watchList: false, durationMs: 3_000 };
    expect(observeWatchOptions(plain)).toEqual({ allowWatchBookmarks: true });
    const { scheduler, warnings, done } = start(plain);
    expect(scheduler.pending()).toBe(1);
    scheduler.advance(2_999);
    scheduler.advance(1);
    expect((await done).entries.at(-1)).toMatchObject({ kind: 'close', atMs: 3_000 });
    expect(warnings).toEqual([]);
    expect(scheduler.pending()).toBe(0);
  });

  it('ends at once when the signal aborts (Ctrl-C), cancelling its timers', async () => {
    const interrupt = new AbortController();
    const { scheduler, done } = start(BASE, interrupt.signal);
    scheduler.advance(1_500);
    interrupt.abort();
    expect((await done).entries.at(-1)).toMatchObject({ kind: 'close', atMs: 1_500, reason: 'client-abort' });
    expect(scheduler.pending()).toBe(0);
  });
});
