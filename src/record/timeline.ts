/**
 * The recorded timeline of one watch stream: an append-only list of plain, JSON-serializable
 * entries. Every check, verdict and report figure is derived from these records only, so a
 * recording replayed offline yields the same report as the live run.
 *
 * Times (`atMs`) are monotonic milliseconds since the run's clock anchor (see clock.ts), taken
 * the moment a chunk arrived, before it was parsed.
 */

/** The watch query parameters watchmark controls (kube-apiserver's metav1.ListOptions names). */
export interface WatchOptions {
  resourceVersion?: string;
  resourceVersionMatch?: string;
  sendInitialEvents?: boolean;
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
  labelSelector?: string;
  fieldSelector?: string;
}

/** What the watched objects are: used to check bookmark objects carry the watched kind. */
export interface WatchedKind {
  /** e.g. "v1" or "kinm.test/v1" */
  apiVersion: string;
  /** e.g. "ConfigMap" */
  kind: string;
  /** plural resource name as in the URL, e.g. "configmaps" */
  resource: string;
}

export interface WatchRequestRecord {
  method: 'GET';
  /** Path and query as sent (no host, no credentials), e.g. /api/v1/namespaces/x/configmaps?watch=true&... */
  path: string;
  namespace?: string;
  watched: WatchedKind;
  options: WatchOptions;
  /** When the request was handed to the HTTP client (client-go's watchStart is taken just before this). */
  sentAtMs: number;
  /**
   * The Accept header sent, when it was not plain `application/json` (--encoding protobuf);
   * absent: JSON was asked for (and recordings made before the flag existed).
   */
  accept?: string;
}

export type CloseReason =
  /** The server ended the body cleanly (client-go sees io.EOF: a normal watch end). */
  | 'server-eof'
  /** The connection was reset or the HTTP/2 stream was cancelled by the peer. */
  | 'reset'
  /** watchmark closed the stream itself (observation window over, or Ctrl-C). */
  | 'client-abort'
  /** Any other transport error (TLS, protocol, socket error). */
  | 'error'
  /**
   * watchmark never sent the request: the stream's resourceVersion was to be taken from the run
   * (another stream's event or bookmark, a workload write) and there was none; `error.message`
   * says why. The entry's time is when the stream was due to open.
   */
  | 'not-opened';

export type TimelineEntry =
  | ResponseEntry
  | ChunkEntry
  | EventEntry
  | MalformedFrameEntry
  | DroppedEntry
  | CloseEntry;

/** Response head. For non-200 responses `body` holds the (bounded) response body text. */
export interface ResponseEntry {
  kind: 'response';
  atMs: number;
  status: number;
  /** "1.1" or "2.0" */
  httpVersion: string;
  contentType: string | null;
  /** Response headers, lower-cased names; never includes anything watchmark sent. */
  headers: Record<string, string>;
  body?: string;
}

/** One chunk of body bytes as it arrived (HTTP/1.1 chunk or HTTP/2 DATA payload, as the client saw it). */
export interface ChunkEntry {
  kind: 'chunk';
  atMs: number;
  bytes: number;
}

/** The known watch event types (apimachinery pkg/watch/watch.go). */
export const WATCH_EVENT_TYPES = ['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR'] as const;
export type WatchEventType = (typeof WATCH_EVENT_TYPES)[number];

/**
 * One decoded frame that was a JSON object. `type` is kept as received, so unknown types are
 * recorded, never dropped; `object` is the parsed `object` field (undefined when absent).
 * `atMs` is the arrival time of the chunk that completed the frame.
 */
export interface EventEntry {
  kind: 'event';
  atMs: number;
  /** 0-based index among the stream's event entries. */
  seq: number;
  type: string;
  object: unknown;
  /** Byte length of the frame (protobuf streams: the 4-byte length prefix included). */
  bytes: number;
}

/** A frame that was not a JSON object (bad JSON, a JSON value that is not an object, a truncated last frame). */
export interface MalformedFrameEntry {
  kind: 'malformed';
  atMs: number;
  /** The frame text, cut to at most 4 KiB; with `rawEncoding: 'base64'`, the frame's first bytes (at most 4 KiB) in base64. */
  raw: string;
  error: string;
  /**
   * Protobuf streams (decode/protobuf-frames.ts): frames are binary, so `raw` is base64 of the
   * frame's first bytes, its 4-byte length prefix included. Absent: `raw` is text (JSON streams).
   */
  rawEncoding?: 'base64';
  /** Protobuf streams: 0-based index of the frame among the stream's frames (events and malformed frames alike). */
  frame?: number;
  /** Protobuf streams: byte offset of the frame's length prefix in the response body. */
  offset?: number;
  /** Protobuf streams, a frame cut off at the end: what its length prefix claimed and what arrived. */
  detail?: string;
  /**
   * Protobuf streams, a length prefix over --max-frame-size: the length it claimed. watchmark stops
   * decoding there, but client-go keeps reading the frame (reflector/decoder.ts isUnfinishedFrame).
   */
  claimedBytes?: number;
}

/**
 * What the decoder counted without keeping, so memory stays bounded whatever the server sends
 * (decode/watch-frames.ts). At most one per stream, just before its close entry, and only when
 * something was dropped.
 */
export interface DroppedEntry {
  kind: 'dropped';
  atMs: number;
  /** Malformed frames after the stream's first 100 (those are kept as entries): counted only. */
  malformedFrames: number;
  /**
   * Bytes never decoded because a frame outgrew the frame limit (--max-frame-size): that frame's
   * bytes and everything the stream delivered after it (that frame is kept as a malformed entry).
   */
  undecodedBytes: number;
}

export interface CloseEntry {
  kind: 'close';
  atMs: number;
  reason: CloseReason;
  /** Error code and message for reset/error closes (undici codes mapped at the transport boundary). */
  error?: { code: string; message: string };
}

/**
 * What a stream is for, so checks find their streams by role, never by id or scenario name:
 * `resume` re-watches from an RV observed earlier in the run (watch.resume), `expired` watches
 * from an RV the server should no longer serve (watch.expired).
 */
export type StreamRole = 'resume' | 'expired';

/** Where a stream's resourceVersion was taken from, when it came from the run itself. */
export type StreamStartedFrom =
  | {
      /** The last event or bookmark another stream delivered up to a moment. */
      kind: 'from-stream';
      stream: string;
      of: 'event' | 'bookmark' | 'any';
      resourceVersion: string;
      /** The source stream's event the RV was taken from. */
      eventSeq: number;
      eventType: string;
      eventAtMs: number;
    }
  | {
      /** The RV a workload write was acknowledged with. */
      kind: 'from-write';
      /** 0-based index in RunRecord.writes (seeds included). */
      index: number;
      resourceVersion: string;
      verb: WorkloadWrite['verb'];
      name: string;
      writeAtMs: number;
    };

/** One watch stream with its request and timeline. */
export interface StreamRecord {
  /** Stable id within a run, e.g. "watch-list#1". */
  id: string;
  /** Which scenario opened it. */
  scenario: string;
  /** Set for streams a role-based check judges (see StreamRole). */
  role?: StreamRole;
  /** Where request.options.resourceVersion came from, when it was taken from the run. */
  startedFrom?: StreamStartedFrom;
  request: WatchRequestRecord;
  entries: TimelineEntry[];
}

/** A write made by watchmark's own workload, as the server acknowledged it. */
export interface WorkloadWrite {
  /** Response received at. */
  atMs: number;
  /** Request sent at. */
  sentAtMs: number;
  verb: 'create' | 'update' | 'delete';
  resource: string;
  namespace?: string;
  name: string;
  /** metadata.resourceVersion of the object in the response (for delete: of the returned object, when any). */
  resourceVersion?: string;
}

/**
 * One LIST request (what a client-go <= v0.34 informer does first: resourceVersion=0, limit=500),
 * recorded so the LIST+WATCH verdict rests on what the server really answered.
 */
export interface ListRecord {
  id: string;
  scenario: string;
  /** Path and query as sent. */
  path: string;
  sentAtMs: number;
  /** Response fully read at. */
  atMs: number;
  status: number;
  /** Number of items, when the body was a list. */
  itemCount?: number;
  /** metadata.resourceVersion of the list, when present. */
  resourceVersion?: string;
  /** metadata.continue, when present (paginated). */
  continueToken?: string;
  /** Status message or transport error for failures. */
  error?: string;
}

/** Everything recorded in one run: the input of every check and of the report. */
export interface RunRecord {
  /** Wall-clock epoch ms of the clock anchor (atMs 0). */
  anchorWallMs: number;
  streams: StreamRecord[];
  lists: ListRecord[];
  writes: WorkloadWrite[];
  /** Monotonic ms at which observation ended (all streams stopped being read). */
  endedAtMs: number;
}
