import {
  droppedOf,
  eventsOf,
  isKnownEventType,
  isPlainObject,
  malformedFramesOf,
  msSinceRequest,
  responseOf,
  sinceRequest,
} from '../record/accessors.js';
import { askedForProtobuf, isProtobufResponse, mediaTypeOf, PROTOBUF_MEDIA_TYPE } from '../record/requests.js';
import { MAX_EXAMPLES, listExamples, resultOf, skipped } from './check-result.js';
import type { Check, Finding } from './types.js';

const ID = 'stream.framing';

const RAW_EXAMPLE_CHARS = 200;

/**
 * The stream is a sequence of JSON WatchEvent objects client-go can decode.
 *
 * Upstream: client-go v0.35.0 rest/watch/decoder.go ("got invalid watch event type: %v",
 * "unable to decode watch event: %v"), apimachinery v0.35.0 pkg/watch/streamwatcher.go (decode
 * errors become a synthetic InternalError and end the watch: relist, or watch-list fallback),
 * apimachinery pkg/runtime/negotiate.go clientNegotiator.StreamDecoder: the response media type
 * (mime.ParseMediaType, parameters such as stream=watch ignored) must match a client serializer;
 * for a JSON client anything but application/json is a NegotiateError (watch start fails).
 * An empty Content-Type falls back to the client's first media type: info only (spec 3.1).
 * A watch sent with --encoding protobuf asks as client-go's protobuf clients do (protobuf, then
 * JSON): either media type is theirs to decode. The frames of a protobuf answer are judged by
 * stream.protobuf-framing; event types and objects are judged here for both encodings.
 */
export const streamFraming: Check = {
  id: ID,
  title: 'Well-formed watch frames, known event types, JSON objects, application/json Content-Type',
  maxSeverity: 'fail',
  source: 'client-go v0.35.0 rest/watch/decoder.go; apimachinery v0.35.0 pkg/watch/streamwatcher.go, pkg/runtime/negotiate.go',
  meaning:
    'The body of a 200 watch must be something client-go can decode: a stream of JSON `WatchEvent` objects `{"type": ..., ' +
    '"object": {...}}`, each type one of ADDED, MODIFIED, DELETED, BOOKMARK and ERROR, each event with a JSON object, under ' +
    '`Content-Type: application/json` (parameters such as `;stream=watch` are ignored). A watch sent with `--encoding protobuf` may be ' +
    'answered in `application/vnd.kubernetes.protobuf` too; its frames are then judged by `stream.protobuf-framing`, its event types and objects here.',
  severities: {
    fail:
      'malformed or truncated frames, unknown event types, events without an object, or a Content-Type other than ' +
      '`application/json`. client-go ends the watch (a synthetic InternalError, or a negotiation error at the start) and ' +
      'relists; a watch-list falls back to LIST.',
    info: 'the response had no Content-Type; client-go then assumes JSON.',
  },
  fix:
    'Answer 200 with `Content-Type: application/json` before the first event, then write each event as one compact JSON ' +
    'object followed by `\\n` and flush, as kube-apiserver does (apiserver `pkg/endpoints/handlers/watch.go` `HandleHTTP`; ' +
    "apimachinery's JSON serializer `json.NewEncoder(w).Encode`); `;stream=watch` is only added for non-JSON types. Use only " +
    'the five event types, always include `object`, and at the timeout just end the body: no trailing event.',
  run(record) {
    const streams = record.streams.filter((stream) => responseOf(stream)?.status === 200);
    if (streams.length === 0) return skipped(ID, 'no stream got a 200 response');
    const findings: Finding[] = [];
    let frames = 0;
    for (const stream of streams) {
      const response = responseOf(stream)!;
      const mediaType = mediaTypeOf(response.contentType);
      if (mediaType === null) {
        findings.push({
          severity: 'info',
          stream: stream.id,
          message: `${stream.id}: the 200 watch response had no Content-Type (kube-apiserver sends application/json); client-go then assumes its own first media type, JSON.`,
          evidence: { stream: stream.id, contentType: response.contentType },
        });
      } else if (askedForProtobuf(stream.request) && (mediaType === PROTOBUF_MEDIA_TYPE || mediaType === 'application/json')) {
        // What a protobuf client accepts (its Accept lists both); stream.protobuf-framing notes a JSON answer.
      } else if (askedForProtobuf(stream.request)) {
        findings.push({
          severity: 'fail',
          stream: stream.id,
          message:
            `${stream.id}: the watch asked for ${stream.request.accept}; expected Content-Type ${PROTOBUF_MEDIA_TYPE};stream=watch or application/json, observed ${JSON.stringify(response.contentType)}. ` +
            `client-go's negotiator (apimachinery runtime/negotiate.go) rejects a media type its client does not serve: the watch fails to start (relist, or watch-list fallback).`,
          evidence: { stream: stream.id, contentType: response.contentType, mediaType, accept: stream.request.accept },
        });
      } else if (mediaType !== 'application/json') {
        findings.push({
          severity: 'fail',
          stream: stream.id,
          message:
            `${stream.id}: expected Content-Type application/json (parameters such as ;stream=watch are ignored); observed ${JSON.stringify(response.contentType)}. ` +
            `client-go's negotiator (apimachinery runtime/negotiate.go) rejects a media type its JSON client does not serve: the watch fails to start (relist, or watch-list fallback).`,
          evidence: { stream: stream.id, contentType: response.contentType, mediaType },
        });
      }

      // The decoder keeps a stream's first malformed frames and only counts the rest (bounded
      // memory); a frame over the frame limit ends decoding of the stream (decode/watch-frames.ts).
      // A protobuf answer's malformed frames are stream.protobuf-framing's (frame index, byte offset).
      const protobuf = isProtobufResponse(response.contentType);
      const malformed = protobuf ? [] : malformedFramesOf(stream);
      const dropped = protobuf ? undefined : droppedOf(stream);
      const malformedCount = malformed.length + (dropped?.malformedFrames ?? 0);
      const undecodedBytes = dropped?.undecodedBytes ?? 0;
      frames += malformedCount;
      if (malformedCount > 0) {
        const shown = malformed.slice(0, MAX_EXAMPLES).map((frame) => `${sinceRequest(stream, frame.atMs)}: ${frame.error}`);
        const more = malformedCount - shown.length;
        findings.push({
          severity: 'fail',
          stream: stream.id,
          message:
            `${stream.id}: expected every frame to be a JSON WatchEvent object; observed ${malformedCount} malformed frame(s)` +
            `${dropped?.malformedFrames ? ` (the first ${malformed.length} recorded, the rest counted)` : ''}: ${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''}. ` +
            (undecodedBytes > 0
              ? `A frame outgrew the frame limit (--max-frame-size): watchmark discarded the rest of the stream unread (${undecodedBytes} bytes from that frame's start). `
              : '') +
            `client-go cannot decode them: StreamWatcher sends a synthetic InternalError and ends the watch (relist; a watch-list falls back to LIST). A truncated final frame is an unexpected EOF to client-go, which ends the watch as if closed.`,
          evidence: {
            stream: stream.id,
            count: malformedCount,
            ...(undecodedBytes > 0 ? { undecodedBytes } : {}),
            examples: malformed.slice(0, MAX_EXAMPLES).map((frame) => ({ atMsSinceRequest: msSinceRequest(stream, frame.atMs), error: frame.error, raw: frame.raw.slice(0, RAW_EXAMPLE_CHARS) })),
          },
        });
      }

      const events = eventsOf(stream);
      frames += events.length;
      const unknownType = events.filter((event) => !isKnownEventType(event.type));
      if (unknownType.length > 0) {
        findings.push({
          severity: 'fail',
          stream: stream.id,
          message:
            `${stream.id}: expected event types ADDED, MODIFIED, DELETED, BOOKMARK or ERROR; observed ${unknownType.length} event(s) of other types ` +
            `(${listExamples(unknownType.map((event) => `${JSON.stringify(event.type)} #${event.seq} ${sinceRequest(stream, event.atMs)}`))}). ` +
            `client-go: "got invalid watch event type: ${unknownType[0]!.type}", a synthetic InternalError that ends the watch (relist; a watch-list falls back to LIST).`,
          evidence: {
            stream: stream.id,
            count: unknownType.length,
            examples: unknownType.slice(0, MAX_EXAMPLES).map((event) => ({ seq: event.seq, type: event.type, atMsSinceRequest: msSinceRequest(stream, event.atMs) })),
          },
        });
      }
      const badObject = events.filter((event) => isKnownEventType(event.type) && !isPlainObject(event.object));
      if (badObject.length > 0) {
        findings.push({
          severity: 'fail',
          stream: stream.id,
          message:
            `${stream.id}: expected every event to carry a JSON object in "object"; observed ${badObject.length} event(s) without one ` +
            `(${listExamples(badObject.map((event) => `${event.type} #${event.seq}: ${event.object === undefined ? 'no object' : JSON.stringify(event.object)}`))}). ` +
            `client-go: "unable to decode watch event", a synthetic InternalError that ends the watch (relist; a watch-list falls back to LIST).`,
          evidence: {
            stream: stream.id,
            count: badObject.length,
            examples: badObject.slice(0, MAX_EXAMPLES).map((event) => ({
              seq: event.seq,
              type: event.type,
              object: event.object === undefined ? '<absent>' : event.object,
              atMsSinceRequest: msSinceRequest(stream, event.atMs),
            })),
          },
        });
      }
    }
    return resultOf(ID, findings, `${frames} frame(s) on ${streams.length} stream(s), all well-formed WatchEvents`, 'frames client-go cannot decode');
  },
};
