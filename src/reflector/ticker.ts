/**
 * The reflector's initial-events-end bookmark ticker (client-go tools/cache/reflector.go v0.35.0
 * initialEventsEndBookmarkTicker, warnIfExpired; identical v0.33-HEAD, spec 1.4) on a recorded
 * watch-list stream: the "Warning: event bookmark expired" lines it would log, and which ticks are
 * a coin toss. Read by the initial-events-end.latency check, the client-go verdict and the HTML timeline.
 */
import { formatGoDuration } from '../go-duration.js';
import { responseOf } from '../record/accessors.js';
import { isWatchListRequest } from '../record/requests.js';
import type { StreamRecord } from '../record/timeline.js';
import type { InformerKind } from './decoder.js';
import { REFLECTOR, bookmarkExpiredLine } from './klog.js';
import { walkWatch } from './walk.js';

/** The reflector's initial-events-end ticker interval (newInitialEventsEndBookmarkTicker, 10*time.Second). */
export const BOOKMARK_TICKER_INTERVAL_MS = 10_000;

/**
 * How close (ms) a tick may come to a decision boundary before its outcome is a coin toss: the
 * reflector's ticker starts a moment after the response and its goroutine runs late under load,
 * and events are timestamped on arrival here, not when handleAnyWatch processes them. A real
 * v0.37.2 informer logged 2 warnings where the exact timeline gives 1 (the 10 s tick 9.99x s after
 * events that arrived within ms of the watch start).
 */
export const TICK_RACE_MS = 50;

/** One tick of the initial-events-end ticker: the line logged at exactly `atMs`, and whether that is a coin toss. */
interface TickAccount {
  atMs: number;
  line: string | null;
  /** null when the outcome is certain; else why it could go the other way. */
  race: string | null;
  /** The outcome with the tick handled TICK_RACE_MS earlier / later. */
  earlier: boolean;
  later: boolean;
}

function reflectorTicks(stream: StreamRecord, untilMs: number, informer: InformerKind): TickAccount[] {
  const response = responseOf(stream);
  if (!isWatchListRequest(stream.request.options) || response?.status !== 200) return [];
  const walk = walkWatch(stream, { watchList: true, fromIndex: stream.entries.indexOf(response) + 1, informer });
  // The stream's own end (synced, closed, error): ticks race with it. The end of observation
  // ('open': watchmark stopped reading) is no event the reflector sees, so nothing races with it.
  const endMs = walk.end.kind !== 'open' && walk.end.atMs <= untilMs ? walk.end.atMs : undefined;
  const observedUntil = walk.end.atMs === undefined ? untilMs : Math.min(untilMs, walk.end.atMs);
  const watchStartMs = stream.request.sentAtMs;
  const processed = walk.processedAtMs;
  // What a tick handled at tMs logs: nothing once the stream ended or synced, "awaiting" before any
  // event, "hasn't received" once the last event is at least 10 s old (warnIfExpired). An event
  // arriving exactly at a tick counts as processed before it.
  const decide = (tMs: number): { line: string | null; lastEventMs: number | undefined } => {
    if (endMs !== undefined && tMs >= endMs) return { line: null, lastEventMs: undefined };
    let lastEventMs: number | undefined;
    for (const atMs of processed) {
      if (atMs > tMs) break;
      lastEventMs = atMs;
    }
    if (lastEventMs === undefined) {
      return {
        line: bookmarkExpiredLine(`${REFLECTOR}: awaiting required bookmark event for initial events stream, no events received for ${formatGoDuration(tMs - watchStartMs)}`),
        lastEventMs,
      };
    }
    if (tMs - lastEventMs >= BOOKMARK_TICKER_INTERVAL_MS) {
      return {
        line: bookmarkExpiredLine(
          `${REFLECTOR}: hasn't received required bookmark event marking the end of initial events stream, received last event ${formatGoDuration(tMs - lastEventMs)} ago`,
        ),
        lastEventMs,
      };
    }
    return { line: null, lastEventMs };
  };
  const ticks: TickAccount[] = [];
  for (let tick = 1; ; tick++) {
    const tickMs = response.atMs + tick * BOOKMARK_TICKER_INTERVAL_MS;
    if (endMs === undefined ? !(tickMs < observedUntil) : tickMs >= endMs + TICK_RACE_MS) break;
    const exact = decide(tickMs);
    const earlier = decide(tickMs - TICK_RACE_MS).line !== null;
    const later = endMs !== undefined || tickMs + TICK_RACE_MS < observedUntil ? decide(tickMs + TICK_RACE_MS).line !== null : exact.line !== null;
    let race: string | null = null;
    if (earlier !== later || earlier !== (exact.line !== null)) {
      const label = `the ${formatGoDuration(tickMs - response.atMs)} tick`;
      if (endMs !== undefined && Math.abs(endMs - tickMs) < TICK_RACE_MS) {
        race = `${label} and the stream's ${walk.end.kind === 'synced' ? 'end bookmark' : 'end'} arrived ${formatGoDuration(Math.abs(endMs - tickMs))} apart`;
      } else {
        const near = processed.find((atMs) => Math.abs(atMs - tickMs) < TICK_RACE_MS);
        const last = exact.lastEventMs;
        race =
          near !== undefined || last === undefined
            ? `an event arrived ${formatGoDuration(Math.abs((near ?? tickMs) - tickMs))} from ${label}`
            : `at ${label} the last event was ${formatGoDuration(tickMs - last)} old, ${formatGoDuration(Math.abs(tickMs - last - BOOKMARK_TICKER_INTERVAL_MS))} from the 10 s threshold`;
      }
    }
    ticks.push({ atMs: tickMs, line: exact.line, race, earlier, later });
  }
  return ticks;
}

/**
 * The "Warning: event bookmark expired" lines a client-go v0.35+ reflector would log on this
 * stream (reflector.go v0.35.0 initialEventsEndBookmarkTicker; identical v0.33-HEAD, spec 1.4):
 * the ticker exists only in watch-list mode, is created when the response arrives and ticks every
 * 10 s; at each tick before the initial-events-end bookmark (and before the stream ended or
 * `untilMs`) it logs "awaiting ..., no events received for <since watchStart>" while no event has
 * been processed, else "hasn't received ..., received last event <elapsed> ago" once the last
 * event is at least 10 s old. watchStart is the request's sentAtMs. An event arriving exactly at
 * a tick counts as processed before it. Returns [] for anything but a 200 watch-list stream.
 * `atMs` is on the run clock (like the stream's entries). `informer` as in walkWatch (default typed).
 */
export function reflectorWarnings(stream: StreamRecord, untilMs: number, informer: InformerKind = 'typed'): Array<{ atMs: number; line: string }> {
  return reflectorWarningAccount(stream, untilMs, informer).lines;
}

/**
 * The range of warning counts a real reflector may log, when some tick is a coin toss (within
 * TICK_RACE_MS of a decision boundary), with why.
 */
export type WarningRange = { min: number; max: number; races: string[] };

/** The warning lines on the exact timeline, and their range where a tick is a coin toss (undefined when the count is certain). */
export function reflectorWarningAccount(
  stream: StreamRecord,
  untilMs: number,
  informer: InformerKind,
): { lines: Array<{ atMs: number; line: string }>; range: WarningRange | undefined } {
  const ticks = reflectorTicks(stream, untilMs, informer);
  const lines = ticks.flatMap((tick) => (tick.line === null ? [] : [{ atMs: tick.atMs, line: tick.line }]));
  const races = ticks.filter((tick) => tick.race !== null);
  if (races.length === 0) return { lines, range: undefined };
  const min = ticks.filter((tick) => tick.line !== null && tick.earlier && tick.later).length;
  const max = ticks.filter((tick) => tick.line !== null || tick.earlier || tick.later).length;
  return { lines, range: min === max ? undefined : { min, max, races: races.map((tick) => tick.race!) } };
}
