/**
 * Records one watch stream: an undici dispatch handler that turns the response into timeline
 * entries as it arrives. Each body chunk is timestamped the moment undici hands it over (the
 * socket's data event), before it is decoded; decoded frames carry that chunk's time.
 *
 * A non-200 response is not a watch: its body is not decoded and gets no chunk entries; the
 * response entry is appended once the body has been read, with the first 64 KiB of it.
 *
 * Exactly one `close` entry ends every record, whichever comes first: the server ending the
 * body, a transport error, or watchmark aborting. Callbacks after that are ignored. Response
 * headers, error bodies and error messages pass through the redactor (a server echoing the
 * credential back must not get it into the record), and cookie and auth-challenge header values
 * are replaced outright (SENSITIVE_RESPONSE_HEADERS). Decoded frames are not redacted here, to keep
 * the decode path fast: the CLI redacts them once, at its output boundary (cli/redacting-io.ts).
 */
import type { Dispatcher } from 'undici';
import type { Clock } from '../clock.js';
import { ProtobufFrameDecoder } from '../decode/protobuf-frames.js';
import { WatchFrameDecoder, type FrameDecoder } from '../decode/watch-frames.js';
import { isProtobufResponse } from '../record/requests.js';
import type { CloseEntry, ResponseEntry, StreamRecord, TimelineEntry } from '../record/timeline.js';
import type { ProtocolProbe } from './negotiated-protocol.js';
import { redactResponseHeaders, type Redactor } from './redact.js';
import { classifyTransportError, type TransportFailure } from './transport-errors.js';

/** Bodies of non-200 responses are kept up to this many bytes. */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;

export interface WatchStreamRecorderOptions {
  clock: Clock;
  probe: ProtocolProbe;
  /** Called synchronously after every entry is appended (live printing). */
  onEntry?: ((entry: TimelineEntry) => void) | undefined;
  /** Frame limit (--max-frame-size); default DEFAULT_MAX_FRAME_BYTES. */
  maxFrameBytes?: number | undefined;
  /** The socket reader's newest chunk stamp (monotonic ns), when the client's sockets go through one. */
  arrivalNs?: (() => bigint | undefined) | undefined;
}

export class WatchStreamRecorder implements Dispatcher.DispatchHandler {
  /** Resolves with the record once its close entry is appended; rejects only if onEntry threw. */
  readonly done: Promise<StreamRecord>;
  private resolveDone!: (record: StreamRecord) => void;
  private rejectDone!: (err: unknown) => void;

  /** Picked when a 200 head arrives, by its Content-Type: protobuf frames or JSON. */
  private decoder: FrameDecoder | undefined;
  private controller: Dispatcher.DispatchController | undefined;
  private redact: Redactor = (text) => text;
  private closed = false;
  private programmingError: unknown;
  private responseStatus = 0;
  /** A non-200 response head, appended once its body is read. */
  private pendingResponse: ResponseEntry | undefined;
  private errorBody: Uint8Array[] = [];
  private errorBodyBytes = 0;

  constructor(
    readonly record: StreamRecord,
    private readonly options: WatchStreamRecorderOptions,
  ) {
    this.done = new Promise<StreamRecord>((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Set once the auth headers are known, before the request is dispatched. */
  setRedactor(redact: Redactor): void {
    this.redact = redact;
  }

  /** watchmark ends the stream (its signal fired, or the client is closing). */
  abort(): void {
    if (this.closed) return;
    this.close(this.options.clock.nowMs(), { reason: 'client-abort' });
    this.controller?.abort(new Error('watch closed by watchmark'));
  }

  /** The request could not be sent at all (e.g. authHeaders() failed). */
  failBeforeSend(failure: TransportFailure): void {
    if (this.closed) return;
    this.close(this.options.clock.nowMs(), { reason: failure.closeReason, failure });
  }

  /**
   * The response head did not come in time (the client's header deadline): the stream is closed
   * as failed with `failure` and the request dropped. A no-op once a head arrived or the stream
   * closed: the body of a watch is never bounded.
   */
  failUnanswered(failure: TransportFailure): void {
    if (this.closed || this.responseStatus !== 0) return;
    this.close(this.options.clock.nowMs(), { reason: failure.closeReason, failure });
    this.controller?.abort(new Error(failure.message));
  }

  // --- undici DispatchHandler ----------------------------------------------------------------

  onRequestStart(controller: Dispatcher.DispatchController): void {
    if (this.closed) {
      controller.abort(new Error('watch closed by watchmark'));
      return;
    }
    this.controller = controller;
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
  ): void {
    const atMs = this.arrivalMs();
    if (this.closed || statusCode < 200) return; // 1xx: informational, the real head follows
    this.controller = controller;
    this.responseStatus = statusCode;
    const recorded = this.recordHeaders(headers);
    const entry: ResponseEntry = {
      kind: 'response',
      atMs,
      status: statusCode,
      httpVersion: this.options.probe.httpVersion(),
      contentType: recorded['content-type'] ?? null,
      headers: recorded,
    };
    if (statusCode === 200) {
      // Whatever was asked for, the body is decoded as what the server says it is: a JSON answer
      // to a protobuf request is legal (client-go's negotiator decodes it as JSON too).
      const limit = this.options.maxFrameBytes !== undefined ? { maxFrameBytes: this.options.maxFrameBytes } : {};
      this.decoder = isProtobufResponse(entry.contentType) ? new ProtobufFrameDecoder(limit) : new WatchFrameDecoder(limit);
      this.append(entry);
    } else this.pendingResponse = entry;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    const atMs = this.arrivalMs(); // before anything else: this is the arrival time
    if (this.closed) return;
    if (this.responseStatus !== 200) {
      this.keepErrorBody(chunk);
      return;
    }
    this.append({ kind: 'chunk', atMs, bytes: chunk.length });
    for (const frame of this.decoder!.push(chunk, atMs)) {
      if (this.closed) return; // onEntry threw and closed the stream
      this.append(frame);
    }
  }

  onResponseEnd(): void {
    const atMs = this.options.clock.nowMs();
    if (this.closed) return;
    this.close(atMs, { reason: 'server-eof' });
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    const atMs = this.options.clock.nowMs();
    if (this.closed) return;
    const failure = classifyTransportError(error);
    this.close(atMs, { reason: failure.closeReason, failure });
  }

  /**
   * When the bytes being handled arrived: with a socket reader, the stamp of the newest chunk it
   * handed over (socket-reader.ts: never earlier than these bytes' arrival), else now.
   */
  private arrivalMs(): number {
    const clock = this.options.clock;
    const now = clock.nowMs();
    const stampNs = this.options.arrivalNs?.();
    return stampNs !== undefined && clock.fromMonotonicNs ? Math.min(clock.fromMonotonicNs(stampNs), now) : now;
  }

  // -------------------------------------------------------------------------------------------

  private close(atMs: number, how: { reason: CloseEntry['reason']; failure?: TransportFailure }): void {
    // Flush what the response left behind before the close entry.
    if (this.pendingResponse) {
      const body = this.takeErrorBody();
      this.append({ ...this.pendingResponse, body });
      this.pendingResponse = undefined;
    }
    if (this.responseStatus === 200 && this.decoder) {
      // A frame cut short by the server's EOF or a reset is what client-go would choke on; a
      // frame cut short by our own abort is not the server's doing and is not recorded. What the
      // decoder only counted (its `dropped` entry) is recorded either way.
      const partialFrame = how.reason === 'client-abort' ? 'drop' : 'report';
      for (const frame of this.decoder.end(atMs, { partialFrame })) this.append(frame);
    }
    this.closed = true;
    const entry: CloseEntry = { kind: 'close', atMs, reason: how.reason };
    if (how.failure) entry.error = { code: how.failure.code, message: this.redact(how.failure.message) };
    this.append(entry);
    if (this.programmingError !== undefined) this.rejectDone(this.programmingError);
    else this.resolveDone(this.record);
  }

  private append(entry: TimelineEntry): void {
    this.record.entries.push(entry);
    if (!this.options.onEntry) return;
    try {
      this.options.onEntry(entry);
    } catch (err) {
      // A bug in the listener: stop the stream and reject, rather than record on silently.
      if (this.programmingError === undefined) this.programmingError = err;
      if (!this.closed) {
        this.controller?.abort(new Error('watch closed: onEntry listener threw'));
        this.close(this.options.clock.nowMs(), { reason: 'client-abort' });
      }
    }
  }

  private recordHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
    const recorded: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers)) {
      if (value === undefined) continue;
      recorded[name.toLowerCase()] = this.redact(Array.isArray(value) ? value.join(', ') : value);
    }
    return redactResponseHeaders(recorded);
  }

  private keepErrorBody(chunk: Uint8Array): void {
    const room = MAX_ERROR_BODY_BYTES - this.errorBodyBytes;
    if (room <= 0) return;
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.errorBody.push(kept);
    this.errorBodyBytes += kept.length;
  }

  private takeErrorBody(): string {
    const body = Buffer.concat(this.errorBody, this.errorBodyBytes);
    this.errorBody = [];
    this.errorBodyBytes = 0;
    // A character cut at the 64 KiB bound decodes to U+FFFD; acceptable for a bounded excerpt.
    return this.redact(body.toString('utf8'));
  }
}
