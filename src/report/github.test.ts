import { describe, expect, it } from 'vitest';
import type { CheckResult, Finding } from '../checks/types.js';
import { failingReport, finding } from '../../test/support/report-fixture.js';
import { ANNOTATIONS_PER_KIND, escapeData, escapeProperty, renderGithubAnnotations, renderGithubSummary, SUMMARY_BUDGET_BYTES } from './github.js';

/** One check with `n` findings of a severity, each in its own scenario (so `n` annotations' worth). */
function manyScenarios(id: string, severity: Finding['severity'], n: number): CheckResult {
  return {
    id,
    status: severity === 'fail' ? 'fail' : 'warn',
    summary: `${n} findings`,
    findings: Array.from({ length: n }, (_, i) => finding(severity, `scenario-${i}`, `${id}#${i}`, `${id} finding ${i}`)),
  };
}

const lines = (text: string) => text.split('\n').filter(Boolean);

describe('renderGithubAnnotations', () => {
  it('one annotation per check and scenario: errors for fail findings, warnings for warn findings, in check order', () => {
    const text = renderGithubAnnotations(failingReport());
    expect(lines(text).map((l) => l.replace(/::(?!.*::).*$/, '::…'))).toEqual([
      '::error title=watchmark%3A initial-events-end.present (watch-list)::…',
      '::error title=watchmark%3A stream.framing (watch)::…',
      '::warning title=watchmark%3A initial-events-end.latency (watch-list)::…',
      '::warning title=watchmark%3A initial-events.added (watch-list)::…',
      '::warning title=watchmark%3A bookmark.before-deadline (watch)::…',
    ]);
    // Two findings of one check in one scenario: one annotation that names the other stream.
    expect(text).toContain(
      '::warning title=watchmark%3A bookmark.before-deadline (watch)::watch#1: expected a BOOKMARK within 5s before the timeoutSeconds=10 deadline; observed none%0A(and 1 more finding of this check here on watch#2)\n',
    );
    // info findings are never annotated.
    expect(text).not.toContain('timing only');
  });

  it('escapes per the workflow-command rules and keeps each command on one line', () => {
    expect(escapeData('100% done\r\nnext: a, b')).toBe('100%25 done%0D%0Anext: a, b');
    expect(escapeProperty('100% done\r\nnext: a, b')).toBe('100%25 done%0D%0Anext%3A a%2C b');
    // Raw frame bytes quoted in a message: no NUL, no terminal escape, no lone surrogate reaches the log.
    expect(escapeData('a\u0000\u001b[31mb\ud800\tc')).toBe('a[31mb\tc');
    const text = renderGithubAnnotations(
      failingReport({
        checks: [{ id: 'stream.framing', status: 'fail', summary: 'x', findings: [finding('fail', 'a:b,c', 's#1', 'line 1\nline 2 :: 50%\r')] }],
      }),
    );
    expect(text).toBe('::error title=watchmark%3A stream.framing (a%3Ab%2Cc)::line 1%0Aline 2 :: 50%25%0D\n');
  });

  it(`at most ${ANNOTATIONS_PER_KIND} per kind; the last one summarises the rest`, () => {
    const report = failingReport({
      checks: [manyScenarios('bookmark.object', 'fail', 8), manyScenarios('stream.framing', 'fail', 7), manyScenarios('bookmark.before-deadline', 'warn', 12)],
    });
    const out = lines(renderGithubAnnotations(report));
    const errors = out.filter((l) => l.startsWith('::error '));
    const warnings = out.filter((l) => l.startsWith('::warning '));
    expect(errors).toHaveLength(ANNOTATIONS_PER_KIND);
    expect(warnings).toHaveLength(ANNOTATIONS_PER_KIND);
    // Check order first: all 8 bookmark.object, then stream.framing's first scenario, then the summary.
    expect(errors[8]).toContain('title=watchmark%3A stream.framing (scenario-0)::');
    expect(errors[9]).toBe(
      '::error title=watchmark%3A and 6 more failing checks::and 6 more failing check/scenario pairs (6 findings) not annotated (GitHub shows 10 errors per step): ' +
        'stream.framing (scenario-1), stream.framing (scenario-2), stream.framing (scenario-3), stream.framing (scenario-4), stream.framing (scenario-5), stream.framing (scenario-6). ' +
        'See the job summary or the JSON/JUnit report.',
    );
    expect(warnings[9]).toMatch(/^::warning title=watchmark%3A and 3 more warning checks::and 3 more warning check\/scenario pairs \(3 findings\)/);
  });

  it('exactly the limit fits without a summary line', () => {
    const out = lines(renderGithubAnnotations(failingReport({ checks: [manyScenarios('bookmark.object', 'fail', ANNOTATIONS_PER_KIND)] })));
    expect(out).toHaveLength(ANNOTATIONS_PER_KIND);
    expect(out.at(-1)).toContain('bookmark.object finding 9');
  });

  it('with --fail-on warn, warn findings are errors too, after the fail findings', () => {
    const out = lines(renderGithubAnnotations(failingReport({ failOn: 'warn' })));
    expect(out.every((l) => l.startsWith('::error '))).toBe(true);
    expect(out.map((l) => /title=([^:]*)::/.exec(l)![1])).toEqual([
      'watchmark%3A initial-events-end.present (watch-list)',
      'watchmark%3A stream.framing (watch)',
      'watchmark%3A initial-events-end.latency (watch-list) (warn%2C failing with --fail-on warn)',
      'watchmark%3A initial-events.added (watch-list) (warn%2C failing with --fail-on warn)',
      'watchmark%3A bookmark.before-deadline (watch) (warn%2C failing with --fail-on warn)',
    ]);
  });

  it('a clean run prints nothing', () => {
    expect(renderGithubAnnotations(failingReport({ checks: [] }))).toBe('');
  });
});

describe('renderGithubSummary', () => {
  it('renders verdict, client verdicts, checks, findings and what a fail means', async () => {
    await expect(renderGithubSummary(failingReport())).toMatchFileSnapshot('./__snapshots__/github-summary-failing-run.md');
  });

  it('escapes Markdown and HTML in server-provided text', () => {
    const text = renderGithubSummary(
      failingReport({
        checks: [{ id: 'stream.framing', status: 'fail', summary: 'a | b <script>', findings: [finding('fail', 'watch', 'w#1', 'raw `x` *y* <img src=x> [l](u)\nnext')] }],
      }),
    );
    expect(text).toContain('| `stream.framing` | ❌ fail | a \\| b &lt;script&gt; |');
    expect(text).toContain('- **watch** · `w#1`: raw \\`x\\` \\*y\\* &lt;img src=x&gt; \\[l\\](u) next');
  });

  it(`stays within ${SUMMARY_BUDGET_BYTES} bytes, counting the findings it leaves out`, () => {
    const huge = 'x'.repeat(5_000);
    const checks: CheckResult[] = ['bookmark.object', 'stream.framing'].map((id) => ({
      id,
      status: 'fail',
      summary: 'many',
      findings: Array.from({ length: 2_000 }, (_, i) => finding('fail', 'watch', `w#${i}`, huge)),
    }));
    const text = renderGithubSummary(failingReport({ checks }));
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(SUMMARY_BUDGET_BYTES);
    const shown = text.split('\n').filter((l) => l.startsWith('- **watch**')).length;
    expect(shown).toBeGreaterThan(10);
    expect(text).toContain(`… and ${4_000 - shown} more findings not shown (GitHub caps a step summary at 1 MiB)`);
    // Messages are cut, and the closing note survives.
    expect(text).not.toContain('x'.repeat(1_500));
    expect(text).toContain('### What a fail means');
  });

  it('a passing run says PASS and lists no findings', () => {
    const text = renderGithubSummary(
      failingReport({ verdict: 'pass', counts: { fail: 0, warn: 0, info: 0 }, checks: failingReport().checks.map((c) => ({ ...c, status: 'pass', findings: [] })) }),
    );
    expect(text.startsWith('## watchmark: ✅ PASS\n')).toBe(true);
    expect(text).not.toContain('### Failing findings');
    expect(text).not.toContain('### Warnings');
  });
});
