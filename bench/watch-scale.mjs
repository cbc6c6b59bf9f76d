// Concurrent watches at scale (issue 15). Run with `npm run bench:scale` (builds dist/ first).
// Prints figures only; nothing here asserts (timings on a shared machine are not test material).
//
//   node bench/watch-scale.mjs [--watches 1000,5000,10000] [--writes 5] [--write-interval-ms 200]
//                              [--groups G] [--target embedded|kube-apiserver] [--reader thread|main]
//                              [--cpu-prof DIR]
//
// The server runs in its own process, so its load is not the client's finding: the embedded server
// (startEmbeddedServer, what `watchmark serve` runs) over TLS with h2 and its test-only send-time
// stamp on, or with `--target kube-apiserver` the testbed's real kube-apiserver (testbed/bin, built
// by `npm run testbed:build`). Each N runs in a fresh client process (so peak RSS and open file
// descriptors are that N's own), which:
//   1. opens N watches on one collection with watchmark's TargetClient.watch() (from the current
//      resourceVersion, bookmarks allowed) and waits until every one is answered (response head);
//   2. creates --writes ConfigMaps there, one every --write-interval-ms, through the same client,
//      and waits until every watch has received every one of them as an ADDED event. With
//      --groups G the watches select one of G labels each and every create carries one label, so
//      a create reaches N/G watches (--writes creates per group): the same watches, fewer events
//      arriving at once;
//   3. reports: watches answered (200) and complete (all events), HTTP version, connections, open
//      fds (/proc/self/fd entries), RSS now and peak (process.resourceUsage().maxRSS), wall and CPU
//      time (process.cpuUsage(), user+system) from before the first watch to the last event, and:
//      - arrival error (embedded server only): event arrival time minus the server's send time.
//        The server stamps, per watcher, the moment it hands the frame to that watch's response
//        into the object's `watchmark.test/sent-at-ms` annotation (src/server/send-time-stamp.ts);
//        the client records each event's arrival when its chunk comes off the socket (TargetClient's
//        socket reader thread; with --reader main, when the main thread handles it). Both sides read the same
//        clock the same way: performance.timeOrigin + performance.now() (epoch ms, sub-ms
//        resolution; the client's TargetClient clock is anchored at performance.timeOrigin). The
//        bench checks the two processes agree by an IPC ping (the server's reading minus the
//        midpoint of the client's before/after readings; printed as "clock offset").
//      - write->event: event arrival minus the moment the client sent that create (both targets).
import { fork, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { argValue, positiveInt } from './bench-args.mjs';

const SELF = fileURLToPath(import.meta.url);
const ROOT = join(dirname(SELF), '..');
const NAMESPACE = 'default';
const COLLECTION = `/api/v1/namespaces/${NAMESPACE}/configmaps`;
const ANSWER_TIMEOUT_MS = 120_000;
const EVENTS_TIMEOUT_MS = 60_000;

const epochNow = () => performance.timeOrigin + performance.now();

// --- the embedded server process -----------------------------------------------------------------

async function serve() {
  const { startEmbeddedServer } = await import('../dist/index.js');
  const server = await startEmbeddedServer({ tls: true, http2: true, stampSendTime: true });
  process.on('message', async (message) => {
    if (message.type === 'ping') process.send({ type: 'pong', nowMs: epochNow() });
    else if (message.type === 'flushes') process.send({ type: 'flushes', flushes: server.takeStampedFlushes() });
    else if (message.type === 'stats') process.send({ type: 'stats', watchers: server.stats().watchers, cpu: process.cpuUsage(), rss: process.memoryUsage().rss });
    else if (message.type === 'stop') {
      await server.stop();
      process.exit(0);
    }
  });
  process.send({ type: 'ready', url: server.url, token: server.token, caPem: server.caCertPem });
}

function request(child, message, type) {
  return new Promise((resolve) => {
    const onMessage = (reply) => {
      if (reply.type !== type) return;
      child.off('message', onMessage);
      resolve(reply);
    };
    child.on('message', onMessage);
    child.send(message);
  });
}

// --- the client process (one per N) ----------------------------------------------------------------

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function client(target) {
  const { TargetClient, sharedSocketReader } = await import('../dist/index.js');
  const { SEND_TIME_ANNOTATION, SEND_TIME_PLACEHOLDER } = await import('../dist/server/send-time-stamp.js');
  const { n, writes, intervalMs, groups, reader } = target;
  // performance.now() and process.hrtime.bigint() read the same monotonic clock; their offset,
  // read back to back, maps the socket reader's hrtime stamps onto this clock.
  const hrtimeOffsetMs = performance.now() - Number(process.hrtime.bigint()) / 1e6;
  const clock = { anchorWallMs: performance.timeOrigin, nowMs: () => performance.now(), fromMonotonicNs: (ns) => Number(ns) / 1e6 + hrtimeOffsetMs };
  const connection = {
    server: target.url,
    tls: { insecureSkipTlsVerify: false, ...(target.caPem ? { caPem: target.caPem } : {}) },
    allowH2: true,
    authHeaders: async () => (target.token ? { authorization: `Bearer ${target.token}` } : {}),
  };
  const tc = new TargetClient(connection, clock, reader === 'main' ? { socketReader: null } : {});
  const list = await tc.requestJson('GET', COLLECTION);
  const rv = list.body?.metadata?.resourceVersion;
  const runId = `${process.pid.toString(36)}-${Date.now().toString(36)}`;
  const sentAt = new Map(); // configmap name -> epoch ms the create was sent

  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let answered = 0;
  let complete = 0;
  const statuses = new Map();
  const versions = new Map();
  const arrivalErrors = [];
  const stamped = [];
  const writeToEvent = [];
  const added = [];
  let waitAll;
  const allAnswered = new Promise((resolve) => (waitAll = resolve));
  let waitComplete;
  const allComplete = new Promise((resolve) => (waitComplete = resolve));
  const closedEarly = [];
  const records = [];
  for (let i = 0; i < n; i++) {
    let events = 0;
    const spec = {
      id: `scale#${i}`,
      scenario: 'scale',
      basePath: COLLECTION,
      namespace: NAMESPACE,
      watched: { apiVersion: 'v1', kind: 'ConfigMap', resource: 'configmaps' },
      options: { resourceVersion: rv, allowWatchBookmarks: true, timeoutSeconds: 1800, ...(groups > 1 ? { labelSelector: `scale-group=${i % groups}` } : {}) },
    };
    const onEntry = (entry) => {
      if (entry.kind === 'response') {
        statuses.set(entry.status, (statuses.get(entry.status) ?? 0) + 1);
        versions.set(entry.httpVersion, (versions.get(entry.httpVersion) ?? 0) + 1);
        if (++answered === n) waitAll();
      } else if (entry.kind === 'event' && entry.type === 'ADDED') {
        // Read after the run: an event's object is parsed when first read, and parsing it here,
        // as each event arrives, would delay the chunks behind it (watchmark's own live output
        // reads only bookmarks' objects).
        added.push(entry);
        if (++events === writes && ++complete === n) waitComplete();
      }
    };
    records.push(tc.watch(spec, { onEntry }).then((record) => closedEarly.push(record)));
  }
  const timeout = (ms, what) => new Promise((resolve) => setTimeout(() => resolve(what), ms).unref());
  const answeredOutcome = await Promise.race([allAnswered.then(() => 'ok'), timeout(ANSWER_TIMEOUT_MS, 'timeout')]);
  const answeredMs = performance.now() - t0;
  const writeErrors = [];
  if (answeredOutcome === 'ok') {
    // With --groups G, watch i selects label scale-group=i%G and create w goes to group w%G:
    // each create reaches N/G watches, and every group gets --writes creates.
    const creates = writes * groups;
    for (let w = 0; w < creates; w++) {
      const name = `scale-${runId}-${w}`;
      sentAt.set(name, epochNow());
      const labels = groups > 1 ? { labels: { 'scale-group': String(w % groups) } } : {};
      const created = await tc.requestJson('POST', COLLECTION, {
        body: { metadata: { name, ...labels, annotations: { [SEND_TIME_ANNOTATION]: SEND_TIME_PLACEHOLDER } }, data: { w: String(w) } },
      });
      if (created.status !== 201) writeErrors.push(`${created.status} ${created.text.slice(0, 120)}`);
      if (w < creates - 1) await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
    await Promise.race([allComplete, timeout(EVENTS_TIMEOUT_MS, 'timeout')]);
  }
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  for (const entry of added) {
    const metadata = entry.object?.metadata;
    const arrived = clock.anchorWallMs + entry.atMs;
    const stamp = metadata?.annotations?.[SEND_TIME_ANNOTATION];
    if (stamp !== undefined && stamp !== SEND_TIME_PLACEHOLDER) {
      arrivalErrors.push(arrived - Number(stamp));
      stamped.push({ name: metadata.name, arrived, stamp: Number(stamp) });
    }
    const sent = sentAt.get(metadata?.name);
    if (sent !== undefined) writeToEvent.push(arrived - sent);
  }
  // Per create: the server's fan-out (its first to its last per-watcher stamp). The arrival error
  // apart for the first round of creates (one per group): it runs the server's and the client's
  // paths cold (JIT, heap growth), and the later rounds show the warm state.
  const spread = new Map();
  for (const { name, stamp } of stamped) {
    const s = spread.get(name) ?? { first: Infinity, last: -Infinity };
    s.first = Math.min(s.first, stamp);
    s.last = Math.max(s.last, stamp);
    spread.set(name, s);
  }
  const round = (name) => Math.floor(Number(name.slice(name.lastIndexOf('-') + 1)) / groups);
  const firstRound = stamped.filter(({ name }) => round(name) === 0).map(({ arrived, stamp }) => arrived - stamp);
  const laterRounds = stamped.filter(({ name }) => round(name) > 0).map(({ arrived, stamp }) => arrived - stamp);
  const fanOut = [...spread.values()].map((s) => s.last - s.first);
  const fds = readdirSync('/proc/self/fd').length;
  const result = {
    n,
    answered,
    ok: statuses.get(200) ?? 0,
    statuses: Object.fromEntries(statuses),
    versions: Object.fromEntries(versions),
    complete,
    closedEarly: closedEarly.length,
    closeReasons: [
      ...new Set(
        closedEarly.map((r) => {
          const last = r.entries.at(-1);
          const error = last?.error ? `: ${last.error.code} ${last.error.message}` : '';
          return `${last?.reason ?? last?.kind}${error}`;
        }),
      ),
    ],
    connections: tc.connectionStats(),
    fds,
    rss: process.memoryUsage().rss,
    peakRss: process.resourceUsage().maxRSS * 1024,
    answeredMs,
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    arrivalErrors: summarize(arrivalErrors),
    arrivals: stamped.map(({ stamp, arrived }) => [stamp, arrived]),
    readerPriority: reader === 'main' ? undefined : sharedSocketReader.threadPriority,
    firstRound: summarize(firstRound),
    laterRounds: summarize(laterRounds),
    fanOut: summarize(fanOut),
    writeToEvent: summarize(writeToEvent),
    writeErrors,
  };
  if (process.env.DUMP) (await import('node:fs')).writeFileSync(process.env.DUMP, JSON.stringify(stamped));
  await new Promise((resolve) => process.send({ type: 'result', result }, resolve)); // sent before the exit below
  await tc.close();
  process.exit(0);
}

function summarize(values) {
  const sorted = Float64Array.from(values).sort();
  return { count: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted.length ? sorted[sorted.length - 1] : NaN };
}

// --- kube-apiserver from the testbed --------------------------------------------------------------

async function startKubeApiserver() {
  const bin = join(process.env.WATCHMARK_TESTBED_BIN ?? join(ROOT, 'testbed', 'bin'), 'wm-kube-apiserver');
  if (!existsSync(bin)) throw new Error(`${bin} not built (npm run testbed:build)`);
  const dir = mkdtempSync(join(tmpdir(), 'watchmark-scale-kube-'));
  const infoFile = join(dir, 'info.json');
  const child = spawn(bin, ['--dir', join(dir, 'data'), '--info-file', infoFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let tail = '';
  child.stderr.on('data', (d) => (tail = (tail + d).slice(-4000)));
  const deadline = Date.now() + 180_000;
  let info;
  while (!info) {
    if (child.exitCode !== null) throw new Error(`wm-kube-apiserver exited (${child.exitCode}): ${tail}`);
    if (Date.now() > deadline) throw new Error(`wm-kube-apiserver did not start within 180 s: ${tail}`);
    try {
      info = JSON.parse(readFileSync(infoFile, 'utf8'));
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  const target = { url: info.server, token: info.token, caPem: info.caFile ? readFileSync(info.caFile, 'utf8') : undefined };
  const { TargetClient } = await import('../dist/index.js');
  const probe = new TargetClient(
    { server: target.url, tls: { insecureSkipTlsVerify: false, caPem: target.caPem }, allowH2: true, authHeaders: async () => ({ authorization: `Bearer ${target.token}` }) },
    { anchorWallMs: Date.now(), nowMs: () => performance.now() },
  );
  for (;;) {
    const ready = await probe.requestJson('GET', '/readyz').catch(() => ({ status: 0 }));
    if (ready.status === 200) break;
    if (Date.now() > deadline) throw new Error('kube-apiserver /readyz did not answer 200 within 180 s');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const version = await probe.requestJson('GET', '/version');
  await probe.close();
  const stop = async () => {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)));
    rmSync(dir, { recursive: true, force: true });
  };
  return { target, stop, pid: child.pid, description: `kube-apiserver ${version.body?.gitVersion ?? '?'} (testbed)` };
}

// --- the driver ------------------------------------------------------------------------------------

function runClient(target, cpuProfDir) {
  const execArgv = cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`, `--cpu-prof-name=client-${target.n}.cpuprofile`] : [];
  const child = fork(SELF, ['--client', JSON.stringify(target)], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    let result;
    child.on('message', (message) => {
      if (message.type === 'result') result = message.result;
      else if (message.type === 'ping') child.send({ type: 'pong', nowMs: epochNow() });
    });
    child.on('exit', (code, signal) => (result ? resolve(result) : reject(new Error(`client for N=${target.n} exited (${signal ?? code}) without a result`))));
  });
}

/** The server's clock reading minus the client's, by an IPC round trip (midpoint). */
async function clockOffset(server) {
  let best;
  for (let i = 0; i < 5; i++) {
    const before = epochNow();
    const { nowMs } = await request(server, { type: 'ping' }, 'pong');
    const after = epochNow();
    if (!best || after - before < best.rtt) best = { rtt: after - before, offset: nowMs - (before + after) / 2 };
  }
  return best;
}

function procCpuMs(pid) {
  // utime + stime of a process (fields 14 and 15 of /proc/PID/stat), in ms.
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

const pad = (text, width) => String(text).padStart(width);
const ms = (v) => (Number.isFinite(v) ? v.toFixed(1) : '-');
const mb = (bytes) => (bytes / 1e6).toFixed(0);

async function main(args) {
  const watches = (argValue(args, '--watches', '1000,5000,10000') ?? '').split(',').map((w) => positiveInt(w, '--watches'));
  const writes = positiveInt(argValue(args, '--writes', '5'), '--writes');
  const groups = positiveInt(argValue(args, '--groups', '1'), '--groups');
  const intervalMs = positiveInt(argValue(args, '--write-interval-ms', '200'), '--write-interval-ms');
  const targetName = argValue(args, '--target', 'embedded');
  const cpuProfDir = argValue(args, '--cpu-prof', undefined);
  const reader = argValue(args, '--reader', 'thread');
  if (reader !== 'thread' && reader !== 'main') throw new Error(`--reader: thread or main, not ${reader}`);
  if (!['embedded', 'kube-apiserver'].includes(targetName)) {
    console.error(`--target must be embedded or kube-apiserver, got "${targetName}"`);
    process.exit(2);
  }
  let server;
  let stopServer;
  let serverPid;
  let takeFlushes; // the embedded server's [stamp, write callback] pairs since the last call
  let description;
  let offset;
  if (targetName === 'embedded') {
    const child = fork(SELF, ['--serve'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const ready = await request(child, { type: 'hello' }, 'ready');
    server = { url: ready.url, token: ready.token, caPem: ready.caPem };
    serverPid = child.pid;
    description = `embedded server (own process, TLS, h2, 1000 streams per connection) at ${ready.url}`;
    offset = await clockOffset(child);
    takeFlushes = async () => (await request(child, { type: 'flushes' }, 'flushes')).flushes;
    stopServer = async () => {
      child.send({ type: 'stop' });
      await new Promise((resolve) => child.once('exit', resolve));
    };
  } else {
    const kube = await startKubeApiserver();
    server = kube.target;
    stopServer = kube.stop;
    serverPid = kube.pid;
    description = `${kube.description} at ${kube.target.url}`;
  }
  console.log(`target: ${description}`);
  console.log(
    groups > 1
      ? `node ${process.version}, watches in ${groups} label-selector groups, ${writes} creates per group (${writes * groups} per run), one every ${intervalMs} ms; each N in a fresh client process`
      : `node ${process.version}, ${writes} creates per run, one every ${intervalMs} ms; each N in a fresh client process`,
  );
  if (offset) console.log(`clock offset server - client: ${offset.offset.toFixed(3)} ms (IPC round trip ${offset.rtt.toFixed(3)} ms)`);
  const rows = [];
  try {
    for (const n of watches) {
      const serverCpu0 = procCpuMs(serverPid);
      await takeFlushes?.(); // not this N's
      const result = await runClient({ ...server, n, writes, intervalMs, groups, reader }, cpuProfDir);
      result.serverCpuMs = procCpuMs(serverPid) - serverCpu0;
      // The arrival error in two parts: how long the server held each stamped frame before its
      // write callback, and each arrival after that callback (the network and the client).
      const flushes = takeFlushes ? await takeFlushes() : [];
      const flushedAt = new Map(flushes.map(([stamp, flushed]) => [stamp.toFixed(3), flushed]));
      result.held = summarize(flushes.map(([stamp, flushed]) => flushed - stamp));
      const afterWrite = [];
      for (const [stamp, arrived] of result.arrivals) {
        const flushed = flushedAt.get(stamp.toFixed(3));
        if (flushed !== undefined) afterWrite.push(arrived - flushed);
      }
      result.afterWrite = summarize(afterWrite);
      delete result.arrivals;
      rows.push(result);
      if (result.writeErrors.length) console.log(`N=${n}: write errors: ${result.writeErrors.join('; ')}`);
      if (result.closedEarly) console.log(`N=${n}: ${result.closedEarly} watches closed before the end (${result.closeReasons.join(', ')})`);
    }
  } finally {
    await stopServer();
  }
  const header = ['watches', 'answered', 'complete', 'http', 'conns', 'fds', 'RSS MB', 'peak MB', 'arr.err p50', 'p99', '1st p99', 'rest p99', 'held p50', 'p99', 'after p50', 'p99', 'fan-out', 'wr->ev p50', 'p99', 'answer s', 'wall s', 'CPU s', 'srv CPU s'];
  const widths = [8, 9, 9, 5, 6, 5, 7, 8, 12, 7, 8, 9, 9, 7, 10, 7, 8, 11, 7, 9, 7, 6, 10];
  const priority = rows.find((r) => r.readerPriority)?.readerPriority;
  if (priority) console.log(`socket reader thread: ${priority.nice !== null ? `nice ${priority.nice}` : `at the process's priority (raising it: ${priority.error})`}`);
  console.log('');
  console.log(header.map((h, i) => pad(h, widths[i])).join(' '));
  for (const r of rows) {
    const http = Object.entries(r.versions).map(([v, c]) => (Object.keys(r.versions).length > 1 ? `${v}x${c}` : v)).join('+') || '-';
    const cells = [
      r.n,
      r.ok === r.answered ? r.answered : `${r.answered}(${r.ok} ok)`,
      r.complete,
      http,
      r.connections.connected,
      r.fds,
      mb(r.rss),
      mb(r.peakRss),
      ms(r.arrivalErrors.p50),
      ms(r.arrivalErrors.p99),
      ms(r.firstRound.p99),
      ms(r.laterRounds.p99),
      ms(r.held.p50),
      ms(r.held.p99),
      ms(r.afterWrite.p50),
      ms(r.afterWrite.p99),
      ms(r.fanOut.p50),
      ms(r.writeToEvent.p50),
      ms(r.writeToEvent.p99),
      (r.answeredMs / 1000).toFixed(2),
      (r.wallMs / 1000).toFixed(2),
      (r.cpuMs / 1000).toFixed(2),
      (r.serverCpuMs / 1000).toFixed(2),
    ];
    console.log(cells.map((c, i) => pad(c, widths[i])).join(' '));
  }
  console.log('');
  console.log('answered: response heads (watches with 200 in brackets when not all); complete: watches that got every create as an ADDED event;');
  console.log('conns: connections the client holds (HTTP/2 multiplexes up to the server\'s stream limit); fds: the client process\'s open file descriptors;');
  console.log('arr.err: event arrival minus the server\'s per-watcher send stamp, ms (embedded only); 1st / rest p99: the same for the first round of creates');
  console.log('(one per group: the server and client paths still cold) and for the later rounds; the arrival error in two parts: held: how long after its stamp');
  console.log('the server handed each stamped frame on to its connection (the write callback), and after: arrival minus that callback (network and client);');
  console.log('fan-out: the server\'s first to last stamp of one create, median;');
  console.log('wr->ev: arrival minus the create\'s send time, ms; --reader main: the client reads its sockets and stamps arrivals on its main thread (default: a thread of its own).');
  console.log('answer s: until every watch was answered; wall/CPU s: client process, first watch to last event (CPU = user + system); srv CPU: the server process over the same run.');
}

const args = process.argv.slice(2);
if (args[0] === '--serve') {
  process.once('message', () => {}); // the hello
  await serve();
} else if (args[0] === '--client') {
  await client(JSON.parse(args[1]));
} else {
  await main(args).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
