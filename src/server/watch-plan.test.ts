import { describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { profileBehaviour } from './profiles.js';
import { CONFIGMAPS, NAMESPACES } from './resources.js';
import { ObjectStore } from './store.js';
import { planWatchStart, type WatchStartPlan } from './watch-plan.js';
import { parseCollectionRequest, type WatchRequest } from './watch-request.js';

const reference = profileBehaviour('reference');
const kinm = profileBehaviour('kinm');

/** namespace null: the all-namespaces path. */
function watchRequest(query: string, namespace: string | null = 'ns'): WatchRequest {
  const parsed = parseCollectionRequest(CONFIGMAPS, namespace ?? undefined, new URLSearchParams(`watch=true&${query}`));
  if (parsed.kind !== 'watch') throw new Error('not a watch');
  return parsed.request;
}

/** RV 1 ns, 2 other; 3 cm z; 4 cm a; 5 cm z updated; 6 cm in other; 7 namespace "third". */
function seededStore(historyWindowMs = 75_000) {
  const clock = new FakeClock();
  const store = new ObjectStore({ clock, historyWindowMs });
  store.create(NAMESPACES, { metadata: { name: 'ns' } });
  store.create(NAMESPACES, { metadata: { name: 'other' } });
  store.create(CONFIGMAPS, { metadata: { name: 'z', labels: { app: 'x' } }, data: { v: '1' } }, 'ns');
  store.create(CONFIGMAPS, { metadata: { name: 'a', labels: { app: 'x' } } }, 'ns');
  store.update(CONFIGMAPS, { metadata: { name: 'z', labels: { app: 'x' } }, data: { v: '2' } }, 'ns', 'z');
  store.create(CONFIGMAPS, { metadata: { name: 'o' } }, 'other');
  store.create(NAMESPACES, { metadata: { name: 'third' } });
  return { store, clock };
}

function summary(plan: WatchStartPlan) {
  if (plan.kind !== 'stream') return plan;
  return {
    events: plan.initialEvents.map((e) => `${e.type} ${e.object.metadata.name}@${e.object.metadata.resourceVersion}`),
    endBookmarkRv: plan.endBookmarkRv,
    startRv: plan.startRv,
  };
}

describe('planWatchStart (reference: kube-apiserver cacher)', () => {
  it('watch-list: ADDED in key order, then the end bookmark at the current (resource-wide) RV', () => {
    const { store } = seededStore();
    const plan = planWatchStart(CONFIGMAPS, watchRequest('sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true'), store, reference);
    expect(summary(plan)).toEqual({ events: ['ADDED a@4', 'ADDED z@5'], endBookmarkRv: 7, startRv: 7 });
  });

  it('legacy RV ""/"0" watches are watch-lists too, with the end bookmark only when bookmarks are allowed', () => {
    const { store } = seededStore();
    expect(summary(planWatchStart(CONFIGMAPS, watchRequest('resourceVersion=0&allowWatchBookmarks=true'), store, reference))).toMatchObject({
      endBookmarkRv: 7,
    });
    expect(summary(planWatchStart(CONFIGMAPS, watchRequest(''), store, reference))).toEqual({
      events: ['ADDED a@4', 'ADDED z@5'],
      endBookmarkRv: null,
      startRv: 7,
    });
    expect(summary(planWatchStart(CONFIGMAPS, watchRequest('', null), store, reference))).toMatchObject({
      events: ['ADDED a@4', 'ADDED z@5', 'ADDED o@6'],
    });
  });

  it('applies selectors to the initial state', () => {
    const { store } = seededStore();
    expect(summary(planWatchStart(CONFIGMAPS, watchRequest('labelSelector=app%3Dx&fieldSelector=metadata.name%3Dz'), store, reference))).toMatchObject({
      events: ['ADDED z@5'],
    });
  });

  it('waits up to 3 s for a future RV with sendInitialEvents, then fails with 504 Too large resource version', () => {
    const { store } = seededStore();
    const request = watchRequest('sendInitialEvents=true&resourceVersionMatch=NotOlderThan&resourceVersion=9');
    expect(planWatchStart(CONFIGMAPS, request, store, reference)).toEqual({ kind: 'wait', untilRv: 9, timeoutMs: 3_000 });
    expect(planWatchStart(CONFIGMAPS, request, store, reference, true)).toEqual({
      kind: 'error',
      status: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'Timeout: Too large resource version: 9, current: 7',
        reason: 'Timeout',
        details: { causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }], retryAfterSeconds: 1 },
        code: 504,
      },
    });
  });

  it('sendInitialEvents=false starts at the current RV without initial events', () => {
    const { store } = seededStore();
    expect(summary(planWatchStart(CONFIGMAPS, watchRequest('sendInitialEvents=false&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true'), store, reference))).toEqual({
      events: [],
      endBookmarkRv: null,
      startRv: 7,
    });
  });

  it('replays history after an explicit RV; the start RV follows every replayed event of the resource', () => {
    const { store } = seededStore();
    // Events after RV 3 in namespace ns: ADDED a@4, MODIFIED z@5; o@6 is filtered out but still moves the start.
    expect(summary(planWatchStart(CONFIGMAPS, watchRequest('resourceVersion=3&allowWatchBookmarks=true'), store, reference))).toEqual({
      events: ['ADDED a@4', 'MODIFIED z@5'],
      endBookmarkRv: null,
      startRv: 6,
    });
  });

  it('accepts a plain watch from a future RV', () => {
    const { store } = seededStore();
    expect(summary(planWatchStart(CONFIGMAPS, watchRequest('resourceVersion=100'), store, reference))).toEqual({ events: [], endBookmarkRv: null, startRv: 100 });
  });

  it('answers an RV older than the history with a 410 Expired ERROR', () => {
    const { store, clock } = seededStore(1_000);
    clock.advance(5_000);
    store.create(CONFIGMAPS, { metadata: { name: 'late' } }, 'ns'); // RV 8, the only retained event
    expect(planWatchStart(CONFIGMAPS, watchRequest('resourceVersion=7'), store, reference).kind).toBe('stream');
    expect(planWatchStart(CONFIGMAPS, watchRequest('resourceVersion=6'), store, reference)).toEqual({
      kind: 'error',
      status: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'too old resource version: 6 (7)',
        reason: 'Expired',
        code: 410,
      },
    });
  });

  it('turns selector transitions in history into ADDED/DELETED', () => {
    const { store } = seededStore();
    store.update(CONFIGMAPS, { metadata: { name: 'a', labels: { app: 'y' } } }, 'ns', 'a'); // 8: leaves app=x
    store.update(CONFIGMAPS, { metadata: { name: 'a', labels: { app: 'x' } } }, 'ns', 'a'); // 9: back
    const plan = planWatchStart(CONFIGMAPS, watchRequest('resourceVersion=7&labelSelector=app%3Dx'), store, reference);
    expect(summary(plan)).toMatchObject({ events: ['DELETED a@8', 'ADDED a@9'] });
    // The DELETED object is the previous state (still app=x) with the RV of the update.
    expect(plan.kind === 'stream' && plan.initialEvents[0]!.object.metadata.labels).toEqual({ app: 'x' });
  });

  it('unrequested-bookmarks adds the end bookmark without allowWatchBookmarks', () => {
    const { store } = seededStore();
    expect(summary(planWatchStart(CONFIGMAPS, watchRequest(''), store, profileBehaviour('unrequested-bookmarks')))).toMatchObject({ endBookmarkRv: 7 });
  });
});

describe('planWatchStart (kinm)', () => {
  it('streams the current state in RV order, MODIFIED for updated objects, and never an end bookmark', () => {
    const { store } = seededStore();
    const request = watchRequest('sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true');
    expect(summary(planWatchStart(CONFIGMAPS, request, store, kinm))).toEqual({
      events: ['ADDED a@4', 'MODIFIED z@5'],
      endBookmarkRv: null,
      startRv: 7,
    });
  });

  it('drops sendInitialEvents: sendInitialEvents=false with RV "" still streams the state, a future RV does not wait', () => {
    const { store } = seededStore();
    expect(summary(planWatchStart(CONFIGMAPS, watchRequest('sendInitialEvents=false&resourceVersionMatch=NotOlderThan'), store, kinm))).toMatchObject({
      events: ['ADDED a@4', 'MODIFIED z@5'],
    });
    expect(
      summary(planWatchStart(CONFIGMAPS, watchRequest('sendInitialEvents=true&resourceVersionMatch=NotOlderThan&resourceVersion=50'), store, kinm)),
    ).toEqual({ events: [], endBookmarkRv: null, startRv: 50 });
  });

  it('silently skips what left the history instead of 410', () => {
    const { store, clock } = seededStore(1_000);
    clock.advance(5_000);
    store.create(CONFIGMAPS, { metadata: { name: 'late' } }, 'ns');
    expect(summary(planWatchStart(CONFIGMAPS, watchRequest('resourceVersion=2'), store, kinm))).toEqual({
      events: ['ADDED late@8'],
      endBookmarkRv: null,
      startRv: 8,
    });
  });

  it('applies selectors as a plain predicate (no synthetic ADDED/DELETED)', () => {
    const { store } = seededStore();
    store.update(CONFIGMAPS, { metadata: { name: 'a', labels: { app: 'y' } } }, 'ns', 'a'); // 8
    store.update(CONFIGMAPS, { metadata: { name: 'a', labels: { app: 'x' } } }, 'ns', 'a'); // 9
    expect(summary(planWatchStart(CONFIGMAPS, watchRequest('resourceVersion=7&labelSelector=app%3Dx'), store, kinm))).toMatchObject({
      events: ['MODIFIED a@9'],
    });
  });
});

describe('planWatchStart (resume-off-by-one)', () => {
  it('replays history from the event at the requested RV itself, and still 410s an RV older than the history', () => {
    const { store, clock } = seededStore();
    const offByOne = profileBehaviour('resume-off-by-one');
    expect(summary(planWatchStart(CONFIGMAPS, watchRequest('resourceVersion=4'), store, offByOne))).toEqual({
      events: ['ADDED a@4', 'MODIFIED z@5'],
      endBookmarkRv: null,
      startRv: 6,
    });
    expect(summary(planWatchStart(CONFIGMAPS, watchRequest('resourceVersion=4'), store, reference))).toMatchObject({ events: ['MODIFIED z@5'] });
    store.startHistoryAtCurrentRv();
    clock.advance(1);
    expect(planWatchStart(CONFIGMAPS, watchRequest('resourceVersion=6'), store, offByOne).kind).toBe('error');
    expect(summary(planWatchStart(CONFIGMAPS, watchRequest('resourceVersion=7'), store, offByOne))).toEqual({ events: [], endBookmarkRv: null, startRv: 7 });
  });
});
