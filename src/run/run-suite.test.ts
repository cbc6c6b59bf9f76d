import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeClock, type Clock } from '../clock.js';
import type { EventEntry, ListRecord, RunRecord, StreamRecord, TimelineEntry, WorkloadWrite } from '../record/timeline.js';
import { ManualScheduler } from '../scheduler.js';
import type { Workload } from '../workload/workload.js';
import type { StreamPlan, SuitePlan } from '../scenario/plan.js';
import { runSuite, type SuiteClient } from './run-suite.js';
import { CONFIGMAPS } from '../../test/support/fixtures.js';


/** A clock that reads vitest's fake time, so timers and recorded times move together. */
function fakeTimeClock(): Clock {
  const startMs = Date.now();
  return { anchorWallMs: startMs, nowMs: () => Date.now() - startMs };
}

/** What a scripted stream sends: entries at offsets from its request, then (optionally) the server's close. */
interface Script {
  events?: Array<{ afterMs: number; type: string; rv: string; name?: string }>;
  closeAfterMs?: number;
}

/**
 * A SuiteClient that plays scripts on fake timers: every watch answers 200 1 ms after its request,
 * emits its scripted events and ends at closeAfterMs (server-eof) or when aborted (client-abort).
 */
class ScriptedClient implements SuiteClient {
  readonly opened: Array<{ id: string; resourceVersion: string | undefined; atMs: number }> = [];
  constructor(
    private readonly clock: Clock,
    private readonly scripts: Record<string, Script>,
  ) {}

  list(spec: { id: string; scenario: string; path: string }): Promise<ListRecord> {
    const atMs = this.clock.nowMs();
    return Promise.resolve({ id: spec.id, scenario: spec.scenario, path: spec.path, sentAtMs: atMs, atMs, status: 200, itemCount: 0, resourceVersion: '10' });
  }

  watch(
    spec: Parameters<SuiteClient['watch']>[0],
    opts: { signal: AbortSignal; onEntry?: (entry: TimelineEntry) => void },
  ): Promise<StreamRecord> {
    const sentAtMs = this.clock.nowMs();
    this.opened.push({ id: spec.id, resourceVersion: spec.options.resourceVersion, atMs: sentAtMs });
    const record: StreamRecord = {
      id: spec.id,
      scenario: spec.scenario,
      request: { method: 'GET', path: `${spec.basePath}?watch=true`, watched: spec.watched, options: spec.options, sentAtMs },
      entries: [],
    };
    const script = this.scripts[spec.id] ?? {};
    let seq = 0;
    const push = (entry: TimelineEntry) => {
      record.entries.push(entry);
      opts.onEntry?.(entry);
    };
    return new Promise((resolve) => {
      const timers: Array<ReturnType<typeof setTimeout>> = [];
      const end = (reason: 'server-eof' | 'client-abort') => {
        timers.forEach(clearTimeout);
        push({ kind: 'close', atMs: this.clock.nowMs(), reason });
        resolve(record);
      };
      timers.push(setTimeout(() => push({ kind: 'response', atMs: this.clock.nowMs(), status: 200, httpVersion: '2.0', contentType: 'application/json', headers: {} }), 1));
      for (const event of script.events ?? []) {
        timers.push(
          setTimeout(() => {
            const object = { kind: 'ConfigMap', apiVersion: 'v1', metadata: { ...(event.name ? { name: event.name, namespace: 'ns' } : {}), resourceVersion: event.rv } };
            const entry: EventEntry = { kind: 'event', atMs: this.clock.nowMs(), seq: seq++, type: event.type, object, bytes: 100 };
            push(entry);
          }, event.afterMs),
        );
      }
      if (script.closeAfterMs !== undefined) timers.push(setTimeout(() => end('server-eof'), script.closeAfterMs));
      opts.signal.addEventListener('abort', () => end('client-abort'), { once: true });
    });
  }
}

/** The part of Workload runSuite uses: writes get RVs 11, 12, ... at once. */
function fakeWorkload(clock: Clock): Workload {
  const writes: WorkloadWrite[] = [];
  let rv = 10;
  let counter = 0;
  const write = (verb: WorkloadWrite['verb'], name: string) => {
    const atMs = clock.nowMs();
    writes.push({ atMs, sentAtMs: atMs, verb, resource: 'configmaps', namespace: 'ns', name, resourceVersion: String(++rv) });
  };
  return {
    namespace: 'ns',
    writes,
    create: async () => {
      const name = `obj-${counter++}`;
      write('create', name);
      return name;
    },
    update: async (name: string) => write('update', name),
    delete: async (name: string) => write('delete', name),
  } as unknown as Workload;
}

function planWith(streams: StreamPlan[], windowMs = 5_000): SuitePlan {
  // One scenario's seeds: 3 objects, the first updated (4 writes before the streams open).
  return {
    quick: true,
    seeds: [{ scenario: 'watch', objects: 3, updates: 1 }],
    list: { id: 'list#1', scenario: 'list' },
    streams,
    writes: [],
    windowMs,
    watchListMaxWindowMs: windowMs,
    scenarios: [],
  };
}

const SOURCE: StreamPlan = { id: 'source#1', scenario: 'watch', purpose: 'source', rv: { kind: 'from-list' }, options: { allowWatchBookmarks: true } };

function resumeFrom(of: 'event' | 'bookmark' | 'any', atMs: number, openAtMs: number): StreamPlan {
  return { id: 'resume#1', scenario: 'watch-resume', purpose: 'resume', rv: { kind: 'from-stream', stream: 'source#1', of, atMs }, openAtMs, role: 'resume', options: { allowWatchBookmarks: true } };
}

describe('runSuite: streams that open later, with an RV taken from the run', () => {
  let clock: Clock;
  beforeEach(() => {
    vi.useFakeTimers();
    clock = fakeTimeClock();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  async function play(plan: SuitePlan, scripts: Record<string, Script>, workload: Workload | null = fakeWorkload(clock)) {
    const client = new ScriptedClient(clock, scripts);
    const done = runSuite({ client, plan, resource: CONFIGMAPS, workload, clock, signal: new AbortController().signal });
    await vi.advanceTimersByTimeAsync(plan.windowMs + 1_000);
    return { record: await done, client };
  }

  const sourceScript: Script = {
    events: [
      { afterMs: 100, type: 'ADDED', rv: '11', name: 'a' },
      { afterMs: 200, type: 'BOOKMARK', rv: '11' },
      { afterMs: 900, type: 'MODIFIED', rv: '12', name: 'a' },
      { afterMs: 1_500, type: 'MODIFIED', rv: '13', name: 'a' },
    ],
  };

  it('opens at openAtMs from the last change event the source delivered up to atMs, and records role and source', async () => {
    const { record, client } = await play(planWith([SOURCE, resumeFrom('event', 1_000, 2_000)]), { 'source#1': sourceScript });
    const opened = client.opened.find((o) => o.id === 'resume#1')!;
    // RV 13 arrived at 1.5 s, after atMs: the RV is 12 although the stream opened at 2 s.
    expect(opened).toMatchObject({ resourceVersion: '12' });
    expect(opened.atMs).toBeGreaterThanOrEqual(2_000);
    const resumed = record.streams.find((s) => s.id === 'resume#1')!;
    expect(resumed.role).toBe('resume');
    expect(resumed.request.options.resourceVersion).toBe('12');
    expect(resumed.startedFrom).toMatchObject({ kind: 'from-stream', stream: 'source#1', of: 'event', resourceVersion: '12', eventSeq: 2, eventType: 'MODIFIED' });
    expect(record.streams.find((s) => s.id === 'source#1')!.role).toBeUndefined();
  });

  it('takes a BOOKMARK RV for of=bookmark and either for of=any', async () => {
    const bookmark = await play(planWith([SOURCE, resumeFrom('bookmark', 1_000, 1_000)]), { 'source#1': sourceScript });
    expect(bookmark.record.streams.find((s) => s.id === 'resume#1')!.startedFrom).toMatchObject({ resourceVersion: '11', eventType: 'BOOKMARK', eventSeq: 1 });
    const any = await play(planWith([SOURCE, resumeFrom('any', 600, 600)]), { 'source#1': sourceScript });
    expect(any.record.streams.find((s) => s.id === 'resume#1')!.startedFrom).toMatchObject({ eventType: 'BOOKMARK' });
  });

  it('does not open a stream whose source delivered nothing by then, and records why', async () => {
    const { record, client } = await play(planWith([SOURCE, resumeFrom('bookmark', 150, 150)]), { 'source#1': sourceScript });
    expect(client.opened.map((o) => o.id)).toEqual(['source#1']);
    const notOpened = record.streams.find((s) => s.id === 'resume#1')!;
    expect(notOpened.role).toBe('resume');
    expect(notOpened.entries).toEqual([
      {
        kind: 'close',
        atMs: expect.any(Number),
        reason: 'not-opened',
        error: {
          code: 'WM_NOT_OPENED',
          message:
            'resume#1 was not opened: its resourceVersion comes from the last BOOKMARK of source#1 up to 150 ms after the streams opened, and source#1 delivered none with a resourceVersion by then',
        },
      },
    ]);
    expect(notOpened.request.options.resourceVersion).toBeUndefined();
    expect(notOpened.request.path).toBe('/api/v1/namespaces/ns/configmaps?allowWatchBookmarks=true&watch=true');
  });

  it('opens from the RV of a workload write, or records why it cannot', async () => {
    const fromWrite = (index: number): StreamPlan => ({ id: 'expired#1', scenario: 'watch-expired', purpose: 'x', rv: { kind: 'from-write', index }, openAtMs: 500, role: 'expired', options: {} });
    const ok = await play(planWith([fromWrite(0)]), {});
    const stream = ok.record.streams[0]!;
    // The plan seeds 3 objects and updates one: write 0 is the first create, RV 11.
    expect(stream.request.options.resourceVersion).toBe('11');
    expect(stream.startedFrom).toMatchObject({ kind: 'from-write', index: 0, resourceVersion: '11', verb: 'create', name: 'obj-0' });
    expect(stream.role).toBe('expired');

    const beyond = await play(planWith([fromWrite(99)]), {});
    expect(beyond.client.opened).toEqual([]);
    expect(beyond.record.streams[0]!.entries[0]).toMatchObject({ reason: 'not-opened', error: { message: expect.stringContaining('the workload made only 4 write(s) by then') } });

    const readOnly = await play(planWith([fromWrite(0)]), {}, null);
    expect(readOnly.record.streams[0]!.entries[0]).toMatchObject({ reason: 'not-opened', error: { message: expect.stringContaining('this run has no workload (read-only)') } });
  });

  it('does not open a stream whose source the plan does not open', async () => {
    const orphan: StreamPlan = { ...resumeFrom('event', 100, 100), rv: { kind: 'from-stream', stream: 'nosuch#1', atMs: 100 } };
    const { record, client } = await play(planWith([SOURCE, orphan]), { 'source#1': sourceScript });
    expect(client.opened.map((o) => o.id)).toEqual(['source#1']);
    expect(record.streams[1]!.entries[0]).toMatchObject({
      reason: 'not-opened',
      error: { message: 'resume#1 was not opened: its resourceVersion comes from stream nosuch#1, which the plan does not open' },
    });
  });

  it('records a stream due after the observation ended as not opened', async () => {
    const late: StreamPlan = { ...SOURCE, id: 'late#1', openAtMs: 10_000 };
    const { record, client } = await play(planWith([SOURCE, late], 3_000), { 'source#1': sourceScript });
    expect(client.opened.map((o) => o.id)).toEqual(['source#1']);
    expect(record.streams.map((s) => s.id)).toEqual(['source#1', 'late#1']);
    expect(record.streams[1]!.entries[0]).toMatchObject({ reason: 'not-opened', error: { message: 'late#1 was not opened: the observation ended before the stream was due to open' } });
    expect(record.streams[0]!.entries.at(-1)).toMatchObject({ kind: 'close', reason: 'client-abort' });
  });

  it('announces the window once, before any stream entry, for the live progress view', async () => {
    const calls: string[] = [];
    const windows: unknown[] = [];
    const plan = { ...planWith([SOURCE, resumeFrom('event', 1_000, 2_000)], 3_000), watchListMaxWindowMs: 8_000 };
    const done = runSuite({
      client: new ScriptedClient(clock, { 'source#1': sourceScript }),
      plan,
      resource: CONFIGMAPS,
      workload: fakeWorkload(clock),
      clock,
      signal: new AbortController().signal,
      listener: {
        onPhase: (phase) => calls.push(`phase ${phase}`),
        onWindow: (window) => (calls.push('window'), windows.push(window)),
        onEntry: (id, entry) => calls.push(`${id} ${entry.kind}`),
      },
    });
    const startMs = clock.nowMs();
    await vi.advanceTimersByTimeAsync(4_000);
    await done;
    expect(calls.slice(0, 3)).toEqual(['phase setup', 'phase observe', 'window']);
    expect(calls.filter((c) => c === 'window')).toHaveLength(1);
    expect(windows[0]).toEqual({
      startMs,
      windowMs: 3_000,
      maxWindowMs: 8_000,
      streams: [
        { id: 'source#1', openAtMs: 0, options: { allowWatchBookmarks: true } },
        { id: 'resume#1', openAtMs: 2_000, options: { allowWatchBookmarks: true } },
      ],
    });
  });
});

/**
 * A SuiteClient the test drives by hand on a FakeClock: every watch answers 200 at once, the test
 * pushes entries with `push`, and a watch ends only when runSuite aborts it (client-abort).
 */
class HandClient implements SuiteClient {
  readonly records = new Map<string, StreamRecord>();
  private readonly onEntry = new Map<string, (entry: TimelineEntry) => void>();
  constructor(private readonly clock: FakeClock) {}

  list(spec: { id: string; scenario: string; path: string }): Promise<ListRecord> {
    const atMs = this.clock.nowMs();
    return Promise.resolve({ id: spec.id, scenario: spec.scenario, path: spec.path, sentAtMs: atMs, atMs, status: 200, itemCount: 0, resourceVersion: '10' });
  }

  watch(spec: Parameters<SuiteClient['watch']>[0], opts: { signal: AbortSignal; onEntry?: (entry: TimelineEntry) => void }): Promise<StreamRecord> {
    const record: StreamRecord = {
      id: spec.id,
      scenario: spec.scenario,
      request: { method: 'GET', path: `${spec.basePath}?watch=true`, watched: spec.watched, options: spec.options, sentAtMs: this.clock.nowMs() },
      entries: [],
    };
    this.records.set(spec.id, record);
    this.onEntry.set(spec.id, (entry) => {
      record.entries.push(entry);
      opts.onEntry?.(entry);
    });
    this.push(spec.id, { kind: 'response', atMs: this.clock.nowMs(), status: 200, httpVersion: '2.0', contentType: 'application/json', headers: {} });
    return new Promise((resolve) => {
      opts.signal.addEventListener('abort', () => {
        this.push(spec.id, { kind: 'close', atMs: this.clock.nowMs(), reason: 'client-abort' });
        resolve(record);
      }, { once: true });
    });
  }

  push(id: string, entry: TimelineEntry): void {
    this.onEntry.get(id)!(entry);
  }
}

describe('runSuite: its timers run on the scheduler it is given', () => {
  const WATCH: StreamPlan = { id: 'watch#1', scenario: 'watch', purpose: 'plain', rv: { kind: 'from-list' }, options: { allowWatchBookmarks: true } };
  const WATCH_LIST: StreamPlan = {
    id: 'watch-list#1',
    scenario: 'watch-list',
    purpose: 'watch-list',
    rv: { kind: 'literal' },
    options: { sendInitialEvents: true, allowWatchBookmarks: true, resourceVersionMatch: 'NotOlderThan' },
  };
  const endBookmark = (atMs: number): EventEntry => ({
    kind: 'event',
    atMs,
    seq: 0,
    type: 'BOOKMARK',
    object: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { resourceVersion: '12', annotations: { 'k8s.io/initial-events-end': 'true' } } },
    bytes: 100,
  });
  /** Lets runSuite's awaits (LIST, seeds) run: a macrotask turn, no time passes on the FakeClock. */
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

  async function start(plan: SuitePlan, withWorkload = false) {
    const clock = new FakeClock(0);
    const scheduler = new ManualScheduler(clock);
    const client = new HandClient(clock);
    const workload = withWorkload ? fakeWorkload(clock) : null;
    const done = runSuite({ client, plan, resource: CONFIGMAPS, workload, clock, scheduler, signal: new AbortController().signal });
    for (let i = 0; i < 20 && client.records.size < plan.streams.length; i++) await settle();
    expect(client.records.size).toBe(plan.streams.length);
    return { clock, scheduler, client, workload, done };
  }
  const closeOf = (record: RunRecord, id: string) => record.streams.find((s) => s.id === id)!.entries.at(-1);

  it('closes a plain watch at windowMs, and a watch-list awaiting its end bookmark when the bookmark arrives', async () => {
    const { scheduler, client, done } = await start({ ...planWith([WATCH, WATCH_LIST], 5_000), watchListMaxWindowMs: 30_000 });
    scheduler.advance(4_999);
    expect(client.records.get('watch#1')!.entries.at(-1)!.kind).toBe('response');
    scheduler.advance(1);
    scheduler.advance(3_000);
    client.push('watch-list#1', endBookmark(8_000));
    const record = await done;
    expect(closeOf(record, 'watch#1')).toMatchObject({ kind: 'close', atMs: 5_000, reason: 'client-abort' });
    expect(closeOf(record, 'watch-list#1')).toMatchObject({ kind: 'close', atMs: 8_000, reason: 'client-abort' });
    expect(record.endedAtMs).toBe(8_000);
    expect(scheduler.pending()).toBe(0);
  });

  it('closes a watch-list that never sends its end bookmark at watchListMaxWindowMs', async () => {
    const { scheduler, done } = await start({ ...planWith([WATCH, WATCH_LIST], 5_000), watchListMaxWindowMs: 30_000 });
    scheduler.advance(29_999);
    await settle();
    scheduler.advance(1);
    const record = await done;
    expect(closeOf(record, 'watch#1')).toMatchObject({ atMs: 5_000 });
    expect(closeOf(record, 'watch-list#1')).toMatchObject({ kind: 'close', atMs: 30_000, reason: 'client-abort' });
    expect(scheduler.pending()).toBe(0);
  });

  it('makes each workload write at its atMs on the scheduler, and a stream opens at its openAtMs', async () => {
    const plan: SuitePlan = {
      ...planWith([WATCH, { ...WATCH, id: 'later#1', openAtMs: 2_500 }], 5_000),
      writes: [
        { atMs: 1_000, verb: 'create', scenario: 'watch' },
        { atMs: 3_000, verb: 'update', scenario: 'watch', target: 0 },
      ],
    };
    const clock = new FakeClock(0);
    const scheduler = new ManualScheduler(clock);
    const client = new HandClient(clock);
    const workload = fakeWorkload(clock);
    const done = runSuite({ client, plan, resource: CONFIGMAPS, workload, clock, scheduler, signal: new AbortController().signal });
    for (let i = 0; i < 20 && client.records.size < 1; i++) await settle();
    const seeded = workload.writes.length; // 3 creates and an update, before the streams open
    expect(seeded).toBe(4);
    for (let t = 0; t < 5_000; t += 500) {
      scheduler.advance(500);
      await settle();
    }
    const record = await done;
    expect(workload.writes.slice(seeded).map((w) => [w.verb, w.atMs])).toEqual([
      ['create', 1_000],
      ['update', 3_000],
    ]);
    expect(record.streams.find((s) => s.id === 'later#1')!.request.sentAtMs).toBe(2_500);
    expect(scheduler.pending()).toBe(0);
  });
});
