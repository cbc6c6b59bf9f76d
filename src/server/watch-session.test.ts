import { describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { profileBehaviour, type ServerProfile } from './profiles.js';
import { CONFIGMAPS, NAMESPACES } from './resources.js';
import { ManualScheduler } from '../scheduler.js';
import { ObjectStore } from './store.js';
import { FANOUT_SLICE, WatchHub } from './watch-hub.js';
import { parseCollectionRequest } from './watch-request.js';
import { WatchSession, type WatchCloseReason, type WatchSink } from './watch-session.js';

interface Frame {
  type: string;
  object: { kind?: string; apiVersion?: string; metadata: { name?: string; resourceVersion: string; annotations?: Record<string, string> } };
}

class ArraySink implements WatchSink {
  opened = 0;
  ended = 0;
  frames: Frame[] = [];
  writes = 0;
  buffered = 0;
  open(): void {
    this.opened++;
  }
  write(frame: Buffer): void {
    this.writes++;
    expect(frame.at(-1)).toBe(0x0a);
    for (const line of frame.toString().split('\n')) if (line) this.frames.push(JSON.parse(line) as Frame);
  }
  end(): void {
    this.ended++;
  }
  bufferedBytes(): number {
    return this.buffered;
  }
  /** Frames as TYPE:name@rv (bookmarks: BOOKMARK@rv, END@rv for the annotated one). */
  summary(): string[] {
    return this.frames.map((f) => {
      const rv = f.object.metadata.resourceVersion;
      if (f.type !== 'BOOKMARK') return `${f.type}:${f.object.metadata.name}@${rv}`;
      return f.object.metadata.annotations?.['k8s.io/initial-events-end'] === 'true' ? `END@${rv}` : `BOOKMARK@${rv}`;
    });
  }
}

function setup(profile: ServerProfile = 'reference', nextTurn?: (continueFanOut: () => void) => void) {
  const clock = new FakeClock();
  const scheduler = new ManualScheduler(clock);
  const store = new ObjectStore({ clock, historyWindowMs: 75_000 });
  store.create(NAMESPACES, { metadata: { name: 'ns' } }); // 1
  store.create(NAMESPACES, { metadata: { name: 'other' } }); // 2
  store.create(CONFIGMAPS, { metadata: { name: 'a' } }, 'ns'); // 3
  const hub = nextTurn ? new WatchHub(store, nextTurn) : new WatchHub(store);
  const closes: WatchCloseReason[] = [];
  const watch = (query: string, options: { timeoutMs?: number; bookmarkIntervalMs?: number; namespace?: string } = {}) => {
    const parsed = parseCollectionRequest(CONFIGMAPS, options.namespace ?? 'ns', new URLSearchParams(`watch=true&${query}`));
    if (parsed.kind !== 'watch') throw new Error('not a watch');
    const sink = new ArraySink();
    const session = new WatchSession({
      def: CONFIGMAPS,
      request: parsed.request,
      store,
      behaviour: profileBehaviour(profile),
      frames: hub.frames,
      clock,
      scheduler,
      sink,
      timeoutMs: options.timeoutMs ?? 600_000,
      bookmarkIntervalMs: options.bookmarkIntervalMs ?? 60_000,
      initialEventsEndDelayMs: 15_000,
      maxBufferedBytes: 1024,
      onClose: (s, reason) => {
        hub.remove(s);
        closes.push(reason);
      },
    });
    hub.add(session);
    session.start();
    return { session, sink };
  };
  const write = (name: string, namespace = 'other') => store.create(CONFIGMAPS, { metadata: { name } }, namespace);
  return { clock, scheduler, store, hub, watch, write, closes };
}

const WATCH_LIST = 'sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true';

describe('WatchSession bookmarks (reference)', () => {
  it('ends the initial events with one annotated bookmark, in the same write as the events', () => {
    const { watch } = setup();
    const { sink } = watch(WATCH_LIST);
    expect(sink.opened).toBe(1);
    expect(sink.summary()).toEqual(['ADDED:a@3', 'END@3']);
    expect(sink.writes).toBe(1);
    expect(sink.frames[1]!.object).toEqual({
      kind: 'ConfigMap',
      apiVersion: 'v1',
      metadata: { resourceVersion: '3', annotations: { 'k8s.io/initial-events-end': 'true' } },
    });
  });

  it('skips periodic bookmarks while the RV has not moved past the start, then sends them at the current RV', () => {
    const { watch, scheduler, write } = setup();
    const { sink } = watch(WATCH_LIST);
    scheduler.advance(5 * 60_000);
    expect(sink.summary()).toEqual(['ADDED:a@3', 'END@3']);
    write('elsewhere'); // RV 4, another namespace: no event, but bookmarks are not filtered
    expect(sink.summary()).toEqual(['ADDED:a@3', 'END@3']);
    scheduler.advance(60_000);
    expect(sink.summary()).toEqual(['ADDED:a@3', 'END@3', 'BOOKMARK@4']);
    scheduler.advance(60_000);
    expect(sink.summary()).toEqual(['ADDED:a@3', 'END@3', 'BOOKMARK@4', 'BOOKMARK@4']);
    expect(sink.frames[2]!.object).toEqual({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { resourceVersion: '4' } });
  });

  it('sends one bookmark 2 s before the deadline, then ends the stream without a final event', () => {
    const { watch, scheduler, write, clock, closes } = setup();
    const { sink } = watch(WATCH_LIST, { timeoutMs: 4_000 });
    write('elsewhere');
    scheduler.advance(1_999);
    expect(sink.summary()).toEqual(['ADDED:a@3', 'END@3']);
    scheduler.advance(1);
    expect(sink.summary()).toEqual(['ADDED:a@3', 'END@3', 'BOOKMARK@4']);
    expect(clock.nowMs()).toBe(2_000);
    scheduler.advance(1_999);
    expect(sink.ended).toBe(0);
    scheduler.advance(1);
    expect(sink.ended).toBe(1);
    expect(sink.summary()).toHaveLength(3);
    expect(closes).toEqual(['timeout']);
    expect(scheduler.pending()).toBe(0);
  });

  it('sends no bookmark of any kind without allowWatchBookmarks', () => {
    const { watch, scheduler, write } = setup();
    const { sink } = watch('', { timeoutMs: 10_000, bookmarkIntervalMs: 1_000 });
    write('x', 'ns');
    scheduler.advance(10_000);
    expect(sink.summary()).toEqual(['ADDED:a@3', 'ADDED:x@4']);
    expect(sink.ended).toBe(1);
  });

  it('counts a plain watch from RV N as started at N', () => {
    const { watch, scheduler, store } = setup();
    const { sink } = watch('resourceVersion=3&allowWatchBookmarks=true', { bookmarkIntervalMs: 1_000 });
    scheduler.advance(3_000);
    expect(sink.summary()).toEqual([]);
    store.create(CONFIGMAPS, { metadata: { name: 'b' } }, 'ns');
    scheduler.advance(1_000);
    expect(sink.summary()).toEqual(['ADDED:b@4', 'BOOKMARK@4']);
  });
});

describe('WatchSession live events', () => {
  it('forwards matching writes in RV order and applies selector transitions', () => {
    const { watch, store } = setup();
    const { sink } = watch('resourceVersion=3&labelSelector=app%3Dx');
    store.create(CONFIGMAPS, { metadata: { name: 'b', labels: { app: 'x' } } }, 'ns'); // 4 ADDED
    store.update(CONFIGMAPS, { metadata: { name: 'b', labels: { app: 'y' } } }, 'ns', 'b'); // 5 DELETED
    store.update(CONFIGMAPS, { metadata: { name: 'b', labels: { app: 'z' } } }, 'ns', 'b'); // 6 nothing
    store.update(CONFIGMAPS, { metadata: { name: 'b', labels: { app: 'x' } } }, 'ns', 'b'); // 7 ADDED
    store.update(CONFIGMAPS, { metadata: { name: 'b', labels: { app: 'x' } }, data: { k: 'v' } }, 'ns', 'b'); // 8 MODIFIED
    store.delete(CONFIGMAPS, 'ns', 'b'); // 9 DELETED
    store.create(CONFIGMAPS, { metadata: { name: 'c', labels: { app: 'x' } } }, 'other'); // other namespace
    expect(sink.summary()).toEqual(['ADDED:b@4', 'DELETED:b@5', 'ADDED:b@7', 'MODIFIED:b@8', 'DELETED:b@9']);
  });

  it('serializes each event once for any number of watchers', () => {
    const { watch, store, hub } = setup();
    const sinks = Array.from({ length: 50 }, () => watch('resourceVersion=3').sink);
    const before = hub.frames.encodedFrames;
    store.create(CONFIGMAPS, { metadata: { name: 'b' } }, 'ns');
    expect(hub.frames.encodedFrames - before).toBe(1);
    expect(sinks.every((s) => s.summary().join() === 'ADDED:b@4')).toBe(true);
  });

  it('waits for a future RV with sendInitialEvents and starts once the store reaches it', () => {
    const { watch, store, scheduler } = setup();
    const { sink, session } = watch('sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&resourceVersion=4');
    expect(session.state).toBe('waiting');
    expect(sink.opened).toBe(0);
    scheduler.advance(1_000);
    store.create(CONFIGMAPS, { metadata: { name: 'b' } }, 'ns');
    expect(sink.summary()).toEqual(['ADDED:a@3', 'ADDED:b@4', 'END@4']);
  });

  it('gives up after 3 s with a 504 ERROR event', () => {
    const { watch, scheduler } = setup();
    const { sink } = watch('sendInitialEvents=true&resourceVersionMatch=NotOlderThan&resourceVersion=9');
    scheduler.advance(3_000);
    expect(sink.frames).toHaveLength(1);
    expect(sink.frames[0]).toMatchObject({ type: 'ERROR', object: { code: 504, message: 'Timeout: Too large resource version: 9, current: 3' } });
    expect(sink.ended).toBe(1);
  });

  it('releases every timer when the client goes away, without writing', () => {
    const { watch, scheduler, hub } = setup();
    const { session, sink } = watch(WATCH_LIST);
    expect(scheduler.pending()).toBe(2); // deadline + bookmark
    session.close('client-gone');
    expect(scheduler.pending()).toBe(0);
    expect(hub.size).toBe(0);
    expect(sink.ended).toBe(0);
  });

  it('cuts off a client that stops reading', () => {
    const { watch, store, closes } = setup();
    const { sink } = watch('resourceVersion=3');
    sink.buffered = 4096;
    store.create(CONFIGMAPS, { metadata: { name: 'b' } }, 'ns');
    expect(closes).toEqual(['slow-client']);
  });
});

describe('WatchHub fan-out in slices', () => {
  /** The hub's later turns, run by hand. */
  function turns() {
    const queued: Array<() => void> = [];
    return {
      nextTurn: (fn: () => void) => queued.push(fn),
      step: () => {
        const fn = queued.shift();
        if (!fn) throw new Error('no turn queued');
        fn();
      },
      drain: () => {
        let steps = 0;
        while (queued.length > 0) {
          queued.shift()!();
          steps++;
        }
        return steps;
      },
      get queued() {
        return queued.length;
      },
    };
  }
  const WATCHERS = FANOUT_SLICE * 2 + 20;

  it(`offers a write to ${FANOUT_SLICE} watches per turn, and the next write only after it reached all`, () => {
    const loop = turns();
    const { watch, write, hub } = setup('reference', loop.nextTurn);
    const sinks = Array.from({ length: WATCHERS }, () => watch('resourceVersion=3').sink);
    const got = (summary: string) => sinks.filter((s) => s.summary().join() === summary).length;
    write('x', 'ns'); // RV 4
    expect(got('ADDED:x@4')).toBe(FANOUT_SLICE);
    expect(got('')).toBe(WATCHERS - FANOUT_SLICE);
    write('y', 'ns'); // RV 5: waits behind x, even for the first slice
    expect(got('ADDED:x@4')).toBe(FANOUT_SLICE);
    expect(hub.pendingFanOuts).toBe(2);
    loop.step();
    expect(got('ADDED:x@4')).toBe(2 * FANOUT_SLICE);
    loop.step();
    expect(got('ADDED:x@4')).toBe(WATCHERS);
    expect(hub.pendingFanOuts).toBe(1);
    loop.step();
    expect(got('ADDED:x@4,ADDED:y@5')).toBe(FANOUT_SLICE);
    expect(loop.drain()).toBe(2);
    expect(got('ADDED:x@4,ADDED:y@5')).toBe(WATCHERS);
    expect(hub.pendingFanOuts).toBe(0);
  });

  it(`hands a write to ${FANOUT_SLICE} watches or fewer at once, as before`, () => {
    const loop = turns();
    const { watch, write } = setup('reference', loop.nextTurn);
    const sinks = Array.from({ length: FANOUT_SLICE }, () => watch('resourceVersion=3').sink);
    write('x', 'ns');
    expect(sinks.every((s) => s.summary().join() === 'ADDED:x@4')).toBe(true);
    expect(loop.queued).toBe(0);
  });

  it('a watch started while a write is handed out has it in its initial state, once', () => {
    const loop = turns();
    const { watch, write } = setup('reference', loop.nextTurn);
    for (let i = 0; i < WATCHERS; i++) watch('resourceVersion=3');
    write('x', 'ns'); // RV 4, still being handed out
    const { sink } = watch(WATCH_LIST);
    loop.drain();
    expect(sink.summary()).toEqual(['ADDED:a@3', 'ADDED:x@4', 'END@4']);
  });

  it('a periodic bookmark does not overtake a write still being handed out to its watch', () => {
    const loop = turns();
    const { watch, write, scheduler } = setup('reference', loop.nextTurn);
    const sinks = Array.from({ length: WATCHERS }, () => watch(WATCH_LIST).sink);
    write('elsewhere'); // RV 4, no event for these watches
    loop.drain();
    write('x', 'ns'); // RV 5: the first slice has it, the last watch not yet
    scheduler.advance(60_000); // every watch's periodic bookmark is due
    expect(sinks[0]!.summary()).toEqual(['ADDED:a@3', 'END@3', 'ADDED:x@5', 'BOOKMARK@5']);
    expect(sinks.at(-1)!.summary()).toEqual(['ADDED:a@3', 'END@3', 'BOOKMARK@4']);
    loop.drain();
    expect(sinks.at(-1)!.summary()).toEqual(['ADDED:a@3', 'END@3', 'BOOKMARK@4', 'ADDED:x@5']);
  });

  it('drops what is still to hand out when the watches are closed', () => {
    const loop = turns();
    const { watch, write, hub } = setup('reference', loop.nextTurn);
    const sinks = Array.from({ length: WATCHERS }, () => watch('resourceVersion=3').sink);
    write('x', 'ns');
    hub.closeAll();
    loop.drain();
    expect(hub.pendingFanOuts).toBe(0);
    expect(sinks.filter((s) => s.frames.length > 0)).toHaveLength(FANOUT_SLICE);
    expect(sinks.every((s) => s.ended === 1)).toBe(true);
  });
});

describe('WatchSession misbehaviour profiles', () => {
  it('kinm: no bookmarks at all, even when asked and after writes', () => {
    const { watch, scheduler, write } = setup('kinm');
    const { sink } = watch(WATCH_LIST, { timeoutMs: 10_000, bookmarkIntervalMs: 1_000 });
    write('x');
    scheduler.advance(10_000);
    expect(sink.summary()).toEqual(['ADDED:a@3']);
  });

  it('slow-initial-events-end: holds live events behind the delayed end bookmark', () => {
    const { watch, scheduler, store } = setup('slow-initial-events-end');
    const { sink } = watch(WATCH_LIST);
    expect(sink.summary()).toEqual(['ADDED:a@3']);
    store.create(CONFIGMAPS, { metadata: { name: 'b' } }, 'ns');
    store.create(CONFIGMAPS, { metadata: { name: 'c' } }, 'ns');
    scheduler.advance(14_999);
    expect(sink.summary()).toEqual(['ADDED:a@3']);
    scheduler.advance(1);
    expect(sink.summary()).toEqual(['ADDED:a@3', 'END@3', 'ADDED:b@4', 'ADDED:c@5']);
    store.create(CONFIGMAPS, { metadata: { name: 'd' } }, 'ns');
    expect(sink.summary().at(-1)).toBe('ADDED:d@6');
  });

  it('slow-initial-events-end: without allowWatchBookmarks nothing is held', () => {
    const { watch, store } = setup('slow-initial-events-end');
    const { sink } = watch('');
    store.create(CONFIGMAPS, { metadata: { name: 'b' } }, 'ns');
    expect(sink.summary()).toEqual(['ADDED:a@3', 'ADDED:b@4']);
  });

  it('unrequested-bookmarks: end and periodic bookmarks without allowWatchBookmarks', () => {
    const { watch, scheduler, write } = setup('unrequested-bookmarks');
    const { sink } = watch('', { bookmarkIntervalMs: 1_000 });
    write('x');
    scheduler.advance(1_000);
    expect(sink.summary()).toEqual(['ADDED:a@3', 'END@3', 'BOOKMARK@4']);
  });

  it('broken-bookmark-object: bookmarks without kind and apiVersion', () => {
    const { watch, scheduler, write } = setup('broken-bookmark-object');
    const { sink } = watch(WATCH_LIST, { bookmarkIntervalMs: 1_000 });
    write('x');
    scheduler.advance(1_000);
    expect(sink.frames.slice(1).map((f) => f.object)).toEqual([
      { metadata: { resourceVersion: '3', annotations: { 'k8s.io/initial-events-end': 'true' } } },
      { metadata: { resourceVersion: '4' } },
    ]);
  });
});

describe('WatchSession late-snapshot', () => {
  it('answers 200 at once and takes the snapshot later: writes made meanwhile are in it, in key order', () => {
    const { watch, scheduler, store } = setup('late-snapshot');
    const { sink } = watch('sendInitialEvents=true&resourceVersionMatch=NotOlderThan');
    expect(sink.opened).toBe(1);
    expect(sink.summary()).toEqual([]);
    store.create(CONFIGMAPS, { metadata: { name: 'c' } }, 'ns'); // 4
    store.create(CONFIGMAPS, { metadata: { name: 'b' } }, 'ns'); // 5
    scheduler.advance(1_499);
    expect(sink.summary()).toEqual([]);
    scheduler.advance(1);
    // Key order (a, b, c), each object with its own RV: not RV order.
    expect(sink.summary()).toEqual(['ADDED:a@3', 'ADDED:b@5', 'ADDED:c@4']);
    store.create(CONFIGMAPS, { metadata: { name: 'd' } }, 'ns'); // 6
    expect(sink.summary()).toEqual(['ADDED:a@3', 'ADDED:b@5', 'ADDED:c@4', 'ADDED:d@6']);
  });

  it('ends a late snapshot with the end bookmark at the snapshot RV when bookmarks are wanted', () => {
    const { watch, scheduler, store } = setup('late-snapshot');
    const { sink } = watch(WATCH_LIST);
    store.create(CONFIGMAPS, { metadata: { name: 'b' } }, 'ns'); // 4
    scheduler.advance(1_500);
    expect(sink.summary()).toEqual(['ADDED:a@3', 'ADDED:b@4', 'END@4']);
  });

  it('does not delay watches from an explicit RV', () => {
    const { watch, store } = setup('late-snapshot');
    const { sink } = watch('resourceVersion=3');
    store.create(CONFIGMAPS, { metadata: { name: 'b' } }, 'ns'); // 4
    expect(sink.summary()).toEqual(['ADDED:b@4']);
  });
});

describe('WatchSession filtered-bookmarks', () => {
  it('sends no bookmark, not even the end bookmark, to a watch-list with a selector; unfiltered ones get it', () => {
    const { watch, scheduler, write } = setup('filtered-bookmarks');
    const selector = watch(`${WATCH_LIST}&labelSelector=app%3Dx`, { timeoutMs: 4_000 });
    const unfiltered = watch(WATCH_LIST, { timeoutMs: 4_000 });
    write('elsewhere');
    scheduler.advance(4_000);
    expect(selector.sink.summary()).toEqual([]);
    expect(unfiltered.sink.summary()).toEqual(['ADDED:a@3', 'END@3', 'BOOKMARK@4']);
  });
});
