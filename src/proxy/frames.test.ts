import { describe, expect, it } from 'vitest';
import { decodeObject, decodeWatchEvent, encodeObject, encodeWatchEvent, lengthPrefixed } from '../protobuf/k8s-codec.js';
import { INITIAL_EVENTS_END_ANNOTATION } from '../record/accessors.js';
import { corruptFrame, errorEventFrame, expiredStatus, FrameSplitter, inspectFrame, streamEncodingOf, withoutEndAnnotation, type StreamEncoding } from './frames.js';

type Json = Record<string, unknown>;

function configMap(name: string, rv: string, extra: Json = {}): Json {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', resourceVersion: rv }, ...extra };
}
function bookmark(rv: string, annotations?: Record<string, string>): Json {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { resourceVersion: rv, ...(annotations ? { annotations } : {}) } };
}
const END = { [INITIAL_EVENTS_END_ANNOTATION]: 'true' };

function jsonFrame(type: string, object: Json): Buffer {
  return Buffer.from(`${JSON.stringify({ type, object })}\n`);
}
function protoFrame(type: string, object: Json): Buffer {
  return Buffer.from(lengthPrefixed(encodeWatchEvent(type, encodeObject(object))));
}
function frameOf(encoding: StreamEncoding, type: string, object: Json): Buffer {
  return encoding === 'json' ? jsonFrame(type, object) : protoFrame(type, object);
}
/** A frame's event, decoded the way a client would. */
function decodeFrame(frame: Buffer, encoding: StreamEncoding): { type: string; object: Json } {
  if (encoding === 'json') return JSON.parse(frame.toString('utf8')) as { type: string; object: Json };
  const event = decodeWatchEvent(frame.subarray(4));
  return { type: event.type, object: decodeObject(event.object) };
}

/** Splits `body` into chunks at the given offsets and runs them through a splitter. */
function splitAt(body: Buffer, cuts: number[], encoding: StreamEncoding): { frames: Buffer[]; rest: Buffer } {
  const splitter = new FrameSplitter(encoding);
  const frames: Buffer[] = [];
  let from = 0;
  for (const cut of [...cuts, body.length]) {
    frames.push(...splitter.push(body.subarray(from, cut)));
    from = cut;
  }
  return { frames, rest: splitter.end() };
}

describe('FrameSplitter (JSON)', () => {
  // Strings with braces, brackets, escaped quotes and backslashes: only a real scanner finds the frame ends.
  const tricky = configMap('cm-1', '10', { data: { a: '}{ ] [', b: 'say \\"hi\\" }', c: 'back\\\\', d: '\\\\"}' } });
  const events = [
    { type: 'ADDED', object: tricky },
    { type: 'ADDED', object: configMap('cm-2', '11', { data: { x: '{"nested": ["json", {"in": "a string"}]}' } }) },
    { type: 'BOOKMARK', object: bookmark('11', END) },
  ];
  const body = Buffer.concat(events.map((e) => jsonFrame(e.type, e.object)));

  it('splits one chunk into frames, each with its trailing newline', () => {
    const { frames, rest } = splitAt(body, [], 'json');
    expect(frames.map((f) => f.toString())).toEqual(events.map((e) => `${JSON.stringify(e)}\n`));
    expect(rest.length).toBe(0);
  });

  it('finds the same frames at every chunk boundary, keeping every byte', () => {
    for (let cut = 0; cut <= body.length; cut++) {
      const { frames, rest } = splitAt(body, [cut], 'json');
      expect(Buffer.concat([...frames, rest]).equals(body), `cut ${cut}`).toBe(true);
      // A newline that arrives in a chunk of its own after its frame is kept with the next frame (or left at the end).
      expect(rest.toString().trim(), `cut ${cut}`).toBe('');
      expect(frames.map((f) => JSON.parse(f.toString()) as unknown), `cut ${cut}`).toEqual(events);
    }
  });

  it('finds the same frames when every byte is its own chunk', () => {
    const { frames, rest } = splitAt(body, Array.from({ length: body.length - 1 }, (_, i) => i + 1), 'json');
    expect(frames.map((f) => JSON.parse(f.toString()) as unknown)).toEqual(events);
    expect(rest.toString()).toBe('\n');
    expect(Buffer.concat([...frames, rest]).equals(body)).toBe(true);
  });

  it('takes whitespace and blank lines between frames and no newline at all', () => {
    const a = JSON.stringify(events[0]);
    const b = JSON.stringify(events[1]);
    const c = JSON.stringify(events[2]);
    const spaced = Buffer.from(`  \n${a}\r\n\n \t${b}${c}\n`);
    for (let cut = 0; cut <= spaced.length; cut++) {
      const { frames, rest } = splitAt(spaced, [cut], 'json');
      expect(frames.map((f) => JSON.parse(f.toString()) as unknown), `cut ${cut}`).toEqual(events);
      expect(Buffer.concat([...frames, rest]).equals(spaced), `cut ${cut}`).toBe(true);
    }
  });

  it('keeps a partial frame at the end for end(), and reports its bytes as pending', () => {
    const partial = Buffer.concat([jsonFrame('ADDED', configMap('cm-1', '1')), Buffer.from('{"type":"ADDED","object":{"metadata":{"na')]);
    const splitter = new FrameSplitter('json');
    expect(splitter.push(partial).length).toBe(1);
    expect(splitter.pendingBytes).toBe(Buffer.byteLength('{"type":"ADDED","object":{"metadata":{"na'));
    expect(splitter.end().toString()).toBe('{"type":"ADDED","object":{"metadata":{"na');
    expect(splitter.pendingBytes).toBe(0);
    expect(splitter.end().length).toBe(0);
  });
});

describe('FrameSplitter (protobuf)', () => {
  const frames = [
    protoFrame('ADDED', configMap('cm-1', '10', { data: { a: 'x'.repeat(300) } })),
    protoFrame('MODIFIED', configMap('cm-1', '11')),
    protoFrame('BOOKMARK', bookmark('11', END)),
  ];
  const body = Buffer.concat(frames);

  it('finds the frames (prefix + the length it claims) at every chunk boundary', () => {
    for (let cut = 0; cut <= body.length; cut++) {
      const out = splitAt(body, [cut], 'protobuf');
      expect(out.frames.length, `cut ${cut}`).toBe(3);
      out.frames.forEach((f, i) => expect(f.equals(frames[i]!), `cut ${cut} frame ${i}`).toBe(true));
      expect(out.rest.length).toBe(0);
    }
  });

  it('finds them with two cuts (inside the length prefix and inside the payload) and byte by byte', () => {
    for (const cuts of [[2, 7], [1, 3], [frames[0]!.length + 2, frames[0]!.length + 5], [5, body.length - 1]]) {
      const out = splitAt(body, cuts, 'protobuf');
      expect(out.frames.map((f) => f.toString('hex'))).toEqual(frames.map((f) => f.toString('hex')));
    }
    const bytewise = splitAt(body, Array.from({ length: body.length - 1 }, (_, i) => i + 1), 'protobuf');
    expect(bytewise.frames.map((f) => f.toString('hex'))).toEqual(frames.map((f) => f.toString('hex')));
  });

  it('keeps an unfinished frame for end()', () => {
    const out = splitAt(body.subarray(0, body.length - 3), [], 'protobuf');
    expect(out.frames.length).toBe(2);
    expect(out.rest.equals(frames[2]!.subarray(0, frames[2]!.length - 3))).toBe(true);
  });
});

describe('inspectFrame', () => {
  it.each(['json', 'protobuf'] as const)('reads type, resourceVersion and the end bookmark (%s)', (encoding) => {
    expect(inspectFrame(frameOf(encoding, 'ADDED', configMap('cm', '7')), encoding)).toEqual({ type: 'ADDED', resourceVersion: '7', endBookmark: false });
    expect(inspectFrame(frameOf(encoding, 'BOOKMARK', bookmark('8', END)), encoding)).toEqual({ type: 'BOOKMARK', resourceVersion: '8', endBookmark: true });
    expect(inspectFrame(frameOf(encoding, 'BOOKMARK', bookmark('9')), encoding)).toEqual({ type: 'BOOKMARK', resourceVersion: '9', endBookmark: false });
    expect(inspectFrame(frameOf(encoding, 'BOOKMARK', bookmark('9', { [INITIAL_EVENTS_END_ANNOTATION]: 'false' })), encoding).endBookmark).toBe(false);
    // The annotation on an ADDED event is not an end bookmark.
    expect(inspectFrame(frameOf(encoding, 'ADDED', { ...configMap('cm', '7'), metadata: { name: 'cm', resourceVersion: '7', annotations: END } }), encoding).endBookmark).toBe(false);
  });

  it('reports an undecodable frame as having no type', () => {
    const none = { type: undefined, resourceVersion: undefined, endBookmark: false };
    expect(inspectFrame(Buffer.from('{"type":'), 'json')).toEqual(none);
    expect(inspectFrame(Buffer.from('[1,2]\n'), 'json')).toEqual(none);
    expect(inspectFrame(Buffer.from('{"object":{}}\n'), 'json')).toEqual(none);
    expect(inspectFrame(corruptFrame(protoFrame('ADDED', configMap('cm', '1')), 'protobuf'), 'protobuf')).toEqual(none);
  });
});

describe('withoutEndAnnotation', () => {
  it.each(['json', 'protobuf'] as const)('drops only the end annotation and still decodes (%s)', (encoding) => {
    const frame = frameOf(encoding, 'BOOKMARK', bookmark('12', { ...END, 'example.com/keep': 'yes' }));
    const out = withoutEndAnnotation(frame, encoding);
    const event = decodeFrame(out, encoding);
    expect(event.type).toBe('BOOKMARK');
    expect(event.object.metadata).toEqual({ resourceVersion: '12', annotations: { 'example.com/keep': 'yes' } });
    expect(inspectFrame(out, encoding)).toEqual({ type: 'BOOKMARK', resourceVersion: '12', endBookmark: false });
  });

  it.each(['json', 'protobuf'] as const)('drops the annotations when the end annotation was the only one (%s)', (encoding) => {
    const out = withoutEndAnnotation(frameOf(encoding, 'BOOKMARK', bookmark('12', END)), encoding);
    expect(decodeFrame(out, encoding).object.metadata).toEqual({ resourceVersion: '12' });
    if (encoding === 'json') expect(out.toString().endsWith('}\n')).toBe(true);
    else expect(out.readUInt32BE(0)).toBe(out.length - 4);
  });

  it('returns a frame without annotations, or that does not decode, unchanged', () => {
    const plain = jsonFrame('BOOKMARK', bookmark('3'));
    expect(withoutEndAnnotation(plain, 'json')).toBe(plain);
    const broken = Buffer.from('{"type":"BOOKMARK"');
    expect(withoutEndAnnotation(broken, 'json')).toBe(broken);
  });
});

describe('corruptFrame', () => {
  it('JSON: the value\'s first byte becomes #, so JSON.parse fails; the rest and the length are kept', () => {
    const frame = Buffer.from(`\n${JSON.stringify({ type: 'ADDED', object: configMap('cm', '1') })}\n`);
    const out = corruptFrame(frame, 'json');
    expect(out.length).toBe(frame.length);
    expect(out.toString()).toBe(`\n#${frame.toString().slice(2)}`);
    expect(() => JSON.parse(out.toString())).toThrow(SyntaxError);
    expect(frame.toString().startsWith('\n{')).toBe(true); // the input is not changed
  });

  it('protobuf: the length prefix is kept (framing intact) and the WatchEvent no longer decodes', () => {
    const frame = protoFrame('ADDED', configMap('cm', '1'));
    const out = corruptFrame(frame, 'protobuf');
    expect(out.length).toBe(frame.length);
    expect(out.readUInt32BE(0)).toBe(frame.readUInt32BE(0));
    expect(out[4]).toBe(0xff);
    expect(out.subarray(5).equals(frame.subarray(5))).toBe(true);
    // 0xff is a varint continuation byte: with the next byte (the type's length) it reads as one
    // tag whose wire type is 7, which no protobuf decoder accepts.
    expect(() => decodeWatchEvent(out.subarray(4))).toThrow(/wire type 7/);
    // So the object is never reached; the same bytes are no object either.
    expect(() => decodeObject(out.subarray(4))).toThrow(/magic/);
    // And the splitter still finds it as one whole frame, between its neighbours.
    const next = protoFrame('MODIFIED', configMap('cm', '2'));
    expect(splitAt(Buffer.concat([out, next]), [3], 'protobuf').frames.map((f) => f.length)).toEqual([out.length, next.length]);
  });
});

describe('ERROR frames', () => {
  it('expiredStatus is kube-apiserver\'s 410 Expired Status', () => {
    expect(expiredStatus('41')).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'too old resource version: 41 (41)', reason: 'Expired', code: 410,
    });
  });

  it.each(['json', 'protobuf'] as const)('errorEventFrame carries the Status in an ERROR event (%s)', (encoding) => {
    const frame = errorEventFrame(expiredStatus('41'), encoding);
    const event = decodeFrame(frame, encoding);
    expect(event.type).toBe('ERROR');
    expect(event.object).toMatchObject({ kind: 'Status', reason: 'Expired', code: 410, message: 'too old resource version: 41 (41)' });
    expect(splitAt(frame, [], encoding).frames.length).toBe(1);
  });

  it('streamEncodingOf reads the protobuf media type, anything else is JSON', () => {
    expect(streamEncodingOf('application/vnd.kubernetes.protobuf;stream=watch')).toBe('protobuf');
    expect(streamEncodingOf('Application/Vnd.Kubernetes.Protobuf')).toBe('protobuf');
    expect(streamEncodingOf('application/json')).toBe('json');
    expect(streamEncodingOf(undefined)).toBe('json');
  });
});
