import { describe, expect, it } from 'vitest';
import { DEFAULT_CHECK_PARAMS, type CheckResult, type Finding } from '../checks/types.js';
import type { ClientVerdict } from '../verdict/types.js';
import { TOOL } from '../version.js';
import type { Report } from './model.js';
import { formatMs, renderTerminal } from './terminal.js';

const finding = (severity: Finding['severity'], message: string, stream?: string): Finding => ({
  severity,
  message,
  ...(stream ? { stream } : {}),
  evidence: {},
});

const LONG_MESSAGE =
  'expected a BOOKMARK between 7.0 s and 9.0 s after the request (kube-apiserver sends one 2 s before timeoutSeconds once the RV advanced); ' +
  'none arrived before the server closed the stream at 10.0 s, so client-go resumes from a stale resourceVersion';

function checks(): CheckResult[] {
  return [
    { id: 'initial-events-end.present', status: 'pass', summary: 'the watch-list stream ended its initial events with the annotated bookmark', findings: [] },
    {
      id: 'bookmark.before-deadline',
      status: 'fail',
      summary: '5 fail findings on 5 streams',
      findings: [
        finding('fail', LONG_MESSAGE, 'watch#1'),
        finding('fail', 'second', 'legacy-watch#1'),
        finding('info', 'an info finding is never listed'),
        finding('fail', 'third', 'selector-watch#1'),
        finding('fail', 'fourth', 'long-watch#1'),
        finding('fail', 'fifth'),
      ],
    },
    { id: 'bookmark.unrequested', status: 'warn', summary: '1 warn finding on 1 stream', findings: [finding('warn', 'a BOOKMARK on a watch without allowWatchBookmarks', 'watch-no-bookmarks#1')] },
    { id: 'initial-events-end.latency', status: 'pass', summary: 'initial events ended after 12 ms', findings: [finding('info', 'timing only')] },
    { id: 'watch.timeout', status: 'skip', summary: 'no stream had a timeoutSeconds', findings: [] },
  ];
}

function clientGo(): ClientVerdict[] {
  return [
    { profile: 'client-go>=0.35', outcome: 'syncs', syncedAfterMs: 12, warnings: 0, explanation: 'watch-list completes.', logLines: [], basedOn: ['watch-list#1'] },
    { profile: 'client-go<=0.34', outcome: 'falls-back', syncedAfterMs: 10_500, warnings: 2, explanation: 'LIST then WATCH.', logLines: [], basedOn: ['list#1'] },
    { profile: 'client-go>=0.35', outcome: 'never-syncs', syncedAfterMs: null, warnings: 0, explanation: 'no end bookmark.', logLines: [], basedOn: [] },
    { profile: 'client-node', outcome: 'syncs', syncedAfterMs: 3, warnings: 0, silentlyDropped: 1, explanation: 'LIST then WATCH, one line ignored.', logLines: [], basedOn: ['list#1'] },
    { profile: 'client-node', outcome: 'loops', syncedAfterMs: 3, warnings: 0, explanation: 'watch ends at once.', logLines: [], basedOn: ['list#1'] },
    { profile: 'client-node', outcome: 'stops', syncedAfterMs: 3, warnings: 0, explanation: 'watch answered 500.', logLines: [], basedOn: ['list#1'] },
    { profile: 'client-node', outcome: 'crashes', syncedAfterMs: 3, warnings: 0, silentlyDropped: 2, explanation: 'an ADDED without object.', logLines: [], basedOn: ['list#1'] },
  ];
}

function report(overrides: Partial<Report> = {}): Report {
  return {
    schemaVersion: 1,
    tool: TOOL,
    target: { server: 'https://127.0.0.1:6443', source: 'KUBECONFIG', serverVersion: 'v1.35.0', description: 'context "kind-kind" (https://127.0.0.1:6443) from KUBECONFIG /k' },
    resource: { name: 'configmaps', apiVersion: 'v1', kind: 'ConfigMap', namespace: 'watchmark-abc123' },
    config: {},
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 16_049,
    verdict: 'fail',
    failOn: 'fail',
    counts: { fail: 5, warn: 1, info: 2 },
    checks: checks(),
    scenarios: [],
    checkParams: { base: DEFAULT_CHECK_PARAMS, byScenario: {} },
    clientGo: clientGo(),
    streams: [],
    lists: [],
    workload: { namespace: 'watchmark-abc123', writes: 7, cleanupProblems: [] },
    untested: { requests: [], checks: [] },
    ...overrides,
  };
}

describe('renderTerminal', () => {
  it('names typed and dynamic client-go verdicts apart, aligned, with the events the typed one skips', () => {
    const split: ClientVerdict[] = [
      { profile: 'client-go>=0.35 typed', outcome: 'never-syncs', syncedAfterMs: null, warnings: 1, skippedEvents: 1, explanation: 'Typed informer: skips the end bookmark.', logLines: [], basedOn: ['watch-list#1'] },
      { profile: 'client-go>=0.35 dynamic', outcome: 'syncs', syncedAfterMs: 12, warnings: 0, explanation: 'Dynamic informer: syncs.', logLines: [], basedOn: ['watch-list#1'] },
      { profile: 'client-go<=0.34', outcome: 'syncs', syncedAfterMs: 3, warnings: 0, explanation: 'LIST then WATCH.', logLines: [], basedOn: ['list#1'] },
      { profile: 'client-go>=0.35', outcome: 'syncs', syncedAfterMs: 21_000, warnings: 1, warningsRange: { min: 1, max: 2, why: 'at the 10s tick ...' }, explanation: 'late.', logLines: [], basedOn: ['watch-list#1'] },
    ];
    const text = renderTerminal(report({ clientGo: split }), { color: false });
    expect(text).toContain(
      [
        'client verdicts',
        '  client-go>=0.35 typed   never syncs (1 × "Warning: event bookmark expired") (1 event of another kind skipped)',
        '      Typed informer: skips the end bookmark.',
        '  client-go>=0.35 dynamic syncs after 12 ms',
        '      Dynamic informer: syncs.',
        '  client-go<=0.34         syncs after 3 ms',
        '      LIST then WATCH.',
        '  client-go>=0.35         syncs after 21.0 s (1–2 × "Warning: event bookmark expired", a coin toss)',
      ].join('\n'),
    );
  });

  it('renders header, check table, client verdicts, findings (truncated) and the verdict line', () => {
    // Nothing in a hand-built report depends on time; only the tool version comes from package.json.
    const text = renderTerminal(report({ streams: new Array(5).fill(null) as Report['streams'] }), { color: false });
    expect(text).toBe(
      [
        `watchmark ${TOOL.version} — context "kind-kind" (https://127.0.0.1:6443) from KUBECONFIG /k, server v1.35.0`,
        'resource configmaps (v1 ConfigMap) in namespace watchmark-abc123; 5 streams, 7 writes, 16.0 s',
        '',
        'CHECK                       STATUS  SUMMARY',
        'initial-events-end.present  pass    the watch-list stream ended its initial events with the annotated bookmark',
        'bookmark.before-deadline    fail    5 fail findings on 5 streams',
        'bookmark.unrequested        warn    1 warn finding on 1 stream',
        'initial-events-end.latency  pass    initial events ended after 12 ms',
        'watch.timeout               skip    no stream had a timeoutSeconds',
        '',
        'client verdicts',
        '  client-go>=0.35  syncs after 12 ms',
        '      watch-list completes.',
        '  client-go<=0.34  falls back to LIST+WATCH, synced after 10.5 s (2 × "Warning: event bookmark expired")',
        '      LIST then WATCH.',
        '  client-go>=0.35  never syncs',
        '      no end bookmark.',
        '  client-node      syncs after 3 ms (1 frame silently dropped)',
        '      LIST then WATCH, one line ignored.',
        '  client-node      synced after 3 ms, then loops (re-watch/relist without backoff)',
        '      watch ends at once.',
        "  client-node      synced after 3 ms, then stops watching ('error')",
        '      watch answered 500.',
        '  client-node      synced after 3 ms, then crashes the process (unhandled rejection) (2 frames silently dropped)',
        '      an ADDED without object.',
        '',
        'Findings',
        '  FAIL bookmark.before-deadline [watch#1]',
        // Messages are wrapped at 96 columns under a 6-space indent.
        '      expected a BOOKMARK between 7.0 s and 9.0 s after the request (kube-apiserver sends one 2 s',
        '      before timeoutSeconds once the RV advanced); none arrived before the server closed the stream at',
        '      10.0 s, so client-go resumes from a stale resourceVersion',
        '  FAIL bookmark.before-deadline [legacy-watch#1]',
        '      second',
        '  FAIL bookmark.before-deadline [selector-watch#1]',
        '      third',
        '      … and 2 more (see --json)',
        '  WARN bookmark.unrequested [watch-no-bookmarks#1]',
        '      a BOOKMARK on a watch without allowWatchBookmarks',
        '',
        'Verdict: FAIL (5 fail, 1 warn; --fail-on fail)',
        '',
      ].join('\n'),
    );
  });

  it('shows as many findings per check as asked, and no "more" line when all fit', () => {
    const all = renderTerminal(report(), { color: false, maxFindingsPerCheck: 5 });
    expect(all).toContain('      fifth');
    expect(all).not.toContain('more (see --json)');
    const one = renderTerminal(report(), { color: false, maxFindingsPerCheck: 1 });
    expect(one).toContain('      … and 4 more (see --json)');
    expect(one).not.toContain('      second');
  });

  it('a passing report without findings, client verdicts or resource is just table and verdict', () => {
    const text = renderTerminal(
      report({
        resource: null,
        checks: [checks()[0]!],
        clientGo: [],
        verdict: 'pass',
        failOn: 'warn',
        counts: { fail: 0, warn: 0, info: 0 },
        target: { server: 'http://127.0.0.1:1', source: 'embedded', serverVersion: null, description: 'embedded server' },
      }),
      { color: false },
    );
    expect(text).toBe(
      [
        `watchmark ${TOOL.version} — embedded server`,
        '',
        'CHECK                       STATUS  SUMMARY',
        'initial-events-end.present  pass    the watch-list stream ended its initial events with the annotated bookmark',
        '',
        'Verdict: PASS (0 fail, 0 warn; --fail-on warn)',
        '',
      ].join('\n'),
    );
  });

  it('reports what cleanup left behind', () => {
    const text = renderTerminal(
      report({ workload: { namespace: 'ns', writes: 7, cleanupProblems: ['delete configmaps x: HTTP 500', 'delete namespace ns: HTTP 403'] } }),
      { color: false },
    );
    expect(text.trimEnd().split('\n').at(-1)).toBe('Cleanup left things behind: delete configmaps x: HTTP 500; delete namespace ns: HTTP 403');
  });

  it('colours only when asked', () => {
    // eslint-disable-next-line no-control-regex
    const ansi = /\u001b\[/;
    expect(renderTerminal(report(), { color: false })).not.toMatch(ansi);
    const coloured = renderTerminal(report(), { color: true });
    expect(coloured).toMatch(ansi);
    expect(coloured).toContain('\u001b[31m\u001b[1mFAIL\u001b[22m\u001b[39m'); // red bold verdict
    // Stripping the colour gives back the plain rendering.
    // eslint-disable-next-line no-control-regex
    expect(coloured.replace(/\u001b\[\d+m/g, '')).toBe(renderTerminal(report(), { color: false }));
  });
});

describe('formatMs', () => {
  it.each([
    [0, '0 ms'],
    [999.4, '999 ms'],
    [1_000, '1.00 s'],
    [9_994, '9.99 s'],
    [10_000, '10.0 s'],
    [125_250, '125.3 s'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatMs(ms)).toBe(text);
  });
});
