import { describe, expect, it } from 'vitest';
import { decodeEnvelope, decodeObject, decodeWatchEvent, encodeObject, encodeWatchEvent, lengthPrefixed, PROTOBUF_MAGIC } from './k8s-codec.js';
import { ProtobufDecodeError, ProtoWriter } from './wire.js';

const configMap = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: {
    name: 'cm-1',
    namespace: 'default',
    uid: '6f2c1d0a-0000-4000-8000-000000000001',
    resourceVersion: '42',
    creationTimestamp: '2026-12-02T23:31:24Z',
    labels: { b: '2', a: '1' },
    annotations: { 'k8s.io/initial-events-end': 'true' },
    managedFields: [{ manager: 'kubectl-create', operation: 'Update', apiVersion: 'v1', time: '2026-12-02T23:31:24Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { '.': {}, 'f:x': {} } } }],
  },
  immutable: false,
  data: { x: 'y', empty: '' },
  binaryData: { bin: Buffer.from([0, 1, 2, 255]).toString('base64') },
};

describe('Kubernetes objects in protobuf', () => {
  it('decodes a ConfigMap body built by hand from the field numbers of the upstream .proto files', () => {
    const meta = new ProtoWriter()
      .string(1, 'cm-1')
      .string(2, '') // Go writes empty non-pointer strings; they are omitted in JSON
      .string(3, 'default')
      .string(6, '7')
      .message(8, (t) => t.varint(1, 1764718284))
      .message(11, (e) => e.string(1, 'app').string(2, 'demo'))
      .finish();
    const raw = new ProtoWriter()
      .bytes(1, meta)
      .message(2, (e) => e.string(1, 'k').string(2, 'v'))
      .bool(4, true)
      .finish();
    const unknown = new ProtoWriter().message(1, (t) => t.string(1, 'v1').string(2, 'ConfigMap')).bytes(2, raw).string(3, '').string(4, '').finish();
    const body = Uint8Array.from([...PROTOBUF_MAGIC, ...unknown]);
    expect(decodeObject(body)).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cm-1', namespace: 'default', resourceVersion: '7', creationTimestamp: '2025-12-02T23:31:24Z', labels: { app: 'demo' } },
      data: { k: 'v' },
      immutable: true,
    });
  });

  it('round-trips a ConfigMap with every field the embedded server stores, keeping immutable: false and empty data values', () => {
    const body = encodeObject(configMap);
    expect([...body.subarray(0, 4)]).toEqual([0x6b, 0x38, 0x73, 0x00]);
    expect(decodeEnvelope(body)).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap', contentEncoding: '', contentType: '' });
    const back = decodeObject(body);
    // Map values are kept even when empty (Go's maps hold ""), and immutable: false stays (a *bool).
    expect(back).toEqual(configMap);
  });

  it('writes map keys sorted and a zero creationTimestamp as absent', () => {
    const a = encodeObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', labels: { b: '2', a: '1' } } });
    const b = encodeObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', labels: { a: '1', b: '2' }, creationTimestamp: null } });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(decodeObject(a)).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', labels: { a: '1', b: '2' } } });
  });

  it('reads Namespace, Status and DeleteOptions (gracePeriodSeconds: 0 is kept: it is a pointer in Go)', () => {
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n' }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } };
    expect(decodeObject(encodeObject(ns))).toEqual(ns);
    const status = { apiVersion: 'v1', kind: 'Status', metadata: {}, status: 'Failure', message: 'configmaps "x" not found', reason: 'NotFound', details: { name: 'x', kind: 'configmaps' }, code: 404 };
    expect(decodeObject(encodeObject(status))).toEqual(status);
    const del = { apiVersion: 'meta.k8s.io/v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, propagationPolicy: 'Background', preconditions: { resourceVersion: '5' } };
    expect(decodeObject(encodeObject(del))).toEqual(del);
  });

  it('reads the metadata of kinds it has no table for, and lists of them', () => {
    const pod = encodeObject({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', resourceVersion: '9' } });
    expect(decodeObject(pod)).toEqual({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', resourceVersion: '9' } });
    const list = encodeObject({ apiVersion: 'apps/v1', kind: 'DeploymentList', metadata: { resourceVersion: '10', continue: 'c' }, items: [{ metadata: { name: 'd' } }] });
    expect(decodeObject(list)).toEqual({ apiVersion: 'apps/v1', kind: 'DeploymentList', metadata: { resourceVersion: '10', continue: 'c' }, items: [{ metadata: { name: 'd' } }] });
  });

  it('frames a watch event: 4-byte big-endian length, a raw WatchEvent, the object body inside RawExtension', () => {
    const object = encodeObject(configMap);
    const frame = lengthPrefixed(encodeWatchEvent('MODIFIED', object));
    expect(new DataView(frame.buffer).getUint32(0, false)).toBe(frame.length - 4);
    expect([...frame.subarray(4, 6)]).toEqual([0x0a, 0x08]); // field 1, 8 bytes: "MODIFIED"
    const event = decodeWatchEvent(frame.subarray(4));
    expect(event.type).toBe('MODIFIED');
    expect(Buffer.from(event.object).equals(Buffer.from(object))).toBe(true);
  });

  it('names what is wrong with a body that is not protobuf', () => {
    expect(() => decodeObject(Buffer.from('{"kind":"ConfigMap"}'))).toThrow(ProtobufDecodeError);
    expect(() => decodeObject(Buffer.from('{"kind":"ConfigMap"}'))).toThrow(/does not start with the protobuf magic/);
    expect(() => decodeObject(Uint8Array.from([...PROTOBUF_MAGIC, 0x12, 0x09, 0x0a]))).toThrow(/field 2 claims 9 bytes, 1 left at byte 4/);
    expect(() => encodeObject({ apiVersion: 'v1', kind: 'ConfigMap', data: { x: 1 } })).toThrow(/core\.v1\.ConfigMap\.data in protobuf: value of "x" is not a string/);
  });
});
