import { describe, expect, it } from 'vitest';
import { encodeFrame } from './wire.js';
import { formatSendTime, SEND_TIME_ANNOTATION, SEND_TIME_PLACEHOLDER, stampFrame } from './send-time-stamp.js';

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
});
