import { describe, expect, it } from 'vitest';
import { ApplyConflictError, conflictMessage, lastAppliedText, managedFieldsAfterUpdate, serverSideApply, type ManagedFieldsEntry } from './managed-fields.js';

// Expected values are kube-apiserver v1.37.2's answers to the same writes (testbed, recorded by hand).
const T0 = '2026-12-02T23:35:20Z';
const T1 = '2026-12-02T23:35:21Z';

function cm(data: Record<string, string> | undefined, metadata: Record<string, unknown> = {}, managedFields?: ManagedFieldsEntry[]): Record<string, unknown> {
  return {
    kind: 'ConfigMap',
    apiVersion: 'v1',
    metadata: { name: 'c1', namespace: 'ns', ...metadata, ...(managedFields ? { managedFields } : {}) },
    ...(data ? { data } : {}),
  };
}

function applied(data: Record<string, string>, labels?: Record<string, string>): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c1', namespace: 'ns', ...(labels ? { labels } : {}) }, data };
}

const managed = (o: Record<string, unknown>) => (o.metadata as { managedFields: ManagedFieldsEntry[] }).managedFields;

describe('Update managers', () => {
  it('a create owns the maps it made (".") and their keys', () => {
    expect(managedFieldsAfterUpdate('ConfigMap', undefined, cm({ a: '1', b: '2' }), { manager: 'kubectl-create', time: T0 })).toEqual([
      { manager: 'kubectl-create', operation: 'Update', apiVersion: 'v1', time: T0, fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { '.': {}, 'f:a': {}, 'f:b': {} } } },
    ]);
  });

  it('a namespace create owns the server-set name label', () => {
    const ns = { kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'n', labels: { 'kubernetes.io/metadata.name': 'n' } }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } };
    expect(managedFieldsAfterUpdate('Namespace', undefined, ns, { manager: 'kubectl-create', time: T0 })[0]!.fieldsV1).toEqual({
      'f:metadata': { 'f:labels': { '.': {}, 'f:kubernetes.io/metadata.name': {} } },
    });
  });

  it('later writers take only what they changed; a write changing nothing records nothing', () => {
    const created = cm({ a: '1' });
    (created.metadata as Record<string, unknown>).managedFields = managedFieldsAfterUpdate('ConfigMap', undefined, created, { manager: 'kubectl-create', time: T0 });
    const labelled = cm({ a: '1' }, { labels: { l1: 'x' } }, managed(created));
    const entries = managedFieldsAfterUpdate('ConfigMap', created, labelled, { manager: 'kubectl-label', time: T1 });
    expect(entries.map((e) => [e.manager, e.time, e.fieldsV1])).toEqual([
      ['kubectl-create', T0, { 'f:data': { '.': {}, 'f:a': {} } }],
      ['kubectl-label', T1, { 'f:metadata': { 'f:labels': { '.': {}, 'f:l1': {} } } }],
    ]);
    (labelled.metadata as Record<string, unknown>).managedFields = entries;
    const patched = cm({ a: '2', c: '3' }, { labels: { l1: 'x' } }, entries);
    expect(managedFieldsAfterUpdate('ConfigMap', labelled, patched, { manager: 'kubectl-patch', time: T1 }).map((e) => [e.manager, e.fieldsV1])).toEqual([
      // The map itself stays kubectl-create's: a field without children is written `{}`.
      ['kubectl-create', { 'f:data': {} }],
      ['kubectl-label', { 'f:metadata': { 'f:labels': { '.': {}, 'f:l1': {} } } }],
      ['kubectl-patch', { 'f:data': { 'f:a': {}, 'f:c': {} } }],
    ]);
    expect(managedFieldsAfterUpdate('ConfigMap', labelled, labelled, { manager: 'noop', time: T1 })).toEqual(entries);
  });
});

describe('server-side apply', () => {
  it('creates with the applied fields only (no "." for maps), then drops what the same manager stops applying', () => {
    const first = serverSideApply('ConfigMap', undefined, applied({ k1: 'v1', k2: 'v2' }, { a: '1' }), { manager: 'kubectl', time: T0 }, false);
    expect(first.changed).toBe(true);
    expect(managed(first.object)).toEqual([
      { manager: 'kubectl', operation: 'Apply', apiVersion: 'v1', time: T0, fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:k1': {}, 'f:k2': {} }, 'f:metadata': { 'f:labels': { 'f:a': {} } } } },
    ]);
    const second = serverSideApply('ConfigMap', first.object, applied({ k1: 'v10', k3: 'v3' }), { manager: 'kubectl', time: T1 }, false);
    expect(second.object.data).toEqual({ k1: 'v10', k3: 'v3' });
    expect((second.object.metadata as Record<string, unknown>).labels).toBeUndefined();
    expect(managed(second.object)).toEqual([
      { manager: 'kubectl', operation: 'Apply', apiVersion: 'v1', time: T1, fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:k1': {}, 'f:k3': {} } } },
    ]);
  });

  it('keeps a dropped field another manager also owns', () => {
    const first = serverSideApply('ConfigMap', undefined, applied({ a: '1', b: '2' }), { manager: 'm1', time: T0 }, false);
    const shared = serverSideApply('ConfigMap', first.object, applied({ b: '2' }), { manager: 'm2', time: T1 }, false);
    const dropped = serverSideApply('ConfigMap', shared.object, applied({ a: '1' }), { manager: 'm1', time: T1 }, false);
    expect(dropped.object.data).toEqual({ a: '1', b: '2' });
  });

  it('shares a field applied with the same value: no conflict, and no time when nothing changed', () => {
    const first = serverSideApply('ConfigMap', undefined, applied({ a: '1', b: '2' }), { manager: 'm1', time: T0 }, false);
    const second = serverSideApply('ConfigMap', first.object, applied({ a: '1' }), { manager: 'm2', time: T1 }, false);
    expect(second.changed).toBe(false);
    expect(managed(second.object)).toEqual([
      { manager: 'm2', operation: 'Apply', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:a': {} } } },
      { manager: 'm1', operation: 'Apply', apiVersion: 'v1', time: T0, fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:a': {}, 'f:b': {} } } },
    ]);
  });

  it('refuses to change another manager\'s field, as kube-apiserver words it; force takes the field over', () => {
    const first = serverSideApply('ConfigMap', undefined, applied({ a: '1', b: '2' }), { manager: 'm1', time: T0 }, false);
    let error: unknown;
    try {
      serverSideApply('ConfigMap', first.object, applied({ a: '9' }), { manager: 'm2', time: T1 }, false);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ApplyConflictError);
    expect((error as Error).message).toBe('Apply failed with 1 conflict: conflict with "m1": .data.a');
    const forced = serverSideApply('ConfigMap', first.object, applied({ a: '9' }), { manager: 'm2', time: T1 }, true);
    expect(forced.object.data).toEqual({ a: '9', b: '2' });
    expect(managed(forced.object).map((e) => [e.manager, e.fieldsV1])).toEqual([
      ['m1', { 'f:data': { 'f:b': {} } }],
      ['m2', { 'f:data': { 'f:a': {} } }],
    ]);
  });

  it('names Update managers with their apiVersion in conflicts', () => {
    const created = cm({ a: '1', b: '2' });
    (created.metadata as Record<string, unknown>).managedFields = managedFieldsAfterUpdate('ConfigMap', undefined, created, { manager: 'kubectl-create', time: T0 });
    expect(() => serverSideApply('ConfigMap', created, applied({ a: '9', b: '8' }), { manager: 'm2', time: T1 }, false)).toThrow(
      'Apply failed with 2 conflicts: conflicts with "kubectl-create" using v1:\n- .data.a\n- .data.b',
    );
  });
});

describe('kubectl moving from client-side to server-side apply', () => {
  const csa = (): Record<string, unknown> => {
    const live = cm({ a: '1', b: '2' }, { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"old":true}\n' } });
    (live.metadata as Record<string, unknown>).managedFields = managedFieldsAfterUpdate('ConfigMap', undefined, live, { manager: 'kubectl-client-side-apply', time: T0 });
    return live;
  };

  it('takes the managedFields a write carries (kubectl\'s JSON patch of /metadata/managedFields); [] resets them; junk is ignored', () => {
    const live = csa();
    const upgraded: ManagedFieldsEntry[] = [
      { manager: 'kubectl', operation: 'Apply', apiVersion: 'v1', time: T0, fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { '.': {}, 'f:a': {}, 'f:b': {} } } },
    ];
    const after = cm({ a: '1', b: '2' }, { annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"old":true}\n' } });
    expect(managedFieldsAfterUpdate('ConfigMap', live, after, { manager: 'kubectl', time: T1 }, upgraded)).toEqual(upgraded);
    expect(managedFieldsAfterUpdate('ConfigMap', live, after, { manager: 'kubectl', time: T1 }, [])).toEqual([]);
    expect(managedFieldsAfterUpdate('ConfigMap', live, after, { manager: 'kubectl', time: T1 }, [{ manager: 1 }])).toEqual(managed(live));
  });

  it('rewrites the last-applied annotation when the manager is kubectl (kube-apiserver\'s lastAppliedUpdater), not for others', () => {
    const config = applied({ a: '5' });
    const byKubectl = serverSideApply('ConfigMap', csa(), config, { manager: 'kubectl', time: T1 }, true);
    expect((byKubectl.object.metadata as { annotations: Record<string, string> }).annotations).toEqual({
      // What kube-apiserver v1.37.2 wrote for the same apply.
      'kubectl.kubernetes.io/last-applied-configuration': '{"apiVersion":"v1","data":{"a":"5"},"kind":"ConfigMap","metadata":{"name":"c1","namespace":"ns"}}\n',
    });
    const byOther = serverSideApply('ConfigMap', csa(), config, { manager: 'other', time: T1 }, true);
    expect((byOther.object.metadata as { annotations: Record<string, string> }).annotations['kubectl.kubernetes.io/last-applied-configuration']).toBe('{"old":true}\n');
  });

  it('upgrades as kubectl does: conflicts with fields the annotation still matches are taken, then the migrated owner prunes', () => {
    const live = csa();
    (live.metadata as Record<string, unknown>).labels = { x: '1' };
    (live.metadata as Record<string, unknown>).annotations = {
      'kubectl.kubernetes.io/last-applied-configuration': '{"apiVersion":"v1","data":{"a":"1","b":"2"},"kind":"ConfigMap","metadata":{"labels":{"x":"1"},"name":"c1"}}\n',
    };
    expect(() => serverSideApply('ConfigMap', live, applied({ a: '5' }), { manager: 'other', time: T1 }, false)).toThrow(ApplyConflictError);
    const first = serverSideApply('ConfigMap', live, applied({ a: '5' }), { manager: 'kubectl', time: T1 }, false);
    expect(first.object.data).toEqual({ a: '5', b: '2' });
    // kubectl then hands the client-side apply fields to its Apply manager (csaupgrade) and applies again.
    const migrated = first.object;
    (migrated.metadata as Record<string, unknown>).managedFields = [
      { manager: 'kubectl', operation: 'Apply', apiVersion: 'v1', time: T1, fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { '.': {}, 'f:a': {}, 'f:b': {} }, 'f:metadata': { 'f:labels': { '.': {}, 'f:x': {} } } } },
    ];
    const second = serverSideApply('ConfigMap', migrated, applied({ a: '5' }), { manager: 'kubectl', time: T1 }, false);
    expect(second.object.data).toEqual({ a: '5' });
    expect((second.object.metadata as Record<string, unknown>).labels).toBeUndefined();
  });

  it('writes the annotation as Go\'s json.Encoder: sorted keys, HTML escaped, no annotation of its own', () => {
    const config = { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'x', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': 'old', z: '<&>' } } };
    expect(lastAppliedText(config)).toBe('{"apiVersion":"v1","kind":"ConfigMap","metadata":{"annotations":{"z":"\\u003c\\u0026\\u003e"},"name":"x"}}\n');
  });
});

describe('conflictMessage', () => {
  it('groups several managers in sorted order', () => {
    expect(conflictMessage([{ manager: '"z"', field: '.data.a' }, { manager: '"a"', field: '.data.b' }])).toBe(
      'Apply failed with 2 conflicts: conflicts with "a":\n- .data.b\nconflicts with "z":\n- .data.a',
    );
  });
});
