import { runChecks } from '../checks/index.js';
import { DEFAULT_CHECK_PARAMS } from '../checks/types.js';
import { systemClock } from '../clock.js';
import { ObserveConfigSchema, parseConfig, transportInput } from './config.js';
import { parseDurationMs } from '../units.js';
import { redactConfig } from '../transport/redact.js';
import { collectionPath, discoveryWithSignal, resolveResource } from '../discovery/resolve-resource.js';
import type { RunRecord, StreamRecord, TimelineEntry, WatchOptions } from '../record/timeline.js';
import { buildReport, exitCodeFor } from '../report/model.js';
import { formatObserveLine, type ObserveLineState } from '../report/observe-lines.js';
import { renderTerminal } from '../report/terminal.js';
import { describeTarget } from '../targets/describe.js';
import { withTargetClient } from '../targets/select.js';
import { checkOutputPaths } from '../output-file.js';
import { reflectorWarnings } from '../reflector/ticker.js';
import { deriveClientVerdicts } from '../verdict/index.js';
import type { ConnectionFlags } from '../targets/types.js';
import { isStdout, useColor, type CliIo } from './io.js';
import { writeRedactedFile } from './redacting-io.js';

interface ObserveFlags extends ConnectionFlags {
  watchList: boolean;
  bookmarks: boolean;
  resourceVersion?: string;
  timeoutSeconds?: string;
  selector?: string;
  fieldSelector?: string;
  duration: string;
  maxFrameSize?: string;
  json?: string;
  embedded: boolean;
  target?: string;
  profile: string;
  color: boolean;
  /** --request-timeout as given (a duration). */
  requestTimeout?: string;
}

/**
 * `watchmark observe`: one watch, printed live with the time since the request and the gap
 * before each event; every moment a client-go v0.35+ reflector would log "Warning: event bookmark
 * expired" is marked with its exact text; ends (duration over, server close, or Ctrl-C) with the
 * checks and the client-go verdict. Read-only: creates nothing on the target.
 */
export async function observeCommand(resourceName: string, flags: ObserveFlags, io: CliIo, signal: AbortSignal): Promise<number> {
  let timeoutSeconds: number | undefined;
  if (flags.timeoutSeconds !== undefined) {
    timeoutSeconds = Number(flags.timeoutSeconds);
  }
  const { watchList, bookmarks, duration, selector, embedded, timeoutSeconds: _t, requestTimeout, maxFrameSize, ...connection } = flags;
  const config = parseConfig(ObserveConfigSchema, {
    ...connection,
    ...transportInput({ requestTimeout, maxFrameSize }),
    resource: resourceName,
    watchList,
    bookmarks,
    durationMs: parseDurationMs(duration, '--duration'),
    ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
    ...(selector ? { labelSelector: selector } : {}),
  });
  checkOutputPaths([['--json', config.json]]);
  const clock = systemClock();
  const startedAtMs = clock.nowMs();
  const human = isStdout(config.json) ? io.stderr : io.stdout;
  const notice = (line: string) => io.stderr.write(`watchmark: ${line}\n`);
  return withTargetClient({ ...config, embedded }, { env: io.env, signal, clock, notice, ...(io.secrets ? { secrets: io.secrets } : {}) }, async (target, client) => {
    const targetInfo = await describeTarget(client, target, signal);
    const resource = await resolveResource(discoveryWithSignal(client, signal), config.resource);
    const namespace = resource.namespaced ? (config.namespace ?? target.namespace ?? 'default') : undefined;
    const options: WatchOptions = {
      ...(config.watchList
        ? { sendInitialEvents: true, allowWatchBookmarks: true, resourceVersionMatch: 'NotOlderThan' }
        : config.bookmarks
          ? { allowWatchBookmarks: true }
          : {}),
      ...(config.resourceVersion !== undefined ? { resourceVersion: config.resourceVersion } : {}),
      ...(config.timeoutSeconds !== undefined ? { timeoutSeconds: config.timeoutSeconds } : {}),
      ...(config.labelSelector ? { labelSelector: config.labelSelector } : {}),
      ...(config.fieldSelector ? { fieldSelector: config.fieldSelector } : {}),
    };
    const basePath = collectionPath(resource, namespace);
    human.write(`watching ${basePath} for ${(config.durationMs / 1000).toFixed(0)} s (${config.watchList ? 'watch-list, as a client-go v0.35+ informer' : 'plain watch'}); Ctrl-C ends early\n`);

    const stop = new AbortController();
    const onAbort = () => stop.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    const windowTimer = setTimeout(() => stop.abort(), config.durationMs);

    // A shadow of the stream as it grows, for the live reflector-warning marks.
    const shadow: StreamRecord = {
      id: 'observe#1',
      scenario: config.watchList ? 'watch-list' : 'watch',
      request: { method: 'GET', path: basePath, watched: { apiVersion: resource.apiVersion, kind: resource.kind, resource: resource.resource }, options, sentAtMs: clock.nowMs() },
      entries: [],
    };
    const lineState: ObserveLineState = { sentAtMs: shadow.request.sentAtMs, lastEventAtMs: null };
    let warningsPrinted = 0;
    const printWarnings = () => {
      if (!config.watchList) return;
      const warnings = reflectorWarnings(shadow, clock.nowMs());
      for (const w of warnings.slice(warningsPrinted)) {
        human.write(`${`+${((w.atMs - shadow.request.sentAtMs) / 1000).toFixed(3)}s`.padStart(10)}  client-go would log: ${w.line}\n`);
      }
      warningsPrinted = warnings.length;
    };
    const warningTimer = setInterval(printWarnings, 250);
    let stream: StreamRecord;
    try {
      stream = await client.watch(
        { id: shadow.id, scenario: shadow.scenario, basePath, ...(namespace ? { namespace } : {}), watched: shadow.request.watched, options },
        {
          signal: stop.signal,
          onEntry: (entry: TimelineEntry) => {
            shadow.entries.push(entry);
            printWarnings();
            const line = formatObserveLine(entry, lineState);
            if (line) human.write(line + '\n');
          },
        },
      );
    } finally {
      clearTimeout(windowTimer);
      clearInterval(warningTimer);
      signal.removeEventListener('abort', onAbort);
    }
    const record: RunRecord = { anchorWallMs: clock.anchorWallMs, streams: [stream], lists: [], writes: [], endedAtMs: clock.nowMs() };
    shadow.request.sentAtMs = stream.request.sentAtMs;
    const report = buildReport({
      record,
      checks: runChecks(record, DEFAULT_CHECK_PARAMS),
      clientGo: deriveClientVerdicts(record),
      target: targetInfo,
      resource: { name: resource.group ? `${resource.resource}.${resource.group}` : resource.resource, apiVersion: resource.apiVersion, kind: resource.kind, namespace: namespace ?? null },
      config: redactConfig({ ...config }),
      failOn: 'fail',
      startedAtMs,
      workload: null,
    });
    if (config.json) writeRedactedFile(config.json, JSON.stringify(report, null, 2) + '\n', io, '--json');
    human.write('\n' + renderTerminal(report, { color: useColor(human, io.env, flags.color) }));
    return exitCodeFor(report);
  });
}
