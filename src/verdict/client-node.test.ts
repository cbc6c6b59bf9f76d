import { describe, expect, it } from 'vitest';
import { WIDGETS, plainWatchStream, run, stream, watchListStream, type RunBuilder } from '../../test/support/timeline-builder.js';
import { clientNodeVerdict } from './client-node.js';
import { deriveClientVerdicts } from './index.js';
import type { ClientVerdict } from './types.js';

/** What client-node's informer sends after its LIST: watch=true&resourceVersion=<list RV>, nothing else (the suite adds timeoutSeconds). */
const nodeWatch = (id = 'watch-no-bookmarks#1', rv = '100') => stream(id, { resourceVersion: rv, timeoutSeconds: 10 }, 'watch-no-bookmarks');

/** LIST sent at 0, answered at 4 ms with RV 100; the watch goes out at 10 ms. */
function withList(): RunBuilder {
  return run().list({ sentAtMs: 0, atMs: 4, itemCount: 3, resourceVersion: '100' });
}

function nodeVerdict(builder: RunBuilder): ClientVerdict {
  const v = clientNodeVerdict(builder.build());
  if (v === undefined) throw new Error('no client-node verdict');
  return v;
}


describe('clientNodeVerdict: syncs', () => {
  it('syncs when the LIST resolves, and re-watches from the last event RV when the server ends the watch', () => {
    const v = nodeVerdict(
      withList().stream(nodeWatch().sentAt(10).response(12).added(1_010, 'd', '101').modified(1_510, 'a', '102').close(10_012, 'server-eof')),
    );
    expect(v).toMatchObject({ profile: 'client-node', outcome: 'syncs', syncedAfterMs: 4, warnings: 0, basedOn: ['list#1', 'watch-no-bookmarks#1'] });
    expect(v.silentlyDropped).toBeUndefined();
    expect(v.explanation).toMatch(/re-watches from its last RV 102 without relisting/);
    expect(v.logLines).toEqual([
      { atMs: 0, line: "emit 'connect'" },
      { atMs: 10_012, line: "emit 'connect'" },
    ]);
  });

  it('kinm-like server (watch-list ignored, no bookmarks ever): client-go >= v0.35 never syncs, client-node syncs', () => {
    const record = run()
      .list({ sentAtMs: 0, atMs: 25, itemCount: 3, resourceVersion: '12' })
      .stream(
        watchListStream('watch-list#1', { timeoutSeconds: 60 })
          .watched(WIDGETS)
          .sentAt(30)
          .response(34)
          .modified(34, 'a', '10')
          .added(34, 'b', '11')
          .modified(34, 'c', '12')
          .added(1_040, 'd', '13')
          .close(25_100, 'client-abort'),
      )
      .stream(plainWatchStream('watch#1', '12', { timeoutSeconds: 10 }).watched(WIDGETS).sentAt(30).response(33).added(1_040, 'd', '13').close(10_034, 'server-eof'))
      .stream(nodeWatch('watch-no-bookmarks#1', '12').watched(WIDGETS).sentAt(30).response(33).added(1_040, 'd', '13').close(10_034, 'server-eof'))
      .endedAt(25_100)
      .build();
    const verdicts = deriveClientVerdicts(record);
    expect(verdicts.map((v) => [v.profile, v.outcome])).toEqual([
      ['client-go>=0.35', 'never-syncs'],
      ['client-go<=0.34', 'syncs'],
      ['client-node', 'syncs'],
    ]);
    const node = verdicts[2]!;
    expect(node.syncedAfterMs).toBe(25);
    expect(node.basedOn).toEqual(['list#1', 'watch-no-bookmarks#1']);
    expect(node.explanation).toMatch(/Bookmarks are neither requested nor needed/);
  });

  it('takes unrequested bookmarks as RV updates and re-watches from the bookmark RV', () => {
    const v = nodeVerdict(withList().stream(nodeWatch().sentAt(10).response(12).added(1_010, 'd', '101').bookmark(8_000, '105').close(10_012)));
    expect(v.outcome).toBe('syncs');
    expect(v.explanation).toMatch(/last RV 105/);
  });

  it('relists once after an ERROR 410 that follows progress (a normal expiry)', () => {
    const v = nodeVerdict(
      withList().stream(nodeWatch().sentAt(10).response(12).added(1_010, 'd', '101').error(5_000, { code: 410, reason: 'Expired', message: 'too old resource version' }).close(5_001)),
    );
    expect(v.outcome).toBe('syncs');
    expect(v.explanation).toMatch(/relists once/);
    expect(v.silentlyDropped).toBeUndefined();
  });

  it('is still syncing when watchmark stopped reading', () => {
    const v = nodeVerdict(withList().stream(nodeWatch().sentAt(10).response(12).added(1_010, 'd', '101').close(16_000, 'client-abort')));
    expect(v.outcome).toBe('syncs');
    expect(v.logLines).toEqual([{ atMs: 0, line: "emit 'connect'" }]);
  });
});

describe('clientNodeVerdict: malformed frames', () => {
  it('silently drops an unparsable line and keeps going: syncs, with the drop counted and explained', () => {
    const v = nodeVerdict(
      withList().stream(
        nodeWatch().sentAt(10).response(12).malformed(1_010, '{"type":"ADDED","object":{"kind":"ConfigMap"', 'invalid JSON: unexpected end').added(1_510, 'a', '102').close(10_012),
      ),
    );
    expect(v.outcome).toBe('syncs');
    expect(v.silentlyDropped).toBe(1);
    expect(v.explanation).toMatch(/silently ignored 1 frame\(s\) on watch-no-bookmarks#1 \(first: an unparsable line \(invalid JSON: unexpected end\) at \+1.00 s\): no 'error', no log/);
    expect(v.explanation).toMatch(/last RV 102/);
    // Nothing is printed or emitted for the dropped frame.
    expect(v.logLines.map((l) => l.line)).toEqual(["emit 'connect'", "emit 'connect'"]);
  });

  it('crashes the process on an ADDED without object (unhandled rejection in the async watchHandler)', () => {
    const v = nodeVerdict(withList().stream(nodeWatch().sentAt(10).response(12).added(1_010, 'd', '101').event(2_010, 'ADDED', undefined).added(3_000, 'e', '103').close(10_012)));
    expect(v.outcome).toBe('crashes');
    expect(v.syncedAfterMs).toBe(4);
    expect(v.logLines.at(-1)).toEqual({
      atMs: 2_010,
      line: "process exits (code 1): unhandled rejection TypeError: Cannot read properties of undefined (reading 'metadata') (at ListWatch.watchHandler)",
    });
  });

  it('crashes on a frame that is a JSON number', () => {
    const v = nodeVerdict(withList().stream(nodeWatch().sentAt(10).response(12).malformed(500, '42', 'not a JSON object: got a number').close(10_012)));
    expect(v.outcome).toBe('crashes');
  });
});

describe('clientNodeVerdict: loops (no backoff in 1.4)', () => {
  it('re-watches from the same RV at once when the server ends the watch immediately with nothing', () => {
    const v = nodeVerdict(withList().stream(nodeWatch().sentAt(10).response(12).close(15, 'server-eof')));
    expect(v.outcome).toBe('loops');
    expect(v.syncedAfterMs).toBe(4);
    expect(v.explanation).toMatch(/re-watches from the same RV 100 at once/);
    expect(v.logLines).toEqual([
      { atMs: 0, line: "emit 'connect'" },
      { atMs: 15, line: "emit 'connect'" },
    ]);
  });

  it('does not call an idle watch the server ends after its deadline a loop', () => {
    expect(nodeVerdict(withList().stream(nodeWatch().sentAt(10).response(12).close(10_012))).outcome).toBe('syncs');
  });

  it('ignores a non-410 ERROR event (no "error" emitted) and re-watches the same RV: loops, silently', () => {
    const v = nodeVerdict(
      withList().stream(nodeWatch().sentAt(10).response(12).error(13, { code: 500, reason: 'InternalError', message: 'storage is down' }).close(3_000)),
    );
    expect(v.outcome).toBe('loops');
    expect(v.silentlyDropped).toBe(1);
    expect(v.logLines.some((l) => l.line.includes("'error'"))).toBe(false);
  });

  it('relists at once when the watch from the fresh list RV gets 410 (HTTP or first ERROR event)', () => {
    const http = nodeVerdict(withList().stream(nodeWatch().sentAt(10).response(12, { status: 410, body: '{"kind":"Status","code":410}' })));
    expect(http.outcome).toBe('loops');
    expect(http.explanation).toMatch(/answered 410/);
    const inStream = nodeVerdict(withList().stream(nodeWatch().sentAt(10).response(12).error(13, { code: 410, reason: 'Expired' }).close(14)));
    expect(inStream.outcome).toBe('loops');
    expect(inStream.explanation).toMatch(/relists at once/);
  });
});

describe('clientNodeVerdict: stops, never-syncs', () => {
  it("emits 'error' and stops watching when the WATCH is answered 500", () => {
    const v = nodeVerdict(withList().stream(nodeWatch().sentAt(10).response(12, { status: 500 })));
    expect(v.outcome).toBe('stops');
    expect(v.syncedAfterMs).toBe(4);
    expect(v.logLines).toEqual([
      { atMs: 0, line: "emit 'connect'" },
      { atMs: 12, line: "emit 'error': Error: Internal Server Error (statusCode 500)" },
    ]);
  });

  it("emits 'error' (node-fetch's Premature close) and stops when the stream is reset", () => {
    const v = nodeVerdict(withList().stream(nodeWatch().sentAt(10).response(12).added(1_010, 'd', '101').close(2_000, 'reset', { code: 'ECONNRESET', message: 'socket hang up' })));
    expect(v.outcome).toBe('stops');
    expect(v.logLines.at(-1)).toEqual({ atMs: 2_000, line: "emit 'error': Error: Premature close (code ERR_STREAM_PREMATURE_CLOSE)" });
  });

  it("never syncs when the LIST fails: 'connect', then 'error', and no retry", () => {
    const v = nodeVerdict(run().list({ sentAtMs: 0, atMs: 3, status: 403, error: 'forbidden' }).stream(nodeWatch().sentAt(10).response(12)));
    expect(v).toMatchObject({ outcome: 'never-syncs', syncedAfterMs: null, basedOn: ['list#1'] });
    expect(v.logLines).toEqual([
      { atMs: 0, line: "emit 'connect'" },
      { atMs: 3, line: "emit 'error': ApiException (code 403)" },
    ]);
  });
});

describe('clientNodeVerdict: which streams it rests on', () => {
  it('is omitted without a LIST (an observe recording)', () => {
    expect(clientNodeVerdict(run().stream(nodeWatch().response(0)).build())).toBeUndefined();
  });

  it('never judges streams client-node would not send: bookmarks, watch-list, role streams', () => {
    const v = nodeVerdict(
      withList()
        .stream(plainWatchStream('watch#1', '100').sentAt(10).response(12, { status: 500 }))
        .stream(watchListStream().sentAt(10).response(12, { status: 500 }))
        .stream({ ...nodeWatch('expired-rv#1', '1').sentAt(10).response(12, { status: 500 }).build(), role: 'expired' }),
    );
    expect(v.outcome).toBe('syncs');
    expect(v.basedOn).toEqual(['list#1']);
    expect(v.explanation).toMatch(/No recorded watch has client-node's request shape/);
  });

  it('prefers the watch-no-bookmarks scenario among streams of its shape', () => {
    const v = nodeVerdict(
      withList()
        .stream(stream('other#1', { resourceVersion: '100' }, 'other').sentAt(10).response(12, { status: 500 }))
        .stream(nodeWatch().sentAt(10).response(12).close(10_012)),
    );
    expect(v.basedOn).toEqual(['list#1', 'watch-no-bookmarks#1']);
    expect(v.outcome).toBe('syncs');
  });
});
