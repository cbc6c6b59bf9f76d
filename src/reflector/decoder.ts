/**
 * How client-go decodes a recorded watch frame: rest/watch/decoder.go v0.35.0, apimachinery
 * pkg/watch/streamwatcher.go v0.35.0, and the informer's scheme.
 *
 * Typed and dynamic informers differ in how they take an event object whose kind/apiVersion is
 * not the watched one (reflector.go v0.37.2 handleAnyWatch expectedType/expectedGVK checks,
 * NewReflectorWithOptions getExpectedGVKFromObject; dynamic/scheme.go unstructuredCreater):
 * - typed (informers.NewSharedInformerFactory(...).Core().V1().ConfigMaps()): objects are decoded
 *   with client-go's typed scheme; an object of another registered type (e.g. a Pod on a ConfigMap
 *   watch) decodes to that Go type and the reflector skips it ("Unexpected watch event object
 *   type"); an unregistered kind/apiVersion cannot be decoded at all (StreamWatcher's synthetic
 *   InternalError: the watch ends with an error).
 * - dynamic (dynamicinformer): every object decodes to an Unstructured (only the meta.k8s.io
 *   kinds of dynamic's basicScheme, e.g. Status, decode to their Go types), and its example
 *   object is an Unstructured without apiVersion/kind, so there is no expected GVK: any kind is
 *   taken as it is (bookmarks included).
 * Both were run against the same streams (testbed/informer-probe --informer typed|dynamic).
 */
import { TRUNCATED_AT_END } from '../decode/watch-frames.js';
import { isKnownEventType, isPlainObject, typeMetaOf } from '../record/accessors.js';
import type { EventEntry, MalformedFrameEntry, StreamRecord } from '../record/timeline.js';
import { CLIENT_GO_SCHEME_KINDS } from './client-go-scheme.js';
import { quote } from './klog.js';

/** A malformed frame that is the stream's last frame and was cut off (the decoder's TRUNCATED_AT_END): Go's json.Decoder reports io.ErrUnexpectedEOF, which StreamWatcher treats as a normal close (V(1) log only). */
export function isTruncatedFinalFrame(stream: StreamRecord, frame: MalformedFrameEntry): boolean {
  const index = stream.entries.indexOf(frame);
  const later = stream.entries.slice(index + 1);
  if (later.some((entry) => entry.kind === 'event' || entry.kind === 'malformed')) return false;
  return frame.error === TRUNCATED_AT_END;
}

/**
 * The bytes client-go's protobuf watch decoder reads of one frame before it gives up: its streaming
 * decoder doubles its buffer up to 16 MiB, then returns ErrObjectTooLarge (apimachinery
 * pkg/runtime/serializer/streaming/streaming.go, `maxBytes: 16 * 1024 * 1024`).
 */
export const CLIENT_GO_STREAM_MAX_BYTES = 16 * 1024 * 1024;

/**
 * A protobuf frame whose length prefix claims more bytes than the stream went on to carry (the
 * decoder's `claimedBytes`, e.g. a length prefix written little-endian): client-go's
 * LengthDelimitedFrameReader blocks in io.ReadAtLeast for the claimed bytes (at most
 * {@link CLIENT_GO_STREAM_MAX_BYTES}), so it reports nothing while the stream is open and
 * io.ErrUnexpectedEOF (a normal close to StreamWatcher) when it ends (pkg/util/framer/framer.go).
 */
export function isUnfinishedFrame(stream: StreamRecord, frame: MalformedFrameEntry): boolean {
  if (frame.claimedBytes === undefined) return false;
  const dropped = stream.entries.find((e) => e.kind === 'dropped');
  const afterPrefix = dropped && dropped.kind === 'dropped' ? dropped.undecodedBytes - 4 : 0;
  return afterPrefix < Math.min(frame.claimedBytes, CLIENT_GO_STREAM_MAX_BYTES);
}

/** The client-side decode error (rest/watch/decoder.go) for an event frame, or undefined when it decodes. */
export function decodeErrorOf(event: EventEntry): string | undefined {
  if (!isKnownEventType(event.type)) return `got invalid watch event type: ${event.type}`;
  if (event.object === undefined) return 'unable to decode watch event: <empty object>';
  // The object as text only for a message: most events decode, and this runs for each of them.
  const raw = () => JSON.stringify(event.object);
  if (!isPlainObject(event.object)) return `unable to decode watch event: Object 'Kind' is missing in '${raw()}'`;
  const { kind, apiVersion } = typeMetaOf(event.object);
  // JSON serializer (apimachinery runtime/serializer/json): missing kind / version -> decode error.
  if (kind === undefined || kind === '') return `unable to decode watch event: Object 'Kind' is missing in '${raw()}'`;
  if (apiVersion === undefined || apiVersion === '') return `unable to decode watch event: Object 'apiVersion' is missing in '${raw()}'`;
  return undefined;
}

/** The message of the synthetic ERROR StreamWatcher sends on a decode error (ClientWatchDecoding, code 500). */
export function syntheticDecodeErrorMessage(decodeError: string): string {
  return `an error on the server (${quote(`unable to decode an event from the watch stream: ${decodeError}`)}) has prevented the request from succeeding`;
}

/** Which client-go informer consumes the stream (see the file comment). */
export type InformerKind = 'typed' | 'dynamic';

/** Kinds dynamic's basicScheme registers in v1 (metav1.AddToGroupVersion): they decode to their Go types, not Unstructured. */
const DYNAMIC_BASIC_SCHEME_V1_KINDS = new Set([
  'WatchEvent', 'ListOptions', 'GetOptions', 'DeleteOptions', 'CreateOptions', 'UpdateOptions', 'PatchOptions',
  'Status', 'APIVersions', 'APIGroupList', 'APIGroup', 'APIResourceList',
]);

/** The placeholder for the scheme name in client-go's "no kind ... is registered" error (the real one is the scheme's register.go:line). */
const TYPED_SCHEME = '<client-go typed scheme>';

function registeredInTypedScheme(apiVersion: string, kind: string): boolean {
  return CLIENT_GO_SCHEME_KINDS[apiVersion]?.includes(kind) ?? false;
}

/** Whether client-go has a typed informer for the watched kind (a built-in type of its typed scheme). */
export function hasTypedInformer(watched: { apiVersion: string; kind: string }): boolean {
  return registeredInTypedScheme(watched.apiVersion, watched.kind);
}

/**
 * How an informer of `informer` kind takes a decodable event object (kind and apiVersion present):
 * `accept` it (it reaches handleAnyWatch's switch), `skip` it (wrong Go type or GVK: "Unexpected
 * watch event object type"; the Table check skips meta.k8s.io Tables too) or fail to decode it.
 * ERROR objects are never skipped (handleAnyWatch returns on them before the type checks) but
 * must decode like any other object.
 */
export function objectAcceptance(
  informer: InformerKind,
  watched: { apiVersion: string; kind: string },
  type: string,
  kind: string,
  apiVersion: string,
): { verdict: 'accept' | 'skip' } | { verdict: 'decode-error'; error: string } {
  const isWatched = kind === watched.kind && apiVersion === watched.apiVersion;
  if (informer === 'typed') {
    if (!isWatched && !registeredInTypedScheme(apiVersion, kind)) {
      const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion];
      return {
        verdict: 'decode-error',
        error: `unable to decode watch event: no kind ${quote(kind)} is registered for version ${quote(group ? `${group}/${version}` : version!)} in scheme ${quote(TYPED_SCHEME)}`,
      };
    }
    return { verdict: type === 'ERROR' || isWatched ? 'accept' : 'skip' };
  }
  if (type === 'ERROR') return { verdict: 'accept' };
  if (apiVersion === 'v1' && DYNAMIC_BASIC_SCHEME_V1_KINDS.has(kind)) return { verdict: 'skip' };
  if (kind === 'Table' && (apiVersion === 'meta.k8s.io/v1' || apiVersion === 'meta.k8s.io/v1beta1')) return { verdict: 'skip' };
  return { verdict: 'accept' };
}
