import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import http2 from 'node:http2';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INITIAL_EVENTS_END_ANNOTATION } from '../src/record/accessors.js';
import { startEmbeddedServer, type StartedEmbeddedServer } from '../src/server/index.js';
import { isolatedEnv, runCli, startCli, type RunningCli } from './support/cli.js';

const WATCH_LIST = 'watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=1';
const CONFIGMAPS_WATCH_LIST = `/api/v1/namespaces/default/configmaps?${WATCH_LIST}`;
const NAMESPACES_WATCH_LIST = `/api/v1/namespaces?${WATCH_LIST}`;

let server: StartedEmbeddedServer;
let dir: string;
let targetKubeconfig: string;

beforeAll(async () => {
  server = await startEmbeddedServer({ port: 0 });
  dir = mkdtempSync(path.join(tmpdir(), 'watchmark-cli-proxy-'));
  targetKubeconfig = path.join(dir, 'target.kubeconfig');
  writeFileSync(targetKubeconfig, server.kubeconfigYaml(), { mode: 0o600 });
});

afterAll(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A fresh TMPDIR for one proxy, so a test can see what it leaves there. */
function freshTmp(): string {
  return mkdtempSync(path.join(dir, 'tmp-'));
}

interface StartedProxy {
  cli: RunningCli;
  url: string;
  kubeconfigFile: string;
  token: string;
  caPem?: string;
}

async function startProxyCli(args: string[], tmp: string): Promise<StartedProxy> {
  const cli = startCli(['proxy', '--kubeconfig', targetKubeconfig, ...args], { env: isolatedEnv({ TMPDIR: tmp }), timeoutMs: 60_000 });
  try {
    await Promise.race([
      cli.waitFor(/press Ctrl-C to stop/, 30_000),
      cli.result.then((r) => Promise.reject(new Error(`watchmark proxy exited ${r.code} before its banner: ${r.stderr}`))),
    ]);
  } catch (err) {
    cli.child.kill('SIGKILL');
    throw err;
  }
  const out = cli.output().stdout;
  const url = /watchmark proxy listening at (\S+), forwarding to /.exec(out)![1]!;
  const kubeconfigFile = /^ {2}kubeconfig: (\S+)/m.exec(out)![1]!;
  const kubeconfig = readFileSync(kubeconfigFile, 'utf8');
  const token = /token: "?([^"\s]+)"?/.exec(kubeconfig)![1]!;
  const caData = /certificate-authority-data: "?([^"\s]+)"?/.exec(kubeconfig)?.[1];
  return { cli, url, kubeconfigFile, token, ...(caData ? { caPem: Buffer.from(caData, 'base64').toString('utf8') } : {}) };
}

/** Stops the proxy with Ctrl-C and returns its result and how long it took. */
async function interrupt(proxy: StartedProxy): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const t0 = performance.now();
  proxy.cli.child.kill('SIGINT');
  const res = await proxy.cli.result;
  return { ...res, ms: performance.now() - t0 };
}

interface WatchResult {
  status: number;
  protocol: string;
  events: Array<{ type: string; object: { metadata?: { resourceVersion?: string; annotations?: Record<string, string> } } }>;
}

function parseEvents(body: string): WatchResult['events'] {
  return body.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as WatchResult['events'][number]);
}

/** A whole (timeoutSeconds-bounded) watch over HTTP/2. */
function watchH2(proxy: StartedProxy, pathAndQuery: string, token = proxy.token): Promise<WatchResult> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(proxy.url, { ca: proxy.caPem });
    session.on('error', reject);
    const req = session.request({ ':path': pathAndQuery, authorization: `Bearer ${token}`, accept: 'application/json' });
    let status = 0;
    let body = '';
    req.on('response', (headers) => (status = Number(headers[':status'])));
    req.setEncoding('utf8');
    req.on('data', (d: string) => (body += d));
    req.on('error', reject);
    req.on('end', () => {
      session.close();
      try {
        resolve({ status, protocol: 'h2', events: status === 200 ? parseEvents(body) : [] });
      } catch (err) {
        reject(err as Error);
      }
    });
  });
}

/** A whole watch over HTTP/1.1 (HTTPS, or plain HTTP for --plain-http). */
function watchH1(proxy: StartedProxy, pathAndQuery: string, token = proxy.token): Promise<WatchResult> {
  return new Promise((resolve, reject) => {
    const url = new URL(pathAndQuery, proxy.url);
    const headers = { authorization: `Bearer ${token}`, accept: 'application/json' };
    const onResponse = (res: http.IncomingMessage) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('error', reject);
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, protocol: `http/${res.httpVersion}`, events: res.statusCode === 200 ? parseEvents(body) : [] });
        } catch (err) {
          reject(err as Error);
        }
      });
    };
    const req = url.protocol === 'https:' ? https.get(url, { ca: proxy.caPem, headers, agent: false }, onResponse) : http.get(url, { headers, agent: false }, onResponse);
    req.on('error', reject);
  });
}

const hasEndBookmark = (w: WatchResult) => w.events.some((e) => e.type === 'BOOKMARK' && e.object.metadata?.annotations?.[INITIAL_EVENTS_END_ANNOTATION] === 'true');

describe('watchmark proxy (CLI subprocess)', () => {
  it.each([
    [['--fault', 'no-such-fault'], /--fault "no-such-fault" is not a fault/],
    [['--fault', 'slow=fast'], /--fault slow "fast" is not a size/],
    [['--fault', 'drop-events=2'], /--fault "drop-events=2": the value is not P, a fraction from 0 to 1/],
    [['--listen', '0.0.0.0:1234'], /--listen "0\.0\.0\.0:1234": watchmark proxy listens on 127\.0\.0\.1 only/],
    [['--match', 'watches'], /--match "watches" is not one of/],
    [['--match-resource', 'Config_Maps'], /--match-resource "Config_Maps" is not a resource name/],
    [['--fault', 'strip-end-bookmark', '--record', 'RECORD_UNDER_A_FILE'], /--record .*a-file\/record\.ndjson: .*a-file is not a directory \(WM_USAGE\)/],
  ])('refuses %j: exit 2, one line, nothing left behind', async (args, message) => {
    const tmp = freshTmp();
    const blocker = path.join(dir, 'a-file');
    writeFileSync(blocker, '');
    const record = path.join(blocker, 'record.ndjson');
    const res = await runCli(['proxy', '--kubeconfig', targetKubeconfig, ...args.map((a) => (a === 'RECORD_UNDER_A_FILE' ? record : a))], {
      env: isolatedEnv({ TMPDIR: tmp }),
      timeoutMs: 30_000,
    });
    expect(res.code, res.stderr).toBe(2);
    expect(res.stderr).toMatch(message);
    expect(res.stderr.trim().split('\n'), res.stderr).toHaveLength(1);
    expect(res.stderr).not.toMatch(/\n\s+at /);
    expect(res.stdout).toBe('');
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('refuses a --listen port already in use: exit 2, one line, nothing left behind', async () => {
    const tmp = freshTmp();
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const res = await runCli(['proxy', '--kubeconfig', targetKubeconfig, '--fault', 'strip-end-bookmark', '--listen', `127.0.0.1:${port}`], {
        env: isolatedEnv({ TMPDIR: tmp }),
        timeoutMs: 30_000,
      });
      expect(res.code, res.stderr).toBe(2);
      expect(res.stderr).toMatch(new RegExp(`^watchmark: watchmark proxy cannot listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE.* \\(WM_USAGE\\)\n$`));
      expect(res.stdout).toBe('');
      expect(readdirSync(tmp)).toEqual([]);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('strip-end-bookmark over HTTP/2 and HTTP/1.1: the client misses the end bookmark, the proxy logs and records it, and stops on Ctrl-C', async () => {
    const tmp = freshTmp();
    // Into a directory not there yet: created, as for every other output file.
    const record = path.join(tmp, 'records', 'proxy.ndjson');
    const proxy = await startProxyCli(['--fault', 'strip-end-bookmark', '--record', record], tmp);
    try {
      expect(proxy.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(path.dirname(proxy.kubeconfigFile)).toBe(tmp);
      expect(proxy.token).not.toBe(server.token);

      const h2 = await watchH2(proxy, NAMESPACES_WATCH_LIST);
      expect(h2.status).toBe(200);
      expect(h2.events.filter((e) => e.type === 'ADDED').length).toBeGreaterThan(0);
      expect(hasEndBookmark(h2)).toBe(false);
      const h1 = await watchH1(proxy, NAMESPACES_WATCH_LIST);
      expect(h1.protocol).toBe('http/1.1');
      expect(h1.status).toBe(200);
      expect(hasEndBookmark(h1)).toBe(false);

      // A client that only has the proxy's kubeconfig: watchmark's own watch-list, as an informer sends it.
      const observe = await runCli(['observe', 'namespaces', '--watch-list', '--kubeconfig', proxy.kubeconfigFile, '--duration', '2s'], { timeoutMs: 30_000 });
      expect(observe.code, observe.stderr).toBe(1);
      expect(observe.stdout).toMatch(/HTTP 200 \(HTTP\/2\.0, application\/json\)/);
      expect(observe.stdout).toMatch(/ADDED\s+rv=\d+\s+default/);
      expect(observe.stdout).not.toContain('[initial-events-end]');
      expect(observe.stdout).toMatch(/initial-events-end\.present\s+fail/);
      expect(observe.stdout).toMatch(/client-go>=0\.35\s+never syncs/);

      // A request with the target's token (not the proxy's) is refused: the proxy has its own.
      const unauthorized = await watchH2(proxy, CONFIGMAPS_WATCH_LIST, server.token);
      expect(unauthorized.status).toBe(401);

      await proxy.cli.waitFor(/#3 ended/, 10_000);
      const res = await interrupt(proxy);
      expect(res.code, res.stderr).toBe(0);
      expect(res.ms).toBeLessThan(10_000);
      expect(existsSync(proxy.kubeconfigFile)).toBe(false);
      expect(res.stderr).toMatch(/watchmark: proxy stopped; 3 request\(s\) touched; strip-end-bookmark x3\n/);
      expect(res.stdout).toMatch(/proxy: #3 GET \/api\/v1\/namespaces\?\S*sendInitialEvents=true\S* \(watch-list namespaces\)\n/);
      expect(res.stdout).toMatch(/proxy: #3 strip-end-bookmark: dropped the initial-events-end bookmark/);

      for (const id of [1, 2]) {
        expect(res.stdout).toContain(`proxy: #${id} GET ${NAMESPACES_WATCH_LIST} (watch-list namespaces)\n`);
        expect(res.stdout).toMatch(new RegExp(`proxy: #${id} -> 200 application/json; faults: strip-end-bookmark\\n`));
        expect(res.stdout).toMatch(new RegExp(`proxy: #${id} strip-end-bookmark: dropped the initial-events-end bookmark \\(RV \\d+\\)\\n`));
        expect(res.stdout).toMatch(new RegExp(`proxy: #${id} ended \\(ended\\): \\d+ frames in, \\d+ out; strip-end-bookmark x1\\n`));
      }
      expect(res.stdout).not.toContain('#4');

      const entries = readFileSync(record, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; id: number; fault?: string; text?: string; outcome?: string });
      for (const id of [1, 2]) {
        const mine = entries.filter((e) => e.id === id);
        expect(mine.map((e) => e.kind)).toEqual(expect.arrayContaining(['request', 'response', 'fault', 'frame', 'end']));
        expect(mine.find((e) => e.kind === 'fault')?.fault).toBe('strip-end-bookmark');
        expect(mine.at(-1)).toMatchObject({ kind: 'end', outcome: 'ended' });
        expect(mine.filter((e) => e.kind === 'frame').some((e) => e.text?.includes(INITIAL_EVENTS_END_ANNOTATION))).toBe(false);
      }
      for (const text of [res.stdout, res.stderr, readFileSync(record, 'utf8')]) {
        expect(text).not.toContain(server.token);
        expect(text).not.toContain(proxy.token);
      }
    } finally {
      proxy.cli.child.kill('SIGKILL');
    }
  });

  it('--match-resource namespaces leaves a configmaps watch untouched', async () => {
    const tmp = freshTmp();
    const proxy = await startProxyCli(['--fault', 'strip-end-bookmark', '--match-resource', 'namespaces'], tmp);
    try {
      expect(proxy.cli.output().stdout).toContain('  applied to: watch requests of namespaces\n');
      const configmaps = await watchH2(proxy, CONFIGMAPS_WATCH_LIST);
      expect(configmaps.status).toBe(200);
      expect(hasEndBookmark(configmaps)).toBe(true);
      // The control: the same proxy does strip it from a namespaces watch-list.
      const namespaces = await watchH2(proxy, NAMESPACES_WATCH_LIST);
      expect(namespaces.events.some((e) => e.type === 'ADDED')).toBe(true);
      expect(hasEndBookmark(namespaces)).toBe(false);
      // Ctrl-C with a watch still open (no timeoutSeconds): the proxy ends it and stops.
      const open = watchH2(proxy, '/api/v1/namespaces?watch=1&allowWatchBookmarks=true').then(
        (w) => `ended ${w.status}`,
        (err: Error) => `failed ${err.message}`,
      );
      // The legacy RV "" watch gets an end bookmark too (SetListOptionsDefaults makes it a
      // watch-list), stripped as well: wait for that, not only for its headers, before Ctrl-C.
      await proxy.cli.waitFor(/proxy: #2 strip-end-bookmark: dropped the initial-events-end bookmark/, 10_000);
      const res = await interrupt(proxy);
      expect(res.code, res.stderr).toBe(0);
      expect(res.ms).toBeLessThan(10_000);
      expect(await open).toMatch(/^(ended 200|failed )/);
      expect(res.stdout).toMatch(/proxy: #2 ended \(client-gone\)/);
      expect(res.stdout).not.toContain('configmaps (watch-list');
      expect(res.stdout).toContain('proxy: #1 GET /api/v1/namespaces?');
      expect(res.stdout).not.toContain('#3');
      expect(res.stdout).toMatch(/proxy: #2 strip-end-bookmark: dropped the initial-events-end bookmark/);
      expect(res.stderr).toMatch(/proxy stopped; 2 request\(s\) touched; strip-end-bookmark x2\n/);
    } finally {
      proxy.cli.child.kill('SIGKILL');
    }
  });

  it('--plain-http serves plain HTTP/1.1 with the faults applied', async () => {
    const tmp = freshTmp();
    const proxy = await startProxyCli(['--plain-http', '--fault', 'strip-end-bookmark'], tmp);
    try {
      expect(proxy.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(proxy.caPem).toBeUndefined();
      const watch = await watchH1(proxy, CONFIGMAPS_WATCH_LIST);
      expect(watch.status).toBe(200);
      expect(hasEndBookmark(watch)).toBe(false);
      expect((await watchH1(proxy, CONFIGMAPS_WATCH_LIST, 'wrong')).status).toBe(401);
      const res = await interrupt(proxy);
      expect(res.code, res.stderr).toBe(0);
      expect(res.stdout).toMatch(/proxy: #1 strip-end-bookmark: dropped the initial-events-end bookmark/);
      expect(readdirSync(tmp)).toEqual([]);
    } finally {
      proxy.cli.child.kill('SIGKILL');
    }
  });
});
