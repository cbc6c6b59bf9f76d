import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { plainWatchStream, run, stream, watchListStream, type StreamBuilder } from '../../test/support/timeline-builder.js';
import { runChecks } from '../checks/index.js';
import { DEFAULT_CHECK_PARAMS, type CheckResult } from '../checks/types.js';
import type { RunRecord } from '../record/timeline.js';
import { deriveClientVerdicts } from '../verdict/index.js';
import type { ClientVerdict } from '../verdict/types.js';
import { HTML_REPORT_SCRIPT, HTML_REPORT_STYLE } from './html-chart.js';
import { MAX_FINDINGS_PER_CHECK, escapeHtml, jsonForScript, renderHtml } from './html.js';
import { deriveReport } from './derive-report.js';
import { buildReport, type Report } from './model.js';
import { timelineModel } from './timeline-model.js';

const HOSTILE = '</script><script>alert(1)</script><!-- <img src=x onerror=alert(2)> & "quotes" \'single\' \u2028';

function reportOf(record: RunRecord, checks: CheckResult[], overrides: Partial<Report> = {}): Report {
  return {
    ...buildReport({
      record,
      checks,
      clientGo: deriveClientVerdicts(record),
      target: { server: 'https://127.0.0.1:6443', source: 'flags', serverVersion: 'v1.35.0', description: 'server https://127.0.0.1:6443 (--server)' },
      resource: { name: 'configmaps', apiVersion: 'v1', kind: 'ConfigMap', namespace: 'watchmark-abc123' },
      config: {},
      failOn: 'fail',
      startedAtMs: 0,
      workload: { namespace: 'watchmark-abc123', writes: record.writes.length, cleanupProblems: [] },
    }),
    ...overrides,
  };
}

/** A small run: a watch-list that syncs, a LIST and a plain watch closed at its deadline after a deadline bookmark. */
function smallRun(): RunRecord {
  return run()
    .stream(watchListStream('watch-list#1').sentAt(100).response(105).added(110, 'a', '101').added(111, 'b', '102').endBookmark(112, '102').close(30_000, 'client-abort'))
    .list({ sentAtMs: 100, atMs: 103, itemCount: 2, resourceVersion: '102' })
    .stream(
      plainWatchStream('watch#1', '102', { timeoutSeconds: 10 })
        .sentAt(104)
        .response(106)
        .modified(1_200, 'a', '103')
        .deleted(2_400, 'b', '104')
        .bookmark(8_200, '104')
        .close(10_106, 'server-eof'),
    )
    .write({ atMs: 1_190, resource: 'configmaps', name: 'a', verb: 'update', resourceVersion: '103' })
    .write({ atMs: 2_390, resource: 'configmaps', name: 'b', verb: 'delete', resourceVersion: '104' })
    .endedAt(30_000)
    .build();
}

const SMALL_CHECKS: CheckResult[] = [
  { id: 'initial-events-end.present', status: 'pass', summary: 'the watch-list stream ended its initial events with the annotated bookmark', findings: [] },
  {
    id: 'bookmark.before-deadline',
    status: 'warn',
    summary: '1 warn finding',
    findings: [
      { severity: 'info', message: 'an info finding', evidence: {} },
      { severity: 'warn', message: 'expected a BOOKMARK before the deadline', stream: 'watch#1', evidence: { timeoutSeconds: 10, closeAtMsSinceRequest: 10_002 } },
    ],
  },
  { id: 'watch.expired', status: 'skip', summary: 'no stream has role expired', findings: [] },
];

/** The page with the constant style and script (and the CSP hashes of them) replaced, and the data block pretty-printed. */
function normalised(html: string): string {
  return html
    .replace(HTML_REPORT_STYLE, '/* HTML_REPORT_STYLE */')
    .replace(HTML_REPORT_SCRIPT, '/* HTML_REPORT_SCRIPT */')
    .replace(/sha256-[A-Za-z0-9+/=]+/g, 'sha256-…')
    .replace(/(<script type="application\/json" id="watchmark-timeline">)(.*?)(<\/script>)/s, (_m, open: string, json: string, close: string) =>
      `${open}\n${JSON.stringify(JSON.parse(json), null, 2)}\n${close}`,
    );
}

function dataBlockOf(html: string): unknown {
  const match = /<script type="application\/json" id="watchmark-timeline">(.*?)<\/script>/s.exec(html);
  expect(match).not.toBeNull();
  return JSON.parse(match![1]!);
}

describe('renderHtml', () => {
  it('renders verdict, client verdicts, checks with findings and the timeline data (snapshot)', () => {
    const record = smallRun();
    // Fixed verdict texts: the snapshot is about the page, not about the verdict's wording.
    const clientGo: ClientVerdict[] = [
      { profile: 'client-go>=0.35', outcome: 'syncs', syncedAfterMs: 12, warnings: 0, explanation: 'watch-list#1 ended its initial events.', logLines: [{ atMs: 12, line: '[V(4)] "Exiting watch"' }], basedOn: ['watch-list#1'] },
      { profile: 'client-go<=0.34', outcome: 'never-syncs', syncedAfterMs: null, warnings: 2, explanation: 'list#1 failed.', logLines: [], basedOn: ['list#1'] },
      { profile: 'client-node', outcome: 'loops', syncedAfterMs: 3, warnings: 0, silentlyDropped: 1, explanation: 're-watches at once.', logLines: [], basedOn: ['list#1'] },
    ];
    const html = renderHtml({ report: reportOf(record, SMALL_CHECKS, { clientGo }), record });
    expect(normalised(html)).toMatchSnapshot();
  });

  it("charts the deadline bookmark in the scenario's own bookmark.before-deadline window, the one its check used", () => {
    // The server closes the watch at its 10 s deadline; its one bookmark came 7 s before: inside the scenario's 8 s window, outside the default 5 s.
    const watch = plainWatchStream('long#1', '100', { timeoutSeconds: 10 }).scenario('long-watch').sentAt(1_000).response(1_010).added(2_000, 'a', '101').bookmark(4_010, '101').close(11_010, 'server-eof');
    const record = run().stream(watch).endedAt(12_000).build();
    const report = deriveReport(
      {
        target: { server: 'https://127.0.0.1:6443', source: 'flags', serverVersion: 'v1.35.0', description: 'server https://127.0.0.1:6443 (--server)' },
        resource: null,
        config: {},
        failOn: 'fail',
        startedAtMs: 0,
        scenarios: [{ name: 'long-watch', file: 'long-watch.yaml', description: '', checkParams: { deadlineBookmarkWindowMs: 8_000 } }],
        checkParams: { defaults: DEFAULT_CHECK_PARAMS, overrides: {} },
        workload: null,
      },
      record,
    );
    expect(report.checks.find((c) => c.id === 'bookmark.before-deadline')?.status).toBe('pass');
    expect(report.checkParams.byScenario['long-watch']?.deadlineBookmarkWindowMs).toBe(8_000);
    const model = dataBlockOf(renderHtml({ report, record })) as ReturnType<typeof timelineModel>;
    expect(model.scenarios[0]!.streams[0]!.deadlineBookmark).toEqual({ atMs: 4_010, resourceVersion: '101' });
  });

  it('shows typed and dynamic client-go verdicts as separate cards, with the events skipped', () => {
    const record = smallRun();
    const clientGo: ClientVerdict[] = [
      { profile: 'client-go>=0.35 typed', outcome: 'never-syncs', syncedAfterMs: null, warnings: 1, skippedEvents: 1, explanation: 'Typed informer: skips it.', logLines: [], basedOn: ['watch-list#1'] },
      { profile: 'client-go>=0.35 dynamic', outcome: 'syncs', syncedAfterMs: 12, warnings: 0, explanation: 'Dynamic informer: syncs.', logLines: [], basedOn: ['watch-list#1'] },
    ];
    const html = renderHtml({ report: reportOf(record, SMALL_CHECKS, { clientGo }), record });
    expect(html).toContain('<div class="client" data-profile="client-go&#62;=0.35 typed">');
    expect(html).toContain('<div class="client" data-profile="client-go&#62;=0.35 dynamic">');
    expect(html).toMatch(/never synced · 1 × "Warning: event bookmark expired" · 1 event\(s\) of another kind skipped · based on/);
  });

  it('embeds exactly the timeline model as JSON, and the chart script once', () => {
    const record = smallRun();
    const report = reportOf(record, SMALL_CHECKS);
    const html = renderHtml({ report, record });
    expect(dataBlockOf(html)).toEqual(JSON.parse(JSON.stringify(timelineModel(report, record))));
    expect(html.split(HTML_REPORT_SCRIPT)).toHaveLength(2);
    // The JSON report does not grow: the timeline model exists only in the page.
    expect(Object.keys(report)).not.toContain('timeline');
  });

  it('the chart script is valid JavaScript and the CSP allows exactly the inlined style and script', () => {
    expect(() => new Function(HTML_REPORT_SCRIPT)).not.toThrow();
    const record = smallRun();
    const html = renderHtml({ report: reportOf(record, SMALL_CHECKS), record });
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)![1]!.replace(/&#39;/g, "'");
    const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain(`script-src ${hash(HTML_REPORT_SCRIPT)}`);
    expect(csp).toContain(`style-src ${hash(HTML_REPORT_STYLE)}`);
    // The script block's text is exactly the hashed script.
    expect(html).toContain(`<script>${HTML_REPORT_SCRIPT}</script>`);
    expect(html).toContain(`<style>${HTML_REPORT_STYLE}</style>`);
  });

  it('loads nothing from anywhere: no external src/href, no <link>, no CSS url() or @import', () => {
    const record = smallRun();
    const html = renderHtml({ report: reportOf(record, SMALL_CHECKS), record });
    expect(html).not.toMatch(/\b(src|href|action|poster|data)\s*=\s*["']?\s*(https?:)?\/\//i);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/<(img|iframe|object|embed|audio|video|source)\b/i);
    expect(HTML_REPORT_STYLE).not.toMatch(/url\(|@import/i);
    // The only URL in the chart code is the SVG namespace name (an identifier, never fetched).
    expect(HTML_REPORT_SCRIPT.match(/https?:\/\/[^'"\s]*/g)).toEqual(['http://www.w3.org/2000/svg']);
    expect(HTML_REPORT_SCRIPT).not.toMatch(/fetch\(|XMLHttpRequest|import\(|\.src\s*=|innerHTML|document\.write/);
  });

  it('escapes hostile strings from the server, findings, stream ids and scenario names', () => {
    const record = run()
      .stream(stream(`evil${HOSTILE}#1`, { allowWatchBookmarks: true }, `scenario${HOSTILE}`).response(1).added(5, 'a', '1').close(20))
      .endedAt(20)
      .build();
    const checks: CheckResult[] = [
      {
        id: `check${HOSTILE}`,
        status: 'fail',
        summary: `summary${HOSTILE}`,
        findings: [{ severity: 'fail', message: `message${HOSTILE}`, stream: `evil${HOSTILE}#1`, scenario: `scenario${HOSTILE}`, evidence: { raw: HOSTILE, [HOSTILE]: 1 } }],
      },
    ];
    const report = reportOf(record, checks, {
      target: { server: `https://evil${HOSTILE}`, source: 'flags', serverVersion: `v1${HOSTILE}`, description: `server ${HOSTILE}` },
      resource: { name: `cm${HOSTILE}`, apiVersion: 'v1', kind: `Kind${HOSTILE}`, namespace: `ns${HOSTILE}` },
      scenarios: [{ name: `scenario${HOSTILE}`, file: 'x.yaml', description: `description${HOSTILE}`, checks: [] }],
      workload: { namespace: 'ns', writes: 0, cleanupProblems: [`left${HOSTILE}`] },
    });
    const html = renderHtml({ report, record });
    // Only our two script elements and one style element exist; nothing hostile became markup.
    expect(html.match(/<script\b/gi)).toHaveLength(2);
    expect(html.match(/<\/script/gi)).toHaveLength(2);
    expect(html.match(/<style\b/gi)).toHaveLength(1);
    expect(html).not.toMatch(/<img\b/i);
    expect(html).not.toContain('<!--');
    const rawBlock = /<script type="application\/json"[^>]*>([^<]*)</.exec(html)![1]!;
    expect(rawBlock).not.toMatch(/[\u2028\u2029]/);
    expect(rawBlock).toContain('\\u2028');
    expect(html).toContain(`message${escapeHtml(HOSTILE)}`);
    expect(html).toContain(`&#60;/script&#62;&#60;script&#62;alert(1)&#60;/script&#62;`);
    // The data block reads back to the exact strings.
    const model = dataBlockOf(html) as ReturnType<typeof timelineModel>;
    expect(model.scenarios[0]!.name).toBe(`scenario${HOSTILE}`);
    expect(model.scenarios[0]!.streams[0]!.id).toBe(`evil${HOSTILE}#1`);
  });

  it('jsonForScript leaves nothing that can end or comment out a script block', () => {
    const text = jsonForScript({ a: '</script><!--<script>-->&\u2028\u2029' });
    expect(text).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(text)).toEqual({ a: '</script><!--<script>-->&\u2028\u2029' });
  });

  it('without a record it renders the report and says there are no timelines', () => {
    const record = smallRun();
    const html = renderHtml({ report: reportOf(record, SMALL_CHECKS), record: null });
    expect(html).toContain('Verdict: PASS');
    expect(html).toContain('No recording was given');
    expect(html).not.toContain('<script');
  });

  it('shows at most MAX_FINDINGS_PER_CHECK findings per check, fail first, and says how many more', () => {
    const record = smallRun();
    const findings = Array.from({ length: 40 }, (_, i) => ({ severity: i === 39 ? ('fail' as const) : ('info' as const), message: `finding ${i}`, evidence: {} }));
    const html = renderHtml({ report: reportOf(record, [{ id: 'event.latency', status: 'fail', summary: 's', findings }]), record });
    expect(html).toContain('finding 39');
    expect(html.indexOf('finding 39')).toBeLessThan(html.indexOf('finding 0<'));
    expect(html).not.toContain(`finding ${MAX_FINDINGS_PER_CHECK - 1}<`);
    expect(html).toContain(`… and ${40 - MAX_FINDINGS_PER_CHECK} more (see the JSON report)`);
  });

  it('stays under 2 MB for 20 streams × 5,000 events over 5 minutes, with thousands of findings', () => {
    const builder = run();
    const durationMs = 300_000;
    for (let s = 0; s < 20; s++) {
      const scenario = `scenario-${s % 4}`;
      let b: StreamBuilder =
        s % 5 === 0
          ? watchListStream(`watch-list#${s}`).scenario(scenario).sentAt(s).response(s + 2)
          : plainWatchStream(`watch#${s}`, '100', { timeoutSeconds: 300 }).scenario(scenario).sentAt(s).response(s + 2);
      for (let i = 0; i < 5_000; i++) {
        const atMs = s + 10 + (i * (durationMs - 100)) / 5_000 + ((i * 7919) % 13);
        const rv = String(1_000 + i);
        if (i % 500 === 499) b = b.bookmark(atMs, rv);
        else if (i % 3 === 0) b = b.added(atMs, `obj-${i}`, rv);
        else if (i % 3 === 1) b = b.modified(atMs, `obj-${i}`, rv);
        else b = b.deleted(atMs, `obj-${i}`, rv);
      }
      builder.stream(b.close(durationMs + s, 'server-eof'));
    }
    for (let i = 0; i < 2_000; i++) builder.write({ atMs: 10 + i * 100, resource: 'configmaps', name: `obj-${i}`, verb: 'update', resourceVersion: String(1_000 + i) });
    const record = builder.endedAt(durationMs + 100).build();
    const checks = runChecks(record);
    // Plus a pathological check: 5,000 long findings with big evidence on every check id's worth of rows.
    const noisy: CheckResult[] = Array.from({ length: 20 }, (_, c) => ({
      id: `noisy.${c}`,
      status: 'fail',
      summary: 'many findings',
      findings: Array.from({ length: 250 }, (_, i) => ({
        severity: 'fail' as const,
        message: `finding ${i}: ${'x'.repeat(3_000)}`,
        stream: `watch#${i % 20}`,
        evidence: { raw: 'y'.repeat(20_000), i },
      })),
    }));
    const html = renderHtml({ report: reportOf(record, [...checks, ...noisy]), record });
    expect(html.length).toBeGreaterThan(100_000); // it did render the lot
    const bytes = Buffer.byteLength(html, 'utf8');
    console.log(`HTML report for 20 streams × 5,000 events: ${(bytes / 1024).toFixed(0)} KiB`);
    expect(bytes).toBeLessThan(2 * 1024 * 1024);
    const model = dataBlockOf(html) as ReturnType<typeof timelineModel>;
    expect(model.scenarios.flatMap((s) => s.streams)).toHaveLength(20);
    expect(JSON.stringify(model).length).toBeLessThan(600 * 1024);
  });
});
