import { describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { encodeObject, encodeWatchEvent, lengthPrefixed } from '../protobuf/k8s-codec.js';
import { INITIAL_EVENTS_END_ANNOTATION } from '../record/accessors.js';
import { ManualScheduler } from '../scheduler.js';
import { parseFaults, type FaultName } from './faults.js';
import { FrameSplitter, inspectFrame, type StreamEncoding } from './frames.js';
import type { RequestKind } from './request-match.js';
import { seededRandom } from '../seeded-random.js';
import { FaultedStream, REORDER_IDLE_MS, SPLIT_GAP_MS } from './stream-faults.js';

type Json = Record<string, unknown>;

function object(rv: string, name?: string, annotations?: Record<string, string>): Json {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { ...(name ? { name, namespace: 'default' } : {}), resourceVersion: rv, ...(annotations ? { annotations } : {}) } };
}
/** One JSON frame: `ev('ADDED', '5')`, `ev('BOOKMARK', '6', 'end')` for the initial-events-end bookmark. */
function ev(type: string, rv: string, mark?: 'end'): Buffer {
  const obj = type === 'BOOKMARK' ? object(rv, undefined, mark === 'end' ? { [INITIAL_EVENTS_END_ANNOTATION]: 'true' } : undefined) : object(rv, `cm-${rv}`);
  return Buffer.from(`${JSON.stringify({ type, object: obj })}\n`);
}
function pb(type: string, rv: string, mark?: 'end'): Buffer {
  const obj = type === 'BOOKMARK' ? object(rv, undefined, mark === 'end' ? { [INITIAL_EVENTS_END_ANNOTATION]: 'true' } : undefined) : object(rv, `cm-${rv}`);
  return Buffer.from(lengthPrefixed(encodeWatchEvent(type, encodeObject(obj))));
}

/** How a test reads a whole frame the client got: "ADDED 5", "BOOKMARK 6 end", "?" when it does not decode. */
function label(frame: Buffer, encoding: StreamEncoding = 'json'): string {
  const info = inspectFrame(frame, encoding);
  if (info.type === undefined) return '?';
  return `${info.type} ${info.resourceVersion}${info.endBookmark ? ' end' : ''}`;
}

type SinkCall = { atMs: number; op: 'write'; bytes: Buffer } | { atMs: number; op: 'end' | 'reset' | 'stopUpstream' };

interface Harness {
  stream: FaultedStream;
  scheduler: ManualScheduler;
  clock: FakeClock;
  calls: SinkCall[];
  applied: Array<[FaultName, string]>;
  draws: number;
  /** Pushes whole frames as one chunk. */
  push(...frames: Buffer[]): void;
  /** The frames written so far, labelled, each with when its last byte went out. */
  frames(): Array<[number, string]>;
  /** The labels of the frames written so far. */
  labels(): string[];
  ops(): string[];
}

function harness(faultValues: string[], options: { requestKind?: RequestKind; encoding?: StreamEncoding; random?: number[] | (() => number) } = {}): Harness {
  const clock = new FakeClock();
  const scheduler = new ManualScheduler(clock);
  const calls: SinkCall[] = [];
  const applied: Array<[FaultName, string]> = [];
  const encoding = options.encoding ?? 'json';
  const randoms = typeof options.random === 'function' ? [] : [...(options.random ?? [])];
  const source = typeof options.random === 'function' ? options.random : undefined;
  const h: Harness = {
    clock,
    scheduler,
    calls,
    applied,
    draws: 0,
    stream: new FaultedStream({
      faults: parseFaults(faultValues),
      encoding,
      requestKind: options.requestKind ?? 'watch',
      clock,
      scheduler,
      random: () => {
        h.draws++;
        if (source) return source();
        const next = randoms.shift();
        if (next === undefined) throw new Error('the test gave no more random numbers');
        return next;
      },
      sink: {
        write: (bytes) => calls.push({ atMs: clock.nowMs(), op: 'write', bytes: Buffer.from(bytes) }),
        end: () => calls.push({ atMs: clock.nowMs(), op: 'end' }),
        reset: () => calls.push({ atMs: clock.nowMs(), op: 'reset' }),
        stopUpstream: () => calls.push({ atMs: clock.nowMs(), op: 'stopUpstream' }),
      },
      onApplied: (fault, detail) => applied.push([fault, detail]),
    }),
    push: (...frames) => h.stream.push(Buffer.concat(frames)),
    frames: () => {
      const splitter = new FrameSplitter(encoding);
      const out: Array<[number, string]> = [];
      for (const call of calls) if (call.op === 'write') for (const f of splitter.push(call.bytes)) out.push([call.atMs, label(f, encoding)]);
      return out;
    },
    labels: () => h.frames().map(([, l]) => l),
    ops: () => calls.filter((c) => c.op !== 'write').map((c) => `${c.op}@${c.atMs}`),
  };
  h.stream.start();
  return h;
}

const watchList = { requestKind: 'watch-list' as const };
/** A watch-list's first frames: two initial events, the end bookmark, a live event and a periodic bookmark. */
const WATCH_LIST = () => [ev('ADDED', '1'), ev('ADDED', '2'), ev('BOOKMARK', '2', 'end'), ev('MODIFIED', '3'), ev('BOOKMARK', '4')];

describe('FaultedStream without faults', () => {
  it('passes every byte through at once and ends when upstream ends', () => {
    const h = harness([], watchList);
    const body = Buffer.concat(WATCH_LIST());
    h.stream.push(body.subarray(0, 10));
    h.stream.push(body.subarray(10));
    expect(Buffer.concat(h.calls.flatMap((c) => (c.op === 'write' ? [c.bytes] : []))).equals(body)).toBe(true);
    expect(h.frames().every(([at]) => at === 0)).toBe(true);
    h.stream.end();
    expect(h.ops()).toEqual(['end@0']);
    expect(h.stream.outcome).toBe('ended');
    expect([h.stream.framesIn, h.stream.framesOut, h.stream.bytesOut]).toEqual([5, 5, body.length]);
    expect(h.applied).toEqual([]);
    expect(h.scheduler.pending()).toBe(0);
  });

  it('sends a partial frame left at the upstream end before ending', () => {
    const h = harness([]);
    h.push(ev('ADDED', '1'), Buffer.from('{"type":"ADD'));
    h.stream.end();
    expect(h.calls.map((c) => (c.op === 'write' ? c.bytes.toString() : c.op))).toEqual([ev('ADDED', '1').toString(), '{"type":"ADD', 'end']);
  });
});

describe('bookmark faults', () => {
  it('strip-end-bookmark drops the end bookmark only', () => {
    const h = harness(['strip-end-bookmark'], watchList);
    h.push(...WATCH_LIST());
    expect(h.labels()).toEqual(['ADDED 1', 'ADDED 2', 'MODIFIED 3', 'BOOKMARK 4']);
    expect(h.applied).toEqual([['strip-end-bookmark', 'dropped the initial-events-end bookmark (RV 2)']]);
    expect(h.stream.counts.get('strip-end-bookmark')).toBe(1);
    expect([h.stream.framesIn, h.stream.framesOut]).toEqual([5, 4]);
  });

  it('strip-end-bookmark works on a protobuf stream', () => {
    const h = harness(['strip-end-bookmark'], { ...watchList, encoding: 'protobuf' });
    h.push(pb('ADDED', '1'), pb('BOOKMARK', '1', 'end'), pb('MODIFIED', '2'));
    expect(h.labels()).toEqual(['ADDED 1', 'MODIFIED 2']);
    expect(h.stream.counts.get('strip-end-bookmark')).toBe(1);
  });

  it('delay-end-bookmark holds the end bookmark for D, and what follows waits behind it', () => {
    const h = harness(['delay-end-bookmark=2s'], watchList);
    h.push(...WATCH_LIST().slice(0, 4));
    expect(h.frames()).toEqual([[0, 'ADDED 1'], [0, 'ADDED 2']]);
    expect(h.applied).toEqual([['delay-end-bookmark', 'holding the initial-events-end bookmark (RV 2) for 2s']]);
    h.scheduler.advance(500);
    h.push(ev('BOOKMARK', '4'));
    h.scheduler.advance(1499);
    expect(h.labels()).toEqual(['ADDED 1', 'ADDED 2']);
    h.scheduler.advance(1);
    expect(h.frames()).toEqual([[0, 'ADDED 1'], [0, 'ADDED 2'], [2000, 'BOOKMARK 2 end'], [2000, 'MODIFIED 3'], [2000, 'BOOKMARK 4']]);
    // Only the end bookmark is held: a later frame goes out at once.
    h.push(ev('MODIFIED', '5'));
    expect(h.frames().at(-1)).toEqual([2000, 'MODIFIED 5']);
    expect(h.stream.counts.get('delay-end-bookmark')).toBe(1);
  });

  it('strip-bookmarks drops every bookmark, the end one included', () => {
    const h = harness(['strip-bookmarks'], watchList);
    h.push(...WATCH_LIST());
    expect(h.labels()).toEqual(['ADDED 1', 'ADDED 2', 'MODIFIED 3']);
    expect(h.applied).toEqual([
      ['strip-bookmarks', 'dropped the initial-events-end bookmark (RV 2)'],
      ['strip-bookmarks', 'dropped a bookmark (RV 4)'],
    ]);
    expect(h.stream.counts.get('strip-bookmarks')).toBe(2);
  });

  it('delay-bookmarks holds every bookmark for D, each time', () => {
    const h = harness(['delay-bookmarks=1s'], watchList);
    h.push(...WATCH_LIST().slice(0, 3));
    h.scheduler.advance(200);
    h.push(ev('MODIFIED', '3'));
    h.scheduler.advance(800);
    expect(h.frames()).toEqual([[0, 'ADDED 1'], [0, 'ADDED 2'], [1000, 'BOOKMARK 2 end'], [1000, 'MODIFIED 3']]);
    h.scheduler.advance(500);
    h.push(ev('BOOKMARK', '4'));
    h.scheduler.advance(999);
    expect(h.labels()).not.toContain('BOOKMARK 4');
    h.scheduler.advance(1);
    expect(h.frames().at(-1)).toEqual([2500, 'BOOKMARK 4']);
    expect(h.applied).toEqual([
      ['delay-bookmarks', 'holding the initial-events-end bookmark (RV 2) for 1s'],
      ['delay-bookmarks', 'holding a bookmark (RV 4) for 1s'],
    ]);
  });

  it('drop-annotation sends the end bookmark without its annotation; other bookmarks untouched', () => {
    const h = harness(['drop-annotation'], watchList);
    const frames = WATCH_LIST();
    h.push(...frames);
    expect(h.labels()).toEqual(['ADDED 1', 'ADDED 2', 'BOOKMARK 2', 'MODIFIED 3', 'BOOKMARK 4']);
    const written = h.calls.flatMap((c) => (c.op === 'write' ? [c.bytes.toString()] : []));
    expect(written[2]).toBe(`${JSON.stringify({ type: 'BOOKMARK', object: object('2') })}\n`);
    expect(written[4]).toBe(frames[4]!.toString());
    expect(h.applied).toEqual([['drop-annotation', 'sent the initial-events-end bookmark without its annotation (RV 2)']]);
  });

  it('drop-annotation with delay-end-bookmark holds the bookmark it rewrote', () => {
    const h = harness(['drop-annotation', 'delay-end-bookmark=1s'], watchList);
    h.push(...WATCH_LIST().slice(0, 3));
    h.scheduler.advance(1000);
    expect(h.frames()).toEqual([[0, 'ADDED 1'], [0, 'ADDED 2'], [1000, 'BOOKMARK 2']]);
  });

  it('ignore-send-initial-events drops the end bookmark the server sent anyway, on a watch-list only', () => {
    const wl = harness(['ignore-send-initial-events'], watchList);
    wl.push(...WATCH_LIST());
    expect(wl.labels()).toEqual(['ADDED 1', 'ADDED 2', 'MODIFIED 3', 'BOOKMARK 4']);
    expect(wl.applied).toEqual([['ignore-send-initial-events', 'dropped the initial-events-end bookmark the server sent anyway (RV 2)']]);

    const watch = harness(['ignore-send-initial-events'], { requestKind: 'watch' });
    watch.push(...WATCH_LIST());
    expect(watch.labels()).toEqual(['ADDED 1', 'ADDED 2', 'BOOKMARK 2 end', 'MODIFIED 3', 'BOOKMARK 4']);
    expect(watch.applied).toEqual([]);
  });
});

describe('stream-ending faults', () => {
  it('reset-after resets D after start, discards what is held and writes nothing more', () => {
    const h = harness(['reset-after=1s', 'delay-bookmarks=5s'], watchList);
    h.push(ev('ADDED', '1'), ev('BOOKMARK', '1', 'end'), ev('MODIFIED', '2'));
    h.scheduler.advance(999);
    expect(h.ops()).toEqual([]);
    h.scheduler.advance(1);
    expect(h.ops()).toEqual(['stopUpstream@1000', 'reset@1000']);
    expect(h.stream.outcome).toBe('reset');
    h.push(ev('MODIFIED', '3'));
    h.stream.end();
    h.scheduler.advance(10_000);
    expect(h.labels()).toEqual(['ADDED 1']);
    expect(h.ops()).toEqual(['stopUpstream@1000', 'reset@1000']);
    expect(h.applied.at(-1)).toEqual(['reset-after', 'reset the stream after 3 frame(s)']);
    expect(h.scheduler.pending()).toBe(0);
  });

  it('stall-after stops forwarding and reading upstream but neither ends nor resets', () => {
    const h = harness(['stall-after=2s']);
    h.push(ev('ADDED', '1'));
    h.scheduler.advance(2000);
    expect(h.ops()).toEqual(['stopUpstream@2000']);
    expect(h.stream.outcome).toBe('stalled');
    h.push(ev('ADDED', '2'));
    h.stream.end();
    h.scheduler.advance(60_000);
    expect(h.labels()).toEqual(['ADDED 1']);
    expect(h.ops()).toEqual(['stopUpstream@2000']);
    expect(h.applied).toEqual([['stall-after', 'stopped forwarding; the connection stays open after 1 frame(s)']]);
    h.stream.clientGone();
    expect(h.stream.outcome).toBe('client-gone');
  });

  it('close-after ends the response cleanly D after start', () => {
    const h = harness(['close-after=1500ms']);
    h.push(ev('ADDED', '1'), ev('ADDED', '2'));
    h.scheduler.advance(1500);
    expect(h.ops()).toEqual(['stopUpstream@1500', 'end@1500']);
    expect(h.stream.outcome).toBe('closed-by-proxy');
    h.push(ev('ADDED', '3'));
    h.stream.end();
    expect(h.labels()).toEqual(['ADDED 1', 'ADDED 2']);
    expect(h.ops()).toEqual(['stopUpstream@1500', 'end@1500']);
    expect(h.applied).toEqual([['close-after', 'ended the stream cleanly (EOF) after 2 frame(s)']]);
  });

  it('a stream that ends upstream before the timer fires is not reset', () => {
    const h = harness(['reset-after=1s']);
    h.push(ev('ADDED', '1'));
    h.stream.end();
    h.scheduler.advance(5000);
    expect(h.ops()).toEqual(['end@0']);
    expect(h.applied).toEqual([]);
  });
});

describe('pacing faults', () => {
  it('slow forwards at most BYTES per second, in 50 ms ticks', () => {
    const rate = 200; // 10 bytes per 50 ms tick
    const h = harness([`slow=${rate}`]);
    const frames = [ev('ADDED', '1'), ev('ADDED', '2')];
    const body = Buffer.concat(frames);
    h.push(...frames);
    expect(h.calls.length).toBe(1);
    h.scheduler.advance(60_000);
    const writes = h.calls.flatMap((c) => (c.op === 'write' ? [c] : []));
    expect(Buffer.concat(writes.map((w) => w.bytes)).equals(body)).toBe(true);
    let sent = 0;
    for (const w of writes) {
      expect(w.bytes.length).toBeLessThanOrEqual(10);
      sent += w.bytes.length;
      // By each write, no more than the first tick's bytes plus the rate over the time since.
      expect(sent).toBeLessThanOrEqual(10 + (rate * w.atMs) / 1000 + 1e-9);
    }
    const last = writes.at(-1)!;
    expect(last.atMs).toBeGreaterThanOrEqual(((body.length - 10) / rate) * 1000 - 1e-6);
    expect(last.atMs).toBeLessThan((body.length / rate) * 1000);
    expect(h.applied).toEqual([['slow', 'pacing the stream at 200 bytes/s']]);
    h.stream.end();
    expect(h.ops()).toEqual([`end@${h.clock.nowMs()}`]);
  });

  it('slow: a frame that arrives later waits for the bytes before it', () => {
    const h = harness(['slow=100']); // 5 bytes per tick
    const first = ev('ADDED', '1');
    h.push(first);
    h.scheduler.advance(100);
    h.push(ev('ADDED', '2'));
    h.scheduler.advance(100_000);
    const writes = h.calls.flatMap((c) => (c.op === 'write' ? [c] : []));
    let sent = 0;
    for (const w of writes) {
      sent += w.bytes.length;
      expect(sent).toBeLessThanOrEqual(5 + (100 * w.atMs) / 1000 + 1e-9);
    }
    expect(h.labels()).toEqual(['ADDED 1', 'ADDED 2']);
  });

  it(`split-frames sends each frame in 3 writes ${SPLIT_GAP_MS} ms apart`, () => {
    const h = harness(['split-frames']);
    const a = ev('ADDED', '1');
    const b = ev('ADDED', '2');
    h.push(a, b);
    expect(h.calls.map((c) => c.atMs)).toEqual([0]);
    h.scheduler.advance(100);
    const writes = h.calls.flatMap((c) => (c.op === 'write' ? [c] : []));
    expect(writes.map((w) => w.atMs)).toEqual([0, SPLIT_GAP_MS, 2 * SPLIT_GAP_MS, 2 * SPLIT_GAP_MS, 3 * SPLIT_GAP_MS, 4 * SPLIT_GAP_MS]);
    expect(Buffer.concat(writes.slice(0, 3).map((w) => w.bytes)).equals(a)).toBe(true);
    expect(Buffer.concat(writes.slice(3).map((w) => w.bytes)).equals(b)).toBe(true);
    expect(writes.every((w) => w.bytes.length > 0)).toBe(true);
    expect(h.applied).toEqual([
      ['split-frames', `sent a ${a.length}-byte frame in 3 writes`],
      ['split-frames', `sent a ${b.length}-byte frame in 3 writes`],
    ]);
    expect(h.stream.framesOut).toBe(2);
  });

  it('the upstream end waits for queued writes, then ends', () => {
    const h = harness(['split-frames']);
    h.push(ev('ADDED', '1'));
    h.stream.end();
    expect(h.ops()).toEqual([]);
    h.scheduler.advance(2 * SPLIT_GAP_MS);
    expect(h.ops()).toEqual([`end@${2 * SPLIT_GAP_MS}`]);
    expect(h.stream.outcome).toBe('ended');
  });

  it('the upstream end waits for a held end bookmark', () => {
    const h = harness(['delay-end-bookmark=3s'], watchList);
    h.push(ev('ADDED', '1'), ev('BOOKMARK', '1', 'end'));
    h.stream.end();
    h.scheduler.advance(2999);
    expect(h.ops()).toEqual([]);
    h.scheduler.advance(1);
    expect(h.frames()).toEqual([[0, 'ADDED 1'], [3000, 'BOOKMARK 1 end']]);
    expect(h.ops()).toEqual(['end@3000']);
  });

  it('a client that goes away cancels every timer: nothing more is written', () => {
    const h = harness(['delay-bookmarks=1s', 'reset-after=2s'], watchList);
    h.push(ev('ADDED', '1'), ev('BOOKMARK', '1', 'end'));
    h.stream.clientGone();
    expect(h.scheduler.pending()).toBe(0);
    h.scheduler.advance(5000);
    expect(h.labels()).toEqual(['ADDED 1']);
    expect(h.ops()).toEqual([]);
    expect(h.stream.outcome).toBe('client-gone');
  });
});

describe('frame and event faults', () => {
  it('corrupt-frame=N corrupts the Nth frame only, whatever it is', () => {
    const h = harness(['corrupt-frame=3'], watchList);
    h.push(...WATCH_LIST());
    // Each frame is one write here; a client's JSON decoder stops at the corrupted one.
    const written = h.calls.flatMap((c) => (c.op === 'write' ? [c.bytes] : []));
    expect(written.map((w) => label(w))).toEqual(['ADDED 1', 'ADDED 2', '?', 'MODIFIED 3', 'BOOKMARK 4']);
    expect(() => JSON.parse(written[2]!.toString())).toThrow(SyntaxError);
    expect(written[2]!.toString().slice(1)).toBe(WATCH_LIST()[2]!.toString().slice(1));
    expect(h.applied).toEqual([['corrupt-frame', 'corrupted frame 3']]);
    expect([h.stream.framesIn, h.stream.framesOut]).toEqual([5, 5]);
  });

  it('corrupt-frame=1 on a protobuf stream keeps the framing', () => {
    const h = harness(['corrupt-frame=1'], { encoding: 'protobuf' });
    h.push(pb('ADDED', '1'), pb('ADDED', '2'));
    expect(h.labels()).toEqual(['?', 'ADDED 2']);
  });

  it('drop-events drops the change events whose draw is below P, never a bookmark', () => {
    const h = harness(['drop-events=0.5'], { ...watchList, random: [0.1, 0.9, 0.4, 0.5] });
    h.push(ev('ADDED', '1'), ev('ADDED', '2'), ev('BOOKMARK', '2', 'end'), ev('MODIFIED', '3'), ev('BOOKMARK', '3'), ev('DELETED', '4'));
    expect(h.labels()).toEqual(['ADDED 2', 'BOOKMARK 2 end', 'BOOKMARK 3', 'DELETED 4']);
    expect(h.draws).toBe(4);
    expect(h.applied).toEqual([
      ['drop-events', 'dropped a ADDED event (RV 1)'],
      ['drop-events', 'dropped a MODIFIED event (RV 3)'],
    ]);
    expect(h.stream.counts.get('drop-events')).toBe(2);
  });

  it('duplicate-events sends the change events whose draw is below P twice', () => {
    const h = harness(['duplicate-events=0.3'], { random: [0.5, 0.2, 0.29999] });
    h.push(ev('ADDED', '1'), ev('BOOKMARK', '1'), ev('ADDED', '2'), ev('MODIFIED', '3'));
    expect(h.labels()).toEqual(['ADDED 1', 'BOOKMARK 1', 'ADDED 2', 'ADDED 2', 'MODIFIED 3', 'MODIFIED 3']);
    expect(h.stream.counts.get('duplicate-events')).toBe(2);
    expect(h.stream.framesOut).toBe(6);
    expect(h.applied[0]).toEqual(['duplicate-events', 'sent a ADDED event twice (RV 2)']);
  });

  it('drop-events and duplicate-events draw in that order; a dropped event is not duplicated', () => {
    const h = harness(['drop-events=0.5', 'duplicate-events=0.5'], { random: [0.1, 0.9, 0.1, 0.9, 0.9] });
    h.push(ev('ADDED', '1'), ev('ADDED', '2'), ev('ADDED', '3'));
    // 1: dropped (one draw); 2: kept (0.9), duplicated (0.1); 3: kept (0.9), single (0.9).
    expect(h.labels()).toEqual(['ADDED 2', 'ADDED 2', 'ADDED 3']);
    expect(h.draws).toBe(5);
  });
});

describe('drop-events and duplicate-events on the proxy\'s seeded random', () => {
  const run = (seed: number) => {
    const h = harness(['drop-events=0.3', 'duplicate-events=0.3'], { random: seededRandom(seed) });
    h.push(...Array.from({ length: 40 }, (_, i) => ev('MODIFIED', String(i + 1))));
    return h;
  };

  it('the same seed makes the same choices; another seed others', () => {
    const a = run(5);
    expect(run(5).labels()).toEqual(a.labels());
    expect(run(6).labels()).not.toEqual(a.labels());
    const dropped = a.stream.counts.get('drop-events') ?? 0;
    const duplicated = a.stream.counts.get('duplicate-events') ?? 0;
    expect(dropped).toBeGreaterThan(0);
    expect(duplicated).toBeGreaterThan(0);
    expect(a.labels().length).toBe(40 - dropped + duplicated);
    expect(a.stream.framesOut).toBe(40 - dropped + duplicated);
  });
});

describe('reorder-window', () => {
  it('sends a full window reversed at once', () => {
    const h = harness(['reorder-window=3']);
    h.push(ev('ADDED', '1'), ev('ADDED', '2'));
    expect(h.labels()).toEqual([]);
    h.push(ev('ADDED', '3'), ev('ADDED', '4'));
    expect(h.labels()).toEqual(['ADDED 3', 'ADDED 2', 'ADDED 1']);
    expect(h.applied).toEqual([['reorder-window', 'sent 3 events in reverse order']]);
  });

  it('flushes a partial window (reversed) before a bookmark', () => {
    const h = harness(['reorder-window=3'], watchList);
    h.push(ev('ADDED', '1'), ev('ADDED', '2'), ev('BOOKMARK', '2', 'end'));
    expect(h.labels()).toEqual(['ADDED 2', 'ADDED 1', 'BOOKMARK 2 end']);
    expect(h.applied).toEqual([['reorder-window', 'sent 2 events in reverse order']]);
  });

  it(`flushes a partial window after ${REORDER_IDLE_MS} ms without a new event`, () => {
    const h = harness(['reorder-window=4']);
    h.push(ev('ADDED', '1'));
    h.scheduler.advance(600);
    h.push(ev('ADDED', '2'));
    h.scheduler.advance(REORDER_IDLE_MS - 1);
    expect(h.labels()).toEqual([]);
    h.scheduler.advance(1);
    expect(h.frames()).toEqual([[600 + REORDER_IDLE_MS, 'ADDED 2'], [600 + REORDER_IDLE_MS, 'ADDED 1']]);
  });

  it('flushes a partial window at the upstream end, then ends; a lone event is not counted as reordered', () => {
    const h = harness(['reorder-window=3']);
    h.push(ev('ADDED', '1'), ev('ADDED', '2'));
    h.stream.end();
    expect(h.labels()).toEqual(['ADDED 2', 'ADDED 1']);
    expect(h.calls.at(-1)?.op).toBe('end');
    expect(h.ops()).toEqual(['end@0']);

    // With an unfinished tail too: the window, then the tail, then the end.
    const tail = harness(['reorder-window=3']);
    tail.push(ev('ADDED', '1'), ev('ADDED', '2'), Buffer.from('{"type":"ADD'));
    tail.stream.end();
    expect(tail.calls.map((c) => (c.op === 'write' ? label(c.bytes) : c.op))).toEqual(['ADDED 2', 'ADDED 1', '?', 'end']);

    const lone = harness(['reorder-window=3']);
    lone.push(ev('ADDED', '1'));
    lone.stream.end();
    expect(lone.labels()).toEqual(['ADDED 1']);
    expect(lone.applied).toEqual([]);
  });

  it('flushes a partial window before an ERROR event or a frame that does not decode, which pass through as sent', () => {
    const h = harness(['reorder-window=3']);
    const error = Buffer.from(`${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', code: 410, reason: 'Expired' } })}\n`);
    h.push(ev('ADDED', '1'), ev('ADDED', '2'), error, ev('ADDED', '3'), Buffer.from('{"no":"type"}\n'));
    const written = h.calls.flatMap((c) => (c.op === 'write' ? [c.bytes] : []));
    expect(written.map((w) => label(w))).toEqual(['ADDED 2', 'ADDED 1', 'ERROR undefined', 'ADDED 3', '?']);
    expect(written[2]!.equals(error)).toBe(true);
    expect(written[4]!.toString()).toBe('{"no":"type"}\n');
  });

  it('reorder-window=1 changes nothing', () => {
    const h = harness(['reorder-window=1']);
    h.push(ev('ADDED', '1'), ev('ADDED', '2'));
    expect(h.labels()).toEqual(['ADDED 1', 'ADDED 2']);
    expect(h.applied).toEqual([]);
  });
});

describe('rewind-rv', () => {
  it('on a watch, sends the first event again after the second, once', () => {
    const h = harness(['rewind-rv']);
    h.push(ev('ADDED', '1'), ev('MODIFIED', '2'), ev('MODIFIED', '3'), ev('MODIFIED', '4'));
    expect(h.labels()).toEqual(['ADDED 1', 'MODIFIED 2', 'ADDED 1', 'MODIFIED 3', 'MODIFIED 4']);
    expect(h.applied).toEqual([['rewind-rv', 'sent the event of RV 1 again after RV 2']]);
    expect(h.stream.counts.get('rewind-rv')).toBe(1);
  });

  it('on a watch-list, only live events (after the end bookmark) count', () => {
    const h = harness(['rewind-rv'], watchList);
    h.push(ev('ADDED', '1'), ev('ADDED', '2'), ev('ADDED', '3'), ev('BOOKMARK', '3', 'end'));
    expect(h.applied).toEqual([]);
    h.push(ev('MODIFIED', '4'), ev('BOOKMARK', '4'), ev('MODIFIED', '5'), ev('MODIFIED', '6'));
    expect(h.labels()).toEqual(['ADDED 1', 'ADDED 2', 'ADDED 3', 'BOOKMARK 3 end', 'MODIFIED 4', 'BOOKMARK 4', 'MODIFIED 5', 'MODIFIED 4', 'MODIFIED 6']);
    expect(h.applied).toEqual([['rewind-rv', 'sent the event of RV 4 again after RV 5']]);
  });

  it('on a watch-list whose end bookmark is stripped, the live phase still starts there', () => {
    const h = harness(['rewind-rv', 'strip-end-bookmark'], watchList);
    h.push(ev('ADDED', '1'), ev('BOOKMARK', '1', 'end'), ev('MODIFIED', '2'), ev('MODIFIED', '3'));
    expect(h.labels()).toEqual(['ADDED 1', 'MODIFIED 2', 'MODIFIED 3', 'MODIFIED 2']);
  });
});
