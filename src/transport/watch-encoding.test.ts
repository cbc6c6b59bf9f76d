/**
 * --encoding on the wire: what a watch asks for (Accept, recorded as request.accept) and which
 * decoder reads the body (by the response's Content-Type, whatever was asked), against a loopback
 * node:http server on port 0 that answers from a script at once (no timing involved).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { encodeObject, encodeWatchEvent, lengthPrefixed, PROTOBUF_WATCH_MEDIA_TYPE } from '../protobuf/k8s-codec.js';
import { PROTOBUF_WATCH_ACCEPT, TargetClient, type WatchEncoding, type WatchSpec } from './client.js';

const CM = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', namespace: 'ns', resourceVersion: '101' } };

const spec: WatchSpec = {
  id: 'watch#1',
  scenario: 'watch',
  basePath: '/api/v1/namespaces/ns/configmaps',
  namespace: 'ns',
  watched: { apiVersion: 'v1', kind: 'ConfigMap', resource: 'configmaps' },
  options: { resourceVersion: '100' },
};

let server: http.Server | undefined;
let client: TargetClient | undefined;

afterEach(async () => {
  await client?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
  client = undefined;
});

/** A server answering every watch with `answer`; resolves with the Accept headers it saw. */
async function serve(answer: (res: http.ServerResponse) => void): Promise<{ url: string; accepts: string[] }> {
  const accepts: string[] = [];
  server = http.createServer((req, res) => {
    accepts.push(String(req.headers.accept));
    answer(res);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, accepts };
}

function connect(url: string, encoding?: WatchEncoding): TargetClient {
  client = new TargetClient({ server: url, tls: { insecureSkipTlsVerify: false }, authHeaders: async () => ({}), allowH2: false }, new FakeClock(), encoding ? { encoding } : {});
  return client;
}

const protobufBody = () => {
  const frame = lengthPrefixed(encodeWatchEvent('ADDED', encodeObject(CM)));
  return Buffer.from(frame);
};

describe('watch encoding', () => {
  it('--encoding protobuf sends client-go\'s protobuf Accept, records it, and decodes the protobuf answer frame by frame', async () => {
    const body = protobufBody();
    const { url, accepts } = await serve((res) => {
      res.writeHead(200, { 'content-type': PROTOBUF_WATCH_MEDIA_TYPE });
      // The frame split across two writes: the decoder does not care where chunks end.
      res.write(body.subarray(0, 7));
      res.end(body.subarray(7));
    });
    const record = await connect(url, 'protobuf').watch(spec);
    expect(accepts).toEqual(['application/vnd.kubernetes.protobuf,application/json']);
    expect(record.request.accept).toBe(PROTOBUF_WATCH_ACCEPT);
    expect(record.entries.find((e) => e.kind === 'response')).toMatchObject({ contentType: PROTOBUF_WATCH_MEDIA_TYPE });
    expect(record.entries.filter((e) => e.kind === 'event')).toEqual([{ kind: 'event', atMs: 0, seq: 0, type: 'ADDED', object: CM, bytes: body.length }]);
    expect(record.entries.filter((e) => e.kind === 'malformed')).toEqual([]);
  });

  it('decodes a JSON answer to a protobuf watch as JSON (client-go\'s negotiator falls back the same way)', async () => {
    const { url } = await serve((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`${JSON.stringify({ type: 'ADDED', object: CM })}\n`);
    });
    const record = await connect(url, 'protobuf').watch(spec);
    expect(record.request.accept).toBe(PROTOBUF_WATCH_ACCEPT);
    expect(record.entries.filter((e) => e.kind === 'event')).toMatchObject([{ type: 'ADDED', object: CM }]);
  });

  it('asks for JSON by default and records no accept', async () => {
    const { url, accepts } = await serve((res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`${JSON.stringify({ type: 'ADDED', object: CM })}\n`);
    });
    const record = await connect(url).watch(spec);
    expect(accepts).toEqual(['application/json']);
    expect(record.request.accept).toBeUndefined();
  });

  it('decodes protobuf bytes answered to a JSON watch as protobuf, by the Content-Type (stream.framing then fails the media type)', async () => {
    const { url } = await serve((res) => {
      res.writeHead(200, { 'content-type': PROTOBUF_WATCH_MEDIA_TYPE });
      res.end(protobufBody());
    });
    const record = await connect(url).watch(spec);
    expect(record.entries.filter((e) => e.kind === 'event')).toMatchObject([{ type: 'ADDED', object: CM }]);
  });
});
