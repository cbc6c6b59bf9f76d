/**
 * A loopback front for the embedded server (plain HTTP) that echoes the credential it receives
 * everywhere a misbehaving server could: a response header on every answer, /version's
 * gitVersion, a discovery error body (while failDiscovery is set, /apis answers 503 with it),
 * and in every watch an unparsable line and an ERROR frame carrying it, an annotation and a data
 * field on every ADDED object and an annotation on every BOOKMARK (the initial-events-end one
 * included). For Basic auth it echoes the decoded `user:pass` as well. Requests are forwarded
 * with the embedded server's own token.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startEmbeddedServer, type StartedEmbeddedServer } from '../../src/server/index.js';

export interface EchoProxy extends AsyncDisposable {
  url: string;
  upstream: StartedEmbeddedServer;
  /** How many requests arrived with an authorization header (proof the credential was sent). */
  authorizedRequests(): number;
  /** While true, discovery (/apis) answers 503 with the credential in the Status message. */
  failDiscovery: boolean;
}

/** What the proxy echoes for one authorization header value. */
export function echoOf(authorization: string): string {
  const basic = /^Basic\s+(\S+)$/i.exec(authorization)?.[1];
  return basic ? `${authorization} ${Buffer.from(basic, 'base64').toString('utf8')}` : authorization;
}

function echoLine(line: string, echo: string): string {
  let event: { type?: string; object?: { metadata?: { annotations?: Record<string, string> }; data?: Record<string, string> } };
  try {
    event = JSON.parse(line);
  } catch {
    return line;
  }
  const object = event.object;
  if (object && (event.type === 'ADDED' || event.type === 'BOOKMARK')) {
    object.metadata ??= {};
    object.metadata.annotations = { ...object.metadata.annotations, 'echo.test/credential': echo };
    if (event.type === 'ADDED') object.data = { ...object.data, echoed: echo };
  }
  return JSON.stringify(event);
}

export async function startEchoProxy(): Promise<EchoProxy> {
  const upstream = await startEmbeddedServer({ tls: false });
  const target = new URL(upstream.url);
  let authorized = 0;
  const state = { failDiscovery: false };
  const server = http.createServer((req, res) => {
    const authorization = req.headers.authorization ?? '';
    if (authorization) authorized++;
    const echo = echoOf(authorization);
    const url = new URL(req.url ?? '/', 'http://proxy');
    const echoHeaders = { 'x-echo-credential': echo };
    if (url.pathname === '/apis' && state.failDiscovery) {
      const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: `discovery failed for ${echo}`, reason: 'ServiceUnavailable', code: 503 });
      res.writeHead(503, { ...echoHeaders, 'content-type': 'application/json' });
      return void res.end(body);
    }
    const watch = url.searchParams.get('watch') === 'true';
    const isVersion = url.pathname === '/version';
    const parts: Buffer[] = [];
    req.on('data', (chunk: Buffer) => parts.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(parts);
      const headers = { ...req.headers, host: target.host, authorization: `Bearer ${upstream.token}` };
      const out = http.request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers }, (answer) => {
        const answerHeaders: http.OutgoingHttpHeaders = { ...answer.headers, ...echoHeaders };
        if (!watch && !isVersion) {
          res.writeHead(answer.statusCode ?? 502, answerHeaders);
          return void answer.pipe(res);
        }
        delete answerHeaders['content-length'];
        res.writeHead(answer.statusCode ?? 502, answerHeaders);
        answer.setEncoding('utf8');
        let pending = '';
        if (isVersion) {
          answer.on('data', (chunk: string) => (pending += chunk));
          answer.on('end', () => {
            const version = JSON.parse(pending) as { gitVersion: string };
            res.end(JSON.stringify({ ...version, gitVersion: `${version.gitVersion}+echo ${echo}` }));
          });
          return;
        }
        if (answer.statusCode === 200) {
          res.write(`this line is not JSON: ${echo}\n`);
          res.write(
            JSON.stringify({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: `internal error for ${echo}`, reason: 'InternalError', code: 500 } }) + '\n',
          );
        }
        answer.on('data', (chunk: string) => {
          pending += chunk;
          const lines = pending.split('\n');
          pending = lines.pop()!;
          for (const line of lines) res.write(`${echoLine(line, echo)}\n`);
        });
        answer.on('end', () => res.end(pending === '' ? undefined : echoLine(pending, echo)));
        answer.on('error', () => res.destroy());
      });
      out.on('error', () => res.destroy());
      res.on('close', () => out.destroy());
      out.end(body.length > 0 ? body : undefined);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    upstream,
    authorizedRequests: () => authorized,
    get failDiscovery() {
      return state.failDiscovery;
    },
    set failDiscovery(on: boolean) {
      state.failDiscovery = on;
    },
    async [Symbol.asyncDispose]() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await upstream.stop();
    },
  };
}
