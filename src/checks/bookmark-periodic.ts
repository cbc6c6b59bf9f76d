import { formatGoDuration } from '../go-duration.js';
import {
  bookmarksOf,
  closeOf,
  isInitialEventsEndBookmark,
  msSinceRequest,
  observedUntilMs,
  resourceVersionOf,
  responseOf,
  sinceRequest,
} from '../record/accessors.js';
import { findResourceVersionAdvance } from '../record/resource-version.js';
import { advanceEvidence, deadlineBookmarksOf, describeAdvance } from './deadline-bookmark.js';
import type { EventEntry, StreamRecord } from '../record/timeline.js';
import { MAX_EXAMPLES, listExamples, resultOf, skipped } from './check-result.js';
import { declareParams } from './parameters.js';
import type { Check, CheckParams, Finding } from './types.js';

const ID = 'bookmark.periodic';

/** This check's tunable parameters (CheckParams; flags, scenario fields and docs derive from them). */
export const bookmarkPeriodicParams = declareParams(ID, {
  /**
   * User policy: the longest acceptable gap between the RV advancing and a bookmark, or between
   * bookmarks, on bookmark-enabled watches. Gaps over it are `fail` findings, labelled as the
   * user's policy: client-go needs no periodic bookmarks at all (reflector.go v0.35.0: "Reflector
   * doesn't assume bookmarks are returned at all"). null = no policy: judge against
   * defaultBookmarkIntervalMs as a warn.
   */
  maxBookmarkIntervalMs: {
    kind: 'duration',
    default: null,
    field: 'maxInterval',
    flag: '--max-bookmark-interval',
    description: 'policy: fail when bookmarks are further apart (e.g. 10s); client-go itself needs no periodic bookmarks',
  },
  /**
   * Without a policy, the gap over which this check warns: kube-apiserver's cadence (apiserver
   * v0.35.0 pkg/storage/cacher/cacher.go defaultBookmarkFrequency = time.Minute) plus slack for
   * its 1 s buckets and 1-1.25 s dispatch jitter (cache_watcher.go nextBookmarkTime, cacher.go
   * dispatchEvents: about 60-62 s in practice). 75 s, the same as cacher.go
   * DefaultEventFreshDuration (defaultBookmarkFrequency + 15 s).
   */
  defaultBookmarkIntervalMs: {
    kind: 'duration',
    default: 75_000,
    field: 'defaultInterval',
    description: "without a policy, warn above this gap: kube-apiserver's 60 s cadence plus slack",
  },
});

const fmt = (ms: number) => formatGoDuration(Math.round(ms));

/**
 * One stretch of a stream without a bookmark, after the RV advanced: from the advance (or a
 * bookmark) to the next bookmark, or to the stream's close / the end of observation.
 */
interface BookmarkGap {
  fromMs: number;
  from: 'rv-advance' | 'bookmark';
  toMs: number;
  /**
   * What ended it: a bookmark that is not the deadline one (`periodic-bookmark`), kube-apiserver's
   * pre-deadline bookmark (`deadline-bookmark`), or nothing: the stream closed or observation
   * ended (`end-of-observation`).
   */
  endedBy: 'periodic-bookmark' | 'deadline-bookmark' | 'end-of-observation';
  bookmark?: EventEntry;
  gapMs: number;
}

function gapsOf(stream: StreamRecord, startMs: number, untilMs: number, advanceSeq: number | undefined, deadlineBookmarks: ReadonlySet<EventEntry>): BookmarkGap[] {
  const bookmarks = bookmarksOf(stream).filter(
    (bookmark) => !isInitialEventsEndBookmark(bookmark) && bookmark.atMs >= startMs && bookmark.atMs <= untilMs && bookmark.seq !== advanceSeq,
  );
  const gaps: BookmarkGap[] = [];
  let fromMs = startMs;
  let from: BookmarkGap['from'] = 'rv-advance';
  for (const bookmark of bookmarks) {
    gaps.push({
      fromMs,
      from,
      toMs: bookmark.atMs,
      endedBy: deadlineBookmarks.has(bookmark) ? 'deadline-bookmark' : 'periodic-bookmark',
      bookmark,
      gapMs: bookmark.atMs - fromMs,
    });
    fromMs = bookmark.atMs;
    from = 'bookmark';
  }
  gaps.push({ fromMs, from, toMs: untilMs, endedBy: 'end-of-observation', gapMs: untilMs - fromMs });
  return gaps;
}

function describeGap(stream: StreamRecord, gap: BookmarkGap, ending: string): string {
  const start = gap.from === 'rv-advance' ? `the RV advance ${sinceRequest(stream, gap.fromMs)}` : `the bookmark ${sinceRequest(stream, gap.fromMs)}`;
  if (gap.bookmark !== undefined) {
    return `${fmt(gap.gapMs)} from ${start} to the ${gap.endedBy === 'deadline-bookmark' ? 'pre-deadline ' : ''}bookmark (RV ${resourceVersionOf(gap.bookmark) ?? 'none'}) ${sinceRequest(stream, gap.toMs)}`;
  }
  return `no bookmark for at least ${fmt(gap.gapMs)} after ${start}, until ${ending} ${sinceRequest(stream, gap.toMs)}`;
}

function gapEvidence(stream: StreamRecord, gap: BookmarkGap) {
  return {
    from: gap.from,
    fromMsSinceRequest: msSinceRequest(stream, gap.fromMs),
    toMsSinceRequest: msSinceRequest(stream, gap.toMs),
    gapMs: Math.round(gap.gapMs * 1000) / 1000,
    endedBy: gap.endedBy,
    bookmarkResourceVersion: gap.bookmark ? (resourceVersionOf(gap.bookmark) ?? null) : null,
  };
}

/** kube-apiserver's bookmark cadence (apiserver pkg/storage/cacher/cacher.go defaultBookmarkFrequency). */
const KUBE_APISERVER_BOOKMARK_FREQUENCY_MS = 60_000;

/**
 * Once the resource RV has advanced, bookmark-enabled watches get a bookmark about every minute.
 *
 * Upstream: apiserver v0.35.0 pkg/storage/cacher/cacher.go `defaultBookmarkFrequency =
 * time.Minute` and dispatchEvents (bookmark timer wait.Jitter(time.Second, 0.25)), cache_watcher.go
 * nextBookmarkTime ("(b) roughly every minute", 1 s buckets, re-queued for now+1m after each
 * dispatch) and process() (a bookmark is delivered only once its RV is above the watch's start RV):
 * about 60-62 s after the watch started, then every 60-62 s (spec 2.2, test
 * TestCacherSendsMultipleWatchBookmarks). Uncached (etcd-direct) resources get none.
 *
 * client-go does not need periodic bookmarks at all (tools/cache/reflector.go v0.35.0: "Reflector
 * doesn't assume bookmarks are returned at all"; apimachinery types.go AllowWatchBookmarks:
 * "Clients should not assume bookmarks are returned at any specific interval"), so without a
 * policy a gap over params.defaultBookmarkIntervalMs (75 s) is only a warn: a deviation from
 * kube-apiserver. With params.maxBookmarkIntervalMs (the user's --max-bookmark-interval policy)
 * gaps over it are fails, labelled as the policy they are.
 *
 * Measured on 200 streams with allowWatchBookmarks=true whose resource RV advanced (same evidence
 * as bookmark.before-deadline: a write to the resource or an event above the start RV): the gap
 * from the advance (or the response, if later) to the first bookmark, and between consecutive
 * bookmarks (the initial-events-end bookmark excluded). Only spans fully observed count: one that
 * ends with a bookmark, or one still observed past the threshold. A span cut short by the stream's
 * close or the end of observation proves nothing, and one that ends with the pre-deadline bookmark
 * within the threshold says nothing about the periodic cadence either (that is bookmark.before-deadline):
 * a stream counts as observed long enough when it shows a gap over the threshold, or a periodic
 * bookmark and at least min(threshold, 60 s) of observation after the advance.
 */
export const bookmarkPeriodic: Check = {
  id: ID,
  params: bookmarkPeriodicParams,
  title: 'Bookmarks arrive about every minute once the RV advanced (kube-apiserver cadence; client-go needs none)',
  maxSeverity: 'fail',
  source: 'apiserver v0.35.0 pkg/storage/cacher/cacher.go defaultBookmarkFrequency, dispatchEvents; cache_watcher.go nextBookmarkTime; client-go v0.35.0 tools/cache/reflector.go',
  meaning:
    'kube-apiserver sends each bookmark-enabled watch a bookmark about every minute (about 60-62 s after the watch started, ' +
    "then every 60-62 s), but only once the resource RV has moved past the watch's start RV. watchmark measures the gaps from" +
    ' that advance to the first bookmark and between bookmarks (the end bookmark excluded) on watches that ran long enough: ' +
    "the full suite's 70 s `long-watch#1`; the quick suite skips this check. client-go needs no periodic bookmarks at all " +
    '("Reflector doesn\'t assume bookmarks are returned at all"), so a missing cadence is never a client-go failure.',
  severities: {
    fail:
      'only with `--max-bookmark-interval D`: gaps longer than your policy D, labelled as your policy; client-go itself does ' +
      'not need them.',
    warn:
      "a gap over 75 s (kube-apiserver's 60 s plus slack) after the RV advanced. It deviates from kube-apiserver: a client that" +
      ' re-watches after a dropped connection resumes from an older RV, which is more likely to be 410 Expired and force a ' +
      'relist.',
  },
  fix:
    "Re-schedule every bookmark-enabled watcher for a bookmark one minute after its last one, and send it with the resource's " +
    "current RV when that RV is above the watch's start RV, as kube-apiserver does (apiserver `pkg/storage/cacher/cacher.go`" +
    ' `defaultBookmarkFrequency = time.Minute`, checked every 1-1.25 s in `dispatchEvents`; `cache_watcher.go` ' +
    "`nextBookmarkTime`). Do not send bookmarks every 10 s because of client-go's `event bookmark expired` log: that is about" +
    ' the initial-events-end bookmark only (`initial-events-end.present`, `initial-events-end.latency`). A server with no ' +
    'cadence at all is what kube-apiserver is for uncached resources; the warning can then be accepted.',
  run(record, params: CheckParams) {
    const policyMs = params.maxBookmarkIntervalMs;
    const thresholdMs = policyMs ?? params.defaultBookmarkIntervalMs;
    const evidenceMs = Math.min(thresholdMs, KUBE_APISERVER_BOOKMARK_FREQUENCY_MS);
    const policyLabel = policyMs !== null ? `policy --max-bookmark-interval ${fmt(policyMs)}, not a client-go requirement` : undefined;
    const candidates = record.streams.filter((stream) => stream.request.options.allowWatchBookmarks === true && responseOf(stream)?.status === 200);
    if (candidates.length === 0) return skipped(ID, 'no 200 stream requested allowWatchBookmarks=true');
    const findings: Finding[] = [];
    const observed: string[] = [];
    let advanced = 0;
    let evaluated = 0;
    let longest: { stream: string; gapMs: number } | undefined;
    for (const stream of candidates) {
      const response = responseOf(stream)!;
      const untilMs = observedUntilMs(stream, record.endedAtMs);
      const advance = findResourceVersionAdvance(stream, record.writes, untilMs);
      if (advance === undefined) continue;
      advanced++;
      const startMs = Math.max(advance.atMs, response.atMs);
      const deadlineBookmarks = new Set(deadlineBookmarksOf(stream, params.deadlineBookmarkWindowMs));
      const gaps = gapsOf(stream, startMs, untilMs, advance.kind === 'event' ? advance.event.seq : undefined, deadlineBookmarks);
      const over = gaps.filter((gap) => gap.gapMs > thresholdMs);
      const periodic = gaps.filter((gap) => gap.endedBy === 'periodic-bookmark');
      // Without a gap over the threshold, a stream shows the cadence only if it was observed for a
      // whole period after the advance (the threshold, or kube-apiserver's minute if shorter):
      // kube-apiserver also sends bookmarks that are not periodic soon after a watch starts (one
      // about 1 s in, after the first write, seen on kube-apiserver 1.37 over etcd and over kine;
      // and the pre-deadline one, sometimes twice), and a 16 s stream that got one of those says
      // nothing about a 60 s cadence. Whether it came was chance, so the status was too.
      if (over.length === 0 && (periodic.length === 0 || untilMs - startMs < evidenceMs)) {
        const preDeadline = gaps.filter((gap) => gap.endedBy === 'deadline-bookmark').length;
        const note = preDeadline === 1 ? ' (its only bookmark after the advance is the pre-deadline one)' : preDeadline > 1 ? ` (its only bookmarks after the advance are the ${preDeadline} pre-deadline ones)` : '';
        observed.push(`${stream.id} ${fmt(untilMs - startMs)}${note}`);
        continue;
      }
      evaluated++;
      for (const gap of gaps.filter((g) => g.endedBy !== 'end-of-observation' || g.gapMs > thresholdMs)) {
        if (longest === undefined || gap.gapMs > longest.gapMs) longest = { stream: stream.id, gapMs: gap.gapMs };
      }
      if (over.length === 0) continue;
      const close = closeOf(stream);
      const ending = close === undefined || close.reason === 'client-abort' ? 'observation ended' : `the stream closed (${close.reason})`;
      const cadence =
        `kube-apiserver's cacher.go defaultBookmarkFrequency = time.Minute: about 60-62 s after the watch started, then every 60-62 s (1 s buckets, 1-1.25 s dispatch jitter), ` +
        `once the RV moved past the watch start: here ${describeAdvance(stream, advance)}`;
      const noNeed =
        `client-go does not need periodic bookmarks at all (tools/cache/reflector.go v0.35.0: "Reflector doesn't assume bookmarks are returned at all"; ` +
        `the API says clients must not assume any interval)`;
      findings.push({
        severity: policyMs !== null ? 'fail' : 'warn',
        stream: stream.id,
        message:
          policyLabel !== undefined
            ? `${stream.id}: ${policyLabel}: expected a BOOKMARK at least every ${fmt(thresholdMs)} once the resource RV advanced (${describeAdvance(stream, advance)}); ` +
              `observed ${over.length} longer gap(s): ${listExamples(over.map((gap) => describeGap(stream, gap, ending)))}. ` +
              `${noNeed}; kube-apiserver itself sends one only about every 60 s.`
            : `${stream.id}: expected a BOOKMARK at least every ${fmt(thresholdMs)} once the resource RV advanced (${cadence}); ` +
              `observed ${over.length} longer gap(s): ${listExamples(over.map((gap) => describeGap(stream, gap, ending)))}. ` +
              `This deviates from kube-apiserver's ~60 s cadence, but ${noNeed}. Without them a client re-watching after a dropped connection resumes from an older RV, ` +
              `which is more likely to be 410 Expired and force a relist. (Uncached resources such as events never get periodic bookmarks from kube-apiserver either.)`,
        evidence: {
          stream: stream.id,
          thresholdMs,
          policy: policyMs !== null,
          advancedBy: advanceEvidence(stream, advance),
          count: over.length,
          gaps: over.slice(0, MAX_EXAMPLES).map((gap) => gapEvidence(stream, gap)),
        },
      });
    }
    if (advanced === 0) {
      return skipped(
        ID,
        'the resource RV did not advance on any bookmark-enabled stream (no write to the resource and no event above the start RV); kube-apiserver sends no bookmark then',
      );
    }
    if (evaluated === 0) {
      return skipped(
        ID,
        `no bookmark-enabled stream was observed long enough: after the RV advanced none stayed open ${fmt(evidenceMs)} ` +
          `(observed after the advance: ${listExamples(observed, 5)}); a watch still open about 62 s after the RV advanced would show kube-apiserver's ~60 s cadence`,
      );
    }
    const longestText = longest !== undefined ? `; longest gap ${fmt(longest.gapMs)} on ${longest.stream}` : '';
    return resultOf(
      ID,
      findings,
      `${evaluated} stream(s) got bookmarks at least every ${fmt(thresholdMs)} once the RV advanced${policyLabel ? ` (${policyLabel})` : ''}${longestText}`,
      policyLabel !== undefined
        ? `bookmark gaps over ${policyLabel}`
        : `bookmark gaps over ${fmt(thresholdMs)}, beyond kube-apiserver's ~60 s cadence (client-go needs no periodic bookmarks)`,
    );
  },
};
