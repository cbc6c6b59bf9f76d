import { describe, expect, it } from 'vitest';
import { run, stream, watchListStream, type StreamBuilder } from '../../test/support/timeline-builder.js';
import { PROTOBUF_WATCH_MEDIA_TYPE } from '../protobuf/k8s-codec.js';
import { JSON_CLIENTS, PROTOBUF_CLIENTS } from './encoding.js';
import { deriveClientVerdicts } from './index.js';
import type { ClientVerdict } from './types.js';

const NO_MAGIC = 'object without the protobuf magic "k8s\\0" (the "ADDED" event\'s object starts with 0x7b226b69)';

function verdict(verdicts: ClientVerdict[], profile: ClientVerdict['profile']): ClientVerdict {
  const found = verdicts.find((v) => v.profile === profile);
  if (!found) throw new Error(`no ${profile} verdict`);
  return found;
}

/** A watch-list with a frame client-go cannot decode before the end bookmark, answered in `contentType`. */
const brokenWatchList = (contentType: string) =>
  watchListStream().response(0, { contentType }).added(5, 'a', '1').malformed(6, 'AAAAEgoFQURERUQ=', NO_MAGIC).endBookmark(7, '2');

/** client-node's LIST and watch, and a watch-list, all answered in `contentType`. */
function fullRecord(contentType: string, watchList: StreamBuilder = watchListStream().response(0, { contentType }).added(5, 'a', '1').endBookmark(7, '2')) {
  return run()
    .list({ sentAtMs: 0, atMs: 4, itemCount: 1, resourceVersion: '100' })
    .stream(watchList)
    .stream(stream('watch-no-bookmarks#1', { resourceVersion: '100', timeoutSeconds: 10 }, 'watch-no-bookmarks').sentAt(10).response(12, { contentType }).added(1_010, 'd', '101').close(10_012))
    .build();
}

describe('verdicts on protobuf streams', () => {
  it('a protobuf-only framing failure: names the clients watching in protobuf and says JSON clients are unaffected', () => {
    const v = verdict(deriveClientVerdicts(fullRecord(PROTOBUF_WATCH_MEDIA_TYPE, brokenWatchList(PROTOBUF_WATCH_MEDIA_TYPE))), 'client-go>=0.35');
    expect(v.outcome).toBe('falls-back');
    expect(v.explanation).toContain(
      `The frames client-go cannot decode are in protobuf streams (watch-list#1; stream.protobuf-framing): informers watching in protobuf (${PROTOBUF_CLIENTS}) would fall back from watch-list to LIST+WATCH; ` +
        `JSON clients (${JSON_CLIENTS}) get a JSON stream and are not affected by these frames (run with --encoding json to judge them).`,
    );
  });

  it('a clean protobuf run: the verdicts say whom they describe; client-node (JSON only) is not judged on protobuf streams', () => {
    const verdicts = deriveClientVerdicts(fullRecord(PROTOBUF_WATCH_MEDIA_TYPE));
    expect(verdict(verdicts, 'client-go>=0.35').explanation).toContain(`Judged on protobuf streams (watch-list#1): the clients that watch this way are ${PROTOBUF_CLIENTS}; ${JSON_CLIENTS} watch in JSON.`);
    expect(verdicts.map((v) => v.profile)).not.toContain('client-node');
  });

  it('JSON runs, and JSON answers to protobuf watches, are unchanged', () => {
    const json = deriveClientVerdicts(fullRecord('application/json', brokenWatchList('application/json')));
    expect(json.map((v) => v.profile)).toContain('client-node');
    expect(json.filter((v) => v.explanation.includes('protobuf streams') || v.explanation.includes(PROTOBUF_CLIENTS))).toEqual([]);
  });
});
