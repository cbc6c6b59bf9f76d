import { bookmarksOf, msSinceRequest, resourceVersionOf, responseOf, sinceRequest } from '../record/accessors.js';
import { MAX_EXAMPLES, listExamples, resultOf, skipped } from './check-result.js';
import type { Check, Finding } from './types.js';

const ID = 'bookmark.unrequested';

/**
 * No BOOKMARK unless the request said allowWatchBookmarks=true.
 *
 * Upstream: apiserver v0.35.0 pkg/storage/cacher/cacher.go only queues bookmark-enabled watchers
 * (`if watcher.allowWatchBookmarks`), and the initial-events-end bookmark requires
 * AllowWatchBookmarks too (cacher and etcd3); tests RunTestWatchDispatchBookmarkEvents ("test old
 * client won't get Bookmark event") and TestCacherSendBookmarkEvents. The flag exists because
 * old clients' decoders reject the unknown BOOKMARK type (spec 3.4).
 */
export const bookmarkUnrequested: Check = {
  id: ID,
  title: 'No BOOKMARK events on watches without allowWatchBookmarks=true',
  maxSeverity: 'fail',
  source: 'apiserver v0.35.0 pkg/storage/cacher/cacher.go (bookmarkWatchers); pkg/storage/testing/watcher_tests.go RunTestWatchDispatchBookmarkEvents',
  meaning:
    'BOOKMARK events go only to watches that asked for them with `allowWatchBookmarks=true`. The flag exists because clients ' +
    "that predate bookmarks reject the unknown event type. Checked on every watch without it, including watchmark's " +
    '`watch-no-bookmarks#1` and `sendInitialEvents` without `allowWatchBookmarks`.',
  severities: {
    fail:
      'a watch without `allowWatchBookmarks=true` received a BOOKMARK. Older decoders reject it as an invalid event type and ' +
      'end the watch.',
  },
  fix:
    "Gate every bookmark (periodic, pre-deadline and the initial-events-end one) on the request's `allowWatchBookmarks=true`." +
    ' kube-apiserver only schedules bookmarks for watchers that asked (apiserver `pkg/storage/cacher/cacher.go`: `if ' +
    'watcher.allowWatchBookmarks`), and adds the end bookmark only when both `sendInitialEvents` and `allowWatchBookmarks` ' +
    'are set, so `sendInitialEvents=true` without `allowWatchBookmarks` gets the initial state and no bookmark at all.',
  run(record) {
    const unrequested = record.streams.filter((stream) => stream.request.options.allowWatchBookmarks !== true);
    if (unrequested.length === 0) return skipped(ID, 'every stream requested allowWatchBookmarks=true');
    // Only a started watch can show bookmarks: a 403 or no answer is not a pass.
    const streams = unrequested.filter((stream) => responseOf(stream)?.status === 200);
    if (streams.length === 0) return skipped(ID, `no stream without allowWatchBookmarks=true got a 200 response (${listExamples(unrequested.map((stream) => stream.id))})`);
    const findings: Finding[] = [];
    for (const stream of streams) {
      const bookmarks = bookmarksOf(stream);
      if (bookmarks.length === 0) continue;
      const flag = stream.request.options.allowWatchBookmarks === false ? 'allowWatchBookmarks=false' : 'no allowWatchBookmarks';
      findings.push({
        severity: 'fail',
        stream: stream.id,
        message:
          `${stream.id}: expected no BOOKMARK events on a watch requested with ${flag}; observed ${bookmarks.length} ` +
          `(${listExamples(bookmarks.map((bookmark) => `RV ${JSON.stringify(resourceVersionOf(bookmark) ?? null)} ${sinceRequest(stream, bookmark.atMs)}`))}). ` +
          `Clients that do not ask for bookmarks may not know the type: older decoders reject it as an invalid event type and the watch ends.`,
        evidence: {
          stream: stream.id,
          allowWatchBookmarks: stream.request.options.allowWatchBookmarks ?? null,
          count: bookmarks.length,
          examples: bookmarks.slice(0, MAX_EXAMPLES).map((bookmark) => ({
            seq: bookmark.seq,
            resourceVersion: resourceVersionOf(bookmark) ?? null,
            atMsSinceRequest: msSinceRequest(stream, bookmark.atMs),
          })),
        },
      });
    }
    return resultOf(ID, findings, `${streams.length} stream(s) without allowWatchBookmarks=true received no BOOKMARK`, 'BOOKMARK events that were not requested');
  },
};
