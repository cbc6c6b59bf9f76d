import { describe, expect, it } from 'vitest';
import { runOf, watchListStream, WIDGETS } from '../../test/support/timeline-builder.js';
import type { StreamRecord } from '../record/timeline.js';
import { deriveClientVerdicts } from '../verdict/index.js';
import { classifyWatchListProbe, statusOfResponseBody, type ResourceClass } from './classify.js';

const WAIT_MS = 10_000;

function statusBody(code: number, reason: string, message: string, causes?: Array<{ reason: string; message: string }>): string {
  return JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code, ...(causes ? { details: { causes } } : {}) });
}

const WATCH_LIST_OFF =
  'ListOptions.meta.k8s.io "" is invalid: sendInitialEvents: Forbidden: sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled';

/** Hand-built probes, one per path through the classification. */
const CASES: Array<[string, StreamRecord, ResourceClass]> = [
  ['end bookmark after the initial events', watchListStream().response(3).added(4, 'a', '10').added(5, 'b', '11').endBookmark(12, '12').close(13, 'client-abort').build(), 'supports'],
  ['end bookmark on an empty collection', watchListStream().response(3).endBookmark(4, '7').close(5, 'client-abort').build(), 'supports'],
  ['422: WatchList gate off (kube-apiserver 1.33)', watchListStream().response(2, { status: 422, body: statusBody(422, 'Invalid', WATCH_LIST_OFF) }).close(3).build(), 'rejects-cleanly'],
  ['400 without a Status body', watchListStream().response(2, { status: 400, body: 'bad request' }).close(3).build(), 'rejects-cleanly'],
  ['ERROR event first (RequestWatchProgress disabled)', watchListStream().response(2).error(3, { code: 500, reason: 'InternalError', message: 'a watch stream was requested by the client but the required storage feature RequestWatchProgress is disabled' }).close(4).build(), 'rejects-cleanly'],
  ['ERROR event after initial events', watchListStream().response(2).added(3, 'a', '5').error(4, { code: 500, reason: 'InternalError', message: 'boom' }).close(5).build(), 'rejects-cleanly'],
  ['very short watch: 200 and EOF in < 1 s without events', watchListStream().response(2).close(40, 'server-eof').build(), 'rejects-cleanly'],
  ['an undecodable frame before the end bookmark', watchListStream().response(2).added(3, 'a', '5').bookmark(4, '6', { kind: null, apiVersion: null, annotations: { 'k8s.io/initial-events-end': 'true' } }).close(5, 'client-abort').build(), 'rejects-cleanly'],
  ['200, events, no end bookmark within the wait (kinm)', watchListStream().response(2).added(3, 'a', '5').modified(4, 'b', '9').close(WAIT_MS, 'client-abort').build(), 'accepts-and-ignores'],
  ['200, nothing at all within the wait', watchListStream().response(2).close(WAIT_MS, 'client-abort').build(), 'accepts-and-ignores'],
  ['unannotated bookmarks only', watchListStream().response(2).added(3, 'a', '5').bookmark(5, '5').close(WAIT_MS, 'client-abort').build(), 'accepts-and-ignores'],
  ['end bookmark with annotation "false"', watchListStream().response(2).endBookmark(3, '5', 'false').close(WAIT_MS, 'client-abort').build(), 'accepts-and-ignores'],
  ['server closes after 5 s without the end bookmark', watchListStream().response(2).added(3, 'a', '5').close(5_000, 'server-eof').build(), 'accepts-and-ignores'],
  ['an empty stream closed after 2 s (not very short)', watchListStream().response(2).close(2_000, 'server-eof').build(), 'accepts-and-ignores'],
  ['end bookmark of another kind', watchListStream().response(2).endBookmark(3, '5', 'true', { kind: 'Pod', apiVersion: 'v1' }).close(4, 'client-abort').build(), 'accepts-and-ignores'],
  // ConfigMap v1beta1 is no type of client-go's typed scheme: the typed informer cannot decode it and falls back
  ['end bookmark of an apiVersion client-go cannot decode', watchListStream().response(2).endBookmark(3, '5', 'true', { kind: 'ConfigMap', apiVersion: 'v1beta1' }).close(4, 'client-abort').build(), 'rejects-cleanly'],
  ['429 at watch start', watchListStream().response(2, { status: 429, body: statusBody(429, 'TooManyRequests', 'storage is (re)initializing') }).close(3).build(), 'inconclusive'],
  ['410 Expired at watch start', watchListStream().response(2, { status: 410, body: statusBody(410, 'Expired', 'too old resource version: 1 (5)') }).close(3).build(), 'inconclusive'],
  ['504 too large RV as ERROR event', watchListStream().response(2).error(3, { code: 504, reason: 'Timeout', message: 'Timeout: Too large resource version: 9, current: 5', causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }] }).close(4).build(), 'inconclusive'],
  ['403 at watch start', watchListStream().response(2, { status: 403, body: statusBody(403, 'Forbidden', 'configmaps is forbidden: User "x" cannot watch resource "configmaps"') }).close(3).build(), 'forbidden'],
  ['401 at watch start', watchListStream().response(2, { status: 401, body: statusBody(401, 'Unauthorized', 'Unauthorized') }).close(3).build(), 'forbidden'],
  ['404 at watch start', watchListStream().response(2, { status: 404, body: statusBody(404, 'NotFound', 'the server could not find the requested resource') }).close(3).build(), 'error'],
  ['503 from an unavailable aggregated API', watchListStream().response(2, { status: 503, body: statusBody(503, 'ServiceUnavailable', 'the server is currently unable to handle the request') }).close(3).build(), 'error'],
  ['connection reset before any response', watchListStream().close(3, 'reset', { code: 'WM_CONN_RESET', message: 'connection reset' }).build(), 'error'],
  ['no response headers within the wait', watchListStream().close(WAIT_MS, 'client-abort').build(), 'error'],
];

describe('classifyWatchListProbe', () => {
  it.each(CASES)('%s -> %s', (_name, stream, expected) => {
    expect(classifyWatchListProbe(stream, WAIT_MS).classification).toBe(expected);
  });

  it('reports the figures the matrix prints', () => {
    const supports = classifyWatchListProbe(CASES[0]![1], WAIT_MS);
    expect(supports).toEqual({
      classification: 'supports',
      httpStatus: 200,
      initialEvents: 2,
      endBookmarkAfterMs: 12,
      evidence: 'end bookmark after 12 ms (2 initial events)',
      reason: '200, 2 initial events, then the BOOKMARK annotated "k8s.io/initial-events-end": "true" 12 ms after the request',
    });
    const rejected = classifyWatchListProbe(CASES[2]![1], WAIT_MS);
    expect(rejected).toMatchObject({ httpStatus: 422, initialEvents: 0, endBookmarkAfterMs: null, evidence: `422 Invalid: ${WATCH_LIST_OFF}` });
    const ignored = classifyWatchListProbe(CASES[8]![1], WAIT_MS);
    expect(ignored).toMatchObject({ httpStatus: 200, initialEvents: 2, endBookmarkAfterMs: null, evidence: '200, 2 initial events, no end bookmark in 10 s' });
    expect(classifyWatchListProbe(CASES[12]![1], WAIT_MS).evidence).toBe('200, 1 initial event, closed after 5 s (server-eof) without end bookmark');
    expect(classifyWatchListProbe(CASES[14]![1], WAIT_MS).evidence).toBe('200, end bookmark of the wrong type (Pod v1)');
    expect(classifyWatchListProbe(CASES[19]![1], WAIT_MS).reason).toMatch(/not permitted/);
  });

  it('measures the end bookmark from the request, not from the response', () => {
    const stream = watchListStream().watched(WIDGETS).sentAt(100).response(150).added(160, 'w', '3').endBookmark(175, '4').build();
    expect(classifyWatchListProbe(stream, WAIT_MS).endBookmarkAfterMs).toBe(75);
  });

  // The class is a statement about client-go (a typed informer for built-in resources); it must agree with the verdict `run` derives.
  it.each(CASES.filter(([, , cls]) => cls === 'supports' || cls === 'rejects-cleanly' || cls === 'accepts-and-ignores' || cls === 'inconclusive'))(
    'agrees with the client-go>=0.35 verdict: %s',
    (_name, stream, cls) => {
      const verdicts = deriveClientVerdicts(runOf(stream));
      const verdict = (verdicts.find((v) => v.profile === 'client-go>=0.35 typed') ?? verdicts.find((v) => v.profile === 'client-go>=0.35'))!;
      const expected = { supports: 'syncs', 'rejects-cleanly': 'falls-back', 'accepts-and-ignores': 'never-syncs', inconclusive: 'never-syncs' }[cls as string];
      expect(verdict.outcome).toBe(expected);
    },
  );
});

describe('statusOfResponseBody', () => {
  it('reads a Status body and falls back to the code', () => {
    expect(statusOfResponseBody(422, statusBody(422, 'Invalid', 'x'))).toMatchObject({ code: 422, reason: 'Invalid', message: 'x' });
    expect(statusOfResponseBody(502, '<html>bad gateway</html>')).toEqual({ code: 502, causes: [] });
    expect(statusOfResponseBody(500, undefined)).toEqual({ code: 500, causes: [] });
  });
});
