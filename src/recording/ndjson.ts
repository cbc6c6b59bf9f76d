/**
 * Recordings: a run's measurement (facts + raw record) as NDJSON, one JSON object per line, so a
 * long run streams in and out line by line and can be inspected with jq. Pure: lines in, lines
 * out; the file I/O is in file.ts.
 *
 *   {"kind":"watchmark-recording","version":1,"tool":{...},"anchorWallMs":...,<facts but workload>}
 *   {"kind":"stream","id":"watch-list#1","scenario":...,"request":{...}}     one per stream, in order,
 *   {"kind":"entry","stream":"watch-list#1","entry":{"kind":"response",...}}  each followed by its entries
 *   {"kind":"list","id":"list#1",...}                                        one per LIST
 *   {"kind":"write","verb":"create",...}                                     one per workload write
 *   {"kind":"end","endedAtMs":...,"workload":{...},"counts":{...}}           the footer
 *
 * Entries keep their own `kind` inside `entry`, so `jq 'select(.entry.kind=="event")'` picks
 * every frame. A recording without its footer still decodes (with a notice): the report then
 * covers what it holds.
 */
import { z } from 'zod';
import { WatchmarkError } from '../errors.js';
import { DEFAULT_CHECK_PARAMS } from '../checks/types.js';
import type { ListRecord, RunRecord, StreamRecord, TimelineEntry, WorkloadWrite } from '../record/timeline.js';
import type { RunFacts, RunMeasurement } from '../report/derive-report.js';
import { TOOL } from '../version.js';

export const RECORDING_KIND = 'watchmark-recording';
export const RECORDING_VERSION = 1;

export interface RecordingCounts {
  streams: number;
  entries: number;
  lists: number;
  writes: number;
}

/** First line: what the recording is, who made it, and the facts known before the streams. */
export type RecordingHeader = {
  kind: typeof RECORDING_KIND;
  version: typeof RECORDING_VERSION;
  /** The watchmark that recorded it. */
  tool: { name: string; version: string };
  /** RunRecord.anchorWallMs: wall-clock epoch ms of atMs 0. */
  anchorWallMs: number;
} & Omit<RunFacts, 'workload'>;

/** Last line: what is known only at the end of a run, and how many lines of each kind precede it. */
export interface RecordingFooter {
  kind: 'end';
  /** RunRecord.endedAtMs */
  endedAtMs: number;
  workload: RunFacts['workload'];
  counts: RecordingCounts;
}

/** A decoded recording: the measurement, the recording tool, and what the reader should know. */
export interface DecodedRecording extends RunMeasurement {
  tool: { name: string; version: string };
  /** false when the footer is missing (interrupted run, cut-short file). */
  complete: boolean;
  /** One-line notices for the user (incomplete recording, other watchmark version). */
  notices: string[];
}

// Every RunRecord field must be saved somewhere: a new field fails to compile here until the
// encoder and decoder carry it.
const RUN_RECORD_FIELDS: Record<keyof RunRecord, 'header' | 'lines' | 'footer'> = {
  anchorWallMs: 'header',
  streams: 'lines',
  lists: 'lines',
  writes: 'lines',
  endedAtMs: 'footer',
};
void RUN_RECORD_FIELDS;

/**
 * The recording of a measurement, line by line (no newlines): the record exactly as measured.
 * The transport redacts response headers, error bodies and messages as it records
 * (transport/watch-stream.ts) and the facts' config is redacted (redactConfig) before it gets
 * here; frames are as received, so writeRecordingFile redacts each line with the run's
 * credentials (a server may echo one into a frame).
 */
export function* encodeRecording(m: RunMeasurement, tool: { name: string; version: string } = TOOL): Generator<string> {
  const { workload, ...facts } = m.facts;
  const header: RecordingHeader = { kind: RECORDING_KIND, version: RECORDING_VERSION, tool, anchorWallMs: m.record.anchorWallMs, ...facts };
  yield JSON.stringify(header);
  let entries = 0;
  for (const stream of m.record.streams) {
    const { entries: timeline, ...head } = stream;
    yield JSON.stringify({ kind: 'stream', ...head });
    for (const entry of timeline) {
      entries++;
      yield JSON.stringify({ kind: 'entry', stream: stream.id, entry });
    }
  }
  for (const list of m.record.lists) yield JSON.stringify({ kind: 'list', ...list });
  for (const write of m.record.writes) yield JSON.stringify({ kind: 'write', ...write });
  const footer: RecordingFooter = {
    kind: 'end',
    endedAtMs: m.record.endedAtMs,
    workload,
    counts: { streams: m.record.streams.length, entries, lists: m.record.lists.length, writes: m.record.writes.length },
  };
  yield JSON.stringify(footer);
}

/** The whole recording as one NDJSON text (every line ends with a newline). */
export function encodeRecordingText(m: RunMeasurement, tool?: { name: string; version: string }): string {
  let text = '';
  for (const line of encodeRecording(m, tool)) text += line + '\n';
  return text;
}

// --- decoding --------------------------------------------------------------------------------

const finite = z.number();
const str = z.string();

const ScenarioSchema = z.looseObject({ name: str, file: str, description: str, checkParams: z.record(str, finite.nullable()) });
const HeaderSchema = z.looseObject({
  tool: z.looseObject({ name: str, version: str }),
  anchorWallMs: finite,
  startedAtMs: finite,
  target: z.looseObject({ server: str, source: str, serverVersion: str.nullable(), description: str }),
  resource: z.looseObject({ name: str, apiVersion: str, kind: str, namespace: str.nullable() }).nullable(),
  config: z.record(str, z.unknown()),
  failOn: z.enum(['fail', 'warn']),
  scenarios: z.array(ScenarioSchema),
  checkParams: z.looseObject({ defaults: z.record(str, finite.nullable()), overrides: z.record(str, finite.nullable()) }),
});
const StreamSchema = z.looseObject({
  id: str,
  scenario: str,
  role: str.optional(),
  startedFrom: z.looseObject({ kind: str }).optional(),
  request: z.looseObject({
    method: z.literal('GET'),
    path: str,
    namespace: str.optional(),
    watched: z.looseObject({ apiVersion: str, kind: str, resource: str }),
    options: z.record(str, z.unknown()),
    sentAtMs: finite,
  }),
});
const EntrySchema = z.discriminatedUnion('kind', [
  z.looseObject({
    kind: z.literal('response'),
    atMs: finite,
    status: finite,
    httpVersion: str,
    contentType: str.nullable(),
    headers: z.record(str, str),
    body: str.optional(),
  }),
  z.looseObject({ kind: z.literal('chunk'), atMs: finite, bytes: finite }),
  z.looseObject({ kind: z.literal('event'), atMs: finite, seq: finite, type: str, object: z.unknown(), bytes: finite }),
  z.looseObject({ kind: z.literal('malformed'), atMs: finite, raw: str, error: str }),
  z.looseObject({ kind: z.literal('dropped'), atMs: finite, malformedFrames: finite, undecodedBytes: finite }),
  z.looseObject({
    kind: z.literal('close'),
    atMs: finite,
    reason: z.enum(['server-eof', 'reset', 'client-abort', 'error', 'not-opened']),
    error: z.looseObject({ code: str, message: str }).optional(),
  }),
]);
const EntryLineSchema = z.looseObject({ stream: str, entry: EntrySchema });
const ListSchema = z.looseObject({
  id: str,
  scenario: str,
  path: str,
  sentAtMs: finite,
  atMs: finite,
  status: finite,
  itemCount: finite.optional(),
  resourceVersion: str.optional(),
  continueToken: str.optional(),
  error: str.optional(),
});
const WriteSchema = z.looseObject({
  atMs: finite,
  sentAtMs: finite,
  verb: z.enum(['create', 'update', 'delete']),
  resource: str,
  namespace: str.optional(),
  name: str,
  resourceVersion: str.optional(),
});
const CountsSchema = z.looseObject({ streams: finite, entries: finite, lists: finite, writes: finite });
const FooterSchema = z.looseObject({
  endedAtMs: finite,
  workload: z.looseObject({ namespace: str.nullable(), writes: finite, cleanupProblems: z.array(str) }).nullable(),
  counts: CountsSchema,
});

type JsonObject = Record<string, unknown>;

/**
 * Decodes a recording line by line (feed `line()` in order, then `end()`), so a large recording
 * never has to be in memory as text. Errors are WM_RECORDING WatchmarkErrors naming the line:
 * `rec.ndjson:17: not a JSON object`.
 */
export class RecordingDecoder {
  private lineNo = 0;
  private header: (RecordingHeader & JsonObject) | undefined;
  private footer: RecordingFooter | undefined;
  private readonly streams = new Map<string, StreamRecord>();
  private readonly record: Omit<RunRecord, 'endedAtMs' | 'anchorWallMs'> = { streams: [], lists: [], writes: [] };
  private entries = 0;

  /** `name` is how errors and notices refer to the recording (its path). */
  constructor(readonly name: string) {}

  /** The next line, without its newline. Blank lines are skipped. */
  line(text: string): void {
    this.lineNo++;
    if (text.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw this.error(`not a JSON object (${(err as Error).message})`);
    }
    this.value(value);
  }

  /**
   * Ends the recording. `tail` is text after the last newline, when the input did not end with
   * one: a line cut short by an interrupted write is dropped (the recording is incomplete), a
   * whole line without its newline is decoded.
   */
  end(tail = ''): DecodedRecording {
    let cutShort = false;
    if (tail.trim() !== '') {
      let value: unknown;
      this.lineNo++;
      try {
        value = JSON.parse(tail);
      } catch {
        cutShort = this.header !== undefined;
        if (!cutShort) throw this.error('not a JSON object (the file ends inside its first line)');
      }
      if (!cutShort) this.value(value);
    }
    const header = this.header;
    if (!header) throw new WatchmarkError('WM_RECORDING', `${this.name}: empty file, not a watchmark recording`);
    const { kind: _kind, version: _version, tool, anchorWallMs, ...facts } = header;
    const notices: string[] = [];
    if (tool.name !== TOOL.name || tool.version !== TOOL.version) {
      notices.push(`${this.name}: recorded by ${tool.name} ${tool.version}, replayed by ${TOOL.name} ${TOOL.version}: checks and verdicts are this version's`);
    }
    let endedAtMs: number;
    let workload: RunFacts['workload'];
    if (this.footer) {
      endedAtMs = this.footer.endedAtMs;
      workload = this.footer.workload;
    } else {
      notices.push(
        `${this.name}: recording is incomplete (no footer${cutShort ? `, line ${this.lineNo} cut short` : ''}): the run was interrupted or the file was cut; ` +
          'the report covers what it holds, ending at its last recorded time, and the cleanup result is unknown',
      );
      endedAtMs = this.lastRecordedMs(facts.startedAtMs);
      const writes = this.record.writes.length;
      workload = writes > 0 ? { namespace: facts.resource?.namespace ?? null, writes, cleanupProblems: [] } : null;
    }
    // A parameter declared after the recording was made was not in force then: its default is.
    const checkParams = { ...facts.checkParams, defaults: { ...DEFAULT_CHECK_PARAMS, ...facts.checkParams.defaults } };
    return {
      facts: { ...facts, checkParams, workload },
      record: { anchorWallMs, ...this.record, endedAtMs },
      tool,
      complete: this.footer !== undefined,
      notices,
    };
  }

  private value(value: unknown): void {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw this.error('not a JSON object');
    const line = value as JsonObject;
    if (!this.header) {
      this.header = this.decodeHeader(line);
      return;
    }
    if (this.footer) throw this.error(`a "${String(line.kind)}" line after the "end" line`);
    switch (line.kind) {
      case 'stream': {
        this.validate(StreamSchema, line, 'stream line');
        const { kind: _kind, ...head } = line;
        const stream = { ...head, entries: [] } as unknown as StreamRecord;
        if (this.streams.has(stream.id)) throw this.error(`stream "${stream.id}" appears twice`);
        this.streams.set(stream.id, stream);
        this.record.streams.push(stream);
        return;
      }
      case 'entry': {
        this.validate(EntryLineSchema, line, 'entry line');
        const id = line.stream as string;
        const stream = this.streams.get(id);
        if (!stream) throw this.error(`entry for unknown stream "${id}" (its "stream" line must come first)`);
        stream.entries.push(line.entry as TimelineEntry);
        this.entries++;
        return;
      }
      case 'list': {
        this.validate(ListSchema, line, 'list line');
        const { kind: _kind, ...list } = line;
        this.record.lists.push(list as unknown as ListRecord);
        return;
      }
      case 'write': {
        this.validate(WriteSchema, line, 'write line');
        const { kind: _kind, ...write } = line;
        this.record.writes.push(write as unknown as WorkloadWrite);
        return;
      }
      case 'end': {
        this.validate(FooterSchema, line, 'end line');
        const footer = line as unknown as RecordingFooter;
        const held: RecordingCounts = { streams: this.record.streams.length, entries: this.entries, lists: this.record.lists.length, writes: this.record.writes.length };
        for (const key of ['streams', 'entries', 'lists', 'writes'] as const) {
          if (footer.counts[key] !== held[key]) {
            throw this.error(`the "end" line counts ${footer.counts[key]} ${key}, the recording holds ${held[key]}: lines are missing or were added`);
          }
        }
        this.footer = footer;
        return;
      }
      case 'watchmark-recording':
        throw this.error('a second header line (two recordings concatenated?)');
      default:
        throw this.error(`unknown line kind ${JSON.stringify(line.kind)} (expected stream, entry, list, write or end)`);
    }
  }

  private decodeHeader(line: JsonObject): RecordingHeader & JsonObject {
    if (line.kind !== RECORDING_KIND) {
      throw this.error(`not a watchmark recording (the first line must be {"kind":"${RECORDING_KIND}","version":${RECORDING_VERSION},...})`);
    }
    if (line.version !== RECORDING_VERSION) {
      throw this.error(`recording version ${JSON.stringify(line.version)} is not supported (${TOOL.name} ${TOOL.version} reads version ${RECORDING_VERSION})`);
    }
    this.validate(HeaderSchema, line, 'header');
    return line as RecordingHeader & JsonObject;
  }

  private validate(schema: z.ZodType, line: JsonObject, what: string): void {
    const result = schema.safeParse(line);
    if (result.success) return;
    const issue = result.error.issues[0]!;
    const where = issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ` : '';
    throw this.error(`invalid ${what}: ${where}${issue.message}`);
  }

  private lastRecordedMs(startedAtMs: number): number {
    let last = startedAtMs;
    for (const s of this.record.streams) {
      last = Math.max(last, s.request.sentAtMs);
      for (const e of s.entries) last = Math.max(last, e.atMs);
    }
    for (const l of this.record.lists) last = Math.max(last, l.atMs);
    for (const w of this.record.writes) last = Math.max(last, w.atMs);
    return last;
  }

  private error(message: string): WatchmarkError {
    return new WatchmarkError('WM_RECORDING', `${this.name}:${this.lineNo}: ${message}`, { file: this.name, line: this.lineNo });
  }
}

/** Decodes a whole recording text; `name` names it in errors (`name:LINE: ...`). */
export function decodeRecording(text: string, name = 'recording'): DecodedRecording {
  const decoder = new RecordingDecoder(name);
  let start = 0;
  for (let nl = text.indexOf('\n', start); nl !== -1; nl = text.indexOf('\n', start)) {
    decoder.line(stripCr(text.slice(start, nl)));
    start = nl + 1;
  }
  return decoder.end(text.slice(start));
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
