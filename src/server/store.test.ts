import { describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { CONFIGMAPS, NAMESPACES } from './resources.js';
import { ObjectStore, type StoreEvent } from './store.js';
import { statusOf } from './test-support.js';

function newStore(historyWindowMs = 75_000) {
  const clock = new FakeClock();
  let uid = 0;
  const store = new ObjectStore({ clock, historyWindowMs, newUid: () => `uid-${++uid}`, randomSuffix: () => 'x2b4z' });
  const events: StoreEvent[] = [];
  store.subscribe((e) => events.push(e));
  store.create(NAMESPACES, { metadata: { name: 'default' } });
  store.create(NAMESPACES, { metadata: { name: 'other' } });
  events.length = 0;
  return { store, clock, events };
}

const cm = (name: string, data: Record<string, string> = { a: '1' }, labels?: Record<string, string>) => ({
  metadata: { name, ...(labels ? { labels } : {}) },
  data,
});

describe('ObjectStore', () => {
  it('gives every write of every resource the next global RV and server-set metadata', () => {
    const { store, events } = newStore();
    const a = store.create(CONFIGMAPS, cm('a'), 'default');
    const ns = store.create(NAMESPACES, { metadata: { name: 'third' } });
    const b = store.update(CONFIGMAPS, { metadata: { name: 'a' }, data: { a: '2' } }, 'default', 'a');
    expect([a, ns, b].map((o) => o.metadata.resourceVersion)).toEqual(['3', '4', '5']);
    expect(store.currentRv()).toBe(5);
    expect(events.map((e) => [e.type, e.resource, e.rv])).toEqual([
      ['ADDED', 'configmaps', 3],
      ['ADDED', 'namespaces', 4],
      ['MODIFIED', 'configmaps', 5],
    ]);
    expect(a).toMatchObject({
      kind: 'ConfigMap',
      apiVersion: 'v1',
      metadata: { name: 'a', namespace: 'default', uid: 'uid-3', creationTimestamp: '2026-01-01T00:00:00Z' },
      data: { a: '1' },
    });
    expect(b.metadata.uid).toBe(a.metadata.uid);
    expect(ns.metadata.labels).toEqual({ 'kubernetes.io/metadata.name': 'third' });
    expect(Object.isFrozen(a.metadata)).toBe(true);
  });

  it('answers create errors as kube-apiserver does', () => {
    const { store } = newStore();
    store.create(CONFIGMAPS, cm('a'), 'default');
    expect(statusOf(() => store.create(CONFIGMAPS, cm('a'), 'default'))).toMatchObject({
      code: 409,
      reason: 'AlreadyExists',
      message: 'configmaps "a" already exists',
      details: { name: 'a', kind: 'configmaps' },
    });
    expect(statusOf(() => store.create(CONFIGMAPS, cm('a'), 'missing'))).toMatchObject({
      code: 404,
      reason: 'NotFound',
      message: 'namespaces "missing" not found',
    });
    expect(statusOf(() => store.create(CONFIGMAPS, { metadata: {} }, 'default'))).toMatchObject({
      code: 422,
      message: 'ConfigMap "" is invalid: metadata.name: Required value: name or generateName is required',
    });
    expect(statusOf(() => store.create(CONFIGMAPS, cm('Bad_Name'), 'default')).message).toMatch(
      /^ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/,
    );
    expect(statusOf(() => store.create(CONFIGMAPS, { kind: 'Secret', metadata: { name: 'x' } }, 'default'))).toMatchObject({ code: 400 });
    expect(statusOf(() => store.create(CONFIGMAPS, { metadata: { name: 'x' }, data: { a: 1 } }, 'default'))).toMatchObject({ code: 400 });
  });

  it('supports generateName', () => {
    const { store } = newStore();
    expect(store.create(CONFIGMAPS, { metadata: { generateName: 'gen-' } }, 'default').metadata).toMatchObject({
      name: 'gen-x2b4z',
      generateName: 'gen-',
    });
  });

  it('updates with optimistic concurrency and skips no-op updates', () => {
    const { store, events } = newStore();
    const a = store.create(CONFIGMAPS, cm('a'), 'default');
    expect(statusOf(() => store.update(CONFIGMAPS, { metadata: { name: 'a', resourceVersion: '1' }, data: {} }, 'default', 'a'))).toMatchObject({
      code: 409,
      reason: 'Conflict',
      message:
        'Operation cannot be fulfilled on configmaps "a": the object has been modified; please apply your changes to the latest version and try again',
    });
    const same = store.update(CONFIGMAPS, { metadata: { name: 'a', resourceVersion: a.metadata.resourceVersion }, data: { a: '1' } }, 'default', 'a');
    expect(same).toBe(a);
    expect(store.currentRv()).toBe(3);
    expect(statusOf(() => store.update(CONFIGMAPS, cm('b'), 'default', 'a'))).toMatchObject({ code: 400 });
    expect(statusOf(() => store.update(CONFIGMAPS, cm('zz'), 'default', 'zz'))).toMatchObject({ code: 404, message: 'configmaps "zz" not found' });
    expect(events.map((e) => e.type)).toEqual(['ADDED']);
  });

  it('refuses data changes to immutable configmaps', () => {
    const { store } = newStore();
    store.create(CONFIGMAPS, { metadata: { name: 'i' }, immutable: true, data: { a: '1' } }, 'default');
    expect(statusOf(() => store.update(CONFIGMAPS, { metadata: { name: 'i' }, immutable: true, data: { a: '2' } }, 'default', 'i'))).toMatchObject({
      code: 422,
    });
    // Labels may still change.
    expect(store.update(CONFIGMAPS, { metadata: { name: 'i', labels: { x: 'y' } }, immutable: true, data: { a: '1' } }, 'default', 'i').metadata.labels).toEqual({
      x: 'y',
    });
  });

  it('deletes with the deletion RV and honours preconditions', () => {
    const { store, events } = newStore();
    const a = store.create(CONFIGMAPS, cm('a'), 'default');
    expect(statusOf(() => store.delete(CONFIGMAPS, 'default', 'a', { uid: 'nope' }))).toMatchObject({ code: 409 });
    const deleted = store.delete(CONFIGMAPS, 'default', 'a', { resourceVersion: a.metadata.resourceVersion });
    expect(deleted.metadata.resourceVersion).toBe('4');
    expect(deleted.data).toEqual({ a: '1' });
    expect(events[1]).toMatchObject({ type: 'DELETED', rv: 4, object: deleted, prevObject: a });
    expect(store.get('configmaps', 'default', 'a')).toBeUndefined();
  });

  it('deletes a namespace after its configmaps, one DELETED event each', () => {
    const { store, events } = newStore();
    store.create(CONFIGMAPS, cm('b'), 'other');
    store.create(CONFIGMAPS, cm('a'), 'other');
    store.create(CONFIGMAPS, cm('keep'), 'default');
    events.length = 0;
    store.delete(NAMESPACES, undefined, 'other');
    expect(events.map((e) => [e.type, e.resource, e.object.metadata.name, e.rv])).toEqual([
      ['DELETED', 'configmaps', 'a', 6],
      ['DELETED', 'configmaps', 'b', 7],
      ['DELETED', 'namespaces', 'other', 8],
    ]);
    expect(store.list('configmaps').map((r) => r.object.metadata.name)).toEqual(['keep']);
    expect(statusOf(() => store.delete(NAMESPACES, undefined, 'default'))).toMatchObject({
      code: 403,
      message: 'namespaces "default" is forbidden: this namespace may not be deleted',
    });
  });

  it('lists in namespace/name order, not RV order', () => {
    const { store } = newStore();
    store.create(CONFIGMAPS, cm('z'), 'default');
    store.create(CONFIGMAPS, cm('b'), 'other');
    store.create(CONFIGMAPS, cm('a'), 'default');
    expect(store.list('configmaps').map((r) => `${r.object.metadata.namespace}/${r.object.metadata.name}`)).toEqual([
      'default/a',
      'default/z',
      'other/b',
    ]);
    expect(store.list('configmaps', 'other')).toHaveLength(1);
  });

  it('keeps history for historyWindowMs and reports what was evicted', () => {
    const { store, clock } = newStore(1_000);
    store.create(CONFIGMAPS, cm('a'), 'default'); // 3
    clock.advance(600);
    store.create(CONFIGMAPS, cm('b'), 'default'); // 4
    expect(store.historySince(2)).toMatchObject({ expired: false, evictedThroughRv: 0 });
    expect(store.historySince(2).events.map((e) => e.rv)).toEqual([3, 4]);
    clock.advance(600); // RV 1..3 are now older than the window
    expect(store.historySince(3)).toMatchObject({ expired: false, evictedThroughRv: 3 });
    expect(store.historySince(3).events.map((e) => e.rv)).toEqual([4]);
    const expired = store.historySince(2);
    expect(expired).toMatchObject({ expired: true, evictedThroughRv: 3 });
    expect(expired.events.map((e) => e.rv)).toEqual([4]);
    expect(store.historySince(9).events).toEqual([]);
  });

  it('starts the history at the current RV like a watch cache after its initial LIST', () => {
    const { store } = newStore(); // RV 1, 2: namespaces
    store.startHistoryAtCurrentRv();
    expect(store.list('namespaces')).toHaveLength(2); // still state
    expect(store.historySince(1)).toMatchObject({ expired: true, evictedThroughRv: 2, events: [] });
    expect(store.historySince(2)).toMatchObject({ expired: false, evictedThroughRv: 2, events: [] });
    store.create(CONFIGMAPS, cm('a'), 'default'); // 3
    expect(store.historySince(2).events.map((e) => e.rv)).toEqual([3]);
    expect(store.historySince(0)).toMatchObject({ expired: true });
  });
});

describe('ObjectStore server-side apply', () => {
  it('creates when absent, then updates with a new RV only when something changed; the applier owns only what it applied', () => {
    const { store, clock, events } = newStore();
    const config = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'applied', labels: { team: 'a' } } };
    const created = store.apply(NAMESPACES, config, undefined, 'applied', 'm1', false);
    expect(created.created).toBe(true);
    // kube-apiserver v1.37.2: the server-set name label is nobody's.
    expect(created.object.metadata.labels).toEqual({ team: 'a', 'kubernetes.io/metadata.name': 'applied' });
    expect(created.object.metadata.managedFields).toEqual([
      { manager: 'm1', operation: 'Apply', apiVersion: 'v1', time: '2026-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:labels': { 'f:team': {} } } } },
    ]);
    clock.advance(1000);
    const again = store.apply(NAMESPACES, config, undefined, 'applied', 'm1', false);
    expect(again).toEqual({ object: created.object, created: false });
    const cmConfig = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { a: '1' } };
    store.apply(CONFIGMAPS, cmConfig, 'applied', 'c', 'm1', false);
    expect(statusOf(() => store.apply(CONFIGMAPS, { ...cmConfig, metadata: { name: 'c', resourceVersion: '1' } }, 'applied', 'c', 'm1', false)).reason).toBe('Conflict');
    expect(events.map((e) => [e.type, e.object.kind])).toEqual([
      ['ADDED', 'Namespace'],
      ['ADDED', 'ConfigMap'],
    ]);
  });

  it('records plain writes as Update by their field manager', () => {
    const { store } = newStore();
    store.create(CONFIGMAPS, cm('u'), 'default', 'kubectl-create');
    const labelled = store.update(CONFIGMAPS, cm('u', { a: '1' }, { l: 'x' }), 'default', 'u', 'kubectl-label');
    expect(labelled.metadata.managedFields!.map((m) => [m.manager, m.operation, m.fieldsV1])).toEqual([
      ['kubectl-create', 'Update', { 'f:data': { '.': {}, 'f:a': {} } }],
      ['kubectl-label', 'Update', { 'f:metadata': { 'f:labels': { '.': {}, 'f:l': {} } } }],
    ]);
  });
});
