/**
 * The HTTP pieces of the proxy: what crosses it (headers both ways, bodies), the answers it gives
 * itself (Statuses), and how it resets a response.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import http2, { type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import type { Socket } from 'node:net';
import { failure, type KubeStatus } from '../server/status.js';

export type Req = IncomingMessage | Http2ServerRequest;
export type Res = ServerResponse | Http2ServerResponse;

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'host', 'authorization', 'http2-settings']);

const REASONS: Record<number, string> = {
  400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 405: 'MethodNotAllowed', 406: 'NotAcceptable',
  409: 'Conflict', 410: 'Expired', 413: 'RequestEntityTooLarge', 415: 'UnsupportedMediaType', 422: 'Invalid',
  429: 'TooManyRequests', 500: 'InternalError', 503: 'ServiceUnavailable', 504: 'Timeout',
};

/** The Status kube-apiserver would send with this code (reason by code, as apimachinery's errors.go names them). */
export function statusFor(code: number, message: string): KubeStatus {
  return failure(code, REASONS[code] ?? (code >= 500 ? 'InternalError' : 'BadRequest'), message);
}

export async function readBody(req: Req): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The client's headers minus hop-by-hop ones, HTTP/2 pseudo-headers and its credentials (the proxy's token). */
export function forwardedHeaders(headers: NodeJS.Dict<string | string[]>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || name.startsWith(':') || HOP_BY_HOP.has(name) || name.startsWith('impersonate-')) continue;
    out[name] = value;
  }
  return out;
}

/** The upstream response's headers for the client: hop-by-hop ones dropped (HTTP/2 forbids them), and the length when the faults change the body. */
export function responseHeaders(headers: Record<string, string | string[] | undefined>, bodyChanges: boolean): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || (bodyChanges && name === 'content-length')) continue;
    out[name] = value;
  }
  return out;
}

/** reset-after: RST_STREAM on HTTP/2, a TCP reset on HTTP/1.1. */
export function resetResponse(req: Req, res: Res): void {
  if (req.httpVersionMajor === 2) {
    const stream = (req as Http2ServerRequest).stream;
    if (!stream.destroyed) stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
    return;
  }
  const socket = (res as ServerResponse).socket ?? (req as IncomingMessage).socket;
  if (socket && !socket.destroyed) {
    if (typeof (socket as Socket).resetAndDestroy === 'function') (socket as Socket).resetAndDestroy();
    else socket.destroy();
  }
}
