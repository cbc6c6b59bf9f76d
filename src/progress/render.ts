import pc from 'picocolors';
import { expiredWarningsAt, type ProgressState, type StreamProgress } from './model.js';

/**
 * Pure renderers of the live progress: the status block a TTY shows (rewritten in place by the
 * driver) and the one line printed periodically when stderr is not a terminal.
 */

type Tone = 'bold' | 'dim' | 'yellow' | 'cyan';
type Segment = readonly [text: string, tone?: Tone];

/** The status block: one string per terminal line, each at most `width - 1` columns (no wrapping). */
export function renderProgressBlock(state: ProgressState, nowMs: number, options: { width: number; color: boolean }): string[] {
  const lines: Segment[][] = [];
  lines.push([['watchmark', 'bold'], ['  '], [state.phase, 'cyan'], ['  '], [phaseText(state, nowMs)]]);
  if (state.window) {
    const counts = streamCounts(state.streams);
    lines.push([
      [label('streams'), 'dim'],
      [
        joinParts([
          `${counts.open} open`,
          `${counts.closed} closed`,
          counts['not-opened'] > 0 ? `${counts['not-opened']} not opened` : '',
          counts.pending > 0 ? `${counts.pending} pending` : '',
        ], ' · '),
      ],
    ]);
    lines.push([
      [label('events'), 'dim'],
      [joinParts([plural(state.events, 'event'), plural(state.bookmarks, 'bookmark'), state.malformedFrames > 0 ? plural(state.malformedFrames, 'malformed frame') : ''], ' · ')],
    ]);
    const ends = initialEventsEndParts(state.streams, nowMs);
    if (ends.length > 0) lines.push([[label('initial-events-end'), 'dim'], [ends.join(' · ')]]);
    const findings = certainFindings(state, nowMs);
    if (findings.length === 0) lines.push([[label('so far'), 'dim'], ['nothing certain to report yet', 'dim']]);
    for (const finding of findings) lines.push([[label('so far'), 'dim'], ['! ', 'yellow'], [finding, 'yellow']]);
  }
  return lines.map((segments) => paint(segments, Math.max(10, options.width - 1), options.color));
}

/** The periodic line for a stream that is not a terminal, e.g. `watchmark: observe 10/16 s: 15 streams open, 412 events, 9 bookmarks`. */
export function renderProgressLine(state: ProgressState, nowMs: number): string {
  const head = `watchmark: ${state.phase} ${phaseText(state, nowMs, { short: true })}`;
  if (!state.window) return head;
  const counts = streamCounts(state.streams);
  const parts = [
    `${plural(counts.open, 'stream')} open`,
    counts.closed > 0 ? `${counts.closed} closed` : '',
    counts['not-opened'] > 0 ? `${counts['not-opened']} not opened` : '',
    plural(state.events, 'event'),
    plural(state.bookmarks, 'bookmark'),
    state.malformedFrames > 0 ? plural(state.malformedFrames, 'malformed frame') : '',
  ];
  const findings = certainFindings(state, nowMs, { detail: true });
  return `${head}: ${joinParts(parts, ', ')}${findings.length > 0 ? `; so far: ${findings.join('; ')}` : ''}`;
}

function phaseText(state: ProgressState, nowMs: number, opts: { short?: boolean } = {}): string {
  const since = state.phaseSinceMs === null ? 0 : nowMs - state.phaseSinceMs;
  const w = state.window;
  if (state.phase === 'observe' && w) {
    const elapsedMs = Math.max(0, nowMs - w.startMs);
    if (elapsedMs < w.windowMs) {
      const left = `${secs(w.windowMs - elapsedMs, 'ceil')} s left`;
      return opts.short ? `${secs(elapsedMs)}/${secs(w.windowMs)} s` : `${secs(elapsedMs)} s of ${secs(w.windowMs)} s · ${left}`;
    }
    // run-suite.ts keeps a watch-list awaiting its end bookmark open past the window, up to maxWindowMs.
    const awaiting = state.streams.filter((s) => s.watchList && s.state === 'open' && s.initialEventsEndAtMs === undefined).map((s) => s.id);
    const over = `window ${secs(w.windowMs)} s over`;
    const upTo = `waiting up to ${secs(w.maxWindowMs - elapsedMs, 'ceil')} s for`;
    const tail =
      awaiting.length === 0
        ? `${over}, closing the streams`
        : opts.short
          ? `${over}, ${upTo} the initial-events-end bookmark of ${awaiting.join(', ')}`
          : `${over} · ${upTo} ${plural(awaiting.length, 'end bookmark')}`;
    return opts.short ? `${secs(elapsedMs)} s (${tail})` : `${secs(elapsedMs)} s · ${tail}`;
  }
  const seconds = `${secs(since)} s`;
  if (state.phase === 'starting') return opts.short ? seconds : `${seconds} · starting the target, discovery, namespace`;
  return opts.short ? `${seconds} (${state.phaseDetail})` : `${seconds} · ${state.phaseDetail}`;
}

/**
 * What is already certain from what arrived, without running the checks: the "bookmark expired"
 * lines client-go has logged by now (initial-events-end.latency), bookmarks nobody asked for
 * (bookmark.unrequested), and failed workload writes.
 */
export function certainFindings(state: ProgressState, nowMs: number, opts: { detail?: boolean } = {}): string[] {
  const out: string[] = [];
  const expired = state.streams.map((s) => ({ s, n: expiredWarningsAt(s, nowMs) })).filter((x) => x.n > 0);
  if (expired.length > 0) {
    const total = expired.reduce((n, x) => n + x.n, 0);
    if (opts.detail) {
      const where = expired.map(({ s }) =>
        s.initialEventsEndAtMs === undefined && s.state === 'open' ? `${s.id}: no initial-events-end bookmark ${secs(nowMs - s.respondedAtMs!)} s after the response` : s.id,
      );
      out.push(`client-go v0.35+ would have logged "Warning: event bookmark expired" ${total}× (${where.join('; ')})`);
    } else out.push(`${total}× "Warning: event bookmark expired" in client-go v0.35+ (${expired.map(({ s }) => s.id).join(', ')})`);
  }
  if (state.unrequestedBookmarks > 0) out.push(`${plural(state.unrequestedBookmarks, 'BOOKMARK')} on watches that did not ask for bookmarks (bookmark.unrequested)`);
  if (state.writeErrors > 0) out.push(`${plural(state.writeErrors, 'workload write')} failed`);
  return out;
}

/** Per stream, the end bookmark's arrival after the response, or how long a watch-list has been waiting for it. */
function initialEventsEndParts(streams: readonly StreamProgress[], nowMs: number): string[] {
  const parts: string[] = [];
  for (const s of streams) {
    if (s.initialEventsEndAtMs !== undefined) parts.push(`${s.id} ${ms(s.initialEventsEndAtMs - s.respondedAtMs!)}`);
    else if (s.watchList && s.state === 'open' && s.status === 200) parts.push(`${s.id} waiting ${secs(nowMs - s.respondedAtMs!)} s`);
  }
  return parts;
}

function streamCounts(streams: readonly StreamProgress[]): Record<StreamProgress['state'], number> {
  const counts = { pending: 0, open: 0, closed: 0, 'not-opened': 0 };
  for (const s of streams) counts[s.state]++;
  return counts;
}

function paint(segments: readonly Segment[], width: number, color: boolean): string {
  const c = pc.createColors(color);
  let left = width;
  let out = '';
  for (const [text, tone] of segments) {
    if (left <= 0) break;
    const shown = text.length > left ? `${text.slice(0, Math.max(0, left - 1))}…` : text;
    left -= shown.length;
    out += tone ? c[tone](shown) : shown;
  }
  return out;
}

function label(text: string): string {
  return `  ${text.padEnd(20)}`;
}

function joinParts(parts: string[], separator: string): string {
  return parts.filter((p) => p !== '').join(separator);
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function secs(msValue: number, round: 'floor' | 'ceil' = 'floor'): number {
  return Math[round](Math.max(0, msValue) / 1000);
}

function ms(value: number): string {
  return value < 1000 ? `${Math.round(value)} ms` : `${(value / 1000).toFixed(1)} s`;
}
