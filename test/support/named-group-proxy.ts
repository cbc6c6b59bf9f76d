/**
 * A loopback front for the embedded server that makes it look like kinm to discovery: it serves
 * only the named API group `kinm.test/v1` (the embedded server's configmaps, under that group) and
 * no core group: `/api`, `/api/v1` and everything under them (namespaces included) answer 404
 * with a pretty-printed JSON body that is not a metav1.Status, as kinm does. Requests under
 * `/apis/kinm.test/v1/` are forwarded, streamed, to `/api/v1/` of the embedded server.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startEmbeddedServer, type StartedEmbeddedServer } from '../../src/server/index.js';

export const GROUP = 'kinm.test';
const PREFIX = `/apis/${GROUP}/v1`;

/** kinm's 404: a pretty-printed index of its paths, not a Status. */
export const NOT_FOUND_BODY = JSON.stringify({ paths: ['/apis', `/apis/${GROUP}`, PREFIX, '/healthz', '/version'] }, null, 2);

export interface NamedGroupProxy extends AsyncDisposable {
  url: string;
  upstream: StartedEmbeddedServer;
  kubeconfigYaml(): string;
}

const KINDS = new Set(['ConfigMap', 'ConfigMapList']);

/** Every ConfigMap(List) object in a JSON value, with its apiVersion set from `from` to `to`. */
function retag(value: unknown, from: string, to: string): unknown {
  if (Array.isArray(value)) return value.map((v) => retag(v, from, to));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[key] = retag(v, from, to);
  if (KINDS.has(String(out['kind'])) && out['apiVersion'] === from) out['apiVersion'] = to;
  return out;
}

function rewriteJson(text: string, from: string, to: string): string {
  try {
    return JSON.stringify(retag(JSON.parse(text), from, to));
  } catch {
    return text;
  }
}

const toGroup = (text: string) => rewriteJson(text, 'v1', `${GROUP}/v1`);
const toCore = (text: string) => rewriteJson(text, `${GROUP}/v1`, 'v1');

function json(res: http.ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

export async function startNamedGroupProxy(): Promise<NamedGroupProxy> {
  const upstream = await startEmbeddedServer({ tls: false });
  const target = new URL(upstream.url);
  // Objects cross the proxy under the group's apiVersion: request bodies are rewritten to v1 for
  // the embedded server, response objects (watch lines, lists, single objects) back to the group.
  const forward = (req: http.IncomingMessage, res: http.ServerResponse, path: string, rewrite: boolean) => {
    const send = (body: Buffer | undefined) => {
      const headers = { ...req.headers, host: target.host };
      if (body !== undefined) headers['content-length'] = String(body.length);
      const out = http.request({ host: target.hostname, port: target.port, method: req.method, path, headers }, (answer) => {
        const answerHeaders = { ...answer.headers };
        if (rewrite) delete answerHeaders['content-length'];
        res.writeHead(answer.statusCode ?? 502, answerHeaders);
        if (!rewrite) return void answer.pipe(res);
        let pending = '';
        const watch = new URL(path, 'http://upstream').searchParams.get('watch') === 'true';
        answer.setEncoding('utf8');
        answer.on('data', (chunk: string) => {
          pending += chunk;
          if (!watch) return;
          const lines = pending.split('\n');
          pending = lines.pop()!;
          for (const line of lines) res.write(`${toGroup(line)}\n`);
        });
        answer.on('end', () => res.end(pending === '' ? undefined : toGroup(pending)));
        answer.on('error', () => res.destroy());
      });
      out.on('error', () => res.destroy());
      res.on('close', () => out.destroy());
      out.end(body);
    };
    if (req.method === 'GET') return send(undefined);
    const parts: Buffer[] = [];
    req.on('data', (chunk: Buffer) => parts.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(parts);
      send(rewrite && body.length > 0 ? Buffer.from(toCore(body.toString('utf8'))) : body.length > 0 ? body : undefined);
    });
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const path = url.pathname;
    if (path === '/api' || path.startsWith('/api/')) return json(res, 404, NOT_FOUND_BODY);
    if (path === '/apis') {
      const groupVersion = { groupVersion: `${GROUP}/v1`, version: 'v1' };
      return json(res, 200, JSON.stringify({ kind: 'APIGroupList', apiVersion: 'v1', groups: [{ name: GROUP, versions: [groupVersion], preferredVersion: groupVersion }] }));
    }
    if (path === PREFIX) {
      // The embedded server's configmaps, as the only resource of the group.
      const list = http.get({ host: target.hostname, port: target.port, path: '/api/v1', headers: { authorization: req.headers.authorization ?? '' } }, (answer) => {
        let text = '';
        answer.setEncoding('utf8');
        answer.on('data', (chunk: string) => (text += chunk));
        answer.on('end', () => {
          const core = JSON.parse(text) as { resources?: Array<{ name: string }> };
          const resources = (core.resources ?? []).filter((r) => r.name === 'configmaps');
          json(res, answer.statusCode ?? 502, JSON.stringify({ kind: 'APIResourceList', apiVersion: 'v1', groupVersion: `${GROUP}/v1`, resources }));
        });
      });
      list.on('error', () => res.destroy());
      return;
    }
    if (path.startsWith(`${PREFIX}/`)) return forward(req, res, `/api/v1${path.slice(PREFIX.length)}${url.search}`, true);
    return forward(req, res, `${path}${url.search}`, false);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    upstream,
    kubeconfigYaml: () => upstream.kubeconfigYaml().replaceAll(upstream.url, url),
    async [Symbol.asyncDispose]() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await upstream.stop();
    },
  };
}
