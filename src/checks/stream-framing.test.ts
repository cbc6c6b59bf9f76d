import { describe, expect, it } from 'vitest';
import { plainWatchStream, runOf } from '../../test/support/timeline-builder.js';
import { streamFraming } from './stream-framing.js';
import { DEFAULT_CHECK_PARAMS } from './types.js';

const check = (...streams: Parameters<typeof runOf>) => streamFraming.run(runOf(...streams), DEFAULT_CHECK_PARAMS);

describe('stream.framing', () => {
  it.each(['application/json', 'application/json;stream=watch', 'application/json; charset=utf-8'])('passes well-formed events with Content-Type %s', (contentType) => {
    const result = check(plainWatchStream().response(5, { contentType }).added(10, 'a', '101').bookmark(20, '101').close(30));
    expect(result.status).toBe('pass');
    expect(result.findings).toEqual([]);
  });

  it('records an empty Content-Type as info only', () => {
    const result = check(plainWatchStream().response(5, { contentType: null }).added(10, 'a', '101'));
    expect(result.status).toBe('pass');
    expect(result.findings.map((f) => f.severity)).toEqual(['info']);
  });

  it.each(['text/plain', 'application/vnd.kubernetes.protobuf;stream=watch', 'application/yaml'])('fails Content-Type %s', (contentType) => {
    const result = check(plainWatchStream().response(5, { contentType }).added(10, 'a', '101'));
    expect(result.status).toBe('fail');
    expect(result.findings[0]?.message).toContain('negotiator');
  });

  it('fails malformed frames', () => {
    const result = check(plainWatchStream().response(5).added(10, 'a', '101').malformed(20, '{"type":"ADDED","object":{', 'Unexpected end of JSON input'));
    expect(result.status).toBe('fail');
    expect(result.findings[0]?.evidence).toMatchObject({ count: 1 });
  });

  it('counts the malformed frames the decoder only counted, with examples from the recorded ones', () => {
    let stream = plainWatchStream().response(5);
    for (let i = 0; i < 100; i++) stream = stream.malformed(10 + i, `garbage ${i}`, 'not JSON: unexpected token');
    const result = check(stream.dropped(300, { malformedFrames: 599_900 }).close(300));
    expect(result.status).toBe('fail');
    expect(result.findings[0]?.evidence).toMatchObject({ count: 600_000 });
    expect((result.findings[0]?.evidence as { examples: unknown[] }).examples).toHaveLength(3);
    expect(result.findings[0]?.message).toContain('observed 600000 malformed frame(s) (the first 100 recorded, the rest counted)');
    expect(result.findings[0]?.message).toContain('and 599997 more');
  });

  it('says when a frame outgrew the frame limit and how much of the stream was not decoded', () => {
    const result = check(
      plainWatchStream()
        .response(5)
        .added(10, 'a', '101')
        .malformed(20, '{"type":"ADDED","object":{"data":"xxxx', 'frame larger than the 64 MiB frame limit (--max-frame-size); the rest of the stream was counted, not decoded')
        .dropped(90, { undecodedBytes: 70_000_000 })
        .close(90, 'client-abort'),
    );
    expect(result.status).toBe('fail');
    expect(result.findings[0]?.evidence).toMatchObject({ count: 1, undecodedBytes: 70_000_000 });
    expect(result.findings[0]?.message).toContain('discarded the rest of the stream unread (70000000 bytes');
  });

  it('fails unknown event types with client-go\'s error text', () => {
    const result = check(plainWatchStream().response(5).event(10, 'SYNC', { kind: 'ConfigMap', apiVersion: 'v1', metadata: {} }));
    expect(result.status).toBe('fail');
    expect(result.findings[0]?.message).toContain('got invalid watch event type: SYNC');
  });

  it.each([
    ['missing', undefined],
    ['null', null],
    ['a string', 'x'],
    ['an array', []],
  ])('fails an event whose object is %s', (_label, object) => {
    const result = check(plainWatchStream().response(5).event(10, 'ADDED', object));
    expect(result.status).toBe('fail');
    expect(result.findings[0]?.message).toContain('unable to decode watch event');
  });

  it('skips without a 200 stream', () => {
    expect(check(plainWatchStream().response(5, { status: 410 })).status).toBe('skip');
  });
});
