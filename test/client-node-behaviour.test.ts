/**
 * Pins the @kubernetes/client-node informer behaviour the `client-node` verdict encodes
 * (src/verdict/client-node.ts), by running the real client from node_modules against scripted
 * loopback servers, and checks that the verdict says the same thing on the matching hand-built
 * timeline. When a client-node upgrade changes any of it, this fails, and the emulation must follow.
 *
 * The informer runs in a child process: one case makes it crash the process on purpose.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { clientNodeVerdict } from '../src/verdict/client-node.js';
import type { ClientOutcome } from '../src/verdict/types.js';
import { REPO } from './support/cli.js';
import { run, stream, type StreamBuilder } from './support/timeline-builder.js';

const CLIENT_NODE = pathToFileURL(path.join(REPO, 'node_modules', '@kubernetes', 'client-node', 'dist', 'index.js')).href;

const CHILD = `
import { CoreV1Api, KubeConfig, makeInformer } from ${JSON.stringify(CLIENT_NODE)};
const [server, durationMs, addedTarget, errorsTarget] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4] ?? 0), Number(process.argv[5] ?? 0)];
const kc = new KubeConfig();
kc.loadFromOptions({
  clusters: [{ name: 'c', server, skipTLSVerify: true }],
  users: [{ name: 'u', token: 't' }],
  contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
  currentContext: 'x',
});
const core = kc.makeApiClient(CoreV1Api);
let listed = false;
const informer = makeInformer(kc, '/api/v1/namespaces/ns/configmaps', async () => {
  const list = await core.listNamespacedConfigMap({ namespace: 'ns' });
  listed = true;
  return list;
});
const out = { added: [], errors: [], connects: 0 };
function report() {
  process.stdout.write(JSON.stringify({ ...out, listed }));
  process.exit(0);
}
informer.on('add', (o) => {
  out.added.push(o.metadata.name);
  // Report as soon as the expected objects arrived (no waiting on a clock).
  if (addedTarget > 0 && out.added.length >= addedTarget) setImmediate(report);
});
informer.on('error', (e) => {
  out.errors.push(String(e));
  // After the expected error, a little longer: an informer that re-watched would do so at once.
  if (errorsTarget > 0 && out.errors.length === errorsTarget) setTimeout(report, 500);
});
informer.on('connect', () => out.connects++);
await informer.start();
// The test ends it early (SIGTERM) once the server saw what it waits for.
process.on('SIGTERM', report);
setTimeout(report, durationMs);
`;

const cm = (name: string, rv: string) => ({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { name, namespace: 'ns', resourceVersion: rv } });
const line = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value)) + '\n';

type WatchScript = (res: http.ServerResponse, attempt: number) => void;

interface Observed {
  code: number | null;
  stderr: string;
  result?: { added: string[]; errors: string[]; connects: number; listed: boolean };
  lists: number;
  watches: string[];
}

/** Runs the real informer for `durationMs` against a server answering LISTs with `listStatus` and WATCHes with `watch`. */
/**
 * Runs the informer against a scripted server for `durationMs`, or — with `until` — until the
 * server has seen what `until` waits for (then the child is asked to report and exit), at most
 * UNTIL_CAP_MS: counts of requests are then independent of how busy the machine is.
 */
const UNTIL_CAP_MS = 20_000;

async function observe(
  watch: WatchScript,
  opts: {
    listStatus?: number;
    durationMs?: number;
    until?: (seen: { lists: number; watches: number }) => boolean;
    /** The child reports as soon as this many objects were added. */
    untilAdded?: number;
    /** The child reports 500 ms after this many 'error' events. */
    untilErrors?: number;
  } = {},
): Promise<Observed> {
  let lists = 0;
  const watches: string[] = [];
  let stopChild: (() => void) | undefined;
  const checkUntil = () => {
    if (opts.until?.({ lists, watches: watches.length })) stopChild?.();
  };
  const server = http.createServer((req, res) => {
    setImmediate(checkUntil);
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.searchParams.get('watch') !== 'true') {
      lists++;
      res.statusCode = opts.listStatus ?? 200;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(res.statusCode === 200 ? { kind: 'ConfigMapList', apiVersion: 'v1', metadata: { resourceVersion: '100' }, items: [cm('a', '99')] } : { kind: 'Status', apiVersion: 'v1', code: res.statusCode }));
      return;
    }
    watches.push(url.search);
    watch(res, watches.length);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const dir = mkdtempSync(path.join(tmpdir(), 'watchmark-client-node-'));
  const script = path.join(dir, 'informer.mjs');
  writeFileSync(script, CHILD);
  try {
    const durationMs = opts.until || opts.untilAdded || opts.untilErrors ? UNTIL_CAP_MS : (opts.durationMs ?? 600);
    const args = [script, `http://127.0.0.1:${(server.address() as AddressInfo).port}`, String(durationMs), String(opts.untilAdded ?? 0), String(opts.untilErrors ?? 0)];
    const child = spawn(process.execPath, args, { cwd: dir });
    stopChild = () => {
      stopChild = undefined;
      child.kill('SIGTERM');
    };
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    return { code, stderr, lists, watches, ...(stdout ? { result: JSON.parse(stdout) as Observed['result'] } : {}) };
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** The matching hand-built record: list#1 answered with RV 100, then the watch client-node sends. */
function verdictOn(watch: (s: StreamBuilder) => StreamBuilder, listStatus = 200): ClientOutcome | undefined {
  const watchStream = watch(stream('watch-no-bookmarks#1', { resourceVersion: '100', timeoutSeconds: 10 }, 'watch-no-bookmarks').sentAt(10));
  const record = run()
    .list({ sentAtMs: 0, atMs: 4, status: listStatus, ...(listStatus === 200 ? { itemCount: 1, resourceVersion: '100' } : { itemCount: undefined, resourceVersion: undefined }) })
    .stream(watchStream)
    .build();
  return clientNodeVerdict(record)?.outcome;
}

const hold = (res: http.ServerResponse) => {
  res.setHeader('content-type', 'application/json');
  res.flushHeaders();
};

describe.concurrent('@kubernetes/client-node 1.4 informer, as the client-node verdict models it', { timeout: 30_000 }, () => {
  it('LISTs, then WATCHes with watch=true&resourceVersion=<list RV> only; re-watches from the last event RV after a clean end (syncs)', async () => {
    const seen = await observe(
      (res, attempt) => {
        hold(res);
        if (attempt === 1) {
          res.write(line({ type: 'ADDED', object: cm('b', '101') }));
          setTimeout(() => res.end(), 100);
        }
      },
      { until: ({ watches }) => watches >= 2 },
    );
    expect(seen.watches.slice(0, 2)).toEqual(['?watch=true&resourceVersion=100', '?watch=true&resourceVersion=101']);
    expect(seen.lists).toBe(1);
    expect(seen.result).toMatchObject({ added: ['a', 'b'], errors: [], connects: 2, listed: true });
    expect(verdictOn((s) => s.response(12).added(20, 'b', '101').close(10_012))).toBe('syncs');
  });

  it('silently ignores an unparsable line and keeps the watch (syncs, frame dropped)', async () => {
    const seen = await observe(
      (res, attempt) => {
        hold(res);
        if (attempt === 1) res.write('this is not json\n' + line({ type: 'ADDED', object: cm('b', '101') }));
      },
      { untilAdded: 2 },
    );
    expect(seen.result).toMatchObject({ added: ['a', 'b'], errors: [], connects: 1 });
    expect(verdictOn((s) => s.response(12).malformed(20, 'this is not json').added(20, 'b', '101'))).toBe('syncs');
  });

  it('re-watches at once, without backoff, when the server ends every watch immediately (loops)', async () => {
    // 25 re-watches well inside 20 s: even client-go's 800 ms initial backoff would allow about 7.
    const seen = await observe(
      (res) => {
        hold(res);
        res.end();
      },
      { until: ({ watches }) => watches >= 25 },
    );
    expect(seen.watches.length).toBeGreaterThanOrEqual(25);
    expect(new Set(seen.watches)).toEqual(new Set(['?watch=true&resourceVersion=100']));
    expect(seen.lists).toBe(1);
    expect(seen.result?.errors).toEqual([]);
    expect(verdictOn((s) => s.response(12).close(15))).toBe('loops');
  });

  it("ignores a non-410 ERROR event: no 'error', re-watch from the same RV (loops)", async () => {
    const seen = await observe(
      (res) => {
        hold(res);
        res.end(line({ type: 'ERROR', object: { kind: 'Status', apiVersion: 'v1', code: 500, message: 'storage is down' } }));
      },
      { until: ({ watches }) => watches >= 25 },
    );
    expect(seen.watches.length).toBeGreaterThanOrEqual(25);
    expect(seen.result?.errors).toEqual([]);
    expect(verdictOn((s) => s.response(12).error(13, { code: 500, reason: 'InternalError' }).close(14))).toBe('loops');
  });

  it('relists at once when the watch from the list RV is answered 410 (loops)', async () => {
    const seen = await observe(
      (res) => {
        res.statusCode = 410;
        res.end('{}');
      },
      { until: ({ lists }) => lists >= 12 },
    );
    expect(seen.lists).toBeGreaterThanOrEqual(12);
    expect(seen.result?.errors).toEqual([]);
    expect(verdictOn((s) => s.response(12, { status: 410 }))).toBe('loops');
  });

  it("emits 'error' and stops when the WATCH is answered 500 (stops)", async () => {
    const seen = await observe(
      (res) => {
        res.statusCode = 500;
        res.end('{}');
      },
      { untilErrors: 1 },
    );
    expect(seen.watches).toHaveLength(1);
    expect(seen.result?.errors).toEqual(['Error: Internal Server Error']);
    expect(verdictOn((s) => s.response(12, { status: 500 }))).toBe('stops');
  });

  it("emits 'error' (Premature close) and stops when the stream is cut (stops)", async () => {
    const seen = await observe(
      (res) => {
        hold(res);
        res.write(line({ type: 'ADDED', object: cm('b', '101') }));
        setTimeout(() => res.socket?.destroy(), 100);
      },
      { untilErrors: 1 },
    );
    expect(seen.watches).toHaveLength(1);
    expect(seen.result?.errors).toEqual(['Error: Premature close']);
    expect(verdictOn((s) => s.response(12).added(20, 'b', '101').close(110, 'reset', { code: 'ECONNRESET', message: 'other side closed' }))).toBe('stops');
  });

  it('crashes the process on an ADDED event without object (unhandled rejection, exit code 1)', async () => {
    // It crashes on its own; the long duration only bounds the test.
    const seen = await observe(
      (res) => {
        hold(res);
        res.write(line({ type: 'ADDED' }));
      },
      { durationMs: UNTIL_CAP_MS },
    );
    expect(seen.code).toBe(1);
    expect(seen.stderr).toContain("TypeError: Cannot read properties of undefined (reading 'metadata')");
    expect(verdictOn((s) => s.response(12).event(20, 'ADDED', undefined))).toBe('crashes');
  });

  it("emits 'error' and never watches when the LIST fails (never-syncs)", async () => {
    const seen = await observe(() => undefined, { listStatus: 403, untilErrors: 1 });
    expect(seen.watches).toEqual([]);
    expect(seen.result?.listed).toBe(false);
    expect(seen.result?.errors).toHaveLength(1);
    expect(verdictOn((s) => s, 403)).toBe('never-syncs');
  });
});
