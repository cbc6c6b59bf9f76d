import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROTOBUF_WATCH_MEDIA_TYPE } from '../../src/protobuf/k8s-codec.js';
import { eventsOf, isInitialEventsEndBookmark, malformedFramesOf, responseOf } from '../../src/record/accessors.js';
import type { RunRecord } from '../../src/record/timeline.js';
import { readRecordingFile } from '../../src/recording/file.js';
import type { Report } from '../../src/report/model.js';
import { runWatchmark } from '../../src/run/run-watchmark.js';
import { startTestbedTarget, type TestbedTarget } from '../../src/targets/registry.js';
import { systemClock } from '../../src/clock.js';
import { listWatchableResources } from '../../src/discovery/list-resources.js';
import { discoveryWithSignal } from '../../src/discovery/resolve-resource.js';
import { probeWatchList } from '../../src/probe/watch-list-probe.js';
import { PROTOBUF_WATCH_ACCEPT, TargetClient } from '../../src/transport/client.js';
import { isolatedEnv, runCli } from '../support/cli.js';
import { shouldSkip } from './testbed-support.js';

/**
 * `watchmark run --quick --encoding protobuf` against real kube-apiserver builds (etcd, and kine
 * as k3s's storage): every watch is answered in protobuf, every frame decodes, and the checks
 * come out as in the JSON run of the same suite (stream.protobuf-framing passing in place of
 * being skipped). The protobuf run goes through the CLI, the JSON one through the library.
 */
const TARGETS: TestbedTarget[] = ['kube-apiserver', 'kine'];

describe.each(TARGETS)('%s (testbed): --encoding protobuf', (name) => {
  const skip = shouldSkip([name], false);
  let target: Awaited<ReturnType<typeof startTestbedTarget>>;
  let dir: string;
  let json: Report;
  let protobuf: Report;
  let protobufRecord: RunRecord;
  let exitCode: number | null;

  beforeAll(async () => {
    if (skip) return;
    dir = mkdtempSync(path.join(tmpdir(), 'watchmark-protobuf-run-'));
    target = await startTestbedTarget(name);
    const connection = ['--server', target.info.server, '--token', target.info.token!, '--certificate-authority', target.info.caFile!];
    const cli = await runCli(['run', '--quick', '--encoding', 'protobuf', ...connection, '--json', path.join(dir, 'report.json'), '--record', path.join(dir, 'run.ndjson'), '--progress', 'none'], {
      env: isolatedEnv(),
      timeoutMs: 180_000,
    });
    exitCode = cli.code;
    if (cli.code !== 0) console.log(cli.stdout, cli.stderr);
    protobuf = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8')) as Report;
    protobufRecord = (await readRecordingFile(path.join(dir, 'run.ndjson'))).record;
    json = await runWatchmark({ server: target.info.server, token: target.info.token!, certificateAuthority: target.info.caFile!, quick: true, failOn: 'fail', profile: 'reference' });
  }, 400_000);
  afterAll(async () => {
    await target?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(skip)('passes, with the same check outcomes as the JSON run and stream.protobuf-framing passing', () => {
    expect(exitCode).toBe(0);
    expect(protobuf.verdict).toBe('pass');
    const statuses = (report: Report) => Object.fromEntries(report.checks.map((c) => [c.id, c.status]));
    // bookmark.periodic passes or skips by timing alone (whether a bookmark-enabled stream saw the
    // RV advance and a bookmark follow within the quick run): on kine one JSON run skipped it while
    // the protobuf run beside it passed, and an earlier pair agreed.
    const timingDependent = (report: Report) => ({ ...statuses(report), 'bookmark.periodic': ['pass', 'skip'].includes(statuses(report)['bookmark.periodic']!) ? 'pass|skip' : statuses(report)['bookmark.periodic'] });
    expect(timingDependent(protobuf)).toEqual({ ...timingDependent(json), 'stream.protobuf-framing': 'pass' });
    expect(statuses(json)['stream.protobuf-framing']).toBe('skip');
    // client-go's verdicts are the JSON run's; client-node (JSON only) is not judged on protobuf streams.
    expect(protobuf.clientGo.map((v) => [v.profile, v.outcome])).toEqual(json.clientGo.filter((v) => v.profile !== 'client-node').map((v) => [v.profile, v.outcome]));
  });

  it.skipIf(skip)('decodes the protobuf watch-list of every listable and watchable built-in resource, to its end bookmark, without a bad frame', async () => {
    // Most kinds have no field table in protobuf/k8s-schema.ts: they decode as apiVersion, kind and
    // metadata, which is all the checks read. This walks every kind the server has.
    const clock = systemClock();
    const client = new TargetClient(target.connection, clock, { encoding: 'protobuf' });
    const signal = new AbortController().signal;
    const problems: string[] = [];
    try {
      const inventory = await listWatchableResources(discoveryWithSignal(client, signal));
      expect(inventory.resources.length).toBeGreaterThan(40);
      for (const resource of inventory.resources) {
        const { stream } = await probeWatchList(client, resource, { clock, probeTimeoutMs: 10_000, signal });
        const name = `${resource.resource}.${resource.group || 'core'}`;
        const contentType = responseOf(stream)?.contentType;
        if (contentType !== PROTOBUF_WATCH_MEDIA_TYPE) problems.push(`${name}: answered ${contentType}`);
        for (const frame of malformedFramesOf(stream)) problems.push(`${name}: ${frame.error}`);
        if (!eventsOf(stream).some(isInitialEventsEndBookmark)) problems.push(`${name}: no end bookmark`);
        for (const event of eventsOf(stream)) {
          const object = event.object as { apiVersion?: string; kind?: string; metadata?: { resourceVersion?: string } };
          if (!object?.apiVersion || !object.kind || !object.metadata?.resourceVersion) problems.push(`${name}: ${event.type} #${event.seq} without apiVersion/kind/resourceVersion`);
        }
      }
    } finally {
      await client.close();
    }
    expect(problems).toEqual([]);
  }, 300_000);

  it.skipIf(skip)('replays offline from its recording to the same checks and verdicts (watchmark report)', async () => {
    const replay = await runCli(['report', path.join(dir, 'run.ndjson'), '--json', '-'], { env: isolatedEnv(), timeoutMs: 60_000 });
    expect(replay.code, replay.stderr).toBe(0);
    const replayed = JSON.parse(replay.stdout) as Report;
    expect(replayed.checks).toEqual(protobuf.checks);
    expect(replayed.clientGo).toEqual(protobuf.clientGo);
  });

  it.skipIf(skip)('asks every watch in protobuf and gets every 200 watch answered in application/vnd.kubernetes.protobuf;stream=watch, with no bad frame', () => {
    const answered = protobufRecord.streams.filter((s) => responseOf(s)?.status === 200);
    expect(answered.length).toBeGreaterThan(5);
    for (const stream of protobufRecord.streams) expect(stream.request.accept, stream.id).toBe(PROTOBUF_WATCH_ACCEPT);
    for (const stream of answered) {
      expect(responseOf(stream)!.contentType, stream.id).toBe(PROTOBUF_WATCH_MEDIA_TYPE);
      expect(malformedFramesOf(stream), stream.id).toEqual([]);
    }
    // The objects decoded from protobuf are the ConfigMaps and bookmarks the JSON decoder would give.
    const events = answered.flatMap(eventsOf);
    expect(events.length).toBeGreaterThan(10);
    for (const event of events.filter((e) => e.type !== 'ERROR')) expect(event.object).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { resourceVersion: expect.any(String) } });
  });
});
