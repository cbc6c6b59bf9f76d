import { describe, expect, it } from 'vitest';
import { parseJunit } from '../../test/support/junit-xml.js';
import { plainWatchStream, run, watchListStream } from '../../test/support/timeline-builder.js';
import { runChecks } from '../checks/index.js';
import { deriveClientVerdicts } from '../verdict/index.js';
import { checksNotRun, describeUntestedGroup, untestedGroups, untestedRequests } from './coverage.js';
import { renderGithubAnnotations, renderGithubSummary } from './github.js';
import { renderHtml } from './html.js';
import { renderJunit } from './junit.js';
import type { RunRecord } from '../record/timeline.js';
import { buildReport, exitCodeFor, type Report } from './model.js';
import { renderTerminal } from './terminal.js';

const FORBIDDEN = JSON.stringify({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message: 'configmaps is forbidden: User "ci" cannot watch resource "configmaps" in API group "" in the namespace "watchmark"',
  reason: 'Forbidden',
  details: { kind: 'configmaps' },
  code: 403,
});

/** A proxy answered 403 to both watches; the LIST went through; a third watch never got its head. */
function inconclusiveRecord() {
  return run()
    .list({ sentAtMs: 0, atMs: 3, itemCount: 2 })
    .stream(watchListStream('watch-list#1').sentAt(5).response(7, { status: 403, body: FORBIDDEN }).close(7))
    .stream(plainWatchStream('watch#1').sentAt(5).response(7, { status: 403, body: FORBIDDEN }).close(7))
    .stream(plainWatchStream('watch#2').sentAt(6).close(16_000, 'client-abort'))
    .endedAt(16_000)
    .build();
}

function reportOf(record: RunRecord): Report {
  return buildReport({
    record,
    checks: runChecks(record),
    clientGo: deriveClientVerdicts(record),
    target: { server: 'http://127.0.0.1:8080', source: 'flags', serverVersion: 'v1.35.0', description: 'server http://127.0.0.1:8080 (--server)' },
    resource: { name: 'configmaps', apiVersion: 'v1', kind: 'ConfigMap', namespace: 'watchmark' },
    config: {},
    failOn: 'fail',
    startedAtMs: 0,
    workload: { namespace: 'watchmark', writes: 0, cleanupProblems: [] },
  });
}

describe('untestedRequests', () => {
  it('lists denied, erroring and unanswered requests with status, reason and the RBAC verb, never 2xx, 410 or 422', () => {
    const record = run()
      .list({ sentAtMs: 0, atMs: 3, status: 401, error: 'Unauthorized' })
      .list({ sentAtMs: 0, atMs: 3, status: 0, error: 'connect ECONNREFUSED' })
      .stream(plainWatchStream('ok#1').response(3).close(10))
      .stream(plainWatchStream('expired#1', '1').response(3, { status: 410 }).close(3))
      .stream(plainWatchStream('invalid#1').response(3, { status: 422 }).close(3))
      .stream(plainWatchStream('throttled#1').response(3, { status: 429, body: 'slow down' }).close(3))
      .stream(plainWatchStream('gateway#1').response(3, { status: 502 }).close(3))
      .stream(plainWatchStream('forbidden#1').watched({ apiVersion: 'kinm.test/v1', kind: 'Widget', resource: 'widgets' }).namespace(undefined).response(3, { status: 403 }).close(3))
      .stream(plainWatchStream('refused#1').close(4, 'error', { code: 'WM_CONNECT', message: 'connect ECONNREFUSED' }))
      .stream(plainWatchStream('resume#1').close(4, 'not-opened', { code: 'WM_NO_RV', message: 'no event' }))
      .endedAt(100)
      .build();
    expect(untestedRequests(record).map((r) => [r.id, r.outcome, r.status, r.reason, r.message, r.missingPermission, r.waitedMs])).toEqual([
      ['throttled#1', 'error', 429, 'Too Many Requests', 'slow down', null, null],
      ['gateway#1', 'error', 502, 'Bad Gateway', null, null, null],
      ['forbidden#1', 'denied', 403, 'Forbidden', null, { verb: 'watch', resource: 'widgets', group: 'kinm.test', namespace: null }, null],
      ['refused#1', 'no-response', null, 'WM_CONNECT', 'connect ECONNREFUSED', null, 4],
      ['list#1', 'denied', 401, 'Unauthorized', 'Unauthorized', null, null],
      ['list#2', 'no-response', null, 'transport error', 'connect ECONNREFUSED', null, 3],
    ]);
  });

  it('groups requests with the same answer into one line with the missing permission', () => {
    const groups = untestedGroups(untestedRequests(inconclusiveRecord()));
    expect(groups.map((g) => describeUntestedGroup(g))).toEqual([
      '2 watches (watch-list#1, watch#1): HTTP 403 Forbidden: configmaps is forbidden: User "ci" cannot watch resource "configmaps" in API group "" in the namespace "watchmark"; missing RBAC permission: watch on configmaps in namespace watchmark',
      '1 watch (watch#2): no response head after 16.0 s (still waiting when observation ended)',
    ]);
  });

  it('names only checks that ran nowhere, and only when something went untested', () => {
    const checks = [
      { id: 'a', status: 'skip' as const, summary: 'no 200 stream', findings: [] },
      { id: 'b', status: 'pass' as const, summary: 'ok', findings: [] },
    ];
    const requests = untestedRequests(inconclusiveRecord());
    expect(checksNotRun(requests, checks, [])).toEqual([{ id: 'a', scenarios: [], reason: 'no 200 stream' }]);
    expect(checksNotRun([], checks, [])).toEqual([]);
    // Per scenario: skipped in a scenario whose watches went untested.
    const scenarios = [{ name: 'watch', checks: [{ id: 'a', status: 'skip' as const }] }, { name: 'other', checks: [{ id: 'a', status: 'skip' as const }] }];
    expect(checksNotRun(requests, checks, scenarios)).toEqual([{ id: 'a', scenarios: ['watch'], reason: 'no 200 stream' }]);
  });
});

describe('renderers on an INCONCLUSIVE report', () => {
  const record = inconclusiveRecord();
  // Both watches answered 403, nothing failed: INCONCLUSIVE.
  const inconclusive = reportOf({ ...record, streams: record.streams.slice(0, 2) });

  it('verdict: 403s alone are INCONCLUSIVE (exit 2); a watch left 16 s without a head by a lightly loaded server FAILS (exit 1)', () => {
    expect(inconclusive.verdict).toBe('inconclusive');
    expect(exitCodeFor(inconclusive)).toBe(2);
    const withHang = reportOf(record);
    expect(withHang.checks.find((c) => c.id === 'watch.answered')?.status).toBe('fail');
    expect(withHang.verdict).toBe('fail');
    expect(exitCodeFor(withHang)).toBe(1);
    expect(withHang.untested.requests.map((r) => r.id)).toEqual(['watch-list#1', 'watch#1', 'watch#2']);
  });

  it('terminal: the Not tested section, the checks that did not run and the INCONCLUSIVE verdict line', () => {
    const text = renderTerminal(inconclusive, { color: false });
    expect(text).toContain('Not tested\n  2 requests got no usable answer:\n    2 watches (watch-list#1, watch#1): HTTP 403 Forbidden:');
    expect(text.replace(/\s+/g, ' ')).toContain('missing RBAC permission: watch on configmaps in namespace watchmark');
    expect(text.replace(/\s+/g, ' ')).toMatch(/checks did not run \(skipped; their lines above say why\): initial-events-end\.present/);
    expect(text).toContain('Verdict: INCONCLUSIVE (0 fail, 0 warn; --fail-on fail): 2 requests got no usable answer');
  });

  it('JUnit: an `untested` suite with one <error type="inconclusive"> per group, counted in the root', () => {
    const doc = parseJunit(renderJunit(inconclusive));
    const suite = doc.suites.find((s) => s.attrs.name === 'untested')!;
    expect(suite.attrs).toMatchObject({ tests: '1', errors: '1', failures: '0' });
    expect(suite.cases[0]!.error).toMatchObject({ type: 'inconclusive' });
    expect(suite.cases[0]!.error!.message).toContain('2 watches (watch-list#1, watch#1): HTTP 403 Forbidden');
    expect(suite.cases[0]!.error!.text).toContain('checks that did not run (skip reasons):\ninitial-events-end.present');
    expect(doc.attrs['errors']).toBe('1');
    expect(suite.properties['verdict']).toBe('inconclusive');
    // A report with everything answered has no such suite.
    expect(renderJunit({ ...inconclusive, untested: { requests: [], checks: [] } })).not.toContain('name="untested"');
  });

  it('HTML: the INCONCLUSIVE verdict and the Not tested section', () => {
    const html = renderHtml({ report: inconclusive, record: null });
    expect(html).toContain('<title>watchmark INCONCLUSIVE: server http://127.0.0.1:8080 (--server)</title>');
    expect(html).toContain('<div class="verdict inconclusive" id="verdict"><span class="big">INCONCLUSIVE</span>');
    expect(html).toContain('<section class="untested" id="untested"><h2>Not tested</h2><p>2 requests got no usable answer:</p><ul><li>2 watches (watch-list#1, watch#1): HTTP 403 Forbidden');
  });

  it('GitHub: one ::error saying what went untested, and the summary says INCONCLUSIVE with the requests', () => {
    const annotations = renderGithubAnnotations(inconclusive);
    expect(annotations).toMatch(/^::error title=watchmark%3A INCONCLUSIVE::2 request\(s\) got no usable answer, so the run did not test the server: 2 watches \(watch-list#1, watch#1\): HTTP 403 Forbidden/);
    const summary = renderGithubSummary(inconclusive);
    expect(summary).toContain('## watchmark: ⚠️ INCONCLUSIVE');
    expect(summary).toContain('**Verdict: INCONCLUSIVE**');
    expect(summary).toContain('2 request(s) got no usable answer, so the verdict is INCONCLUSIVE (exit code 2):');
    expect(summary).toContain('- 2 watches (watch-list#1, watch#1): HTTP 403 Forbidden');
  });
});
