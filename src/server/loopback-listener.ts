/**
 * The loopback listener `serve` and `proxy` share: HTTPS with HTTP/2 and HTTP/1.1 (ALPN), HTTPS
 * HTTP/1.1 only, or plain HTTP, on 127.0.0.1, with no timeout a long watch could trip, and the
 * open sockets and HTTP/2 sessions tracked so that stop() can close or destroy them.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import http2, { type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { WatchmarkError } from '../errors.js';

export type ListenMode = 'h2' | 'https' | 'http';

export interface LoopbackListenerOptions {
  mode: ListenMode;
  /** Required for 'h2' and 'https'. */
  tls?: { keyPem: string; certPem: string };
  handler: (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse) => void;
  /** 0 for a random free port. */
  port: number;
  /** HTTP/2 SETTINGS the server announces ('h2' only). */
  h2Settings?: http2.Settings;
  /** The error to reject with when the port cannot be bound. */
  listenError: (err: NodeJS.ErrnoException) => WatchmarkError;
}

export interface LoopbackListener {
  server: http.Server | https.Server | http2.Http2SecureServer;
  port: number;
  /** Open connections (TLS sockets once their handshake is done). */
  sockets: ReadonlySet<Socket | TLSSocket>;
  /** Open HTTP/2 sessions ('h2' only). */
  sessions: ReadonlySet<http2.ServerHttp2Session>;
}

export async function listenLoopback(options: LoopbackListenerOptions): Promise<LoopbackListener> {
  const { mode, tls, handler } = options;
  if (mode !== 'http' && !tls) throw new Error(`listenLoopback: mode ${mode} needs TLS material`);
  const sockets = new Set<Socket | TLSSocket>();
  const sessions = new Set<http2.ServerHttp2Session>();
  let server: http.Server | https.Server | http2.Http2SecureServer;
  if (mode === 'h2') {
    const h2 = http2.createSecureServer(
      { key: tls!.keyPem, cert: tls!.certPem, allowHTTP1: true, ...(options.h2Settings ? { settings: options.h2Settings } : {}) },
      handler,
    );
    h2.on('session', (session) => {
      sessions.add(session);
      session.once('close', () => sessions.delete(session));
      session.on('error', () => session.destroy());
    });
    h2.on('sessionError', () => {});
    server = h2;
  } else {
    const h1 = mode === 'https' ? https.createServer({ key: tls!.keyPem, cert: tls!.certPem }, handler) : http.createServer(handler);
    // Watches outlive every default server timeout.
    h1.requestTimeout = 0;
    h1.headersTimeout = 60_000;
    h1.on('clientError', (_err, socket) => socket.destroy());
    server = h1;
  }
  server.setTimeout(0);
  server.on(mode === 'http' ? 'connection' : 'secureConnection', (socket: Socket | TLSSocket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => reject(options.listenError(err));
    server.once('error', onError);
    server.listen(options.port, '127.0.0.1', () => {
      server.off('error', onError);
      resolve();
    });
  });
  return { server, port: (server.address() as { port: number }).port, sockets, sessions };
}
