import { systemClock } from '../clock.js';
import { ExplainConfigSchema, parseConfig, transportInput } from './config.js';
import { parseDurationMs } from '../units.js';
import { collectionPath, discoveryWithSignal, resolveResource } from '../discovery/resolve-resource.js';
import { WatchmarkError } from '../errors.js';
import { classifyWatchListProbe } from '../probe/classify.js';
import { explainProbe } from '../probe/explain.js';
import { renderExplanation } from '../probe/explain-render.js';
import { probeWatchList } from '../probe/watch-list-probe.js';
import type { ListRecord } from '../record/timeline.js';
import { describeTarget } from '../targets/describe.js';
import { withTargetClient } from '../targets/select.js';
import { checkOutputPaths } from '../output-file.js';
import type { ConnectionFlags } from '../targets/types.js';
import { buildListQuery } from '../transport/watch-query.js';
import { isStdout, useColor, type CliIo } from './io.js';
import { writeRedactedFile } from './redacting-io.js';

interface ExplainFlags extends ConnectionFlags {
  target?: string;
  json?: string;
  embedded: boolean;
  profile: string;
  /** --assets DIR (--target envtest). */
  assets?: string;
  color: boolean;
  probeTimeout?: string;
  /** --request-timeout as given (a duration). */
  requestTimeout?: string;
  /** --max-frame-size as given (bytes or 64Mi-style). */
  maxFrameSize?: string;
  /** --encoding (json | protobuf; commander checks the choice). */
  encoding?: string;
}

/**
 * `watchmark explain RESOURCE`: sends the watch-list request a client-go v0.35+ informer starts
 * with (all namespaces unless --namespace), and when the server rejects it, the LIST client-go
 * falls back to; then explains the reflector's path, the root cause and the fixes. Read-only.
 * Exit 0 when client-go syncs (directly or via the fallback), 1 when it hangs, 2 otherwise.
 */
export async function explainCommand(resourceName: string, flags: ExplainFlags, io: CliIo, signal: AbortSignal): Promise<number> {
  const { embedded, probeTimeout, requestTimeout, maxFrameSize, ...rest } = flags;
  const config = parseConfig(ExplainConfigSchema, {
    ...rest,
    ...transportInput({ requestTimeout, maxFrameSize }),
    resource: resourceName,
    ...(probeTimeout !== undefined ? { probeTimeoutMs: parseDurationMs(probeTimeout, '--probe-timeout') } : {}),
  });
  checkOutputPaths([['--json', config.json]]);
  const clock = systemClock();
  const human = isStdout(config.json) ? io.stderr : io.stdout;
  const notice = (line: string) => io.stderr.write(`watchmark: ${line}\n`);
  return withTargetClient({ ...config, embedded }, { env: io.env, signal, clock, notice, ...(io.secrets ? { secrets: io.secrets } : {}) }, async (target, client) => {
    const targetInfo = await describeTarget(client, target, signal);
    const resource = await resolveResource(discoveryWithSignal(client, signal), config.resource);
    const missing = ['list', 'watch'].filter((verb) => !resource.verbs.includes(verb));
    if (missing.length > 0) {
      throw new WatchmarkError('WM_USAGE', `resource ${resource.resource}.${resource.group || 'core'} does not support ${missing.join(', ')}: no informer can watch it`);
    }
    io.stderr.write(`watchmark: sent client-go's watch-list request for ${resource.resource}; waiting up to ${config.probeTimeoutMs / 1000} s for the end bookmark\n`);
    const probe = await probeWatchList(client, resource, {
      clock,
      probeTimeoutMs: config.probeTimeoutMs,
      signal,
      ...(config.namespace ? { namespace: config.namespace } : {}),
    });
    if (signal.aborted) throw new WatchmarkError('WM_ABORTED', 'interrupted');
    let fallbackList: ListRecord | undefined;
    if (classifyWatchListProbe(probe.stream, probe.probeTimeoutMs).classification === 'rejects-cleanly') {
      // What the reflector sends next (reflector.go v0.35.0 list(): relistResourceVersion "0", pager limit 500).
      fallbackList = await client.list(
        { id: 'fallback-list#1', scenario: 'list', path: `${collectionPath(resource, probe.namespace ?? undefined)}?${buildListQuery({ limit: 500, resourceVersion: '0' })}` },
        { signal },
      );
      if (signal.aborted) throw new WatchmarkError('WM_ABORTED', 'interrupted');
    }
    const model = explainProbe({
      target: targetInfo,
      probe,
      ...(fallbackList ? { fallbackList } : {}),
      anchorWallMs: clock.anchorWallMs,
    });
    if (config.json) writeRedactedFile(config.json, JSON.stringify(model, null, 2) + '\n', io, '--json');
    human.write(renderExplanation(model, { color: useColor(human, io.env, flags.color) }));
    return model.exitCode;
  });
}
