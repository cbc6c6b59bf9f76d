// Watch decode throughput, side by side (issue 15). Run with `npm run bench:throughput` (builds
// dist/ first). Prints figures only; nothing here asserts (timings on a shared machine are not
// test material).
//
//   node bench/watch-throughput.mjs [--rounds N] [--events N] [--only a,b] [--no-go] [--cpu-prof]
//
// Every contender reads the same bytes: N ConfigMap MODIFIED watch events, compact JSON, one per
// line, as kube-apiserver writes them, served over loopback by a separate server process (so its
// CPU is not the contender's) in chunked 16..64 KiB writes. Each run of each contender is its own
// child process, so its peak RSS (process.resourceUsage().maxRSS) is its own; it first reads a
// short warm-up stream untimed (undici compiles its HTTP parser on first use), then the timed one.
// Contenders are alternated (the order rotates every round); figures are medians over the rounds.
import { fork, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, existsSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { seededRandom } from '../dist/seeded-random.js';
import { argValue, positiveInt } from './bench-args.mjs';

const SELF = fileURLToPath(import.meta.url);
const MB = 1e6; // decimal megabytes, as the figures are
const NAMESPACE = 'watchmark-bench';
const COLLECTION = `/api/v1/namespaces/${NAMESPACE}/configmaps`;
const WATCH_QUERY = 'allowWatchBookmarks=true&resourceVersion=1&watch=true';
/** A short stream each contender reads once before its timed run (undici compiles its HTTP parser on first use). */
const WARMUP_SELECTOR = 'bench=warmup';
const WARMUP_EVENTS = 100;
const queryOf = (warmup) => (warmup ? `${WATCH_QUERY}&labelSelector=${encodeURIComponent(WARMUP_SELECTOR)}` : WATCH_QUERY);
const watchOptions = (warmup) => ({ resourceVersion: '1', allowWatchBookmarks: true, ...(warmup ? { labelSelector: WARMUP_SELECTOR } : {}) });
const RUN_TIMEOUT_MS = 180_000;

/**
 * One MODIFIED event of a ConfigMap, compact JSON plus "\n" as kube-apiserver's json.Encoder
 * writes it: bench/decoder.js configMapEvent's object without managedFields and with shorter
 * labels and annotations, ~368 bytes (issue 15 measured 369 B on average). Non-ASCII and escapes
 * stay in, so no contender gets an all-ASCII shortcut.
 */
function modifiedConfigMapEvent(i) {
  const object = {
    kind: 'ConfigMap',
    apiVersion: 'v1',
    metadata: {
      name: `bench-${i.toString(36).padStart(6, '0')}`,
      namespace: NAMESPACE,
      uid: `0c6f3a2e-${(i % 65536).toString(16).padStart(4, '0')}-4b1d-9f0e-6a5c1d2e3f40`,
      resourceVersion: String(1_000_000 + i),
      creationTimestamp: '2026-01-01T00:00:00Z',
      labels: { app: 'watchmark' },
      annotations: { 'watchmark.io/note': 'ünï ✓ "q" \\' },
    },
    data: { payload: `value-${i}` },
  };
  return JSON.stringify({ type: 'MODIFIED', object }) + '\n';
}

function streamOf(events) {
  const parts = [];
  for (let i = 0; i < events; i++) parts.push(modifiedConfigMapEvent(i));
  return Buffer.from(parts.join(''));
}

// --- the server process ------------------------------------------------------------------------

/** Serves the pre-built stream to every GET, in 16..64 KiB writes (the same cut every time), then ends it. */
function serve(events) {
  const stream = streamOf(events);
  const warmupBody = streamOf(WARMUP_EVENTS);
  const server = http.createServer((req, res) => {
    req.resume();
    const body = new URL(req.url, 'http://x').searchParams.get('labelSelector') === WARMUP_SELECTOR ? warmupBody : stream;
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache, private' });
    const random = seededRandom(0x5eed);
    let at = 0;
    const writeMore = () => {
      while (at < body.length) {
        const size = 16 * 1024 + Math.floor(random() * (48 * 1024 + 1));
        const slice = body.subarray(at, at + size);
        at += size;
        if (!res.write(slice)) {
          res.once('drain', writeMore);
          return;
        }
      }
      res.end();
    };
    writeMore();
  });
  server.keepAliveTimeout = 1000;
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port, bytes: stream.length, events }));
  process.on('disconnect', () => process.exit(0)); // the bench is gone
}

// --- the contenders (each runs in its own child process) ----------------------------------------

/**
 * Each contender reads the whole stream once and says how many events it decoded. `keep` is what
 * it recorded (held until the figures are taken, so it is in the peak RSS as in a real run).
 */
const CONTENDERS = {
  /** undici request() + split on "\n" + JSON.parse per line, nothing kept. */
  async floor(url) {
    const { request } = await import('undici');
    return async (warmup) => {
      const { statusCode, body } = await request(`${url}${COLLECTION}?${queryOf(warmup)}`);
      if (statusCode !== 200) throw new Error(`HTTP ${statusCode}`);
      let events = 0;
      let carry;
      for await (const chunk of body) {
        let start = 0;
        for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
          const line = carry ? Buffer.concat([carry, chunk.subarray(0, nl)]) : chunk.subarray(start, nl);
          carry = undefined;
          if (JSON.parse(line.toString('utf8')).type) events++;
          start = nl + 1;
        }
        if (start < chunk.length) carry = carry ? Buffer.concat([carry, chunk.subarray(start)]) : chunk.subarray(start);
      }
      return { events };
    };
  },

  /** watchmark end to end: TargetClient.watch() -> WatchStreamRecorder -> WatchFrameDecoder -> StreamRecord. */
  watchmark: (url) => watchmarkContender(url, false),

  /**
   * The same, then every event's object read once, as the checks do after a run (objects are
   * parsed again from the kept bytes on first read: src/decode/arena-event.ts), inside the timing.
   */
  'watchmark-read': (url) => watchmarkContender(url, true),

  /** undici chunks -> WatchFrameDecoder.push with arrival times; every frame kept. */
  async decoder(url) {
    const { request } = await import('undici');
    const { WatchFrameDecoder } = await import('../dist/decode/watch-frames.js');
    const { systemClock } = await import('../dist/clock.js');
    return async (warmup) => {
      const clock = systemClock();
      const decoder = new WatchFrameDecoder();
      const frames = [];
      const { statusCode, body } = await request(`${url}${COLLECTION}?${queryOf(warmup)}`);
      if (statusCode !== 200) throw new Error(`HTTP ${statusCode}`);
      for await (const chunk of body) {
        const atMs = clock.nowMs(); // arrival time, before decoding
        for (const frame of decoder.push(chunk, atMs)) frames.push(frame);
      }
      for (const frame of decoder.end(clock.nowMs())) frames.push(frame);
      let events = 0;
      for (const frame of frames) if (frame.kind === 'event') events++;
      return { events, keep: frames };
    };
  },

  /** @kubernetes/client-node's Watch: node-fetch + readline + JSON.parse per line, nothing kept. */
  async 'client-node'(url) {
    const { KubeConfig, Watch } = await import('@kubernetes/client-node');
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      // client-node refuses http:// unless TLS verification is off (config.js createAgent); there is no TLS here.
      clusters: [{ name: 'bench', server: url, skipTLSVerify: true }],
      users: [{ name: 'bench' }],
      contexts: [{ name: 'bench', cluster: 'bench', user: 'bench' }],
      currentContext: 'bench',
    });
    return (warmup) =>
      new Promise((resolve, reject) => {
        let events = 0;
        new Watch(kubeConfig).watch(
          COLLECTION,
          watchOptions(warmup),
          (type) => {
            if (type) events++;
          },
          (err) => (err ? reject(err) : resolve({ events })),
        );
      });
  },
};

/** TargetClient.watch() over the stream; with `readObjects`, every event's object is read once afterwards. */
async function watchmarkContender(url, readObjects) {
  const { TargetClient } = await import('../dist/transport/client.js');
  const { systemClock } = await import('../dist/clock.js');
  const connection = { server: url, tls: { insecureSkipTlsVerify: false }, allowH2: false, authHeaders: async () => ({}) };
  return async (warmup) => {
    const client = new TargetClient(connection, systemClock());
    try {
      const record = await client.watch({
        id: 'bench',
        scenario: 'bench',
        basePath: COLLECTION,
        namespace: NAMESPACE,
        watched: { apiVersion: 'v1', kind: 'ConfigMap', resource: 'configmaps' },
        options: watchOptions(warmup),
      });
      const close = record.entries.at(-1);
      if (close?.kind !== 'close' || close.reason !== 'server-eof') throw new Error(`stream closed: ${JSON.stringify(close)}`);
      let events = 0;
      let named = 0;
      for (const entry of record.entries) {
        if (entry.kind !== 'event') continue;
        events++;
        if (readObjects && typeof entry.object?.metadata?.name === 'string') named++;
      }
      if (readObjects && named !== events) throw new Error(`${events - named} of ${events} event objects had no metadata.name`);
      return { events, keep: record };
    } finally {
      await client.close();
    }
  };
}

/** A contender's child process: set up (imports, one short warm-up stream) outside the timing, then one timed read of the stream. */
async function runContender(name, url) {
  const run = await CONTENDERS[name](url);
  const warmup = await run(true);
  if (warmup.events !== WARMUP_EVENTS) throw new Error(`${name} warm-up decoded ${warmup.events} events, expected ${WARMUP_EVENTS}`);
  globalThis.gc?.();
  const baseRssBytes = process.memoryUsage.rss();
  const cpuBefore = process.cpuUsage();
  const startNs = process.hrtime.bigint();
  const { events, keep } = await run(false);
  const wallMs = Number(process.hrtime.bigint() - startNs) / 1e6;
  const cpu = process.cpuUsage(cpuBefore);
  const maxRssKiB = process.resourceUsage().maxRSS;
  process.send({ events, wallMs, cpuMs: (cpu.user + cpu.system) / 1000, maxRssKiB, baseRssKiB: baseRssBytes / 1024, kept: keep?.length ?? keep?.entries.length ?? 0 }, () =>
    process.exit(0),
  );
}

// --- the Go contender: client-go's decode path, built at bench time outside the repository --------

const GO_MOD = `module watchmark.bench/watchdecode

go 1.24

require (
	k8s.io/api v0.37.2
	k8s.io/apimachinery v0.37.2
	k8s.io/client-go v0.37.2
)
`;

// client-go v0.37.2 rest/request.go newStreamWatcher, as a typed clientset sets it up:
// NegotiatedSerializer = codecs.WithoutConversion(), the negotiator's StreamDecoder gives the JSON
// framer (framer.NewJSONFramedReader: encoding/json's Decoder) and serializer, then
// streaming.NewDecoder -> rest/watch.NewDecoder (WatchEvent, then the embedded object into a typed
// ConfigMap) -> watch.StreamWatcher's result channel.
const GO_MAIN = String.raw`package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/runtime/serializer/streaming"
	"k8s.io/apimachinery/pkg/watch"
	restclientwatch "k8s.io/client-go/rest/watch"
)

type countingReader struct {
	r io.ReadCloser
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) { n, err := c.r.Read(p); c.n += int64(n); return n, err }
func (c *countingReader) Close() error               { return c.r.Close() }

func cpuMs() float64 {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e6
}

// watchStream reads one watch stream to its end and returns the ConfigMap events and bytes read.
func watchStream(negotiator runtime.ClientNegotiator, url string) (int, int64) {
	resp, err := http.Get(url)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if resp.StatusCode != 200 {
		fmt.Fprintln(os.Stderr, "HTTP", resp.StatusCode)
		os.Exit(1)
	}
	objectDecoder, streamingSerializer, framer, err := negotiator.StreamDecoder("application/json", nil)
	if err != nil {
		panic(err)
	}
	body := &countingReader{r: resp.Body}
	watchEventDecoder := streaming.NewDecoder(framer.NewFrameReader(body), streamingSerializer)
	w := watch.NewStreamWatcher(restclientwatch.NewDecoder(watchEventDecoder, objectDecoder),
		errors.NewClientErrorReporter(http.StatusInternalServerError, "GET", "ClientWatchDecoding"))
	events := 0
	for ev := range w.ResultChan() {
		if ev.Type == watch.Error {
			fmt.Fprintln(os.Stderr, "watch error:", ev.Object)
			os.Exit(1)
		}
		if _, ok := ev.Object.(*corev1.ConfigMap); ok {
			events++
		}
	}
	return events, body.n
}

func main() {
	scheme := runtime.NewScheme()
	if err := corev1.AddToScheme(scheme); err != nil {
		panic(err)
	}
	codecs := serializer.NewCodecFactory(scheme)
	negotiator := runtime.NewClientNegotiator(codecs.WithoutConversion(), corev1.SchemeGroupVersion)
	if warmup, _ := watchStream(negotiator, os.Args[1]); warmup != %WARMUP_EVENTS% {
		fmt.Fprintln(os.Stderr, "warm-up decoded", warmup, "events")
		os.Exit(1)
	}
	cpuBefore := cpuMs()
	start := time.Now()
	events, bytes := watchStream(negotiator, os.Args[2])
	wallMs := float64(time.Since(start).Nanoseconds()) / 1e6
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	fmt.Printf("{\"events\":%d,\"bytes\":%d,\"wallMs\":%f,\"cpuMs\":%f,\"maxRssKiB\":%d}\n", events, bytes, wallMs, cpuMs()-cpuBefore, ru.Maxrss)
}
`.replace('%WARMUP_EVENTS%', String(WARMUP_EVENTS));

/** Builds the Go contender in a temp dir (reused while its source is unchanged); returns the binary or why not. */
function buildGoContender() {
  const version = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (version.error || version.status !== 0) return { skipped: 'go not found on PATH' };
  const hash = createHash('sha256').update(GO_MOD).update(GO_MAIN).digest('hex').slice(0, 12);
  const dir = join(tmpdir(), `watchmark-bench-go-${hash}`);
  const binary = join(dir, 'watchdecode');
  if (existsSync(binary)) return { binary, version: version.stdout.trim() };
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'go.mod'), GO_MOD);
  writeFileSync(join(dir, 'main.go'), GO_MAIN);
  console.log(`building the Go contender in ${dir} (${version.stdout.trim()}) ...`);
  for (const args of [['mod', 'tidy'], ['build', '-o', binary, '.']]) {
    const step = spawnSync('go', args, { cwd: dir, encoding: 'utf8', env: { ...process.env, GOFLAGS: '-mod=mod' } });
    if (step.status !== 0) return { skipped: `go ${args.join(' ')} failed: ${(step.stderr || String(step.error)).trim().split('\n')[0]}` };
  }
  return { binary, version: version.stdout.trim() };
}

// --- the driver ----------------------------------------------------------------------------------

function startServer(events) {
  const child = fork(SELF, ['--serve', String(events)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', (info) => resolve({ child, ...info }));
    child.once('exit', (code) => reject(new Error(`the server process exited (${code}) before listening`)));
  });
}

/** One timed run of a contender in a fresh child process. */
function runOnce(name, round, url, options) {
  if (name === 'go') return runGo(options.goBinary, url);
  const profile = options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`, `--cpu-prof-name=${name}-round${round}.cpuprofile`] : [];
  const execArgv = ['--expose-gc', ...profile];
  const child = fork(SELF, ['--contender', name, url], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    let result;
    const timer = setTimeout(() => child.kill(), RUN_TIMEOUT_MS);
    child.on('message', (message) => (result = message));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (result) resolve(result);
      else reject(new Error(`${name} exited (${signal ?? code}) without a result`));
    });
  });
}

function runGo(binary, url) {
  const child = spawn(binary, [`${url}${COLLECTION}?${queryOf(true)}`, `${url}${COLLECTION}?${queryOf(false)}`], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => child.kill(), RUN_TIMEOUT_MS);
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(JSON.parse(out));
      else reject(new Error(`go exited (${signal ?? code})`));
    });
  });
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const pad = (text, width) => String(text).padStart(width);
const padEnd = (text, width) => String(text).padEnd(width);
const kilo = (n) => `${(n / 1000).toFixed(0)}k`;
const mib = (kib) => (kib / 1024).toFixed(0);

const LABELS = {
  floor: 'floor: undici + split "\\n" + JSON.parse',
  watchmark: 'watchmark TargetClient.watch()',
  'watchmark-read': 'watchmark, then every object read',
  decoder: 'undici -> WatchFrameDecoder, kept',
  'client-node': '@kubernetes/client-node Watch',
  go: 'Go: client-go JSON watch decode',
};

async function main(args) {
  const rounds = positiveInt(argValue(args, '--rounds', '5'), '--rounds');
  const events = positiveInt(argValue(args, '--events', '200000'), '--events');
  const only = argValue(args, '--only', undefined)?.split(',');
  let names = ['floor', 'watchmark', 'watchmark-read', 'decoder', 'client-node', 'go'].filter((n) => !only || only.includes(n));
  const unknown = (only ?? []).filter((n) => !(n in LABELS));
  if (unknown.length > 0) {
    console.error(`unknown contender "${unknown[0]}" (known: ${Object.keys(LABELS).join(', ')})`);
    return 2;
  }
  const options = {};
  if (names.includes('go')) {
    const go = args.includes('--no-go') ? { skipped: '--no-go' } : buildGoContender();
    if (go.skipped) {
      console.log(`Go contender skipped: ${go.skipped}`);
      names = names.filter((n) => n !== 'go');
    } else options.goBinary = go.binary;
  }
  if (args.includes('--cpu-prof')) {
    options.cpuProfDir = join(tmpdir(), `watchmark-bench-prof-${process.pid}`);
    console.log(`CPU profiles of the node contenders: ${options.cpuProfDir}`);
  }

  const server = await startServer(events);
  try {
    const url = `http://127.0.0.1:${server.port}`;
    console.log(
      `watch throughput (node ${process.version}): ${events} ConfigMap MODIFIED events, ${(server.bytes / MB).toFixed(1)} MB ` +
        `(${Math.round(server.bytes / events)} B average), over loopback from a separate process; ${rounds} rounds, order rotated\n`,
    );
    const samples = Object.fromEntries(names.map((n) => [n, []]));
    for (let round = 0; round < rounds; round++) {
      const order = names.map((_, i) => names[(i + round) % names.length]);
      for (const name of order) {
        const result = await runOnce(name, round + 1, url, options);
        if (result.events !== events) throw new Error(`${name} decoded ${result.events} events, expected ${events}`);
        if (result.bytes !== undefined && result.bytes !== server.bytes) throw new Error(`${name} read ${result.bytes} bytes, expected ${server.bytes}`);
        samples[name].push(result);
        console.log(
          `round ${round + 1} ${padEnd(name, 11)} ${pad(kilo(events / (result.wallMs / 1000)), 6)} events/s ${pad((result.wallMs / 1000).toFixed(2), 6)} s wall ${pad((result.cpuMs / 1000).toFixed(2), 6)} s cpu ${pad(mib(result.maxRssKiB), 5)} MiB peak RSS`,
        );
      }
    }

    const summary = Object.fromEntries(
      names.map((n) => {
        const rates = samples[n].map((r) => events / (r.wallMs / 1000));
        return [n, { rate: median(rates), cpuMs: median(samples[n].map((r) => r.cpuMs)), rssKiB: Math.max(...samples[n].map((r) => r.maxRssKiB)), baseKiB: median(samples[n].map((r) => r.baseRssKiB ?? 0)) }];
      }),
    );
    const ratio = (n, base) => (summary[base] ? (summary[n].rate / summary[base].rate).toFixed(2) : '-');
    console.log(`\nmedian of ${rounds} (MB = 10^6 bytes; cpu = the contender's process, user+sys; RSS = peak over its runs, base = before the request)\n`);
    console.log(`${padEnd('contender', 42)} ${pad('events/s', 9)} ${pad('MB/s', 6)} ${pad('vs floor', 9)} ${pad('vs c-node', 9)} ${pad('cpu s', 6)} ${pad('RSS MiB', 8)} ${pad('base', 5)}`);
    for (const n of names) {
      const s = summary[n];
      console.log(
        `${padEnd(LABELS[n], 42)} ${pad(kilo(s.rate), 9)} ${pad(((s.rate * server.bytes) / events / MB).toFixed(0), 6)} ${pad(ratio(n, 'floor'), 9)} ${pad(ratio(n, 'client-node'), 9)} ${pad((s.cpuMs / 1000).toFixed(2), 6)} ${pad(mib(s.rssKiB), 8)} ${pad(n === 'go' ? '-' : mib(s.baseKiB), 5)}`,
      );
    }
    if (summary.watchmark) {
      console.log(`\nwatchmark / floor: ${ratio('watchmark', 'floor')} (goal >= 1.0)   watchmark / client-node: ${ratio('watchmark', 'client-node')} (goal >= 1.5)`);
    }
    return 0;
  } finally {
    server.child.kill();
  }
}

const args = process.argv.slice(2);
if (args[0] === '--serve') serve(Number(args[1]));
else if (args[0] === '--contender') await runContender(args[1], args[2]);
else {
  process.exitCode = await main(args).catch((err) => {
    console.error(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  });
}
