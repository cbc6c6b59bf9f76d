import { describe, expect, it } from 'vitest';
import type { CheckResult, Finding, Severity } from '../checks/types.js';
import type { RunRecord, StreamRecord, TimelineEntry } from '../record/timeline.js';
import { TOOL } from '../version.js';
import { buildReport, exitCodeFor, summarizeStream, type BuildReportInput } from './model.js';

function streamOf(entries: TimelineEntry[], id = 'watch#1'): StreamRecord {
  return {
    id,
    scenario: 'watch',
    request: {
      method: 'GET',
      path: '/api/v1/namespaces/ns/configmaps?watch=true&allowWatchBookmarks=true',
      watched: { apiVersion: 'v1', kind: 'ConfigMap', resource: 'configmaps' },
      options: { allowWatchBookmarks: true, timeoutSeconds: 10 },
      sentAtMs: 100.12345,
    },
    entries,
  };
}

const event = (atMs: number, seq: number, type: string): TimelineEntry => ({ kind: 'event', atMs, seq, type, object: {}, bytes: 10 });

describe('summarizeStream', () => {
  it('counts events by type, putting unknown types under "other" and malformed frames apart', () => {
    const summary = summarizeStream(
      streamOf([
        { kind: 'response', atMs: 101, status: 200, httpVersion: '2.0', contentType: 'application/json', headers: {} },
        { kind: 'chunk', atMs: 102, bytes: 50 },
        event(102, 0, 'ADDED'),
        event(103, 1, 'ADDED'),
        event(104, 2, 'MODIFIED'),
        event(105, 3, 'DELETED'),
        event(106, 4, 'BOOKMARK'),
        event(107, 5, 'ERROR'),
        event(108, 6, 'SURPRISE'),
        // Types spelled like the summary's own buckets are still unknown types, not malformed frames.
        event(109, 7, 'malformed'),
        event(109, 8, 'other'),
        { kind: 'malformed', atMs: 110, raw: '{"type":', error: 'truncated frame' },
        { kind: 'close', atMs: 10_100.0004, reason: 'server-eof' },
      ]),
    );
    expect(summary).toEqual({
      id: 'watch#1',
      scenario: 'watch',
      request: {
        path: '/api/v1/namespaces/ns/configmaps?watch=true&allowWatchBookmarks=true',
        options: { allowWatchBookmarks: true, timeoutSeconds: 10 },
      },
      status: 200,
      httpVersion: '2.0',
      contentType: 'application/json',
      openedAtMs: 100.123, // rounded to the microsecond
      closedAtMs: 10_100,
      closeReason: 'server-eof',
      eventCounts: { ADDED: 2, MODIFIED: 1, DELETED: 1, BOOKMARK: 1, ERROR: 1, other: 3, malformed: 1 },
    });
  });

  it('leaves status and close null for a stream that never got a response and is still open', () => {
    const summary = summarizeStream(streamOf([]));
    expect(summary).toMatchObject({ status: null, httpVersion: null, contentType: null, closedAtMs: null, closeReason: null });
    expect(Object.values(summary.eventCounts).every((n) => n === 0)).toBe(true);
  });
});

const finding = (severity: Severity, stream?: string): Finding => ({
  severity,
  message: `${severity} message`,
  ...(stream ? { stream } : {}),
  evidence: {},
});
const check = (id: string, ...findings: Finding[]): CheckResult => ({
  id,
  status: findings.some((f) => f.severity === 'fail') ? 'fail' : findings.some((f) => f.severity === 'warn') ? 'warn' : 'pass',
  summary: id,
  findings,
});

function input(checks: CheckResult[], failOn: 'fail' | 'warn'): BuildReportInput {
  const record: RunRecord = {
    anchorWallMs: Date.UTC(2026, 0, 1, 12, 0, 0),
    streams: [
      streamOf([
        { kind: 'response', atMs: 101, status: 200, httpVersion: '2.0', contentType: 'application/json', headers: {} },
        { kind: 'close', atMs: 5_000, reason: 'client-abort' },
      ]),
    ],
    lists: [{ id: 'list#1', scenario: 'list', path: '/api/v1/configmaps?resourceVersion=0&limit=500', sentAtMs: 50, atMs: 60, status: 200, itemCount: 3, resourceVersion: '42' }],
    writes: [],
    endedAtMs: 12_345.6789,
  };
  return {
    record,
    checks,
    clientGo: [],
    target: { server: 'https://127.0.0.1:6443', source: 'flags', serverVersion: 'v1.35.0', description: 'server https://127.0.0.1:6443' },
    resource: { name: 'configmaps', apiVersion: 'v1', kind: 'ConfigMap', namespace: 'ns' },
    config: { quick: true },
    failOn,
    startedAtMs: 1_500,
    workload: { namespace: 'ns', writes: 7, cleanupProblems: [] },
  };
}

describe('buildReport', () => {
  it('derives counts, times and stream summaries from the record alone', () => {
    const checks = [check('a', finding('fail', 'watch#1'), finding('info')), check('b', finding('warn'), finding('warn')), check('c')];
    const report = buildReport(input(checks, 'fail'));
    expect(report.schemaVersion).toBe(1);
    expect(report.tool).toEqual(TOOL);
    expect(report.counts).toEqual({ fail: 1, warn: 2, info: 1 });
    // startedAt = wall-clock anchor + monotonic start offset; no clock is read.
    expect(report.startedAt).toBe('2026-01-01T12:00:01.500Z');
    expect(report.durationMs).toBe(10_845.679);
    expect(report.streams).toEqual([summarizeStream(input([], 'fail').record.streams[0]!)]);
    expect(report.lists).toHaveLength(1);
    expect(report.checks).toBe(checks);
    expect(report.workload).toEqual({ namespace: 'ns', writes: 7, cleanupProblems: [] });
  });

  it('is deterministic: the same input gives the same report', () => {
    const checks = [check('a', finding('warn'))];
    expect(JSON.stringify(buildReport(input(checks, 'warn')))).toBe(JSON.stringify(buildReport(input(checks, 'warn'))));
  });

  it.each<[string, CheckResult[], 'fail' | 'warn', 'pass' | 'fail']>([
    ['no findings', [check('a')], 'fail', 'pass'],
    ['no findings, --fail-on warn', [check('a')], 'warn', 'pass'],
    ['info only, --fail-on warn', [check('a', finding('info'))], 'warn', 'pass'],
    ['warn only, --fail-on fail', [check('a', finding('warn'))], 'fail', 'pass'],
    ['warn only, --fail-on warn', [check('a', finding('warn'))], 'warn', 'fail'],
    ['a fail, --fail-on fail', [check('a', finding('info')), check('b', finding('fail'))], 'fail', 'fail'],
    ['a fail, --fail-on warn', [check('b', finding('fail'))], 'warn', 'fail'],
  ])('%s: verdict %s → %s', (_name, checks, failOn, verdict) => {
    const report = buildReport(input(checks, failOn));
    expect(report.failOn).toBe(failOn);
    expect(report.verdict).toBe(verdict);
    expect(exitCodeFor(report)).toBe(verdict === 'fail' ? 1 : 0);
  });

  const forbiddenWatch = (id: string): StreamRecord =>
    streamOf(
      [
        {
          kind: 'response',
          atMs: 101,
          status: 403,
          httpVersion: '1.1',
          contentType: 'application/json',
          headers: {},
          body: JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Forbidden', message: 'watch denied by proxy', code: 403 }),
        },
        { kind: 'close', atMs: 101, reason: 'server-eof' },
      ],
      id,
    );

  it('403 on every watch and nothing failing: INCONCLUSIVE, exit code 2, the requests listed with the verb missing', () => {
    const base = input([check('a')], 'fail');
    const skippedCheck: CheckResult = { id: 'initial-events-end.present', status: 'skip', summary: 'no 200 watch-list stream', findings: [] };
    const report = buildReport({
      ...base,
      checks: [skippedCheck],
      record: { ...base.record, streams: [forbiddenWatch('watch#1'), forbiddenWatch('watch#2')], lists: [{ ...base.record.lists[0]!, status: 403, error: 'list denied' }] },
    });
    expect(report.verdict).toBe('inconclusive');
    expect(exitCodeFor(report)).toBe(2);
    expect(report.untested.requests.map((r) => [r.id, r.status, r.reason, r.missingPermission?.verb])).toEqual([
      ['watch#1', 403, 'Forbidden', 'watch'],
      ['watch#2', 403, 'Forbidden', 'watch'],
      ['list#1', 403, 'Forbidden', 'list'],
    ]);
    expect(report.untested.checks).toEqual([{ id: 'initial-events-end.present', scenarios: [], reason: 'no 200 watch-list stream' }]);
  });

  it('with untested requests, a fail finding still makes the run FAIL (exit 1), and a warn one under --fail-on warn', () => {
    const base = input([], 'fail');
    const record = { ...base.record, streams: [forbiddenWatch('watch#1')] };
    expect(buildReport({ ...base, record, checks: [check('a', finding('fail'))] }).verdict).toBe('fail');
    expect(buildReport({ ...base, record, checks: [check('a', finding('warn'))] }).verdict).toBe('inconclusive');
    expect(buildReport({ ...base, record, checks: [check('a', finding('warn'))], failOn: 'warn' }).verdict).toBe('fail');
  });

  it('a skipped check does not fail the run, even with --fail-on warn', () => {
    const skippedCheck: CheckResult = { id: 'x', status: 'skip', summary: 'no workload: the RV never advanced', findings: [] };
    const report = buildReport(input([skippedCheck], 'warn'));
    expect(report.verdict).toBe('pass');
    expect(report.counts).toEqual({ fail: 0, warn: 0, info: 0 });
  });
});
