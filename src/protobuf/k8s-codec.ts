/**
 * Kubernetes objects in protobuf, as kube-apiserver writes and reads them:
 *
 * - an object body is the magic `k8s\0` then a `runtime.Unknown {typeMeta = 1, raw = 2,
 *   contentEncoding = 3, contentType = 4}` whose `raw` is the object's message
 *   (apimachinery pkg/runtime/serializer/protobuf/protobuf.go, `protoEncodingPrefix`);
 * - a watch event is a `metav1.WatchEvent {type = 1, object = 2}` written by the *raw* serializer
 *   (no magic, no Unknown around the event), whose `object.raw` (RawExtension field 1) is a full
 *   object body as above; on a watch stream each event is length-prefixed (`watch-frames.ts`).
 *
 * Objects cross this module as the JSON values the rest of watchmark already handles. Pure.
 */
import { ProtobufDecodeError, ProtoWriter, readFields, toInt64, utf8, WIRE_LEN, WIRE_VARINT, type WireField } from './wire.js';
import { schemaOf, TYPE_META, type FieldSchema, type FieldType, type MessageSchema } from './k8s-schema.js';

/** `k8s\0`: the first four bytes of every protobuf object body. */
export const PROTOBUF_MAGIC = Uint8Array.of(0x6b, 0x38, 0x73, 0x00);

/** Kubernetes' protobuf media type (apimachinery runtime/types.go ContentTypeProtobuf). */
export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';
export const PROTOBUF_WATCH_MEDIA_TYPE = `${PROTOBUF_MEDIA_TYPE};stream=watch`;

/** Whether a body starts with {@link PROTOBUF_MAGIC}. */
export function hasProtobufMagic(body: Uint8Array): boolean {
  return body.length >= PROTOBUF_MAGIC.length && PROTOBUF_MAGIC.every((b, i) => body[i] === b);
}

type Json = Record<string, unknown>;

// ---------------------------------------------------------------- decoding

function lenBytes(field: WireField, schema: MessageSchema, spec: FieldSchema): Uint8Array {
  if (field.wire !== WIRE_LEN) throw new ProtobufDecodeError(`${schema.name}.${spec.json}: expected a length-delimited field, got wire type ${field.wire}`, 0);
  return field.bytes;
}

function varintOf(field: WireField, schema: MessageSchema, spec: FieldSchema): number | bigint {
  if (field.wire !== WIRE_VARINT) throw new ProtobufDecodeError(`${schema.name}.${spec.json}: expected a varint, got wire type ${field.wire}`, 0);
  return field.value;
}

function timeFromMessage(bytes: Uint8Array): string | undefined {
  let seconds = 0;
  for (const f of readFields(bytes)) if (f.no === 1 && f.wire === WIRE_VARINT) seconds = toInt64(f.value);
  if (bytes.length === 0) return undefined; // Go writes a zero metav1.Time as an empty message.
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function mapEntry(bytes: Uint8Array): [string, Uint8Array] {
  let key = '';
  let value: Uint8Array = new Uint8Array(0);
  for (const f of readFields(bytes)) {
    if (f.wire !== WIRE_LEN) continue;
    if (f.no === 1) key = utf8(f.bytes);
    else if (f.no === 2) value = f.bytes;
  }
  return [key, value];
}

function decodeValue(field: WireField, schema: MessageSchema, spec: FieldSchema, into: Json): unknown {
  const type = spec.type;
  switch (type) {
    case 'string':
      return utf8(lenBytes(field, schema, spec));
    case 'bytes':
      return Buffer.from(lenBytes(field, schema, spec)).toString('base64');
    case 'int64':
    case 'int32':
      return toInt64(varintOf(field, schema, spec));
    case 'bool':
      return Number(varintOf(field, schema, spec)) !== 0;
    case 'time':
      return timeFromMessage(lenBytes(field, schema, spec));
    case 'fields-v1': {
      let raw: Uint8Array = new Uint8Array(0);
      for (const f of readFields(lenBytes(field, schema, spec))) if (f.no === 1 && f.wire === WIRE_LEN) raw = f.bytes;
      try {
        return JSON.parse(utf8(raw)) as unknown;
      } catch {
        throw new ProtobufDecodeError(`${schema.name}.${spec.json}: FieldsV1 is not JSON`, 0);
      }
    }
    case 'string-map':
    case 'bytes-map': {
      const map = (into[spec.json] as Record<string, string> | undefined) ?? {};
      const [key, value] = mapEntry(lenBytes(field, schema, spec));
      map[key] = type === 'string-map' ? utf8(value) : Buffer.from(value).toString('base64');
      return map;
    }
    default:
      return decodeMessage(type, lenBytes(field, schema, spec));
  }
}

function isZero(value: unknown): boolean {
  return value === undefined || value === '' || value === 0 || value === false;
}

/** One message as its JSON object: unknown field numbers are skipped, zero values omitted unless `keepZero`. */
export function decodeMessage(schema: MessageSchema, bytes: Uint8Array): Json {
  const out: Json = {};
  for (const field of readFields(bytes)) {
    const spec = schema.byNo.get(field.no);
    if (!spec) continue;
    const value = decodeValue(field, schema, spec, out);
    if (spec.repeated) {
      const list = (out[spec.json] as unknown[] | undefined) ?? [];
      list.push(value);
      out[spec.json] = list;
    } else if (!isZero(value) || (spec.keepZero && value !== undefined)) {
      out[spec.json] = value;
    }
  }
  return out;
}

export interface Envelope {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
  contentEncoding: string;
  contentType: string;
}

/** The `k8s\0` + runtime.Unknown envelope of an object body; throws {@link ProtobufDecodeError}. */
export function decodeEnvelope(body: Uint8Array): Envelope {
  if (!hasProtobufMagic(body)) {
    const at = PROTOBUF_MAGIC.findIndex((b, i) => body[i] !== b);
    throw new ProtobufDecodeError('the body does not start with the protobuf magic "k8s\\0"', Math.min(at, body.length));
  }
  const out: Envelope = { apiVersion: '', kind: '', raw: new Uint8Array(0), contentEncoding: '', contentType: '' };
  for (const f of readFields(body.subarray(PROTOBUF_MAGIC.length), PROTOBUF_MAGIC.length)) {
    if (f.wire !== WIRE_LEN) continue;
    if (f.no === 1) {
      const typeMeta = decodeMessage(TYPE_META, f.bytes);
      out.apiVersion = (typeMeta.apiVersion as string | undefined) ?? '';
      out.kind = (typeMeta.kind as string | undefined) ?? '';
    } else if (f.no === 2) out.raw = f.bytes;
    else if (f.no === 3) out.contentEncoding = utf8(f.bytes);
    else if (f.no === 4) out.contentType = utf8(f.bytes);
  }
  return out;
}

/**
 * An object body as its JSON object (`apiVersion` and `kind` first, from the envelope). Known kinds
 * are read whole; other kinds as metadata only (`k8s-schema.ts GENERIC_OBJECT`).
 */
export function decodeObject(body: Uint8Array): Json {
  const env = decodeEnvelope(body);
  if (env.contentEncoding !== '') throw new ProtobufDecodeError(`unsupported contentEncoding "${env.contentEncoding}"`, 0);
  const head: Json = { apiVersion: env.apiVersion, kind: env.kind };
  if (env.contentType !== '' && env.contentType.startsWith('application/json')) {
    return { ...head, ...(JSON.parse(utf8(env.raw)) as Json) };
  }
  return { ...head, ...decodeMessage(schemaOf(env.apiVersion, env.kind), env.raw) };
}

export interface DecodedWatchEvent {
  type: string;
  /** The event's object body (magic + Unknown), undecoded. */
  object: Uint8Array;
}

/** A WatchEvent message (a frame's payload on a protobuf watch stream). */
export function decodeWatchEvent(payload: Uint8Array): DecodedWatchEvent {
  let type = '';
  let object: Uint8Array = new Uint8Array(0);
  for (const f of readFields(payload)) {
    if (f.wire !== WIRE_LEN) continue;
    if (f.no === 1) type = utf8(f.bytes);
    else if (f.no === 2) for (const r of readFields(f.bytes)) if (r.no === 1 && r.wire === WIRE_LEN) object = r.bytes;
  }
  return { type, object };
}

// ---------------------------------------------------------------- encoding

function fail(schema: MessageSchema, spec: FieldSchema, what: string): never {
  throw new TypeError(`cannot encode ${schema.name}.${spec.json} in protobuf: ${what}`);
}

function writeTime(w: ProtoWriter, no: number, value: string, schema: MessageSchema, spec: FieldSchema): void {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) fail(schema, spec, `"${value}" is not an RFC 3339 time`);
  w.message(no, (t) => t.varint(1, Math.floor(ms / 1000)));
}

function writeValue(w: ProtoWriter, schema: MessageSchema, spec: FieldSchema, type: FieldType, value: unknown): void {
  const no = spec.no;
  switch (type) {
    case 'string':
      if (typeof value !== 'string') fail(schema, spec, 'expected a string');
      w.string(no, value);
      return;
    case 'bytes':
      if (typeof value !== 'string') fail(schema, spec, 'expected base64 text');
      w.bytes(no, Buffer.from(value, 'base64'));
      return;
    case 'int64':
    case 'int32':
      if (typeof value !== 'number' || !Number.isInteger(value)) fail(schema, spec, 'expected an integer');
      w.varint(no, value);
      return;
    case 'bool':
      if (typeof value !== 'boolean') fail(schema, spec, 'expected a boolean');
      w.bool(no, value);
      return;
    case 'time':
      if (typeof value !== 'string') fail(schema, spec, 'expected a time string');
      writeTime(w, no, value, schema, spec);
      return;
    case 'fields-v1':
      w.message(no, (f) => f.string(1, JSON.stringify(value)));
      return;
    case 'string-map':
    case 'bytes-map': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(schema, spec, 'expected an object');
      for (const key of Object.keys(value).sort()) {
        const v = (value as Record<string, unknown>)[key];
        if (typeof v !== 'string') fail(schema, spec, `value of "${key}" is not a string`);
        w.message(no, (e) => {
          e.string(1, key);
          if (type === 'string-map') e.string(2, v);
          else e.bytes(2, Buffer.from(v, 'base64'));
        });
      }
      return;
    }
    default:
      if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(schema, spec, 'expected an object');
      w.message(no, (inner) => writeMessage(inner, type, value as Json));
  }
}

/** Writes the fields of `schema` present in `value` (in field-number order, map keys sorted); other JSON keys are not part of the message. */
export function writeMessage(w: ProtoWriter, schema: MessageSchema, value: Json): void {
  for (const spec of schema.fields) {
    const v = value[spec.json];
    if (v === undefined || v === null) continue;
    if (spec.repeated) {
      if (!Array.isArray(v)) fail(schema, spec, 'expected a list');
      for (const item of v) writeValue(w, schema, spec, spec.type, item);
    } else writeValue(w, schema, spec, spec.type, v);
  }
}

/** An object (with `apiVersion` and `kind`) as a protobuf body: magic + runtime.Unknown, as kube-apiserver writes it. */
export function encodeObject(object: Json): Uint8Array {
  const apiVersion = typeof object.apiVersion === 'string' ? object.apiVersion : '';
  const kind = typeof object.kind === 'string' ? object.kind : '';
  const raw = new ProtoWriter();
  writeMessage(raw, schemaOf(apiVersion, kind), object);
  const unknown = new ProtoWriter()
    .message(1, (t) => t.string(1, apiVersion).string(2, kind))
    .bytes(2, raw.finish())
    .string(3, '')
    .string(4, '')
    .finish();
  const out = new Uint8Array(PROTOBUF_MAGIC.length + unknown.length);
  out.set(PROTOBUF_MAGIC, 0);
  out.set(unknown, PROTOBUF_MAGIC.length);
  return out;
}

/** A WatchEvent payload (raw serializer: no magic) around an object body. */
export function encodeWatchEvent(type: string, objectBody: Uint8Array): Uint8Array {
  return new ProtoWriter()
    .string(1, type)
    .message(2, (r) => r.bytes(1, objectBody))
    .finish();
}

/** One frame of a protobuf watch stream: a 4-byte big-endian length, then the WatchEvent (apimachinery's LengthDelimitedFramer). */
export function lengthPrefixed(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + payload.length);
  new DataView(out.buffer).setUint32(0, payload.length, false);
  out.set(payload, 4);
  return out;
}
