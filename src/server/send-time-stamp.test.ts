import { describe, expect, it } from 'vitest';
import { encodeFrame } from './wire.js';
import { formatSendTime, SEND_TIME_ANNOTATION, SEND_TIME_PLACEHOLDER, stampFrame, stampingSink } from './send-time-stamp.js';
import type { WatchSink } from './watch-session.js';

const marked = (name: string, value = SEND_TIME_PLACEHOLDER) =>
  encodeFrame('MODIFIED', { kind: 'ConfigMap', metadata: { name, annotations: { [SEND_TIME_ANNOTATION]: value } } });
const annotationOf = (line: string) => (JSON.parse(line) as { object: { metadata: { annotations: Record<string, string> } } }).object.metadata.annotations[SEND_TIME_ANNOTATION];

describe('send-time stamp', () => {
  it('writes the send time into a copy of a marked frame and leaves the shared frame as it was', () => {
    const frame = marked('a');
    const stamped = stampFrame(frame, () => 1_790_000_000_123.4567);
    expect(annotationOf(stamped.toString())).toBe('1790000000123.457');
    expect(annotationOf(frame.toString())).toBe(SEND_TIME_PLACEHOLDER);
    expect(stamped.length).toBe(frame.length);
  });

  it('stamps every marked object of a burst, and passes unmarked frames and other widths through untouched', () => {
    const burst = Buffer.concat([marked('a'), marked('b', 'short'), marked('c')]);
    const lines = stampFrame(burst, () => 5).toString().trimEnd().split('\n');
    expect(lines.map(annotationOf)).toEqual([formatSendTime(5), 'short', formatSendTime(5)]);
    const plain = encodeFrame('ADDED', { kind: 'ConfigMap', metadata: { name: 'd' } });
    expect(stampFrame(plain, () => 5)).toBe(plain);
  });

  it('reports each stamped frame\'s stamp and write-callback time, and nothing for unmarked frames', () => {
    const written: Array<{ frame: Buffer; onFlushed: (() => void) | undefined }> = [];
    const sink: WatchSink = {
      open: () => {},
      end: () => {},
      bufferedBytes: () => 0,
      write: (frame, onFlushed) => void written.push({ frame, onFlushed }),
    };
    let nowMs = 1_000;
    const flushed: Array<[number, number]> = [];
    const stamping = stampingSink(sink, () => nowMs, (stampedAtMs, flushedAtMs) => flushed.push([stampedAtMs, flushedAtMs]));
    stamping.write(marked('a'));
    nowMs = 1_004.5;
    stamping.write(encodeFrame('ADDED', { kind: 'ConfigMap', metadata: { name: 'plain' } }));
    expect(written[1]!.onFlushed).toBeUndefined();
    nowMs = 1_007.25;
    written[0]!.onFlushed!();
    expect(flushed).toEqual([[1_000, 1_007.25]]);
    expect(annotationOf(written[0]!.frame.toString())).toBe(formatSendTime(1_000));
  });
});
