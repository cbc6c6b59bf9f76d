/**
 * A hand-built report of a failing run, shaped like `run --quick --profile kinm` (the same checks,
 * scenarios, findings and verdicts, shortened), for the file-report renderers' tests. Nothing in
 * it depends on time or on a real host: the snapshots need no normalising.
 */
import { DEFAULT_CHECK_PARAMS, type CheckResult, type CheckStatus, type Finding } from '../../src/checks/types.js';
import type { Report, ScenarioResult, StreamSummary } from '../../src/report/model.js';
import type { ClientVerdict } from '../../src/verdict/types.js';

const END_MISSING =
  'watch-list#1: expected a BOOKMARK with metadata.annotations["k8s.io/initial-events-end"] == "true" after the initial events; ' +
  'observed 35 event(s) (18 ADDED, 12 MODIFIED, 5 DELETED) and no such bookmark. Verdict: a client-go v0.35+ informer would never sync here ' +
  '(kubernetes/kubernetes#140890). Workarounds: KUBE_FEATURE_WatchListClient=false & a ListerWatcher with IsWatchListSemanticsUnSupported() <true>.';

export const finding = (severity: Finding['severity'], scenario: string, stream: string, message: string, evidence: Record<string, unknown> = {}): Finding => ({
  severity,
  message,
  stream,
  scenario,
  evidence: { stream, ...evidence },
});

/** Per scenario, each check's status; the combined checks take the worst (fail > warn > pass > skip). */
const STATUSES: Record<string, Record<string, CheckStatus>> = {
  'watch-list': {
    'initial-events-end.present': 'fail',
    'initial-events-end.latency': 'warn',
    'initial-events.added': 'warn',
    'bookmark.before-deadline': 'skip',
    'stream.framing': 'pass',
  },
  watch: {
    'initial-events-end.present': 'skip',
    'initial-events-end.latency': 'skip',
    'initial-events.added': 'skip',
    'bookmark.before-deadline': 'warn',
    'stream.framing': 'fail',
  },
  'validation-watch-list': {
    'initial-events-end.present': 'skip',
    'initial-events-end.latency': 'skip',
    'initial-events.added': 'skip',
    'bookmark.before-deadline': 'skip',
    'stream.framing': 'pass',
  },
};

const FINDINGS: Record<string, Finding[]> = {
  'initial-events-end.present': [
    finding('fail', 'watch-list', 'watch-list#1', END_MISSING, { eventCounts: { ADDED: 18, MODIFIED: 12, DELETED: 5 }, bookmarkAnnotations: [] }),
  ],
  'initial-events-end.latency': [
    finding('warn', 'watch-list', 'watch-list#1', 'watch-list#1: client-go would log "Warning: event bookmark expired" 2 times', { warnings: 2 }),
    finding('info', 'watch-list', 'watch-list#1', 'timing only'),
  ],
  'initial-events.added': [finding('warn', 'watch-list', 'watch-list#1', 'watch-list#1: 3 initial events are MODIFIED, not ADDED', { counts: { MODIFIED: 3 } })],
  'bookmark.before-deadline': [
    finding('warn', 'watch', 'watch#1', 'watch#1: expected a BOOKMARK within 5s before the timeoutSeconds=10 deadline; observed none', { timeoutSeconds: 10 }),
    finding('warn', 'watch', 'watch#2', 'watch#2: expected a BOOKMARK within 5s before the timeoutSeconds=10 deadline; observed none', { timeoutSeconds: 10 }),
  ],
  'stream.framing': [
    // A malformed frame quotes raw bytes: control characters, "]]>", quotes and a lone surrogate must not break the XML.
    finding('fail', 'watch', 'watch#2', 'watch#2: frame 3 is not JSON: {"type":"ADDED",\u0000\u001b[31m]]> \'\ud800', { raw: '{"type":"ADDED",\u0000\u001b]]>' }),
  ],
};

const SUMMARIES: Record<CheckStatus, string> = {
  pass: 'all good',
  fail: '1 fail finding on 1 stream',
  warn: 'warn findings',
  skip: 'nothing to check here',
};

export function failingScenarios(): ScenarioResult[] {
  return Object.entries(STATUSES).map(([name, checks]) => ({
    name,
    file: `scenarios/${name}.yaml`,
    description: `the ${name} scenario`,
    checks: Object.entries(checks).map(([id, status]) => ({ id, status, summary: `${name}: ${SUMMARIES[status]}` })),
  }));
}

export function failingChecks(): CheckResult[] {
  const rank: Record<CheckStatus, number> = { skip: 0, pass: 1, warn: 2, fail: 3 };
  return Object.keys(STATUSES['watch-list']!).map((id) => {
    let status: CheckStatus = 'skip';
    for (const s of Object.values(STATUSES)) if (rank[s[id]!] > rank[status]) status = s[id]!;
    return { id, status, summary: `combined: ${SUMMARIES[status]}`, findings: FINDINGS[id] ?? [] };
  });
}

export function failingClientVerdicts(): ClientVerdict[] {
  return [
    {
      profile: 'client-go>=0.35',
      outcome: 'never-syncs',
      syncedAfterMs: null,
      warnings: 2,
      explanation: 'watch-list#1 delivered 35 event(s) and no BOOKMARK annotated "k8s.io/initial-events-end": "true".',
      logLines: [{ atMs: 10_000, line: 'Warning: event bookmark expired' }],
      basedOn: ['watch-list#1'],
    },
    { profile: 'client-go<=0.34', outcome: 'syncs', syncedAfterMs: 2, warnings: 0, explanation: 'list#1 answered 200 with 16 item(s).', logLines: [], basedOn: ['list#1'] },
    { profile: 'client-node', outcome: 'syncs', syncedAfterMs: 2, warnings: 0, explanation: 'list#1 answered 200 with 16 item(s).', logLines: [], basedOn: ['list#1'] },
  ];
}

function stream(id: string, scenario: string, openedAtMs: number, closedAtMs: number | null): StreamSummary {
  return {
    id,
    scenario,
    request: { path: '/api/v1/namespaces/watchmark-abc123/configmaps', options: {} },
    status: 200,
    httpVersion: '2.0',
    contentType: 'application/json',
    openedAtMs,
    closedAtMs,
    closeReason: 'server-eof',
    eventCounts: { ADDED: 0, MODIFIED: 0, DELETED: 0, BOOKMARK: 0, ERROR: 0, other: 0, malformed: 0 },
  };
}

export function failingReport(overrides: Partial<Report> = {}): Report {
  return {
    schemaVersion: 1,
    tool: { name: 'watchmark', version: '0.0.0-test' },
    target: {
      server: 'https://127.0.0.1:6443',
      source: 'embedded',
      serverVersion: 'v1.34.0-watchmark',
      description: 'embedded API server (profile kinm) at https://127.0.0.1:6443',
    },
    resource: { name: 'configmaps', apiVersion: 'v1', kind: 'ConfigMap', namespace: 'watchmark-abc123' },
    config: {},
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 30_382.474,
    verdict: 'fail',
    failOn: 'fail',
    counts: { fail: 2, warn: 4, info: 1 },
    checks: failingChecks(),
    scenarios: failingScenarios(),
    checkParams: { base: DEFAULT_CHECK_PARAMS, byScenario: {} },
    clientGo: failingClientVerdicts(),
    streams: [
      stream('watch-list#1', 'watch-list', 388.383, 30_381.354),
      stream('watch#1', 'watch', 400, 10_434.6),
      stream('watch#2', 'watch', 401.5, 10_435.3),
      stream('validation-no-rvm#1', 'validation-watch-list', 410, 420.25),
    ],
    lists: [],
    workload: { namespace: 'watchmark-abc123', writes: 19, cleanupProblems: [] },
    untested: { requests: [], checks: [] },
    ...overrides,
  };
}
