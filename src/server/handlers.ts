/**
 * The HTTP request handler: authentication, negotiation, routing, REST verbs and watches. Works
 * for node:http/https requests and node:http2 compatibility-API requests alike.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import type { Clock } from '../clock.js';
import { defaultWatchTimeoutMs } from './bookmark-schedule.js';
import { apiGroupListDocument, apiVersionsDocument, coreV1ResourceListDocument, versionDocument } from './discovery.js';
import { applyConflicts, checkNonApplyPatchOptions, fieldManagerOf, parseApplyRequest } from './apply-patch.js';
import { acceptsJson, bodyFormat } from './negotiation.js';
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
import { WATCH_CONTENT_TYPE } from './wire.js';

export type HttpRequest = IncomingMessage | Http2ServerRequest;
export type HttpResponse = ServerResponse | Http2ServerResponse;

/** The part of both response APIs this module uses (their unions do not type-check as one). */
interface ResponseLike {
  writeHead(statusCode: number, headers: Record<string, string>): unknown;
  write(chunk: Buffer | string): boolean;
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
}

const MUTATION_MEDIA_TYPES = ['application/json'];
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
    handle(req, res, auditId).catch((err: unknown) => {
      const status = err instanceof ApiStatusError ? err.status : internalError(err instanceof Error ? err.message : String(err));
      if (!res.headersSent) sendJson(res, auditId, status.code, status);
      else res.end();
    });
  };

  async function handle(req: HttpRequest, res: ResponseLike, auditId: string): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://embedded.invalid');
    const route = routeRequest(url.pathname);
    const auth = authenticated(req.headers.authorization);
    // An invalid credential is rejected even on public paths; only its absence is anonymous.
    if (auth === false || (auth === 'anonymous' && !isPublicRoute(route))) {
      sendJson(res, auditId, 401, unauthorized());
      return;
    }
    if (route.kind === 'health') {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new ApiStatusError(methodNotAllowed());
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-cache, private' });
      res.end(req.method === 'HEAD' ? undefined : 'ok');
      return;
    }
    if (!acceptsJson(req.headers.accept)) throw new ApiStatusError(notAcceptable(['application/json']));
    await dispatch(req, res, auditId, route, url.searchParams);
  }

  async function dispatch(req: HttpRequest, res: ResponseLike, auditId: string, route: Route, query: URLSearchParams): Promise<void> {
    const method = req.method ?? 'GET';
    switch (route.kind) {
      case 'not-found':
        throw new ApiStatusError(pathNotFound());
      case 'version':
      case 'api':
      case 'api-v1':
      case 'apis': {
        if (method !== 'GET') throw new ApiStatusError(methodNotAllowed());
        const document =
          route.kind === 'version'
            ? versionDocument()
            : route.kind === 'api'
              ? apiVersionsDocument(ctx.serverAddress())
              : route.kind === 'api-v1'
                ? coreV1ResourceListDocument()
                : apiGroupListDocument();
        sendJson(res, auditId, 200, document);
        return;
      }
      case 'collection':
        if (method === 'GET') return collectionGet(req, res, auditId, route.def, route.namespace, query, route.forceWatch);
        if (method === 'POST' && !route.forceWatch && allows(route.def, 'create') && (route.namespace !== undefined || !route.def.namespaced)) {
          rejectDryRun(query);
          const body = await readObjectBody(req, route.def);
          sendJson(res, auditId, 201, ctx.store.create(route.def, body, route.namespace, fieldManagerOf(query, req.headers['user-agent'])));
          return;
        }
        throw new ApiStatusError(methodNotAllowed());
      case 'object':
        return objectRequest(req, res, auditId, route, query, method);
      case 'health':
        return;
    }
  }

  async function objectRequest(
    req: HttpRequest,
    res: ResponseLike,
    auditId: string,
    route: Extract<Route, { kind: 'object' }>,
    query: URLSearchParams,
    method: string,
  ): Promise<void> {
    const { def, namespace, name } = route;
    if (route.forceWatch) {
      if (method !== 'GET') throw new ApiStatusError(methodNotAllowed());
      return collectionGet(req, res, auditId, def, namespace, query, true, name);
    }
    if (method === 'GET' && allows(def, 'get')) {
      const record = ctx.store.get(def.resource, namespace, name);
      if (!record) throw new ApiStatusError(notFound(def.resource, name));
      sendJson(res, auditId, 200, record.object);
      return;
    }
    if (method === 'PUT' && allows(def, 'update')) {
      rejectDryRun(query);
      const body = await readObjectBody(req, def);
      sendJson(res, auditId, 200, ctx.store.update(def, body, namespace, name, fieldManagerOf(query, req.headers['user-agent'])));
      return;
    }
    if (method === 'PATCH' && allows(def, 'patch')) {
      rejectDryRun(query);
      if (bodyFormat(req.headers['content-type']) === 'apply-patch') {
        const apply = parseApplyRequest(def, (await readBody(req)).toString('utf8'), query, namespace, name);
        const result = applyConflicts(() => ctx.store.apply(def, apply.config, namespace, name, apply.fieldManager, apply.force));
        sendJson(res, auditId, result.created ? 201 : 200, result.object);
        return;
      }
      checkNonApplyPatchOptions(query);
      const patched = await applyPatch(req, def, namespace, name);
      sendJson(res, auditId, 200, ctx.store.update(def, patched, namespace, name, fieldManagerOf(query, req.headers['user-agent'])));
      return;
    }
    if (method === 'DELETE' && allows(def, 'delete')) {
      rejectDryRun(query);
      const preconditions = await readDeletePreconditions(req);
      const removed = ctx.store.delete(def, namespace, name, preconditions);
      // kube-apiserver's configmap registry does not set ReturnDeletedObject, so a delete is
      // answered with a Success Status; a namespace delete returns the namespace object.
      sendJson(res, auditId, 200, def.resource === 'configmaps' ? deleted(def.resource, name, removed.metadata?.uid) : removed);
      return;
    }
    throw new ApiStatusError(methodNotAllowed());
  }

  function collectionGet(
    req: HttpRequest,
    res: ResponseLike,
    auditId: string,
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
      sendJson(res, auditId, 200, {
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
    startWatch(req, res, auditId, def, request);
  }

  function startWatch(req: HttpRequest, res: ResponseLike, auditId: string, def: ResourceDef, request: WatchRequest): void {
    const timeoutMs = request.timeoutSeconds !== undefined ? request.timeoutSeconds * 1000 : defaultWatchTimeoutMs(ctx.random);
    const sink = new HttpWatchSink(res, auditId);
    const session = new WatchSession({
      def,
      request,
      store: ctx.store,
      behaviour: ctx.resourceOverrides?.[def.resource]?.behaviour ?? ctx.behaviour,
      frames: ctx.hub.frames,
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
    if (format !== 'json') {
      await readBody(req);
      const hint =
        format === 'protobuf' ? 'watchmark\'s embedded server does not decode protobuf; send JSON (kubectl uses protobuf for built-in types)' : undefined;
      throw new ApiStatusError(unsupportedMediaType(MUTATION_MEDIA_TYPES, hint));
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
    if (format !== 'json') throw new ApiStatusError(unsupportedMediaType(MUTATION_MEDIA_TYPES));
    const body = parseJson(raw) as { preconditions?: { uid?: unknown; resourceVersion?: unknown } } | null;
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

/** Writes watch frames to an HTTP/1.1 (chunked) or HTTP/2 (DATA frames) response. */
class HttpWatchSink implements WatchSink {
  constructor(
    private readonly res: ResponseLike,
    private readonly auditId: string,
  ) {}

  open(): void {
    // Content-Type application/json as-is: kube-apiserver adds ";stream=watch" only to non-JSON types.
    this.res.writeHead(200, { ...jsonHeaders(this.auditId), 'Content-Type': WATCH_CONTENT_TYPE });
    this.res.flushHeaders?.();
  }

  write(frame: Buffer): void {
    this.res.write(frame);
  }

  end(): void {
    this.res.end();
  }

  bufferedBytes(): number {
    return this.res.stream?.writableLength ?? this.res.writableLength ?? 0;
  }
}

