import { describe, expect, it } from 'vitest';
import { decodeObject, decodeWatchEvent } from '../protobuf/k8s-codec.js';
import type { KubeObject } from './resources.js';
import { encodeWatchFrame, WatchFrameCache, watchContentType } from './wire.js';

const object = Object.freeze({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: Object.freeze({ name: 'x', namespace: 'ns', uid: 'u', resourceVersion: '5', creationTimestamp: '2026-12-02T23:00:00Z' }),
  data: Object.freeze({ k: 'v' }),
}) as unknown as KubeObject;

function readProtobuf(frame: Buffer) {
  const event = decodeWatchEvent(frame.subarray(4, 4 + frame.readUInt32BE(0)));
  return { type: event.type, object: decodeObject(event.object) };
}

describe('WatchFrameCache per encoding', () => {
  it('encodes an event once per encoding and shares the frame between watchers', () => {
    const pb = new WatchFrameCache('protobuf');
    const first = pb.event({ type: 'ADDED', object });
    expect(pb.event({ type: 'ADDED', object })).toBe(first);
    expect(pb.encodedFrames).toBe(1);
    expect(readProtobuf(first)).toEqual({ type: 'ADDED', object });
    const bookmark = pb.bookmark('ConfigMap', 7, { initialEventsEnd: true, withoutTypeMeta: false });
    expect(readProtobuf(bookmark).object).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { resourceVersion: '7', annotations: { 'k8s.io/initial-events-end': 'true' } },
    });
    // The JSON cache of the same events is separate and unchanged.
    expect(new WatchFrameCache().event({ type: 'ADDED', object }).toString()).toBe(`{"type":"ADDED","object":${JSON.stringify(object)}}\n`);
  });

  it('turns an object protobuf cannot carry into an ERROR event instead of throwing into the fan-out', () => {
    const odd = { ...object, metadata: { ...object.metadata, ownerReferences: ['not an object'] } };
    const frame = readProtobuf(encodeWatchFrame('protobuf', 'ADDED', odd));
    expect(frame.type).toBe('ERROR');
    expect(frame.object).toMatchObject({ kind: 'Status', code: 500, reason: 'InternalError' });
  });

  it('names the Content-Type kube-apiserver sends for each encoding', () => {
    expect(watchContentType('json')).toBe('application/json');
    expect(watchContentType('protobuf')).toBe('application/vnd.kubernetes.protobuf;stream=watch');
    expect(watchContentType('protobuf-little-endian')).toBe('application/vnd.kubernetes.protobuf;stream=watch');
  });
});
