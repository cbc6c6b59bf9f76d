import { describe, expect, it } from 'vitest';
import { plainWatchStream, runOf, watchListStream } from '../../test/support/timeline-builder.js';
import { initialEventsEndPresent } from './initial-events-end-present.js';
import { DEFAULT_CHECK_PARAMS } from './types.js';

const check = (...streams: Parameters<typeof runOf>) => initialEventsEndPresent.run(runOf(...streams), DEFAULT_CHECK_PARAMS);

describe('initial-events-end.present', () => {
  it('passes when the watch-list ends its initial events with the annotated bookmark', () => {
    const result = check(watchListStream().response(5).added(6, 'a', '3').added(6, 'b', '2').endBookmark(7, '9').close(300_005));
    expect(result.status).toBe('pass');
    expect(result.findings).toEqual([]);
  });

  it('fails a stream the server ended without the bookmark, with the client-go verdict', () => {
    const result = check(watchListStream().response(5).modified(6, 'a', '3').close(300_005, 'server-eof'));
    expect(result.status).toBe('fail');
    const [finding] = result.findings;
    expect(finding?.stream).toBe('watch-list#1');
    expect(finding?.message).toContain('a client-go v0.35+ informer would never sync here');
    expect(finding?.message).toContain('re-issues the watch-list at every timeout without falling back');
    expect(finding?.message).toContain('kubernetes/kubernetes#140890');
    expect(finding?.evidence).toMatchObject({ eventCounts: { MODIFIED: 1 }, closeReason: 'server-eof' });
  });

  it('fails a stream still open when the observation window ended', () => {
    expect(check(watchListStream().response(5).added(6, 'a', '3').close(16_000, 'client-abort')).status).toBe('fail');
    expect(check(watchListStream().response(5).added(6, 'a', '3')).status).toBe('fail');
  });

  it('fails "True" instead of "true" (client-go compares exactly)', () => {
    expect(check(watchListStream().response(5).endBookmark(7, '9', 'True').close(20_000, 'client-abort')).status).toBe('fail');
  });

  it('does not apply where client-go falls back: non-200, ERROR event, very short watch; with nothing checked it skips, never passes', () => {
    const rejected = watchListStream('a').response(5, { status: 422 }).close(6);
    const errored = watchListStream('b').response(5).error(10, { code: 500, reason: 'InternalError' }).close(11);
    const veryShort = watchListStream('c').response(5).close(300, 'server-eof');
    const result = check(rejected, errored, veryShort);
    expect(result.status).toBe('skip');
    expect(result.findings).toEqual([]);
    expect(result.summary).toContain('not applicable');
  });

  it('skips, never passes, when the only watch-list was answered 403', () => {
    const result = check(watchListStream().response(5, { status: 403 }).close(6));
    expect(result.status).toBe('skip');
    expect(result.summary).toContain('HTTP 403');
  });

  it('skips without a watch-list stream', () => {
    const result = check(plainWatchStream().response(5).close(10_000));
    expect(result.status).toBe('skip');
    expect(result.summary).toContain('no watch-list stream');
  });
});

describe('initial-events-end.present with undecodable frames', () => {
  it('does not claim "never syncs" where a decode error makes client-go fall back', () => {
    const result = check(watchListStream().response(5).added(6, 'a', '3').event(7, 'SYNC', {}).close(300_005));
    expect(result.status).toBe('skip');
    expect(result.summary).toContain('undecodable frame');
  });
});

describe('initial-events-end.present on watch-lists with a selector (issue 9.3)', () => {
  const options = { sendInitialEvents: true, allowWatchBookmarks: true, resourceVersionMatch: 'NotOlderThan' };
  it('fails the selector stream alone and says unfiltered informers sync while selector informers never do', () => {
    const result = check(
      watchListStream('watch-list#1', options).response(3).added(4, 'a', '100').endBookmark(5, '101'),
      watchListStream('selector-watch-list#1', { ...options, labelSelector: 'watchmark.io/group=a' }).response(3).added(4, 'a', '100').close(9_000),
    );
    expect(result.status).toBe('fail');
    expect(result.findings.map((f) => f.stream)).toEqual(['selector-watch-list#1']);
    expect(result.findings[0]!.message).toContain('The same watch-list without a selector (watch-list#1) got its end bookmark');
    expect(result.findings[0]!.message).toContain('client-go v0.35+ informers with this selector would never sync here, while unfiltered ones do');
    expect(result.findings[0]!.evidence).toMatchObject({ selectors: { labelSelector: 'watchmark.io/group=a' }, unfilteredWithEndBookmark: 'watch-list#1' });
  });
});
