import { describe, expect, it } from 'vitest';
import type { TimelineEntry } from '../record/timeline.js';
import { formatObserveLine, type ObserveLineState } from './observe-lines.js';

const fresh = (sentAtMs = 1_000): ObserveLineState => ({ sentAtMs, lastEventAtMs: null });
const event = (atMs: number, type: string, object: unknown, seq = 0): TimelineEntry => ({ kind: 'event', atMs, seq, type, object, bytes: 1 });

describe('formatObserveLine', () => {
  it('shows nothing for raw chunks', () => {
    expect(formatObserveLine({ kind: 'chunk', atMs: 1_001, bytes: 10 }, fresh())).toBeNull();
  });

  it('prints the response head; a failed response gets its body on one line (a Status: its message), cut to 300 characters', () => {
    expect(
      formatObserveLine({ kind: 'response', atMs: 1_012.3456, status: 200, httpVersion: '2.0', contentType: 'application/json', headers: {} }, fresh()),
    ).toBe('   +0.012s  HTTP 200 (HTTP/2.0, application/json)');
    const body = `${'x'.repeat(250)}\nsecond line and more${'y'.repeat(100)}`;
    expect(formatObserveLine({ kind: 'response', atMs: 1_020, status: 410, httpVersion: '1.1', contentType: null, headers: {}, body }, fresh())).toBe(
      `   +0.020s  HTTP 410 (HTTP/1.1, no content-type): ${'x'.repeat(250)} second line and more${'y'.repeat(29)}…`,
    );
    const status = JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'too old resource version: 1 (5)', reason: 'Expired', code: 410 }, null, 2);
    expect(formatObserveLine({ kind: 'response', atMs: 1_020, status: 410, httpVersion: '1.1', contentType: 'application/json', headers: {}, body: status }, fresh())).toBe(
      '   +0.020s  HTTP 410 (HTTP/1.1, application/json): too old resource version: 1 (5)',
    );
  });

  it('measures the gap from the request for the first event, then from the previous event', () => {
    const state = fresh(1_000);
    const cm = (rv: string) => ({ kind: 'ConfigMap', metadata: { name: 'a', namespace: 'ns', resourceVersion: rv } });
    expect(formatObserveLine(event(1_250, 'ADDED', cm('10')), state)).toBe('   +0.250s  gap 0.250s     ADDED     rv=10  ns/a');
    expect(state.lastEventAtMs).toBe(1_250);
    // A response or close in between does not reset the gap; only events move it.
    expect(formatObserveLine({ kind: 'response', atMs: 1_300, status: 200, httpVersion: '1.1', contentType: 'application/json', headers: {} }, state)).not.toBeNull();
    expect(formatObserveLine(event(13_345.6, 'MODIFIED', cm('11'), 1), state)).toBe('  +12.346s  gap 12.096s    MODIFIED  rv=11  ns/a');
  });

  it('marks the initial-events-end bookmark, a wrong annotation value and a bookmark without kind', () => {
    const end = { kind: 'ConfigMap', metadata: { resourceVersion: '42', annotations: { 'k8s.io/initial-events-end': 'true' } } };
    expect(formatObserveLine(event(2_000, 'BOOKMARK', end), fresh())).toBe('   +1.000s  gap 1.000s     BOOKMARK  rv=42  [initial-events-end]');
    const wrong = { kind: 'ConfigMap', metadata: { resourceVersion: '42', annotations: { 'k8s.io/initial-events-end': 'yes' } } };
    expect(formatObserveLine(event(2_000, 'BOOKMARK', wrong), fresh())).toContain('[initial-events-end="yes"]');
    const noKind = { metadata: { resourceVersion: '43' } };
    expect(formatObserveLine(event(2_000, 'BOOKMARK', noKind), fresh())).toBe('   +1.000s  gap 1.000s     BOOKMARK  rv=43  [no kind]');
    // Only bookmarks are flagged for a missing kind.
    expect(formatObserveLine(event(2_000, 'ADDED', noKind), fresh())).not.toContain('[no kind]');
  });

  it('shows RVs that are not strings as JSON and a missing RV as (none)', () => {
    expect(formatObserveLine(event(1_000, 'BOOKMARK', { kind: 'ConfigMap', metadata: { resourceVersion: 42 } }), fresh())).toContain('rv=42');
    expect(formatObserveLine(event(1_000, 'BOOKMARK', { kind: 'ConfigMap', metadata: {} }), fresh())).toContain('rv=(none)');
    expect(formatObserveLine(event(1_000, 'ADDED', { kind: 'ConfigMap' }), fresh())).toContain('rv=(none)');
  });

  it('shows an ERROR event as its Status code and message', () => {
    const status = { kind: 'Status', status: 'Failure', code: 410, reason: 'Expired', message: 'too old resource version: 1 (5)' };
    expect(formatObserveLine(event(1_500, 'ERROR', status), fresh())).toBe('   +0.500s  gap 0.500s     ERROR     410 too old resource version: 1 (5)');
    expect(formatObserveLine(event(1_500, 'ERROR', {}), fresh())).toContain('ERROR     ? ');
  });

  it('says so when the event has no object, or one that is not an object', () => {
    expect(formatObserveLine(event(1_000, 'ADDED', undefined), fresh())).toContain('(object missing)');
    expect(formatObserveLine(event(1_000, 'ADDED', null), fresh())).toContain('(object null)');
    expect(formatObserveLine(event(1_000, 'ADDED', 'text'), fresh())).toContain('(object "text")');
  });

  it('prints malformed frames with their error and the start of the raw text, quoted', () => {
    const raw = `{"type":"ADDED","object":${'y'.repeat(200)}`;
    expect(formatObserveLine({ kind: 'malformed', atMs: 1_100, raw, error: 'Unexpected token' }, fresh())).toBe(
      `   +0.100s  MALFORMED FRAME: Unexpected token: ${JSON.stringify(raw.slice(0, 120))}`,
    );
  });

  it('prints a protobuf malformed frame with its index, byte offset, what was cut and its first bytes in base64', () => {
    const entry = { kind: 'malformed' as const, atMs: 1_100, raw: 'AAAAMQoF', rawEncoding: 'base64' as const, error: 'truncated frame at end of stream', frame: 3, offset: 412, detail: 'the length prefix claims 49 bytes, 2 arrived' };
    expect(formatObserveLine(entry, fresh())).toBe(
      '   +0.100s  MALFORMED FRAME #3 at byte 412: truncated frame at end of stream (the length prefix claims 49 bytes, 2 arrived): base64 AAAAMQoF',
    );
  });

  it('prints the close reason, with the error code when there is one', () => {
    expect(formatObserveLine({ kind: 'close', atMs: 11_000, reason: 'server-eof' }, fresh())).toBe('  +10.000s  stream closed: server-eof');
    expect(
      formatObserveLine({ kind: 'close', atMs: 3_000, reason: 'reset', error: { code: 'WM_CONNECT', message: 'other side closed' } }, fresh()),
    ).toBe('   +2.000s  stream closed: reset (WM_CONNECT: other side closed)');
  });
});
