/**
 * Issue 9.3: controllers watch with selectors, and since client-go v0.35 their informers start
 * with a watch-list carrying the selector. A server that filters bookmarks by selector (the
 * embedded filtered-bookmarks profile) hangs every such informer while unfiltered ones sync:
 * initial-events-end.present and bookmark.selectors fail on the selector streams, and the client
 * verdicts say so. The real informer agrees (test/real/oracle-embedded.test.ts, --label-selector).
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/cli/config.js';
import { RunConfigSchema } from '../src/run/config.js';
import type { Report } from '../src/report/model.js';
import { runWatchmark } from '../src/run/run-watchmark.js';
import type { ServerProfile } from '../src/server/index.js';

const run = (profile: ServerProfile): Promise<Report> =>
  runWatchmark({ ...parseConfig(RunConfigSchema, { quick: true, profile, scenario: ['watch-list', 'selector-watch-list'] }), embedded: true }, { env: {} });

describe.concurrent('informers with selectors (embedded server)', () => {
  it('filtered-bookmarks: the selector watch-lists fail, selector informers never sync, unfiltered ones do', async () => {
    const report = await run('filtered-bookmarks');
    const check = (id: string) => report.checks.find((c) => c.id === id)!;
    const failedStreams = (id: string) => check(id).findings.filter((f) => f.severity === 'fail').map((f) => f.stream).sort();
    expect(check('initial-events-end.present').status).toBe('fail');
    expect(failedStreams('initial-events-end.present')).toEqual(['selector-watch-list#1', 'selector-watch-list-none#1']);
    expect(check('bookmark.selectors').status).toBe('fail');
    expect(failedStreams('bookmark.selectors')).toEqual(['selector-watch-list#1', 'selector-watch-list-none#1']);
    expect(report.verdict).toBe('fail');
    expect(report.clientGo.map((v) => [v.profile, v.outcome])).toEqual([
      ['client-go>=0.35', 'syncs'],
      ['client-go>=0.35 with selector', 'never-syncs'],
      ['client-go<=0.34', 'syncs'],
      ['client-node', 'syncs'],
    ]);
    const selector = report.clientGo.find((v) => v.profile === 'client-go>=0.35 with selector')!;
    expect(selector.selector).toBe('labelSelector=watchmark.io/group=a');
    expect(selector.basedOn).toEqual(['selector-watch-list#1']);
    expect(selector.explanation).toContain('differ from unfiltered informers here (client-go>=0.35 syncs)');
    expect(selector.warnings).toBeGreaterThan(0);
  });

  it('reference: the selector watch-lists end with the annotated bookmark, one verdict for all informers', async () => {
    const report = await run('reference');
    expect(report.checks.filter((c) => c.status === 'fail' || c.status === 'warn').map((c) => c.id)).toEqual([]);
    expect(report.checks.find((c) => c.id === 'bookmark.selectors')!.summary).toContain('2 selector watch-list(s) got the initial-events-end bookmark like the unfiltered one');
    expect(report.clientGo.map((v) => v.profile)).toEqual(['client-go>=0.35', 'client-go<=0.34', 'client-node']);
  });
});
