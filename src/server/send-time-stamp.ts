/**
 * Test-only (the scale bench): the embedded server writes its send time into watch events, so a
 * client on the same machine can measure how late each event arrived.
 *
 * An object whose metadata.annotations[SEND_TIME_ANNOTATION] is SEND_TIME_PLACEHOLDER (or any
 * other value of that width) is sent with the annotation's value replaced, in every JSON watch
 * frame and per watcher, by the epoch milliseconds at which the frame is handed to that watcher's
 * response (`performance.timeOrigin + performance.now()`, 3 decimals, zero-padded to the same
 * width). Frames are encoded once for all watchers (wire.ts WatchFrameCache); the stamp patches a
 * copy of those bytes at write time, so nothing is re-encoded. Protobuf frames are not stamped.
 * Off unless the server is started with `stampSendTime: true`.
 */
import type { WatchSink } from './watch-session.js';

export const SEND_TIME_ANNOTATION = 'watchmark.test/sent-at-ms';
/** 17 characters: 13 integer digits of epoch milliseconds (until 2286), a dot, 3 decimals. */
export const SEND_TIME_PLACEHOLDER = '0000000000000.000';

const MARK = Buffer.from(`"${SEND_TIME_ANNOTATION}":"`);
const WIDTH = SEND_TIME_PLACEHOLDER.length;
const QUOTE = 0x22;

/** The send time as the stamp writes it. */
export function formatSendTime(epochMs: number): string {
  return epochMs.toFixed(3).padStart(WIDTH, '0');
}

/**
 * A sink that stamps every marked object of each frame with `nowEpochMs()` as it writes it. With
 * `onFlushed`, it reports for every stamped frame its stamp and when the response handed it on to
 * the connection (the write's callback): the time between them is the part of a measured arrival
 * error that the server held the frame, not the network or the client.
 */
export function stampingSink(sink: WatchSink, nowEpochMs: () => number, onFlushed?: (stampedAtMs: number, flushedAtMs: number) => void): WatchSink {
  return {
    open: () => sink.open(),
    end: () => sink.end(),
    bufferedBytes: () => sink.bufferedBytes(),
    write: (frame) => {
      let stampedAtMs = 0;
      const stamped = stampFrame(frame, () => (stampedAtMs = nowEpochMs()));
      if (onFlushed && stamped !== frame) sink.write(stamped, () => onFlushed(stampedAtMs, nowEpochMs()));
      else sink.write(stamped);
    },
  };
}

/** The frame itself when it holds no stamp, else a stamped copy. */
export function stampFrame(frame: Buffer, nowEpochMs: () => number): Buffer {
  let at = frame.indexOf(MARK);
  if (at < 0) return frame;
  const copy = Buffer.from(frame);
  const stamp = formatSendTime(nowEpochMs());
  while (at >= 0) {
    const value = at + MARK.length;
    if (copy.indexOf(QUOTE, value) === value + WIDTH) copy.write(stamp, value, 'latin1');
    at = copy.indexOf(MARK, value);
  }
  return copy;
}
