/**
 * Small misbehaving servers on 127.0.0.1 port 0 for the bad-input catalogue: one that answers
 * every request with a fixed status (401, 403, 404, 500, or 200 with an HTML page), one that
 * accepts connections and never answers, a TLS server (to be reached with http:// or a wrong CA),
 * and a port that is closed. Each records the requests it got, so a test can tell that nothing
 * was created on it (no POST/PUT/PATCH/DELETE) or that it was never contacted at all.
 */
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo, type Socket } from 'node:net';
import { generateSelfSignedTls, type GeneratedTls } from '../../src/tls/self-signed.js';

export interface SeenRequest {
  method: string;
  path: string;
}

export interface FakeServer extends AsyncDisposable {
  url: string;
  port: number;
  /** Every request that reached the server (for the silent server: every connection, as CONNECT). */
  requests: SeenRequest[];
  close(): Promise<void>;
}

export interface CannedAnswer {
  status: number;
  contentType: string;
  body: string;
}

/** A metav1.Status answer, as kube-apiserver sends for 401/403/404/500. */
export function statusAnswer(code: number, reason: string, message: string): CannedAnswer {
  return {
    status: code,
    contentType: 'application/json',
    body: JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code }),
  };
}

/** A 200 with an HTML page, as a proxy's login or error page answers discovery. */
export const HTML_PAGE: CannedAnswer = {
  status: 200,
  contentType: 'text/html; charset=utf-8',
  body: '<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body><h1>Please sign in</h1></body></html>\n',
};

function tracked(server: net.Server, requests: SeenRequest[], scheme: 'http' | 'https'): FakeServer {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const port = (server.address() as AddressInfo).port;
  const close = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  return { url: `${scheme}://127.0.0.1:${port}`, port, requests, close, [Symbol.asyncDispose]: close };
}

function listen(server: net.Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
}

/** Answers every request with `answer` (over TLS when `tls` is given). */
export async function startCannedServer(answer: CannedAnswer, tls?: GeneratedTls): Promise<FakeServer> {
  const requests: SeenRequest[] = [];
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    requests.push({ method: req.method ?? '', path: req.url ?? '' });
    req.resume();
    res.writeHead(answer.status, { 'content-type': answer.contentType, 'content-length': Buffer.byteLength(answer.body) });
    res.end(answer.body);
  };
  const server = tls ? https.createServer({ cert: tls.certPem, key: tls.keyPem }, handler) : http.createServer(handler);
  await listen(server);
  return tracked(server, requests, tls ? 'https' : 'http');
}

/** Accepts TCP connections and never sends a byte (the server of issue 10's first hang). */
export async function startSilentServer(): Promise<FakeServer> {
  const requests: SeenRequest[] = [];
  const server = net.createServer((socket) => {
    requests.push({ method: 'CONNECT', path: '' });
    socket.on('error', () => {});
    socket.resume();
  });
  await listen(server);
  return tracked(server, requests, 'http');
}

/** A TLS server answering every request 200 `{}`, with its CA (for http:// to a TLS port, and CA cases). */
export async function startTlsServer(): Promise<FakeServer & { tls: GeneratedTls }> {
  const tls = generateSelfSignedTls('watchmark-fault');
  const server = await startCannedServer({ status: 200, contentType: 'application/json', body: '{}' }, tls);
  return Object.assign(server, { tls });
}

/** A loopback port nothing listens on: bound on port 0, then closed. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await listen(server);
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
