import { describe, expect, it } from 'vitest';
import { plainWatchStream, runOf } from '../../test/support/timeline-builder.js';
import { ProtobufFrameDecoder } from '../decode/protobuf-frames.js';
import { encodeObject, encodeWatchEvent, lengthPrefixed, PROTOBUF_WATCH_MEDIA_TYPE } from '../protobuf/k8s-codec.js';
import type { StreamRecord } from '../record/timeline.js';
import { PROTOBUF_WATCH_ACCEPT } from '../transport/client.js';
import { streamFraming } from './stream-framing.js';
import { CLIENT_GO_ON_BAD_FRAME, CLIENT_GO_ON_CUT_FRAME, CLIENT_GO_ON_UNFINISHED_FRAME, streamProtobufFraming } from './stream-protobuf-framing.js';
import { DEFAULT_CHECK_PARAMS } from './types.js';

const cm = (name: string, rv: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'watchmark', resourceVersion: rv } });
const frame = (type: string, object: Record<string, unknown>) => lengthPrefixed(encodeWatchEvent(type, encodeObject(object)));

function concat(...parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((p) => [...p]));
}

/** A protobuf watch recorded from hand-built body bytes, decoded as the transport would (one chunk per part). */
function protobufStream(parts: Uint8Array[], options: { contentType?: string; maxFrameBytes?: number } = {}): StreamRecord {
  const record = plainWatchStream().response(5, { contentType: options.contentType ?? PROTOBUF_WATCH_MEDIA_TYPE }).build();
  record.request.accept = PROTOBUF_WATCH_ACCEPT;
  const decoder = new ProtobufFrameDecoder(options.maxFrameBytes !== undefined ? { maxFrameBytes: options.maxFrameBytes } : {});
  parts.forEach((part, i) => {
    record.entries.push({ kind: 'chunk', atMs: 10 + i, bytes: part.length });
    record.entries.push(...decoder.push(part, 10 + i));
  });
  record.entries.push(...decoder.end(100), { kind: 'close', atMs: 100, reason: 'server-eof' });
  return record;
}

const check = (stream: StreamRecord) => streamProtobufFraming.run(runOf(stream), DEFAULT_CHECK_PARAMS);
const framing = (stream: StreamRecord) => streamFraming.run(runOf(stream), DEFAULT_CHECK_PARAMS);

describe('stream.protobuf-framing', () => {
  it('passes a well-formed protobuf stream, and stream.framing accepts its Content-Type', () => {
    const stream = protobufStream([frame('ADDED', cm('a', '101')), frame('BOOKMARK', cm('', '102'))]);
    expect(check(stream)).toMatchObject({ status: 'pass', summary: '2 protobuf frame(s) on 1 stream(s), all length-prefixed WatchEvents with k8s\\0 objects' });
    expect(framing(stream)).toMatchObject({ status: 'pass', findings: [] });
  });

  it('skips JSON runs', () => {
    expect(streamProtobufFraming.run(runOf(plainWatchStream().response(5).added(10, 'a', '101')), DEFAULT_CHECK_PARAMS).status).toBe('skip');
  });

  it('notes a JSON answer to a protobuf watch (legal) in the summary and an info finding', () => {
    const stream = plainWatchStream().response(5).added(10, 'a', '101').build();
    stream.request.accept = PROTOBUF_WATCH_ACCEPT;
    const result = check(stream);
    expect(result.status).toBe('pass');
    expect(result.summary).toBe('no watch was answered in protobuf: 1 protobuf watch(es) answered in JSON (legal, decoded as JSON; protobuf framing not exercised there)');
    expect(result.findings[0]).toMatchObject({ severity: 'info', evidence: { contentType: 'application/json', accept: PROTOBUF_WATCH_ACCEPT } });
    expect(framing(stream).status).toBe('pass');
  });

  it('fails a length prefix that overruns the end of the stream, naming the frame, its offset and what arrived', () => {
    const first = frame('ADDED', cm('a', '101'));
    const cut = frame('ADDED', cm('b', '102'));
    const result = check(protobufStream([first, cut.subarray(0, 12)]));
    expect(result.status).toBe('fail');
    const [example] = (result.findings[0]!.evidence as { examples: Array<Record<string, unknown>> }).examples;
    expect(example).toMatchObject({ frame: 1, byteOffset: first.length, detail: `the length prefix claims ${cut.length - 4} bytes, 8 arrived` });
    expect(Buffer.from(example!['rawBase64'] as string, 'base64')).toEqual(Buffer.from(cut.subarray(0, 12)));
    expect(result.findings[0]!.message).toContain(`frame #1 at byte ${first.length}`);
    expect(result.findings[0]!.message).toContain(CLIENT_GO_ON_CUT_FRAME);
    // stream.framing leaves protobuf frames to this check.
    expect(framing(protobufStream([first, cut.subarray(0, 12)])).status).toBe('pass');
  });

  it('fails a frame over --max-frame-size and counts the bytes left undecoded', () => {
    const big = frame('ADDED', { ...cm('big', '101'), data: { k: 'x'.repeat(500) } });
    const result = check(protobufStream([big, frame('ADDED', cm('b', '102'))], { maxFrameBytes: 200 }));
    expect(result.status).toBe('fail');
    expect(result.findings[0]!.message).toMatch(/frame #0 at byte 0 .*length prefix claims \d+ bytes, more than the 200 bytes frame limit/);
    expect(result.findings[0]!.evidence).toMatchObject({ count: 1, undecodedBytes: big.length + frame('ADDED', cm('b', '102')).length });
  });

  it('a little-endian length prefix (serve --profile broken-protobuf-framing): client-go blocks reading the frame, it does not end the watch', () => {
    const good = frame('ADDED', cm('a', '101'));
    const littleEndian = Uint8Array.from(good);
    new DataView(littleEndian.buffer).setUint32(0, good.length - 4, true);
    const result = check(protobufStream([littleEndian, frame('MODIFIED', cm('a', '102'))]));
    expect(result.status).toBe('fail');
    expect(result.findings[0]!.message).toContain(CLIENT_GO_ON_UNFINISHED_FRAME);
    expect(result.findings[0]!.message).not.toContain(CLIENT_GO_ON_BAD_FRAME);
  });

  it.each([
    ['a payload that is not a WatchEvent', lengthPrefixed(Uint8Array.of(0x12, 0x09, 0x01)), /not a protobuf WatchEvent: field 2 claims 9 bytes/],
    ['an object without the k8s\\0 magic', lengthPrefixed(encodeWatchEvent('ADDED', new TextEncoder().encode('{"kind":"ConfigMap"}'))), /object without the protobuf magic/],
    ['a runtime.Unknown that does not parse', lengthPrefixed(encodeWatchEvent('ADDED', Uint8Array.of(0x6b, 0x38, 0x73, 0x00, 0x0a, 0x30))), /object does not parse .*field 1 claims 48 bytes/],
  ])('fails %s with the frame index and byte offset, and says what client-go does', (_name, bad, error) => {
    const good = frame('ADDED', cm('a', '101'));
    const result = check(protobufStream([good, bad, frame('MODIFIED', cm('a', '102'))]));
    expect(result.status).toBe('fail');
    const finding = result.findings[0]!;
    expect(finding.evidence).toMatchObject({ count: 1, examples: [{ frame: 1, byteOffset: good.length }] });
    expect(finding.message).toMatch(error);
    expect(finding.message).toContain(CLIENT_GO_ON_BAD_FRAME);
    expect(finding.message).toContain('JSON clients get a JSON stream and are not judged by this one');
  });

  it('leaves unknown types and missing objects to stream.framing, which judges them as for JSON', () => {
    const noObject = lengthPrefixed(encodeWatchEvent('ADDED', new Uint8Array(0)));
    const stream = protobufStream([frame('WEIRD', cm('a', '101')), noObject]);
    expect(check(stream).status).toBe('pass');
    const result = framing(stream);
    expect(result.status).toBe('fail');
    expect(result.findings.map((f) => f.message)).toEqual([expect.stringContaining('"WEIRD"'), expect.stringContaining('without one')]);
  });

  it('stream.framing fails a protobuf watch answered in neither protobuf nor JSON', () => {
    const stream = plainWatchStream().response(5, { contentType: 'application/yaml' }).build();
    stream.request.accept = PROTOBUF_WATCH_ACCEPT;
    expect(framing(stream).findings[0]!.message).toContain(`the watch asked for ${PROTOBUF_WATCH_ACCEPT}; expected Content-Type application/vnd.kubernetes.protobuf;stream=watch or application/json`);
  });
});
