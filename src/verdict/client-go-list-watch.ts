/**
 * The client-go <= v0.34 verdict: an informer that starts with LIST resourceVersion=0&limit=500,
 * then WATCHes from the list RV (reflector.go v0.35.0 list + watch, WatchListClient off).
 */
import { formatGoDuration } from '../go-duration.js';
import { closeOf, responseOf } from '../record/accessors.js';
import { classifyStatus, describeStatus, statusOfResponse } from '../record/status.js';
import type { ListRecord, RunRecord } from '../record/timeline.js';
import type { InformerKind } from '../reflector/decoder.js';
import { REFLECTOR, TYPE, klogLine } from '../reflector/klog.js';
import { followPlainWatch } from './plain-watch.js';
import type { ClientVerdict } from './types.js';

export function pickList(record: RunRecord, predicate: (list: ListRecord) => boolean = () => true): ListRecord | undefined {
  const lists = record.lists.filter(predicate);
  return lists.find((list) => list.scenario === 'list') ?? lists[0];
}

export function relative(lines: Array<{ atMs: number; line: string }>, originMs: number): Array<{ atMs: number; line: string }> {
  return lines.map(({ atMs, line }) => ({ atMs: Math.round((atMs - originMs) * 1000) / 1000, line }));
}

/** client-go <= v0.34 (WatchListClient off by default): LIST resourceVersion=0&limit=500, then WATCH from the list RV. */
export function listWatchVerdict(record: RunRecord, informer: InformerKind): ClientVerdict | undefined {
  const list = pickList(record);
  if (list === undefined) return undefined;
  const basedOn = [list.id];
  const watchStream = record.streams.find((stream) => stream.scenario === 'watch');
  let watchPart = '';
  let watchLines: Array<{ atMs: number; line: string }> = [];
  let skippedEvents = 0;
  if (watchStream !== undefined) {
    basedOn.push(watchStream.id);
    const response = responseOf(watchStream);
    if (response === undefined) {
      watchPart = ` The following watch ${watchStream.id} got no HTTP response (${closeOf(watchStream)?.error?.code ?? 'unknown'}): the reflector relists after backoff (connection refused: re-watches after backoff).`;
    } else if (response.status !== 200) {
      const status = statusOfResponse(response.status, response.body);
      const cls = classifyStatus(status);
      if (cls === 'too-many-requests') {
        watchPart = ` The following watch ${watchStream.id} was answered 429: the reflector backs off and re-watches.`;
      } else if (cls === 'expired') {
        watchPart = ` The following watch ${watchStream.id} was answered 410: the reflector relists from its last RV ("Watch closed", V(4)).`;
      } else {
        watchPart = ` The following watch ${watchStream.id} was answered ${describeStatus(status)}: "Failed to watch" is logged and the reflector relists after backoff.`;
        watchLines = [
          {
            atMs: response.atMs,
            line: klogLine('Failed to watch', [['err', status.message ?? `HTTP ${response.status}`], ['reflector', REFLECTOR], ['type', TYPE]]),
          },
        ];
      }
    } else {
      const account = followPlainWatch(watchStream, watchStream.entries.indexOf(response) + 1, watchStream.request.sentAtMs, 'relists', informer);
      watchPart = ` The following plain watch: ${account.explanation}`;
      watchLines = account.logLines;
      skippedEvents = account.skipped;
    }
  }
  const logLines = relative(watchLines, list.sentAtMs);
  if (list.status === 200 && list.itemCount !== undefined) {
    const syncedAfterMs = Math.round((list.atMs - list.sentAtMs) * 1000) / 1000;
    return {
      profile: 'client-go<=0.34',
      outcome: 'syncs',
      syncedAfterMs,
      warnings: 0,
      explanation:
        `${list.id} answered 200 with ${list.itemCount} item(s) after ${formatGoDuration(Math.round(syncedAfterMs))}; the reflector replaces its store with them and HasSynced() becomes true` +
        (list.continueToken ? ' once the remaining pages are read (the list was paginated; only its first page is timed here)' : '') +
        `. It then watches from the list RV${list.resourceVersion !== undefined ? ` ${list.resourceVersion}` : ''} with allowWatchBookmarks=true; bookmarks are optional on that path and the 10 s bookmark ticker is not armed.${watchPart}`,
      logLines,
      basedOn,
      ...(skippedEvents > 0 ? { skippedEvents } : {}),
    };
  }
  return {
    profile: 'client-go<=0.34',
    outcome: 'never-syncs',
    syncedAfterMs: null,
    warnings: 0,
    explanation:
      `${list.id} failed (${list.status === 200 ? '200 but the body was not a list' : list.status > 0 ? `HTTP ${list.status}` : 'no response'}${list.error ? `: ${list.error}` : ''}): ListAndWatch returns the error and Run retries it with backoff (800 ms doubling to 30 s, jitter 1.0); HasSynced() stays false while the LIST keeps failing.${watchPart}`,
    logLines,
    basedOn,
    ...(skippedEvents > 0 ? { skippedEvents } : {}),
  };
}
