/**
 * How the embedded server answers /openapi/v2 and /openapi/v3, as kube-apiserver's kube-openapi
 * handlers do (k8s.io/kube-openapi pkg/handler/handler.go and pkg/handler3/handler.go):
 *
 * - /openapi/v2: the first Accept clause (by q, then order) that names JSON or gnostic protobuf
 *   wins; none: 406 with an empty body. ETag is the hash of the JSON document; If-None-Match
 *   gives 304.
 * - /openapi/v3: the root lists each group-version's document by `?hash=` URL (Content-Type
 *   text/plain, as http.ServeContent sniffs it in kube-apiserver).
 * - /openapi/v3/api/v1: JSON. A matching `hash` makes the answer `Cache-Control: public,
 *   immutable` with a one-year Expires (kubectl's disk cache keys on the hashed URL); a stale hash
 *   is redirected (301) to the current one; an unknown group-version is a 404 with an empty body.
 *   kube-apiserver also offers the v3 document in protobuf; kubectl 1.27-1.33 only ever ask for
 *   `Accept: application/json` (client-go openapi3 root: `Schema(runtime.ContentTypeJSON)`), and
 *   this server does not encode v3 in protobuf, so a protobuf-only Accept is a 406.
 *
 * Pure: the caller passes the request's facts and the wall-clock time.
 */
import { encodeGnosticDocument } from './openapi-gnostic.js';
import { openApiV2, openApiV2Document, openApiV3Group, openApiV3Root, type RenderedDocument } from './openapi-documents.js';
import { parseMediaType } from './negotiation.js';

export const OPENAPI_V2_PROTOBUF = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';
/** What kube-apiserver answers as Content-Type for v2 protobuf (a `.` where the request has `@`). */
export const OPENAPI_V2_PROTOBUF_RESPONSE = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

export type OpenApiRoute = { version: 'v2' } | { version: 'v3'; groupVersion?: string };

export interface OpenApiRequest {
  method: string;
  accept: string | undefined;
  ifNoneMatch: string | undefined;
  /** The `hash` query parameter ('' when absent). */
  hash: string;
  nowWallMs: number;
}

export interface OpenApiAnswer {
  status: number;
  headers: Record<string, string>;
  body?: Buffer | Uint8Array;
}

type Offer = { subtype: string; contentType: string };

/** Accept clauses sorted as goautoneg.ParseAccept sorts them: q descending, ties in header order. */
function acceptClauses(accept: string | undefined): { type: string; subtype: string }[] {
  const header = accept === undefined || accept.trim() === '' ? '*/*' : accept;
  return header
    .split(',')
    .map((part, index) => ({ range: parseMediaType(part), index }))
    .filter((c): c is { range: NonNullable<ReturnType<typeof parseMediaType>>; index: number } => c.range !== null)
    .map(({ range, index }) => ({ type: range.type, subtype: range.subtype, q: range.params.q === undefined ? 1 : Number(range.params.q), index }))
    .filter((c) => c.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
}

function negotiate(accept: string | undefined, offers: readonly Offer[]): Offer | undefined {
  for (const clause of acceptClauses(accept)) {
    for (const offer of offers) {
      if (clause.type !== 'application' && clause.type !== '*') continue;
      if (clause.subtype === offer.subtype || clause.subtype === '*') return offer;
    }
  }
  return undefined;
}

const V2_OFFERS: readonly Offer[] = [
  { subtype: 'json', contentType: 'application/json' },
  { subtype: 'com.github.proto-openapi.spec.v2@v1.0+protobuf', contentType: OPENAPI_V2_PROTOBUF_RESPONSE },
  { subtype: 'com.github.proto-openapi.spec.v2.v1.0+protobuf', contentType: OPENAPI_V2_PROTOBUF_RESPONSE },
];
const V3_OFFERS: readonly Offer[] = [{ subtype: 'json', contentType: 'application/json' }];

let v2Protobuf: Uint8Array | undefined;

function v2ProtobufBytes(): Uint8Array {
  v2Protobuf ??= encodeGnosticDocument(openApiV2Document());
  return v2Protobuf;
}

const NO_CACHE = 'no-cache, private';

/** http.ServeContent: 304 when If-None-Match names the ETag, else the body (none for HEAD). */
function serve(req: OpenApiRequest, headers: Record<string, string>, etag: string | undefined, body: Buffer | Uint8Array): OpenApiAnswer {
  if (etag !== undefined) {
    headers.ETag = `"${etag}"`;
    const tags = (req.ifNoneMatch ?? '').split(',').map((t) => t.trim().replace(/^W\//, ''));
    if (tags.includes(`"${etag}"`) || tags.includes('*')) {
      delete headers['Content-Type'];
      return { status: 304, headers };
    }
  }
  headers['Content-Length'] = String(body.length);
  return { status: 200, headers, ...(req.method === 'HEAD' ? {} : { body }) };
}

/** RFC 1123 with "UTC", as Go's time.RFC1123 formats a UTC time. */
function rfc1123(ms: number): string {
  return new Date(ms).toUTCString().replace(/GMT$/, 'UTC');
}

export function answerOpenApi(route: OpenApiRoute, req: OpenApiRequest): OpenApiAnswer {
  if (req.method !== 'GET' && req.method !== 'HEAD') return { status: 405, headers: { 'Cache-Control': NO_CACHE } };
  if (route.version === 'v2') {
    const headers: Record<string, string> = { 'Cache-Control': NO_CACHE, Vary: 'Accept' };
    const offer = negotiate(req.accept, V2_OFFERS);
    if (!offer) return { status: 406, headers };
    headers['Content-Type'] = offer.contentType;
    const doc = openApiV2();
    return serve(req, headers, doc.hash, offer.subtype === 'json' ? doc.json : v2ProtobufBytes());
  }
  if (route.groupVersion === undefined) {
    // handler3's root is served without an ETag or Vary; Go sniffs its Content-Type.
    return serve(req, { 'Cache-Control': NO_CACHE, 'Content-Type': 'text/plain; charset=utf-8' }, undefined, openApiV3Root().json);
  }
  const doc: RenderedDocument | undefined = openApiV3Group(route.groupVersion);
  if (!doc) return { status: 404, headers: { 'Cache-Control': NO_CACHE } };
  const headers: Record<string, string> = { 'Cache-Control': NO_CACHE, Vary: 'Accept' };
  const offer = negotiate(req.accept, V3_OFFERS);
  if (!offer) return { status: 406, headers };
  if (req.hash !== '') {
    if (req.hash !== doc.hash) {
      return { status: 301, headers: { ...headers, ETag: `"${doc.hash}"`, Location: `/openapi/v3/${route.groupVersion}?hash=${doc.hash}`, 'Content-Length': '0' } };
    }
    headers['Cache-Control'] = 'public, immutable';
    const expires = new Date(req.nowWallMs);
    expires.setUTCFullYear(expires.getUTCFullYear() + 1);
    headers.Expires = rfc1123(expires.getTime());
  }
  headers['Content-Type'] = offer.contentType;
  return serve(req, headers, doc.hash, doc.json);
}
