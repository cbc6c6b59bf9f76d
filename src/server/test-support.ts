/**
 * Test support for the embedded server's tests (not used by the library): REST calls through
 * undici and watch streams through node's own http/https/http2 clients, with bounded waits on
 * received data instead of sleeps.
 */
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import { Agent, request } from 'undici';
import { decodeObject, decodeWatchEvent } from '../protobuf/k8s-codec.js';
import type { StartedEmbeddedServer } from './server.js';
import { ApiStatusError, type KubeStatus } from './status.js';

/** The Status a call throws as an ApiStatusError (fails the test when it throws nothing). */
export function statusOf(fn: () => unknown): KubeStatus {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiStatusError) return err.status;
    throw err;
  }
  throw new Error('expected an ApiStatusError');
}

export interface WatchEventJson {
  type: string;
  object: {
    kind?: string;
    apiVersion?: string;
    metadata?: { name?: string; namespace?: string; resourceVersion?: string; annotations?: Record<string, string>; labels?: Record<string, string> };
    [field: string]: unknown;
  };
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The body's bytes (protobuf answers). */
  raw: Buffer;
  /** Parsed body (undefined when not JSON); `any` keeps assertions in tests short. */
  json: any;
}

/** REST client over undici (HTTP/1.1, or h2 via ALPN when `http2`). */
export class ApiClient {
  private readonly agent: Agent;

  constructor(
    private readonly server: StartedEmbeddedServer,
    options: { http2?: boolean; connections?: number } = {},
  ) {
    this.agent = new Agent({
      connect: server.caCertPem ? { ca: server.caCertPem } : {},
      allowH2: options.http2 ?? false,
      connections: options.connections ?? null,
    });
  }

  async request(
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse> {
    // authorization: '' sends no Authorization header at all.
    const allHeaders: Record<string, string> = { authorization: `Bearer ${this.server.token}`, ...headers };
    if (allHeaders.authorization === '') delete allHeaders.authorization;
    let payload: string | Buffer | undefined;
    if (body !== undefined) {
      payload = Buffer.isBuffer(body) || typeof body === 'string' ? body : JSON.stringify(body);
      allHeaders['content-type'] ??= 'application/json';
    }
    const res = await request(`${this.server.url}${path}`, {
      method,
      headers: allHeaders,
      body: payload ?? null,
      dispatcher: this.agent,
    });
    const raw = Buffer.from(await res.body.arrayBuffer());
    const text = raw.toString('utf8');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.statusCode, headers: res.headers, text, raw, json };
  }

  createConfigMap(namespace: string, name: string, extra: { labels?: Record<string, string>; data?: Record<string, string> } = {}): Promise<ApiResponse> {
    return this.request('POST', `/api/v1/namespaces/${namespace}/configmaps`, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, ...(extra.labels ? { labels: extra.labels } : {}) },
      data: extra.data ?? { key: 'value' },
    });
  }

  createNamespace(name: string): Promise<ApiResponse> {
    return this.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

export type WatchTransport = 'h1' | 'h2';

/**
 * One watch response, parsed as a stream of newline-terminated JSON events, or (with a protobuf
 * `accept`) of length-prefixed protobuf WatchEvents decoded to the same JSON shape.
 */
export class WatchStream {
  readonly events: WatchEventJson[] = [];
  status = 0;
  headers: Record<string, string | string[] | undefined> = {};
  /** Raw body bytes, for wire-format assertions. */
  raw = '';
  /** Raw body bytes, unconverted (protobuf streams). */
  bytes: Buffer = Buffer.alloc(0);
  private protobuf = false;
  private pending: Buffer = Buffer.alloc(0);
  private consumed = 0;
  private buffer = '';
  private endedFlag = false;
  private error: Error | null = null;
  private wake: (() => void) | null = null;
  private closer: () => void = () => {};

  static open(
    server: StartedEmbeddedServer,
    path: string,
    options: { transport?: WatchTransport; token?: string; agent?: http.Agent; accept?: string } = {},
  ): Promise<WatchStream> {
    const stream = new WatchStream();
    const headers = { authorization: `Bearer ${options.token ?? server.token}`, accept: options.accept ?? 'application/json' };
    stream.protobuf = headers.accept.startsWith('application/vnd.kubernetes.protobuf');
    const url = new URL(path, server.url);
    return new Promise((resolve, reject) => {
      if (options.transport === 'h2') {
        const session = http2.connect(server.url, { ca: server.caCertPem });
        session.on('error', (err) => stream.fail(err, reject));
        const req = session.request({ ':method': 'GET', ':path': url.pathname + url.search, ...headers });
        req.on('response', (h) => {
          stream.status = Number(h[':status']);
          stream.headers = h as Record<string, string>;
          resolve(stream);
        });
        req.on('data', (chunk: Buffer) => stream.push(chunk));
        req.on('end', () => stream.finish());
        req.on('close', () => {
          stream.finish();
          session.close();
        });
        req.on('error', (err) => stream.fail(err, reject));
        stream.closer = () => {
          req.close();
          session.close();
        };
        return;
      }
      const mod = url.protocol === 'https:' ? https : http;
      const req = mod.request(url, { headers, ca: server.caCertPem, agent: options.agent }, (res) => {
        stream.status = res.statusCode ?? 0;
        stream.headers = res.headers;
        res.on('data', (chunk: Buffer) => stream.push(chunk));
        res.on('end', () => stream.finish());
        res.on('close', () => stream.finish());
        res.on('error', (err) => stream.fail(err, reject));
        resolve(stream);
      });
      req.on('error', (err) => stream.fail(err, reject));
      req.end();
      stream.closer = () => req.destroy();
    });
  }

  get ended(): boolean {
    return this.endedFlag;
  }

  /** Next unconsumed event, waiting at most `timeoutMs` for it. */
  async next(timeoutMs = 5_000): Promise<WatchEventJson> {
    await this.waitUntil(() => this.consumed < this.events.length || this.endedFlag, timeoutMs, 'the next watch event');
    if (this.consumed < this.events.length) return this.events[this.consumed++]!;
    throw new Error(`watch stream ended after ${this.events.length} events; wanted another: ${this.describe()}`);
  }

  /** Consumes events until one matches; returns it. */
  async nextMatching(predicate: (event: WatchEventJson) => boolean, timeoutMs = 5_000): Promise<WatchEventJson> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const event = await this.next(Math.max(1, deadline - Date.now()));
      if (predicate(event)) return event;
    }
  }

  /** Waits for the server to end the stream; returns the events not consumed yet. */
  async untilEnd(timeoutMs = 10_000): Promise<WatchEventJson[]> {
    await this.waitUntil(() => this.endedFlag, timeoutMs, 'the end of the watch stream');
    const rest = this.events.slice(this.consumed);
    this.consumed = this.events.length;
    return rest;
  }

  close(): void {
    this.closer();
  }

  describe(): string {
    return this.events.map((e) => `${e.type}:${e.object.metadata?.name ?? ''}@${e.object.metadata?.resourceVersion ?? ''}`).join(', ');
  }

  private async waitUntil(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (this.error) throw this.error;
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got: ${this.describe()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  private push(chunk: Buffer): void {
    this.bytes = Buffer.concat([this.bytes, chunk]);
    if (this.protobuf) {
      // 4-byte big-endian length, then a WatchEvent whose object is a full protobuf body.
      this.pending = Buffer.concat([this.pending, chunk]);
      while (this.pending.length >= 4 && this.pending.length >= 4 + this.pending.readUInt32BE(0)) {
        const length = this.pending.readUInt32BE(0);
        const event = decodeWatchEvent(this.pending.subarray(4, 4 + length));
        this.events.push({ type: event.type, object: decodeObject(event.object) as WatchEventJson['object'] });
        this.pending = this.pending.subarray(4 + length);
      }
      this.notify();
      return;
    }
    const text = chunk.toString('utf8');
    this.raw += text;
    this.buffer += text;
    let newline: number;
    while ((newline = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, newline);
      this.buffer = this.buffer.slice(newline + 1);
      if (line.trim() !== '') this.events.push(JSON.parse(line) as WatchEventJson);
    }
    this.notify();
  }

  private finish(): void {
    this.endedFlag = true;
    this.notify();
  }

  private fail(err: Error, reject: (err: Error) => void): void {
    this.error = err;
    this.endedFlag = true;
    reject(err);
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}

export function rvOf(event: WatchEventJson): number {
  return Number(event.object.metadata?.resourceVersion);
}

export function isInitialEventsEnd(event: WatchEventJson): boolean {
  return event.type === 'BOOKMARK' && event.object.metadata?.annotations?.['k8s.io/initial-events-end'] === 'true';
}
