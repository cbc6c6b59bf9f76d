import { TRUNCATED_AT_END } from '../decode/watch-frames.js';
import { droppedOf, eventsOf, malformedFramesOf, msSinceRequest, responseOf, sinceRequest } from '../record/accessors.js';
import { askedForProtobuf, isProtobufResponse, mediaTypeOf } from '../record/requests.js';
import type { MalformedFrameEntry, StreamRecord } from '../record/timeline.js';
import { isUnfinishedFrame } from '../reflector/decoder.js';
import { MAX_EXAMPLES, resultOf, skipped } from './check-result.js';
import type { Check, Finding } from './types.js';

const ID = 'stream.protobuf-framing';

/** Base64 characters of a frame kept in a finding's evidence (the record keeps up to 4 KiB). */
const RAW_EXAMPLE_CHARS = 120;

/** What client-go does after a frame it cannot decode, and after one cut off by the end of the body. */
export const CLIENT_GO_ON_BAD_FRAME =
  'client-go\'s StreamWatcher turns the decode error into a synthetic InternalError ("unable to decode an event from the watch stream", ClientWatchDecoding) and ends the watch; ' +
  'the reflector logs "Warning: watch ended with error" and, after backoff, lists again (a watch-list informer falls back to LIST while it has not synced)';
export const CLIENT_GO_ON_UNFINISHED_FRAME =
  'client-go\'s length-delimited framer blocks in io.ReadAtLeast for the bytes the length prefix claims (its streaming decoder gives up only after 16 MiB, ErrObjectTooLarge), ' +
  'so it decodes nothing more from this stream while it stays open (a watch-list never sees its initial-events-end bookmark: the informer never syncs) and sees io.ErrUnexpectedEOF, a normal end, when it closes';
export const CLIENT_GO_ON_CUT_FRAME =
  'client-go\'s length-delimited framer reads io.ErrUnexpectedEOF, which StreamWatcher treats as a normal end of the watch (a V(1) log line only); the reflector watches again';

/**
 * A protobuf watch stream is what client-go's protobuf clients can decode: 4-byte big-endian
 * length-prefixed frames, each a `metav1.WatchEvent` whose object is `k8s\0` + `runtime.Unknown`.
 *
 * Upstream: apimachinery v0.37.2 pkg/util/framer/framer.go (LengthDelimitedFramer,
 * lengthDelimitedFrameReader: io.ReadAtLeast of the 4-byte prefix and of the payload, so a cut
 * frame is io.ErrUnexpectedEOF), pkg/runtime/serializer/streaming/streaming.go (a frame over
 * 16 MiB is ErrObjectTooLarge), pkg/runtime/serializer/protobuf/protobuf.go (RawSerializer for
 * the WatchEvent; Serializer.Decode: "provided data does not appear to be a protobuf message,
 * expected prefix"), pkg/watch/streamwatcher.go (decode errors -> synthetic InternalError, watch
 * ends); client-go v0.37.2 rest/watch/decoder.go, tools/cache/reflector.go (watch ended with
 * error -> ListAndWatch returns -> backoff, relist; MaxInternalErrorRetryDuration is 0 by default).
 */
export const streamProtobufFraming: Check = {
  id: ID,
  title: 'Protobuf watch streams: length-prefixed WatchEvents whose objects are k8s\\0 + runtime.Unknown',
  maxSeverity: 'fail',
  source:
    'apimachinery v0.37.2 pkg/util/framer/framer.go, pkg/runtime/serializer/protobuf/protobuf.go, pkg/runtime/serializer/streaming/streaming.go, pkg/watch/streamwatcher.go; client-go v0.37.2 rest/watch/decoder.go, tools/cache/reflector.go',
  meaning:
    'With `--encoding protobuf` watches ask for `application/vnd.kubernetes.protobuf` as kube components and client-go\'s typed clients do. ' +
    'A protobuf answer (`Content-Type: application/vnd.kubernetes.protobuf;stream=watch`) must be a sequence of frames, each a 4-byte big-endian ' +
    'length and that many bytes of a `WatchEvent` message, whose `object.raw` starts with the magic `k8s\\0` followed by a `runtime.Unknown` ' +
    'that parses. Event types and missing objects are judged by `stream.framing`, as for JSON. Evidence names the frame index, the byte offset ' +
    'of its length prefix and the frame\'s first bytes in base64.',
  severities: {
    fail:
      'a length prefix that overruns the end of the stream, a frame over `--max-frame-size`, a payload that is not a `WatchEvent`, an object ' +
      'without the `k8s\\0` magic, or a `runtime.Unknown` that does not parse. client-go ends the watch on each (a cut-off last frame ends it ' +
      'as if closed; the others with a synthetic InternalError, "Warning: watch ended with error", relist after backoff), except a length prefix claiming more ' +
      'than the stream then carries (up to 16 MiB): client-go blocks reading that frame for as long as the stream stays open.',
    info: 'the server answered a protobuf watch with JSON: legal (client-go asks for protobuf, then JSON, and decodes either) but the protobuf framing was not exercised; custom resources are always served in JSON.',
  },
  fix:
    'Write each event as kube-apiserver does (apiserver `pkg/endpoints/handlers/watch.go` with the protobuf serializer\'s stream encoder): ' +
    'the `WatchEvent` through the raw protobuf serializer, its object through the protobuf serializer (`k8s\\0` + `runtime.Unknown`), ' +
    'framed by `LengthDelimitedFramer` (the payload length as 4 bytes big-endian, then the payload), flushed per event; end the body only between frames.',
  run(record) {
    const answered = record.streams.filter((stream) => responseOf(stream)?.status === 200);
    const relevant = answered.filter((stream) => askedForProtobuf(stream.request) || isProtobufResponse(responseOf(stream)!.contentType));
    if (relevant.length === 0) return skipped(ID, 'no watch asked for protobuf (--encoding protobuf) or was answered in it');
    const findings: Finding[] = [];
    let frames = 0;
    let protobufStreams = 0;
    for (const stream of relevant) {
      const response = responseOf(stream)!;
      if (!isProtobufResponse(response.contentType)) {
        if (mediaTypeOf(response.contentType) === 'application/json') {
          findings.push({
            severity: 'info',
            stream: stream.id,
            message:
              `${stream.id}: asked for protobuf (Accept: ${stream.request.accept}), answered ${JSON.stringify(response.contentType)}: decoded as JSON. ` +
              `Legal (client-go's protobuf clients list application/json too and decode it), but this stream does not test protobuf framing; ` +
              `kube-apiserver serves built-in types in protobuf and custom resources only in JSON.`,
            evidence: { stream: stream.id, accept: stream.request.accept, contentType: response.contentType },
          });
        }
        // Any other Content-Type is stream.framing's failure.
        continue;
      }
      protobufStreams++;
      const malformed = malformedFramesOf(stream);
      const dropped = droppedOf(stream);
      const count = malformed.length + (dropped?.malformedFrames ?? 0);
      frames += eventsOf(stream).length + count;
      if (count === 0) continue;
      const cutOnly = malformed.every((frame) => frame.error === TRUNCATED_AT_END);
      const shown = malformed.slice(0, MAX_EXAMPLES).map((frame) => describeFrame(stream, frame));
      const more = count - shown.length;
      const undecodedBytes = dropped?.undecodedBytes ?? 0;
      findings.push({
        severity: 'fail',
        stream: stream.id,
        message:
          `${stream.id}: expected length-prefixed protobuf WatchEvents with k8s\\0 objects; observed ${count} bad frame(s)` +
          `${dropped?.malformedFrames ? ` (the first ${malformed.length} recorded, the rest counted)` : ''}: ${shown.join('; ')}${more > 0 ? ` and ${more} more` : ''}. ` +
          (undecodedBytes > 0 ? `watchmark stopped decoding at the oversized frame (${undecodedBytes} bytes from its length prefix on, counted, not decoded). ` : '') +
          `${malformed.some((frame) => isUnfinishedFrame(stream, frame)) ? CLIENT_GO_ON_UNFINISHED_FRAME : cutOnly ? CLIENT_GO_ON_CUT_FRAME : CLIENT_GO_ON_BAD_FRAME}. ` +
          `Clients that watch in protobuf are affected (kube-controller-manager, kube-scheduler, kubelet, client-go typed clientsets v0.32+, controller-runtime typed clients); JSON clients get a JSON stream and are not judged by this one.`,
        evidence: {
          stream: stream.id,
          count,
          ...(undecodedBytes > 0 ? { undecodedBytes } : {}),
          examples: malformed.slice(0, MAX_EXAMPLES).map((frame) => ({
            frame: frame.frame,
            byteOffset: frame.offset,
            atMsSinceRequest: msSinceRequest(stream, frame.atMs),
            error: frame.error,
            ...(frame.detail ? { detail: frame.detail } : {}),
            rawBase64: frame.raw.slice(0, RAW_EXAMPLE_CHARS),
          })),
        },
      });
    }
    // The terminal shows only warn/fail findings: a JSON answer is said in the summary line too.
    const inJson = findings.filter((finding) => finding.severity === 'info').length;
    const jsonNote = inJson > 0 ? `${inJson} protobuf watch(es) answered in JSON (legal, decoded as JSON; protobuf framing not exercised there)` : '';
    if (protobufStreams === 0) return { ...resultOf(ID, findings, jsonNote), summary: `no watch was answered in protobuf: ${jsonNote}` };
    const passSummary = `${frames} protobuf frame(s) on ${protobufStreams} stream(s), all length-prefixed WatchEvents with k8s\\0 objects`;
    return resultOf(ID, findings, jsonNote ? `${passSummary}; ${jsonNote}` : passSummary, 'protobuf frames client-go cannot decode');
  },
};

function describeFrame(stream: StreamRecord, frame: MalformedFrameEntry): string {
  const where = `frame #${frame.frame ?? '?'} at byte ${frame.offset ?? '?'} (${sinceRequest(stream, frame.atMs)})`;
  return `${where}: ${frame.error}${frame.detail ? ` (${frame.detail})` : ''}`;
}
