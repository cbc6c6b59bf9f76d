import { describe, expect, it } from 'vitest';
import { CONFIGMAPS } from '../../test/support/fixtures.js';
import { FakeClock } from '../clock.js';
import type { StreamRecord, TimelineEntry } from '../record/timeline.js';
import { ManualScheduler } from '../scheduler.js';
import type { TargetClient } from '../transport/client.js';
import { probeWatchList } from './watch-list-probe.js';

/** A server that answers 200 and then sends nothing: the watch ends only when the probe aborts it. */
function silentClient(clock: FakeClock): TargetClient {
  return {
    watch(spec: { id: string; scenario: string; basePath: string; watched: StreamRecord['request']['watched']; options: StreamRecord['request']['options'] }, opts: { signal: AbortSignal; onEntry?: (e: TimelineEntry) => void }) {
      const record: StreamRecord = { id: spec.id, scenario: spec.scenario, request: { method: 'GET', path: spec.basePath, watched: spec.watched, options: spec.options, sentAtMs: clock.nowMs() }, entries: [] };
      record.entries.push({ kind: 'response', atMs: clock.nowMs(), status: 200, httpVersion: '2.0', contentType: 'application/json', headers: {} });
      return new Promise<StreamRecord>((resolve) =>
        opts.signal.addEventListener('abort', () => {
          record.entries.push({ kind: 'close', atMs: clock.nowMs(), reason: 'client-abort' });
          resolve(record);
        }, { once: true }),
      );
    },
  } as unknown as TargetClient;
}

describe('probeWatchList: the probe wait runs on the scheduler', () => {
  it('closes a silent watch-list exactly when the probe wait is over', async () => {
    const clock = new FakeClock(0);
    const scheduler = new ManualScheduler(clock);
    const done = probeWatchList(silentClient(clock), CONFIGMAPS, { clock, scheduler, probeTimeoutMs: 10_000 });
    scheduler.advance(9_999);
    expect(scheduler.pending()).toBe(1);
    scheduler.advance(1);
    const probe = await done;
    expect(probe.stream.entries.at(-1)).toMatchObject({ kind: 'close', atMs: 10_000, reason: 'client-abort' });
    expect(probe.endedAtMs).toBe(10_000);
    expect(scheduler.pending()).toBe(0);
  });
});
