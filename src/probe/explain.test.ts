import { describe, expect, it } from 'vitest';
import { watchListStream } from '../../test/support/timeline-builder.js';
import type { ResolvedResource } from '../discovery/resolve-resource.js';
import type { ListRecord, StreamRecord } from '../record/timeline.js';
import { explainProbe, type Explanation } from './explain.js';
import { renderExplanation } from './explain-render.js';
import { CONFIGMAPS as CONFIGMAPS_RESOURCE, FLAGS_TARGET } from '../../test/support/fixtures.js';

const CONFIGMAPS: ResolvedResource = { ...CONFIGMAPS_RESOURCE, verbs: ['list', 'watch'] };
const TARGET = FLAGS_TARGET;
const WAIT_MS = 25_000;

function explain(stream: StreamRecord, fallbackList?: ListRecord): Explanation {
  const endedAtMs = Math.max(...stream.entries.map((e) => e.atMs));
  return explainProbe({ target: TARGET, probe: { resource: CONFIGMAPS, namespace: null, probeTimeoutMs: WAIT_MS, stream, endedAtMs }, ...(fallbackList ? { fallbackList } : {}), anchorWallMs: 0 });
}

const REJECTED = watchListStream()
  .response(2, {
    status: 422,
    body: JSON.stringify({
      kind: 'Status', apiVersion: 'v1', code: 422, reason: 'Invalid',
      message: 'ListOptions.meta.k8s.io "" is invalid: sendInitialEvents: Forbidden: sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled',
    }),
  })
  .close(3)
  .build();

function fallbackList(status: number, extra: Partial<ListRecord> = {}): ListRecord {
  return { id: 'fallback-list#1', scenario: 'list', path: '/api/v1/configmaps?limit=500&resourceVersion=0', sentAtMs: 5, atMs: 9, status, ...extra };
}

describe('explainProbe', () => {
  it('a healthy resource gets a short account: syncs, exit 0, no root cause, no fixes', () => {
    const model = explain(watchListStream().response(3).added(4, 'a', '10').endBookmark(12, '12').close(13, 'client-abort').build());
    expect(model).toMatchObject({ classification: 'supports', outcome: 'syncs', exitCode: 0, rootCause: null, fixes: [], fallbackList: null });
    expect(model.headline).toBe('configmaps syncs: end bookmark after 12 ms (1 initial event)');
    expect(model.steps).toHaveLength(4);
    expect(model.steps[1]!.text).toMatch(/sent 1 initial event \(1 ADDED\), then the BOOKMARK annotated "k8s.io\/initial-events-end": "true" \(resourceVersion 12\) 12 ms after the request/);
    expect(model.clientGo?.outcome).toBe('syncs');
  });

  it('--encoding protobuf: shows the Accept sent and says whether the answer was protobuf or the legal JSON fallback', () => {
    const asked = (contentType: string) => {
      const stream = watchListStream().response(3, { contentType }).added(4, 'a', '10').endBookmark(12, '12').close(13, 'client-abort').build();
      stream.request.accept = 'application/vnd.kubernetes.protobuf,application/json';
      return explain(stream);
    };
    const protobuf = asked('application/vnd.kubernetes.protobuf;stream=watch');
    expect(protobuf.steps[0]!.verbatim).toEqual([expect.stringMatching(/^GET /), 'Accept: application/vnd.kubernetes.protobuf,application/json']);
    expect(protobuf.steps[1]!.text).toContain('(HTTP/1.1, application/vnd.kubernetes.protobuf;stream=watch; protobuf, as kube components get it)');
    expect(asked('application/json').steps[1]!.text).toContain('(HTTP/1.1, application/json; asked for protobuf, answered JSON: legal (client-go decodes it too; custom resources are only served in JSON))');
    // A JSON probe reads as before.
    expect(explain(watchListStream().response(3).added(4, 'a', '10').endBookmark(12, '12').build()).steps[1]!.text).toContain('(HTTP/1.1, application/json)');
  });

  it('an end bookmark of another kind: hangs for a typed informer, and says that a dynamic informer syncs', () => {
    const model = explain(watchListStream().response(3).added(4, 'a', '10').endBookmark(12, '12', 'true', { kind: 'Pod' }).close(WAIT_MS, 'client-abort').build());
    expect(model).toMatchObject({ classification: 'accepts-and-ignores', outcome: 'hangs', exitCode: 1 });
    expect(model.clientGo?.profile).toBe('client-go>=0.35 typed');
    expect(model.clientGo?.outcome).toBe('never-syncs');
    expect(model.clientGoDynamic).toMatchObject({ profile: 'client-go>=0.35 dynamic', outcome: 'syncs', syncedAfterMs: 12 });
    expect(model.headline).toMatch(/ \(typed informers; a dynamic informer syncs\)$/);
    expect(model.steps.at(-1)!.text).toMatch(/^All of the above is what a typed informer does .* A dynamic informer \(dynamicinformer\) differs here: it syncs\. Dynamic informer \(/);
    const text = renderExplanation(model, { color: false });
    expect(text).toContain('a dynamic informer syncs');
  });

  it('initial events within ms of the watch start, end bookmark at 21 s: the warning count is "1–2", and why', () => {
    const model = explain(watchListStream().response(2).added(4, 'a', '10').endBookmark(21_002, '12').close(21_003, 'client-abort').build());
    expect(model.clientGo).toMatchObject({ warnings: 1, warningsRange: { min: 1, max: 2 } });
    expect(model.headline).toBe('configmaps syncs late: end bookmark after 21.0 s (1 initial event), with 1–2 "Warning: event bookmark expired" lines on the way');
    expect(model.steps[3]!.text).toContain(
      'logged 1–2 warnings (klog Info, visible by default; only log lines: no retry, relist or fallback). The informer starts 21.0 s late. The count is 1–2, not exact: at the 10s tick the last event was 9.998s old, 2ms from the 10 s threshold (under 50 ms)',
    );
  });

  it('a healthy stream: both informer kinds agree, no dynamic verdict of its own', () => {
    const model = explain(watchListStream().response(3).added(4, 'a', '10').endBookmark(12, '12').close(13, 'client-abort').build());
    expect(model.clientGo?.profile).toBe('client-go>=0.35');
    expect(model.clientGoDynamic).toBeNull();
  });

  it('a late end bookmark: syncs late, with the exact warning lines client-go logs while waiting', () => {
    const model = explain(watchListStream().response(2).endBookmark(21_002, '12').close(21_003, 'client-abort').build());
    expect(model).toMatchObject({ outcome: 'syncs', exitCode: 0 });
    expect(model.headline).toBe('configmaps syncs late: end bookmark after 21.0 s (0 initial events), with 2 "Warning: event bookmark expired" lines on the way');
    expect(model.steps[3]!.verbatim).toEqual([
      '+10.002s  "Warning: event bookmark expired" err="<reflector>: awaiting required bookmark event for initial events stream, no events received for 10.002s"',
      '+20.002s  "Warning: event bookmark expired" err="<reflector>: awaiting required bookmark event for initial events stream, no events received for 20.002s"',
    ]);
    expect(model.rootCause).toMatch(/only 21\.0 s after the request/);
  });

  it('a 200 stream without the end bookmark: hangs, exit 1, the ticker lines, the retry loop, root cause and all four fixes', () => {
    const model = explain(watchListStream().response(2).added(3, 'a', '5').close(WAIT_MS, 'client-abort').build());
    expect(model).toMatchObject({ classification: 'accepts-and-ignores', outcome: 'hangs', exitCode: 1 });
    expect(model.fixes.map((f) => f.id)).toEqual(['end-bookmark', 'reject-watch-list', 'per-client-opt-out', 'disable-watch-list-client']);
    expect(model.fixes[1]!.detail).toMatch(/SetListOptionsDefaults also turns every legacy watch with resourceVersion ""\/"0" into sendInitialEvents=true/);
    expect(model.fixes[3]!.detail).toMatch(/Cost: a full LIST per informer start/);
    expect(model.steps[3]!.verbatim).toEqual([
      '+20.002s  "Warning: event bookmark expired" err="<reflector>: hasn\'t received required bookmark event marking the end of initial events stream, received last event 19.999s ago"',
      '… and again every 10 s',
    ]);
    expect(model.steps[4]!.text).toMatch(/sends the same watch-list request again at once: no backoff, no fallback to LIST/);
    expect(model.rootCause).toMatch(/sent no BOOKMARK at all/);
  });

  it('a short probe says the warning lines come later instead of inventing them', () => {
    const stream = watchListStream().response(2).close(2_000, 'client-abort').build();
    const model = explainProbe({ target: TARGET, probe: { resource: CONFIGMAPS, namespace: 'team-a', probeTimeoutMs: 2_000, stream, endedAtMs: 2_000 }, anchorWallMs: 0 });
    expect(model.steps[3]!.verbatim).toBeUndefined();
    expect(model.steps[3]!.text).toMatch(/before the first tick/);
    expect(model.resource.namespace).toBe('team-a');
  });

  it('a clean rejection: syncs via the fallback LIST it names, exit 0, with the V(4) fallback line and the LIST cost', () => {
    const model = explain(REJECTED, fallbackList(200, { itemCount: 3, resourceVersion: '40' }));
    expect(model).toMatchObject({
      classification: 'rejects-cleanly',
      outcome: 'syncs-via-fallback',
      exitCode: 0,
      fallbackList: { request: 'GET /api/v1/configmaps?limit=500&resourceVersion=0', status: 200, itemCount: 3, durationMs: 4, error: null },
    });
    expect(model.logLines.map((l) => l.line)).toContainEqual(expect.stringMatching(/^\[V\(4\)\] "Data couldn't be fetched in watchlist mode\. Falling back to regular list\./));
    expect(model.steps.map((s) => s.text).join('\n')).toMatch(/Cost: every ListAndWatch/);
    expect(model.fixes.map((f) => f.id)).toEqual(['end-bookmark']);
  });

  it('a clean rejection whose fallback LIST fails too: hangs, exit 1', () => {
    const model = explain(REJECTED, fallbackList(403, { error: 'configmaps is forbidden' }));
    expect(model).toMatchObject({ outcome: 'hangs', exitCode: 1 });
    expect(model.headline).toMatch(/fallback LIST fails too \(configmaps is forbidden\)/);
  });

  it('403, 429 and transport errors are not capability answers: exit 2', () => {
    const forbidden = explain(watchListStream().response(2, { status: 403, body: JSON.stringify({ kind: 'Status', code: 403, reason: 'Forbidden', message: 'nope' }) }).close(3).build());
    expect(forbidden).toMatchObject({ outcome: 'not-permitted', exitCode: 2 });
    expect(forbidden.steps[2]!.text).toMatch(/kubectl auth can-i watch configmaps --all-namespaces/);
    const busy = explain(watchListStream().response(2, { status: 429, body: JSON.stringify({ kind: 'Status', code: 429, reason: 'TooManyRequests', message: 'later' }) }).close(3).build());
    expect(busy).toMatchObject({ outcome: 'retries', exitCode: 2 });
    const reset = explain(watchListStream().close(3, 'reset', { code: 'WM_CONN_RESET', message: 'reset' }).build());
    expect(reset).toMatchObject({ outcome: 'unknown', exitCode: 2 });
  });
});

describe('renderExplanation', () => {
  it('renders the headline, numbered steps with verbatim lines, root cause and fixes', () => {
    const text = renderExplanation(explain(watchListStream().response(2).added(3, 'a', '5').close(WAIT_MS, 'client-abort').build()), { color: false });
    const lines = text.split('\n');
    expect(lines[0]).toBe('watchmark explain configmaps (v1 ConfigMap) — server https://127.0.0.1:6443 (flags), server v1.34.0');
    expect(lines[1]).toBe('probe: all namespaces, waited up to 25 s; class accepts-and-ignores');
    expect(lines[3]).toBe('HANGS: a client-go v0.35+ informer never syncs configmaps on this server (200, 1 initial event, no end bookmark in 25 s)');
    expect(lines).toContain('       GET /api/v1/namespaces/watchmark/configmaps?watch=true');
    expect(text).toMatch(/\n {2}1\. The reflector of a client-go v0\.35\+ informer/);
    expect(text).toMatch(/\nRoot cause\n {2}The server accepts sendInitialEvents=true/);
    expect(text).toMatch(/\nFixes\n {2}1\. Server: end the initial events with the annotated bookmark/);
    expect(text).toMatch(/\n {2}4\. Client, whole process: KUBE_FEATURE_WatchListClient=false\n/);
    for (const line of lines) if (!line.startsWith('       ')) expect(line.length, line).toBeLessThanOrEqual(140);
  });

  it('keeps a healthy explanation short', () => {
    const text = renderExplanation(explain(watchListStream().response(3).endBookmark(5, '12').close(6, 'client-abort').build()), { color: false });
    expect(text).not.toMatch(/Root cause|Fixes/);
    expect(text.split('\n').length).toBeLessThan(20);
  });
});
