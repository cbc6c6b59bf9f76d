import { describe, expect, it } from 'vitest';
import { run, watchListStream, plainWatchStream } from '../../test/support/timeline-builder.js';
import { DEFAULT_CHECK_PARAMS } from '../checks/types.js';
import type { RunFacts, RunMeasurement } from '../report/derive-report.js';
import { deriveReport } from '../report/derive-report.js';
import { isWatchmarkError } from '../errors.js';
import { TOOL } from '../version.js';
import { decodeRecording, encodeRecording, encodeRecordingText, RECORDING_KIND } from './ndjson.js';

function facts(overrides: Partial<RunFacts> = {}): RunFacts {
  return {
    target: { server: 'https://127.0.0.1:6443', source: 'embedded', serverVersion: 'v1.34.0-watchmark', description: 'embedded API server (profile reference)' },
    resource: { name: 'configmaps', apiVersion: 'v1', kind: 'ConfigMap', namespace: 'watchmark-abc123' },
    config: { quick: true, failOn: 'fail', profile: 'reference', token: '[redacted]', scenario: [] },
    failOn: 'fail',
    startedAtMs: 0.25,
    scenarios: [
      { name: 'watch-list', file: 'scenarios/watch-list.yaml', description: 'client-go v0.35 watch-list', checkParams: {} },
      { name: 'watch', file: 'scenarios/watch.yaml', description: 'plain watch', checkParams: { timeoutSlackMs: 3000 } },
    ],
    checkParams: { defaults: { ...DEFAULT_CHECK_PARAMS }, overrides: { maxEventLatencyMs: 1500 } },
    workload: { namespace: 'watchmark-abc123', writes: 2, cleanupProblems: ['configmap x: 500 boom'] },
    ...overrides,
  };
}

/** A hand-built measurement touching every entry kind, optional stream fields and odd values. */
function measurement(): RunMeasurement {
  const watchList = watchListStream('watch-list#1')
    .scenario('watch-list')
    .sentAt(1.000_123)
    .response(3.456_789, { httpVersion: '2.0' })
    .chunk(4.1, 120)
    .added(4.1, 'a', '101', { labels: { 'ünïcode': 'v\u2028al"ue\n' } })
    .endBookmark(5.5, '105')
    .malformed(7, '{"type":"ADDED","object":', 'Unexpected end of JSON input')
    .event(8, 'WEIRD', null)
    .close(10_005.000_001, 'reset', { code: 'UND_ERR_SOCKET', message: 'other side closed' })
    .build();
  const resumed = plainWatchStream('resume#1', '105', { allowWatchBookmarks: true, timeoutSeconds: 10 })
    .response(12, { status: 410, contentType: 'application/json', body: '{"kind":"Status","code":410}' })
    .close(12.5)
    .build();
  resumed.role = 'resume';
  resumed.startedFrom = { kind: 'from-stream', stream: 'watch-list#1', of: 'bookmark', resourceVersion: '105', eventSeq: 1, eventType: 'BOOKMARK', eventAtMs: 5.5 };
  resumed.entries[0] = { ...resumed.entries[0]!, headers: { 'content-type': 'application/json', 'audit-id': 'x-1' } } as never;
  const notOpened = plainWatchStream('expired#1').close(9, 'not-opened', { code: 'WM_NO_RV', message: 'no RV to start from' }).build();
  const record = run()
    .stream(watchList)
    .stream(resumed)
    .stream(notOpened)
    .list({ sentAtMs: 0.5, atMs: 0.75, itemCount: 3 })
    .list({ sentAtMs: 0.8, atMs: 0.9, status: 500, error: 'boom', itemCount: undefined, resourceVersion: undefined })
    .write({ atMs: 2, resource: 'configmaps', name: 'a', resourceVersion: '101', verb: 'create' })
    .write({ atMs: 6, resource: 'configmaps', name: 'a', verb: 'delete' })
    .endedAt(10_010.5)
    .build();
  return { facts: facts(), record };
}

function decodeError(text: string): string {
  try {
    decodeRecording(text, 'rec.ndjson');
  } catch (err) {
    if (isWatchmarkError(err) && err.code === 'WM_RECORDING') return err.message;
    throw err;
  }
  throw new Error('decoded without error');
}

describe('recording NDJSON', () => {
  it('round-trips a hand-built measurement exactly', () => {
    const m = measurement();
    const text = encodeRecordingText(m);
    const decoded = decodeRecording(text, 'rec.ndjson');
    expect(decoded.record).toEqual(JSON.parse(JSON.stringify(m.record)));
    expect(decoded.facts).toEqual(m.facts);
    expect(decoded).toMatchObject({ complete: true, notices: [], tool: TOOL });
    // Byte-stable: the decoded measurement encodes to the same text.
    expect(encodeRecordingText(decoded)).toBe(text);
    // And the report derived from it is the same.
    expect(JSON.stringify(deriveReport(decoded.facts, decoded.record))).toBe(JSON.stringify(deriveReport(m.facts, m.record)));
  });

  it('round-trips a dropped entry (what the decoder counted without keeping), report included', () => {
    const m = measurement();
    const stream = m.record.streams[0]!;
    stream.entries.splice(stream.entries.length - 1, 0, { kind: 'dropped', atMs: 9, malformedFrames: 7, undecodedBytes: 1_048_577 });
    const text = encodeRecordingText(m);
    const decoded = decodeRecording(text, 'rec.ndjson');
    expect(decoded.record.streams[0]!.entries.at(-2)).toEqual({ kind: 'dropped', atMs: 9, malformedFrames: 7, undecodedBytes: 1_048_577 });
    expect(encodeRecordingText(decoded)).toBe(text);
    const report = deriveReport(decoded.facts, decoded.record);
    expect(JSON.stringify(report)).toBe(JSON.stringify(deriveReport(m.facts, m.record)));
    expect(JSON.stringify(report)).toContain('"count":8');
  });

  it('writes one JSON object per line: header, stream and its entries, lists, writes, footer', () => {
    const lines = [...encodeRecording(measurement())].map((l) => JSON.parse(l) as { kind: string; stream?: string; entry?: { kind: string } });
    expect(lines.map((l) => (l.kind === 'entry' ? `entry:${l.entry!.kind}` : l.kind))).toEqual([
      RECORDING_KIND,
      'stream', 'entry:response', 'entry:chunk', 'entry:event', 'entry:event', 'entry:malformed', 'entry:event', 'entry:close',
      'stream', 'entry:response', 'entry:close',
      'stream', 'entry:close',
      'list', 'list',
      'write', 'write',
      'end',
    ]);
    expect(lines[0]).toMatchObject({ kind: RECORDING_KIND, version: 1, tool: TOOL, anchorWallMs: Date.UTC(2026, 0, 1), failOn: 'fail' });
    expect(lines[0]).not.toHaveProperty('workload');
    expect(lines.at(-1)).toEqual({
      kind: 'end',
      endedAtMs: 10_010.5,
      workload: { namespace: 'watchmark-abc123', writes: 2, cleanupProblems: ['configmap x: 500 boom'] },
      counts: { streams: 3, entries: 10, lists: 2, writes: 2 },
    });
  });

  it('accepts CRLF line ends, blank lines and a last line without its newline', () => {
    const m = measurement();
    const lines = [...encodeRecording(m)];
    const text = lines.slice(0, 3).join('\r\n') + '\r\n\n' + lines.slice(3).join('\n');
    const decoded = decodeRecording(text);
    expect(decoded.complete).toBe(true);
    expect(decoded.record).toEqual(JSON.parse(JSON.stringify(m.record)));
  });

  it('reads a recording without footer as incomplete, with a notice, ending at its last recorded time', () => {
    const lines = [...encodeRecording(measurement())];
    // Cut after the first stream's entries and the first write's line... i.e. drop lists, writes and footer.
    const decoded = decodeRecording(lines.slice(0, 9).join('\n') + '\n', 'rec.ndjson');
    expect(decoded.complete).toBe(false);
    expect(decoded.notices).toEqual([expect.stringMatching(/^rec\.ndjson: recording is incomplete \(no footer\): the run was interrupted/)]);
    expect(decoded.record.streams.map((s) => s.id)).toEqual(['watch-list#1']);
    expect(decoded.record.endedAtMs).toBe(10_005.000_001);
    expect(decoded.facts.workload).toBeNull(); // no writes recorded
    // The report can still be derived.
    expect(deriveReport(decoded.facts, decoded.record).streams).toHaveLength(1);
  });

  it('drops a last line cut short mid-write and says so', () => {
    const lines = [...encodeRecording(measurement())];
    const cut = lines.slice(0, -1).join('\n') + '\n' + lines.at(-1)!.slice(0, 20);
    const decoded = decodeRecording(cut, 'rec.ndjson');
    expect(decoded.complete).toBe(false);
    expect(decoded.notices[0]).toMatch(/recording is incomplete \(no footer, line 19 cut short\)/);
    expect(decoded.record.writes).toHaveLength(2);
    expect(decoded.facts.workload).toEqual({ namespace: 'watchmark-abc123', writes: 2, cleanupProblems: [] });
  });

  it('says which watchmark recorded it when another version replays it', () => {
    const text = encodeRecordingText(measurement(), { name: 'watchmark', version: '0.0.1' });
    expect(decodeRecording(text, 'rec.ndjson').notices).toEqual([
      `rec.ndjson: recorded by watchmark 0.0.1, replayed by ${TOOL.name} ${TOOL.version}: checks and verdicts are this version's`,
    ]);
  });

  it('replays a recording made before a check parameter was declared with that parameter\'s default', () => {
    const m = measurement();
    const { maxEventLatencyMs: _notYetDeclared, ...olderDefaults } = DEFAULT_CHECK_PARAMS;
    const older = { ...m, facts: { ...m.facts, checkParams: { defaults: olderDefaults as typeof DEFAULT_CHECK_PARAMS, overrides: {} } } };
    const decoded = decodeRecording(encodeRecordingText(older), 'rec.ndjson');
    expect(decoded.facts.checkParams.defaults).toEqual(DEFAULT_CHECK_PARAMS);
    expect(Object.keys(decoded.facts.checkParams.defaults)).toEqual(Object.keys(DEFAULT_CHECK_PARAMS));
    // A recorded value still wins over today's default.
    const strict = { ...m, facts: { ...m.facts, checkParams: { defaults: { ...DEFAULT_CHECK_PARAMS, timeoutSlackMs: 1 }, overrides: {} } } };
    expect(decodeRecording(encodeRecordingText(strict), 'rec.ndjson').facts.checkParams.defaults.timeoutSlackMs).toBe(1);
  });

  describe('errors name the file and line', () => {
    const lines = () => [...encodeRecording(measurement())];
    const withLine = (index: number, replacement: string) => {
      const l = lines();
      l[index] = replacement;
      return l.join('\n') + '\n';
    };

    it.each([
      ['an empty file', '', 'rec.ndjson: empty file, not a watchmark recording'],
      ['blank lines only', '\n\n', 'rec.ndjson: empty file, not a watchmark recording'],
      ['a pretty-printed JSON report instead', '{\n  "schemaVersion": 1\n}\n', /^rec\.ndjson:1: not a JSON object \(.+\)$/],
      ['another NDJSON file', '{"kind":"something"}\n', 'rec.ndjson:1: not a watchmark recording (the first line must be {"kind":"watchmark-recording","version":1,...})'],
      ['a first line cut short', '{"kind":"watchmark-rec', 'rec.ndjson:1: not a JSON object (the file ends inside its first line)'],
    ])('%s', (_what, text, message) => {
      if (typeof message === 'string') expect(decodeError(text)).toBe(message);
      else expect(decodeError(text)).toMatch(message);
    });

    it('a wrong version', () => {
      const header = JSON.parse(lines()[0]!) as Record<string, unknown>;
      expect(decodeError(withLine(0, JSON.stringify({ ...header, version: 2 })))).toBe(
        `rec.ndjson:1: recording version 2 is not supported (${TOOL.name} ${TOOL.version} reads version 1)`,
      );
    });

    it('a line that is not JSON, or not an object', () => {
      expect(decodeError(withLine(16, 'garbage'))).toMatch(/^rec\.ndjson:17: not a JSON object \(Unexpected token/);
      expect(decodeError(withLine(16, '[1,2]'))).toBe('rec.ndjson:17: not a JSON object');
      expect(decodeError(withLine(16, '"text"'))).toBe('rec.ndjson:17: not a JSON object');
    });

    it('a line of the wrong shape or kind', () => {
      const entry = JSON.parse(lines()[2]!) as { entry: Record<string, unknown> };
      expect(decodeError(withLine(2, JSON.stringify({ ...entry, entry: { ...entry.entry, atMs: 'soon' } })))).toMatch(
        /^rec\.ndjson:3: invalid entry line: entry\.atMs: /,
      );
      expect(decodeError(withLine(2, JSON.stringify({ ...entry, entry: { ...entry.entry, kind: 'gossip' } })))).toMatch(/^rec\.ndjson:3: invalid entry line: entry\.kind: /);
      expect(decodeError(withLine(2, '{"kind":"frame"}'))).toBe('rec.ndjson:3: unknown line kind "frame" (expected stream, entry, list, write or end)');
      expect(decodeError(withLine(1, JSON.stringify({ kind: 'stream', id: 'x' })))).toMatch(/^rec\.ndjson:2: invalid stream line: scenario: /);
      const header = JSON.parse(lines()[0]!) as Record<string, unknown>;
      expect(decodeError(withLine(0, JSON.stringify({ ...header, failOn: 'info' })))).toMatch(/^rec\.ndjson:1: invalid header: failOn: /);
    });

    it('entries of an unknown stream, duplicate streams, a second header, lines after the end', () => {
      const l = lines();
      expect(decodeError([l[0], ...l.slice(2)].join('\n'))).toBe('rec.ndjson:2: entry for unknown stream "watch-list#1" (its "stream" line must come first)');
      expect(decodeError([...l.slice(0, 9), l[1], ...l.slice(9)].join('\n'))).toBe('rec.ndjson:10: stream "watch-list#1" appears twice');
      expect(decodeError([...l, ...l].join('\n'))).toBe(`rec.ndjson:${l.length + 1}: a "watchmark-recording" line after the "end" line`);
      expect(decodeError([...l.slice(0, 3), l[0], ...l.slice(3)].join('\n'))).toBe('rec.ndjson:4: a second header line (two recordings concatenated?)');
    });

    it('a footer whose counts disagree with the lines (a line lost in between)', () => {
      const l = lines();
      l.splice(3, 1);
      expect(decodeError(l.join('\n'))).toBe(`rec.ndjson:${l.length}: the "end" line counts 10 entries, the recording holds 9: lines are missing or were added`);
    });
  });
});
