/**
 * Request and response bodies in Kubernetes protobuf (`application/vnd.kubernetes.protobuf`), with
 * kube-apiserver's answers for bodies it cannot use. The wire format is `src/protobuf/`; this file
 * adds what the HTTP layer decides: which kind a body must have and which Status a bad one gets.
 * Pure.
 */
import { decodeEnvelope, decodeMessage, encodeObject, encodeWatchEvent, hasProtobufMagic, lengthPrefixed, PROTOBUF_MAGIC, type Envelope } from '../protobuf/k8s-codec.js';
import { DELETE_OPTIONS, schemaOf } from '../protobuf/k8s-schema.js';
import { ProtobufDecodeError } from '../protobuf/wire.js';
import type { ResourceDef } from './resources.js';
import { ApiStatusError, badRequest } from './status.js';

/**
 * Kinds kube-apiserver's scheme registers in core v1 (k8s.io/api core/v1 register.go): a body of
 * one of them on another resource is "unknown conversion"; any other kind is "not registered".
 */
const CORE_V1_KINDS = new Set(
  [
    'Pod', 'PodTemplate', 'ReplicationController', 'Service', 'Endpoints', 'Node', 'Namespace', 'Secret', 'ServiceAccount',
    'PersistentVolume', 'PersistentVolumeClaim', 'ConfigMap', 'Event', 'LimitRange', 'ResourceQuota', 'ComponentStatus',
  ].flatMap((k) => [k, `${k}List`]).concat(['Binding', 'PodStatusResult', 'RangeAllocation', 'SerializedReference', 'PodProxyOptions', 'PodLogOptions', 'PodAttachOptions', 'PodExecOptions', 'PodPortForwardOptions', 'NodeProxyOptions', 'ServiceProxyOptions', 'EphemeralContainers']),
);

const SCHEME = 'pkg/runtime/scheme.go:111';
/** apimachinery protobuf.go's text for a body without the magic (Go prints the prefix as a byte slice). */
const NOT_PROTOBUF = `provided data does not appear to be a protobuf message, expected prefix [${[...PROTOBUF_MAGIC].join(' ')}]`;

/** gogo-protobuf's text for the failures our reader reports: truncation is io.ErrUnexpectedEOF. */
function goDecodeMessage(err: ProtobufDecodeError): string {
  return /truncated|claims \d+ bytes/.test(err.message) ? 'unexpected EOF' : `proto: ${err.message}`;
}

/** apiserver handlers/rest.go summarizeData(body, 30): JSON text or hex, cut at 30 bytes. */
function summarizeData(body: Uint8Array, maxLength = 30): string {
  if (body.length === 0) return '<empty>';
  const cut = body.length > maxLength;
  const head = Buffer.from(body.subarray(0, maxLength));
  const text = body[0] === 0x7b ? head.toString('utf8') : head.toString('hex');
  return cut ? `${text} ...` : text;
}

/** The magic-prefix checks of apimachinery protobuf.go Serializer.Decode, then the envelope; null message: fine. */
function readEnvelope(body: Uint8Array): { envelope: Envelope } | { error: string } {
  if (body.length === 0) return { error: 'empty data' };
  if (!hasProtobufMagic(body)) return { error: NOT_PROTOBUF };
  if (body.length === PROTOBUF_MAGIC.length) return { error: 'empty body' };
  try {
    return { envelope: decodeEnvelope(body) };
  } catch (err) {
    if (err instanceof ProtobufDecodeError) return { error: goDecodeMessage(err) };
    throw err;
  }
}

/**
 * A create/update body as the JSON object the rest of the server handles. Errors are
 * kube-apiserver's (handlers/rest.go transformDecodeError): without a readable envelope
 * `the object provided is unrecognized (must be of type ConfigMap): <why> (<hex>)`; with one,
 * `<Kind> in version "<v>" cannot be handled as a ConfigMap: <why>`. An envelope without kind or
 * apiVersion takes the resource's (copyKindDefaults).
 */
export function objectFromProtobuf(def: ResourceDef, body: Uint8Array): Record<string, unknown> {
  const read = readEnvelope(body);
  if ('error' in read) {
    throw new ApiStatusError(badRequest(`the object provided is unrecognized (must be of type ${def.kind}): ${read.error} (${summarizeData(body)})`));
  }
  const apiVersion = read.envelope.apiVersion || 'v1';
  const kind = read.envelope.kind || def.kind;
  const version = apiVersion.includes('/') ? apiVersion.slice(apiVersion.indexOf('/') + 1) : apiVersion;
  const cannot = (why: string) => new ApiStatusError(badRequest(`${kind} in version "${version}" cannot be handled as a ${def.kind}: ${why}`));
  if (apiVersion !== 'v1' || kind !== def.kind) {
    if (apiVersion === 'v1' && CORE_V1_KINDS.has(kind)) throw cannot(`converting (v1.${kind}) to (core.${def.kind}): unknown conversion`);
    throw cannot(`no kind "${kind}" is registered for version "${apiVersion}" in scheme "${SCHEME}"`);
  }
  try {
    return { apiVersion, kind, ...decodeMessage(schemaOf('v1', def.kind), read.envelope.raw) };
  } catch (err) {
    if (err instanceof ProtobufDecodeError) throw cannot(goDecodeMessage(err));
    throw err;
  }
}

/** A DELETE body (DeleteOptions, in `v1` or `meta.k8s.io/v1`), with kube-apiserver's 400s for other bodies. */
export function deleteOptionsFromProtobuf(body: Uint8Array): Record<string, unknown> {
  const read = readEnvelope(body);
  if ('error' in read) throw new ApiStatusError(badRequest(read.error));
  const apiVersion = read.envelope.apiVersion || 'meta.k8s.io/v1';
  const kind = read.envelope.kind || 'DeleteOptions';
  if (kind !== 'DeleteOptions' || !['v1', 'meta.k8s.io/v1'].includes(apiVersion)) {
    throw new ApiStatusError(badRequest(`no kind "${kind}" is registered for version "${apiVersion}" in scheme "${SCHEME}"`));
  }
  try {
    return decodeMessage(DELETE_OPTIONS, read.envelope.raw);
  } catch (err) {
    if (err instanceof ProtobufDecodeError) throw new ApiStatusError(badRequest(goDecodeMessage(err)));
    throw err;
  }
}

/** A response body: `k8s\0` + runtime.Unknown around the object (lists, Status and objects alike). */
export function protobufBody(object: Record<string, unknown>): Buffer {
  const body = encodeObject(object);
  return Buffer.from(body.buffer, body.byteOffset, body.length);
}

/** How a protobuf watch frame's 4-byte length is written: big-endian as apimachinery's framer, or little-endian (broken-protobuf-framing). */
export type LengthPrefixOrder = 'big-endian' | 'little-endian';

/** One protobuf watch frame: the length, then a WatchEvent whose RawExtension holds the full object body. */
export function protobufWatchFrame(type: string, object: Record<string, unknown>, order: LengthPrefixOrder): Buffer {
  const framed = lengthPrefixed(encodeWatchEvent(type, encodeObject(object)));
  const frame = Buffer.from(framed.buffer, framed.byteOffset, framed.length);
  if (order === 'little-endian') frame.writeUInt32LE(frame.length - 4, 0);
  return frame;
}
