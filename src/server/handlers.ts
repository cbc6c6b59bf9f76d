/**
 * The HTTP request handler: authentication, negotiation, routing, REST verbs and watches. Works
 * for node:http/https requests and node:http2 compatibility-API requests alike.
 *
 * Why this file is long: it is kube-apiserver's handler chain in one reading order (auth, negotiation,
 * route, verb, body, answer); the bodies and frames of each encoding live in protobuf-bodies.ts and wire.ts.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { Clock } from '../clock.js';
import { defaultWatchTimeoutMs } from './bookmark-schedule.js';
import { stampingSink } from './send-time-stamp.js';
import { apiGroupListDocument, apiVersionsDocument, coreV1ResourceListDocument, versionDocument } from './discovery.js';
import { applyConflicts, checkNonApplyPatchOptions, fieldManagerOf, parseApplyRequest } from './apply-patch.js';
import { acceptsJson, bodyFormat, negotiateOutput, type OutputFormat } from './negotiation.js';
import { answerOpenApi } from './openapi-handler.js';
import { enforceFieldValidation } from './openapi-validation.js';
import { applyJsonPatch, applyMergePatch, PatchError } from './patch.js';
import type { ProfileBehaviour } from './profiles.js';
import type { KubeObject, ResourceDef, ResourceName } from './resources.js';
import { isPublicRoute, routeRequest, type Route } from './routes.js';
import type { Scheduler } from '../scheduler.js';
import {
  ApiStatusError,
  badRequest,
  failure,
  internalError,
  methodNotAllowed,
  notAcceptable,
  notFound,
  pathNotFound,
  requestEntityTooLarge,
  unauthorized,
  unsupportedMediaType,
  deleted,
} from './status.js';
import type { DeletePreconditions, ObjectStore } from './store.js';
import type { WatchHub } from './watch-hub.js';
import { objectMatches } from './watch-filter.js';
import { parseCollectionRequest, type WatchRequest } from './watch-request.js';
import { WatchSession, type WatchSink } from './watch-session.js';
import { PROTOBUF_MEDIA_TYPE } from '../protobuf/k8s-codec.js';
import { deleteOptionsFromProtobuf, objectFromProtobuf, protobufBody } from './protobuf-bodies.js';
import { watchContentType, type WatchWireFormat } from './wire.js';

export type HttpRequest = IncomingMessage | Http2ServerRequest;
export type HttpResponse = ServerResponse | Http2ServerResponse;

/** The part of both response APIs this module uses (their unions do not type-check as one). */
interface ResponseLike {
  writeHead(statusCode: number, headers: Record<string, string>): unknown;
  write(chunk: Buffer | string, callback?: () => void): boolean;
  end(chunk?: Buffer | string): unknown;
  once(event: 'close' | 'finish', listener: () => void): unknown;
  flushHeaders?(): void;
  readonly headersSent: boolean;
  readonly writableLength?: number;
  readonly stream?: { readonly writableLength: number };
}

/** kube-apiserver's request body limit (3 MiB, `MaxRequestBodyBytes`). */
export const MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024;
/** A watcher that leaves this much unread is cut off. */
export const MAX_WATCH_BUFFERED_BYTES = 16 * 1024 * 1024;

export interface HandlerContext {
  store: ObjectStore;
  hub: WatchHub;
  behaviour: ProfileBehaviour;
  clock: Clock;
  scheduler: Scheduler;
  random: () => number;
  token: string;
  /** host:port for /api's serverAddressByClientCIDRs. */
  serverAddress: () => string;
  bookmarkIntervalMs: number;
  initialEventsEndDelayMs: number;
  /** The server's WatchList feature gate; default true (kube-apiserver >= 1.34). */
  watchListGate?: boolean;
  /** Per-resource behaviour, as if that resource were served by another server (an aggregated API). */
  resourceOverrides?: Partial<Record<ResourceName, { behaviour?: ProfileBehaviour; watchListGate?: boolean }>>;
  /** Test-only: stamp send times into marked objects of watch frames (send-time-stamp.ts). */
  stampSendTime?: () => number;
  /** With stampSendTime: each stamped frame's stamp and the time the response handed it on. */
  onStampedFlushed?: (stampedAtMs: number, flushedAtMs: number) => void;
}

const MUTATION_MEDIA_TYPES = ['application/json', PROTOBUF_MEDIA_TYPE];
const PATCH_MEDIA_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml', 'application/strategic-merge-patch+json'];

export function createRequestHandler(ctx: HandlerContext): (req: HttpRequest, res: HttpResponse) => void {
  const tokenBytes = Buffer.from(ctx.token);
  const authenticated = (header: string | undefined): boolean | 'anonymous' => {
    if (header === undefined || header.trim() === '') return 'anonymous';
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) return false;
    const given = Buffer.from(match[1]!);
    return given.length === tokenBytes.length && timingSafeEqual(given, tokenBytes);
  };

  return (req, rawRes) => {
    const res = rawRes as unknown as ResponseLike;
    const auditId = randomUUID();
    // kube-apiserver negotiates every answer, errors included (a Status in protobuf when asked).
    const output = negotiateOutput(req.headers.accept);
    const reply = new Replier(res, auditId, output ?? 'json');
    handle(req, res, reply, output).catch((err: unknown) => {
      const status = err instanceof ApiStatusError ? err.status : internalError(err instanceof Error ? err.message : String(err));
      if (!res.headersSent) reply.send(status.code, status);
      else res.end();
    });
  };

  async function handle(req: HttpRequest, res: ResponseLike, reply: Replier, output: OutputFormat | null): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://embedded.invalid');
    const route = routeRequest(url.pathname);
    const auth = authenticated(req.headers.authorization);
    // An invalid credential is rejected even on public paths; only its absence is anonymous.
    if (auth === false || (auth === 'anonymous' && !isPublicRoute(route))) {
      reply.send(401, unauthorized());
      return;
    }
    if (route.kind === 'health') {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new ApiStatusError(methodNotAllowed());
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-cache, private' });
      res.end(req.method === 'HEAD' ? undefined : 'ok');
      return;
    }
    if (route.kind === 'openapi') {
      // The OpenAPI documents negotiate their own media types (JSON, gnostic protobuf).
      const hash = url.searchParams.get('hash') ?? '';
      const nowWallMs = ctx.clock.anchorWallMs + ctx.clock.nowMs();
      const answer = answerOpenApi(route.route, { method: req.method ?? 'GET', accept: req.headers.accept, ifNoneMatch: req.headers['if-none-match'], hash, nowWallMs });
      res.writeHead(answer.status, { 'Audit-Id': reply.auditId, ...(answer.body || answer.status === 304 ? {} : { 'Content-Length': '0' }), ...answer.headers });
      res.end(answer.body ? Buffer.from(answer.body.buffer, answer.body.byteOffset, answer.body.byteLength) : undefined);
      return;
    }
    if (output === null) throw new ApiStatusError(notAcceptable(['application/json', PROTOBUF_MEDIA_TYPE]));
    await dispatch(req, res, reply, route, url.searchParams);
  }

  async function dispatch(req: HttpRequest, res: ResponseLike, reply: Replier, route: Route, query: URLSearchParams): Promise<void> {
    const method = req.method ?? 'GET';
    switch (route.kind) {
      case 'not-found':
      case 'openapi':
        throw new ApiStatusError(pathNotFound());
      case 'version':
      case 'api':
      case 'api-v1':
      case 'apis': {
        if (method !== 'GET') throw new ApiStatusError(methodNotAllowed());
        // Discovery and /version are JSON only here (kube-apiserver also has discovery in protobuf).
        if (!acceptsJson(req.headers.accept)) throw new ApiStatusError(notAcceptable(['application/json']));
        const document =
          route.kind === 'version'
            ? versionDocument()
            : route.kind === 'api'
              ? apiVersionsDocument(ctx.serverAddress())
              : route.kind === 'api-v1'
                ? coreV1ResourceListDocument()
                : apiGroupListDocument();
        reply.sendJson(200, document);
        return;
      }
      case 'collection':
        if (method === 'GET') return collectionGet(req, res, reply, route.def, route.namespace, query, route.forceWatch);
        if (method === 'POST' && !route.forceWatch && allows(route.def, 'create') && (route.namespace !== undefined || !route.def.namespaced)) {
          rejectDryRun(query);
          const body = await readObjectBody(req, route.def);
          enforceFieldValidation(route.def, body, query, 'create');
          reply.send(201, ctx.store.create(route.def, body, route.namespace, fieldManagerOf(query, req.headers['user-agent'])));
          return;
        }
        throw new ApiStatusError(methodNotAllowed());
      case 'object':
        return objectRequest(req, res, reply, route, query, method);
      case 'health':
        return;
    }
  }

  async function objectRequest(
    req: HttpRequest,
    res: ResponseLike,
    reply: Replier,
    route: Extract<Route, { kind: 'object' }>,
    query: URLSearchParams,
    method: string,
  ): Promise<void> {
    const { def, namespace, name } = route;
    if (route.forceWatch) {
      if (method !== 'GET') throw new ApiStatusError(methodNotAllowed());
      return collectionGet(req, res, reply, def, namespace, query, true, name);
    }
    if (method === 'GET' && allows(def, 'get')) {
      const record = ctx.store.get(def.resource, namespace, name);
      if (!record) throw new ApiStatusError(notFound(def.resource, name));
      reply.send(200, record.object);
      return;
    }
    if (method === 'PUT' && allows(def, 'update')) {
      rejectDryRun(query);
      const body = await readObjectBody(req, def);
      enforceFieldValidation(def, body, query, 'update');
      reply.send(200, ctx.store.update(def, body, namespace, name, fieldManagerOf(query, req.headers['user-agent'])));
      return;
    }
    if (method === 'PATCH' && allows(def, 'patch')) {
      rejectDryRun(query);
      if (bodyFormat(req.headers['content-type']) === 'apply-patch') {
        const apply = parseApplyRequest(def, (await readBody(req)).toString('utf8'), query, namespace, name);
        const result = applyConflicts(() => ctx.store.apply(def, apply.config, namespace, name, apply.fieldManager, apply.force));
        reply.send(result.created ? 201 : 200, result.object);
        return;
      }
      checkNonApplyPatchOptions(query);
      const patched = await applyPatch(req, def, namespace, name);
      enforceFieldValidation(def, patched, query, 'patch');
      reply.send(200, ctx.store.update(def, patched, namespace, name, fieldManagerOf(query, req.headers['user-agent'])));
      return;
    }
    if (method === 'DELETE' && allows(def, 'delete')) {
      rejectDryRun(query);
      const preconditions = await readDeletePreconditions(req);
      const removed = ctx.store.delete(def, namespace, name, preconditions);
      // kube-apiserver's configmap registry does not set ReturnDeletedObject, so a delete is
      // answered with a Success Status; a namespace delete returns the namespace object.
      reply.send(200, def.resource === 'configmaps' ? deleted(def.resource, name, removed.metadata?.uid) : removed);
      return;
    }
    throw new ApiStatusError(methodNotAllowed());
  }

  function collectionGet(
    req: HttpRequest,
    res: ResponseLike,
    reply: Replier,
    def: ResourceDef,
    namespace: string | undefined,
    query: URLSearchParams,
    forceWatch: boolean,
    singleName?: string,
  ): void {
    const watchListGate = ctx.resourceOverrides?.[def.resource]?.watchListGate ?? ctx.watchListGate ?? true;
    const parsed = parseCollectionRequest(def, namespace, query, forceWatch, { watchListGate });
    if (parsed.kind === 'list') {
      if (!allows(def, 'list')) throw new ApiStatusError(methodNotAllowed());
      // LIST always answers the current state: resourceVersion/resourceVersionMatch, limit and
      // continue are accepted and ignored (a server may ignore limit; no continue token is sent).
      const items = ctx.store
        .list(def.resource, parsed.filter.namespace)
        .filter((r) => objectMatches(def, parsed.filter, r.object))
        .map((r) => withoutTypeMeta(r.object));
      reply.send(200, {
        kind: def.listKind,
        apiVersion: 'v1',
        metadata: { resourceVersion: String(ctx.store.currentRv()) },
        items,
      });
      return;
    }
    if (!allows(def, 'watch')) throw new ApiStatusError(methodNotAllowed());
    const request: WatchRequest = parsed.request;
    if (singleName !== undefined) {
      request.filter.fields = {
        requirements: [...request.filter.fields.requirements, { field: 'metadata.name', operator: 'Equals', value: singleName }],
      };
    }
    startWatch(req, res, reply, def, request);
  }

  function startWatch(req: HttpRequest, res: ResponseLike, reply: Replier, def: ResourceDef, request: WatchRequest): void {
    const timeoutMs = request.timeoutSeconds !== undefined ? request.timeoutSeconds * 1000 : defaultWatchTimeoutMs(ctx.random);
    const behaviour = ctx.resourceOverrides?.[def.resource]?.behaviour ?? ctx.behaviour;
    // The session decides the events; the frame cache of the negotiated encoding writes them.
    const format: WatchWireFormat =
      reply.format === 'json' ? 'json' : behaviour.protobufLengthPrefix === 'little-endian' ? 'protobuf-little-endian' : 'protobuf';
    const httpSink = new HttpWatchSink(res, reply.auditId, watchContentType(format));
    const sink = ctx.stampSendTime && format === 'json' ? stampingSink(httpSink, ctx.stampSendTime, ctx.onStampedFlushed) : httpSink;
    const session = new WatchSession({
      def,
      request,
      store: ctx.store,
      behaviour,
      frames: ctx.hub.framesFor(format),
      clock: ctx.clock,
      scheduler: ctx.scheduler,
      sink,
      timeoutMs,
      bookmarkIntervalMs: ctx.bookmarkIntervalMs,
      initialEventsEndDelayMs: ctx.initialEventsEndDelayMs,
      maxBufferedBytes: MAX_WATCH_BUFFERED_BYTES,
      onClose: (s) => ctx.hub.remove(s),
    });
    ctx.hub.add(session);
    res.once('close', () => session.close('client-gone'));
    // A GET may carry a body nobody reads; drain it so the connection stays usable.
    req.resume();
    session.start();
  }

  async function applyPatch(req: HttpRequest, def: ResourceDef, namespace: string | undefined, name: string): Promise<Record<string, unknown>> {
    const format = bodyFormat(req.headers['content-type']);
    if (format !== 'merge-patch' && format !== 'strategic-merge-patch' && format !== 'json-patch') {
      await readBody(req);
      throw new ApiStatusError(unsupportedMediaType(PATCH_MEDIA_TYPES));
    }
    const patch = parseJson(await readBody(req));
    const record = ctx.store.get(def.resource, namespace, name);
    if (!record) throw new ApiStatusError(notFound(def.resource, name));
    let result: unknown;
    try {
      result =
        format === 'json-patch'
          ? applyJsonPatch(record.object, patch)
          : applyMergePatch(record.object, patch, format === 'strategic-merge-patch');
    } catch (err) {
      if (err instanceof PatchError) throw new ApiStatusError(failure(422, 'Invalid', err.message));
      throw err;
    }
    if (result === null || typeof result !== 'object' || Array.isArray(result)) {
      throw new ApiStatusError(badRequest('the patch did not produce an object'));
    }
    return result as Record<string, unknown>;
  }

  async function readObjectBody(req: HttpRequest, def: ResourceDef): Promise<Record<string, unknown>> {
    const format = bodyFormat(req.headers['content-type']);
    if (format === 'protobuf') return objectFromProtobuf(def, await readBody(req));
    if (format !== 'json') {
      await readBody(req);
      throw new ApiStatusError(unsupportedMediaType(MUTATION_MEDIA_TYPES));
    }
    const body = parseJson(await readBody(req));
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw new ApiStatusError(badRequest(`${def.kind} in version "v1" cannot be handled as a ${def.kind}: the body is not a JSON object`));
    }
    return body as Record<string, unknown>;
  }

  async function readDeletePreconditions(req: HttpRequest): Promise<DeletePreconditions> {
    const raw = await readBody(req);
    if (raw.length === 0) return {};
    const format = bodyFormat(req.headers['content-type']);
    if (format !== 'json' && format !== 'protobuf') throw new ApiStatusError(unsupportedMediaType(MUTATION_MEDIA_TYPES));
    const body = (format === 'protobuf' ? deleteOptionsFromProtobuf(raw) : parseJson(raw)) as {
      preconditions?: { uid?: unknown; resourceVersion?: unknown };
    } | null;
    const pre = body?.preconditions;
    const out: DeletePreconditions = {};
    if (typeof pre?.uid === 'string') out.uid = pre.uid;
    if (typeof pre?.resourceVersion === 'string') out.resourceVersion = pre.resourceVersion;
    return out;
  }
}

function allows(def: ResourceDef, verb: string): boolean {
  return def.verbs.includes(verb);
}

function rejectDryRun(query: URLSearchParams): void {
  if (query.has('dryRun')) throw new ApiStatusError(badRequest('dryRun is not supported by watchmark\'s embedded server'));
}

/** kube-apiserver omits kind/apiVersion on the items of typed lists. */
function withoutTypeMeta(object: KubeObject): Record<string, unknown> {
  const { kind: _kind, apiVersion: _apiVersion, ...rest } = object;
  return rest;
}

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (err) {
    throw new ApiStatusError(badRequest(`couldn't get version/kind; json parse error: ${(err as Error).message}`));
  }
}

async function readBody(req: HttpRequest): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > MAX_REQUEST_BODY_BYTES) throw new ApiStatusError(requestEntityTooLarge(MAX_REQUEST_BODY_BYTES));
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function jsonHeaders(auditId: string): Record<string, string> {
  return { 'Audit-Id': auditId, 'Cache-Control': 'no-cache, private', 'Content-Type': 'application/json' };
}

function sendJson(res: ResponseLike, auditId: string, code: number, body: unknown): void {
  // json.Encoder: compact, with a trailing newline.
  const payload = Buffer.from(`${JSON.stringify(body)}\n`);
  res.writeHead(code, { ...jsonHeaders(auditId), 'Content-Length': String(payload.length) });
  res.end(payload);
}

/** Answers one request in its negotiated format (objects, lists and Status alike). */
class Replier {
  constructor(
    private readonly res: ResponseLike,
    readonly auditId: string,
    readonly format: OutputFormat,
  ) {}

  send(code: number, body: object): void {
    if (this.format === 'json') return sendJson(this.res, this.auditId, code, body);
    // Encoded before the head is written: an object protobuf cannot carry becomes a 500 Status.
    const payload = protobufBody(body as Record<string, unknown>);
    this.res.writeHead(code, { ...jsonHeaders(this.auditId), 'Content-Type': PROTOBUF_MEDIA_TYPE, 'Content-Length': String(payload.length) });
    this.res.end(payload);
  }

  /** Documents only served in JSON (discovery, /version). */
  sendJson(code: number, body: unknown): void {
    sendJson(this.res, this.auditId, code, body);
  }
}

/** Writes watch frames to an HTTP/1.1 (chunked) or HTTP/2 (DATA frames) response. */
class HttpWatchSink implements WatchSink {
  constructor(
    private readonly res: ResponseLike,
    private readonly auditId: string,
    private readonly contentType: string,
  ) {}

  open(): void {
    this.res.writeHead(200, { ...jsonHeaders(this.auditId), 'Content-Type': this.contentType });
    this.res.flushHeaders?.();
  }

  write(frame: Buffer, onFlushed?: () => void): void {
    this.res.write(frame, onFlushed);
  }

  end(): void {
    this.res.end();
  }

  bufferedBytes(): number {
    return this.res.stream?.writableLength ?? this.res.writableLength ?? 0;
  }
}

