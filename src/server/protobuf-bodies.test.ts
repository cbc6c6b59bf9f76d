import { describe, expect, it } from 'vitest';
import { decodeObject, decodeWatchEvent, encodeObject } from '../protobuf/k8s-codec.js';
import { ProtoWriter } from '../protobuf/wire.js';
import { deleteOptionsFromProtobuf, objectFromProtobuf, protobufWatchFrame } from './protobuf-bodies.js';
import { CONFIGMAPS, NAMESPACES } from './resources.js';
import { statusOf } from './test-support.js';

describe('objectFromProtobuf', () => {
  it('reads a body of the resource\'s kind as its JSON object', () => {
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', labels: { a: '1' } }, data: { k: 'v' } };
    expect(objectFromProtobuf(CONFIGMAPS, encodeObject(cm))).toEqual(cm);
    expect(objectFromProtobuf(NAMESPACES, encodeObject({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n' } }))).toEqual({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'n' },
    });
  });

  it('cuts the summary of an unreadable body at 30 bytes, as apiserver summarizeData does', () => {
    const status = statusOf(() => objectFromProtobuf(CONFIGMAPS, Buffer.from('x'.repeat(40))));
    expect(status).toMatchObject({ code: 400, reason: 'BadRequest' });
    expect(status.message).toBe(
      `the object provided is unrecognized (must be of type ConfigMap): provided data does not appear to be a protobuf message, expected prefix [107 56 115 0] (${'78'.repeat(30)} ...)`,
    );
    expect(statusOf(() => objectFromProtobuf(CONFIGMAPS, Buffer.from('{"kind":"ConfigMap"}'))).message).toMatch(/\(\{"kind":"ConfigMap"\}\)$/);
    expect(statusOf(() => objectFromProtobuf(CONFIGMAPS, Buffer.from([0x6b, 0x38, 0x73, 0x00]))).message).toBe(
      'the object provided is unrecognized (must be of type ConfigMap): empty body (6b387300)',
    );
  });

  it('names the kind when the envelope is readable but the object is not', () => {
    const raw = new ProtoWriter().bytes(1, Uint8Array.of(0x0a, 0x05, 0x61)).finish(); // metadata.name claims 5 bytes, has 1
    const body = Uint8Array.from([0x6b, 0x38, 0x73, 0x00, ...new ProtoWriter().message(1, (t) => t.string(1, 'v1').string(2, 'ConfigMap')).bytes(2, raw).finish()]);
    expect(statusOf(() => objectFromProtobuf(CONFIGMAPS, body)).message).toBe('ConfigMap in version "v1" cannot be handled as a ConfigMap: unexpected EOF');
    expect(statusOf(() => objectFromProtobuf(CONFIGMAPS, encodeObject({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' } }))).message).toBe(
      'Deployment in version "v1" cannot be handled as a ConfigMap: no kind "Deployment" is registered for version "apps/v1" in scheme "pkg/runtime/scheme.go:111"',
    );
  });
});

describe('deleteOptionsFromProtobuf', () => {
  it('reads DeleteOptions in either group spelling', () => {
    for (const apiVersion of ['v1', 'meta.k8s.io/v1']) {
      expect(deleteOptionsFromProtobuf(encodeObject({ apiVersion, kind: 'DeleteOptions', preconditions: { resourceVersion: '7' }, propagationPolicy: 'Foreground' }))).toEqual({
        preconditions: { resourceVersion: '7' },
        propagationPolicy: 'Foreground',
      });
    }
  });
});

describe('protobufWatchFrame', () => {
  const bookmark = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { resourceVersion: '9', annotations: { 'k8s.io/initial-events-end': 'true' } } };

  it('is a 4-byte big-endian length and a WatchEvent around the full object body', () => {
    const frame = protobufWatchFrame('BOOKMARK', bookmark, 'big-endian');
    expect(frame.readUInt32BE(0)).toBe(frame.length - 4);
    const event = decodeWatchEvent(frame.subarray(4));
    expect(event.type).toBe('BOOKMARK');
    expect(decodeObject(event.object)).toEqual(bookmark);
  });

  it('little-endian (broken-protobuf-framing): the same bytes with the prefix reversed', () => {
    const good = protobufWatchFrame('BOOKMARK', bookmark, 'big-endian');
    const bad = protobufWatchFrame('BOOKMARK', bookmark, 'little-endian');
    expect(bad.subarray(4)).toEqual(good.subarray(4));
    expect([...bad.subarray(0, 4)]).toEqual([...good.subarray(0, 4)].reverse());
    // A client reading big-endian expects far more bytes than the frame has.
    expect(bad.readUInt32BE(0)).toBeGreaterThan(1 << 24);
  });
});
