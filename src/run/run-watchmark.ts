import { randomBytes } from 'node:crypto';
import { DEFAULT_CHECK_PARAMS, type CheckParams } from '../checks/types.js';
import { checkParamOverrides } from '../checks/param-registry.js';
import { systemClock, type Clock } from '../clock.js';
import type { RunConfig } from './config.js';
import { redactConfig } from '../transport/redact.js';
import { discoveryWithSignal, resolveResource, type ResolvedResource } from '../discovery/resolve-resource.js';
import { describeTarget } from '../targets/describe.js';
import { WatchmarkError } from '../errors.js';
import type { RunRecord } from '../record/timeline.js';
import type { Report } from '../report/model.js';
import { selectTarget, targetNotice } from '../targets/select.js';
import type { ReadyTarget } from '../targets/types.js';
import { TargetClient } from '../transport/client.js';
import { registeringSecrets, type SecretRegistry } from '../transport/redact.js';
import { Workload } from '../workload/workload.js';
import { compileRun, type CompiledRun } from '../scenario/compile-run.js';
import type { Scheduler } from '../scheduler.js';
import { runSuite, type SuiteListener } from './run-suite.js';
import { deriveReport, type RunFacts, type RunMeasurement } from '../report/derive-report.js';

export interface RunHooks extends SuiteListener {
  /** One-line notices for the user (e.g. "started the embedded server"). */
  notice?(line: string): void;
  /** The raw record the report was derived from (for recordings and tests). */
  onRecord?(record: RunRecord): void;
}

export type RunWatchmarkConfig = Omit<RunConfig, 'scenario'> & { scenario?: string[]; embedded?: boolean };
export interface RunWatchmarkOptions {
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  hooks?: RunHooks;
  clock?: Clock;
  cwd?: string;
  /** Gets every credential the client sends, for redacting the outputs (the record itself is not redacted). */
  secrets?: SecretRegistry;
  /** The run's timers (window, writes); default: Node timers. */
  scheduler?: Scheduler;
}

/**
 * The whole `watchmark run` job as a library call: resolve the target (kubectl's order, then the
 * embedded server), discover the resource, run the default suite with a workload, derive
 * checks and client-go verdicts, and clean up everything created — also when `signal` aborts
 * (Ctrl-C) or something throws. Returns the report; never exits the process.
 */
export async function runWatchmark(config: RunWatchmarkConfig, options: RunWatchmarkOptions = {}): Promise<Report> {
  // Scenario files are read and checked before anything starts: a mistake costs no target start.
  const { facts, record } = await measureRun(config, compileRun(config, options.cwd), options);
  return deriveReport(facts, record);
}

/**
 * The measuring half of runWatchmark: runs the compiled plan (compileRun, done before: a bad
 * scenario file costs no target start) on the target and returns the facts and the raw record;
 * `deriveReport(facts, record)` is the report, live or from a recording (encodeRecording).
 * Throws WM_ABORTED when `signal` aborts.
 */
export async function measureRun(config: RunWatchmarkConfig, compiled: CompiledRun, options: RunWatchmarkOptions = {}): Promise<RunMeasurement> {
  const clock = options.clock ?? systemClock();
  const signal = options.signal ?? new AbortController().signal;
  const hooks = options.hooks ?? {};
  const startedAtMs = clock.nowMs();
  const { plan, resource: wanted } = compiled;
  const target: ReadyTarget = await selectTarget(config, options.env ?? process.env, signal);
  const notice = targetNotice(config, target);
  if (notice) hooks.notice?.(notice);

  const client = new TargetClient(options.secrets ? registeringSecrets(target.connection, options.secrets) : target.connection, clock, {
    requestTimeoutMs: config.requestTimeoutMs,
    maxFrameBytes: config.maxFrameBytes,
    encoding: config.encoding,
  });
  let workload: Workload | null = null;
  let cleanupProblems: string[] = [];
  try {
    // Every request of the run carries the signal: one without it kept a hung run going after Ctrl-C.
    const targetInfo = await describeTarget(client, target, signal);
    const resource = await resolveResource(discoveryWithSignal(client, signal), wanted.resource);
    requireVerbs(resource, ['list', 'watch']);
    const canWrite = ['create', 'update', 'delete'].every((v) => resource.verbs.includes(v));
    const runId = randomBytes(3).toString('hex');
    const namespace = config.namespace ?? undefined;
    if (canWrite) {
      workload = new Workload(client, resource, clock, {
        runId,
        ...(namespace ? { namespace } : {}),
        ...(wanted.objectTemplate ? { template: wanted.objectTemplate } : {}),
      });
      await workload.setup(signal);
    } else {
      hooks.notice?.(`${resource.resource} cannot be created/updated/deleted: running without a workload; checks that need the RV to advance will skip`);
    }
    const record = await runSuite({ client, plan, resource, workload, clock, signal, listener: hooks, ...(options.scheduler ? { scheduler: options.scheduler } : {}) });
    if (signal.aborted) throw new WatchmarkError('WM_ABORTED', 'interrupted');

    hooks.onRecord?.(record);
    const overrides: Partial<CheckParams> = checkParamOverrides(config);
    if (workload) {
      hooks.onPhase?.('cleanup', 'removing what the workload created');
      cleanupProblems = await workload.cleanup();
    }
    const facts: RunFacts = {
      target: targetInfo,
      resource: describeResource(resource, workload?.namespace ?? namespace),
      config: redactConfig({ ...config }),
      failOn: config.failOn,
      startedAtMs,
      scenarios: plan.scenarios.map((s) => ({ name: s.name, file: s.file, description: s.description, checkParams: s.checkParams })),
      checkParams: { defaults: { ...DEFAULT_CHECK_PARAMS }, overrides },
      workload: workload ? { namespace: workload.namespace ?? null, writes: workload.writes.length, cleanupProblems } : null,
    };
    return { facts, record };
  } catch (err) {
    if (!signal.aborted) throw err;
    // Ctrl-C: whatever the interrupted step threw, the run ends as interrupted, and the message
    // says what cleanup removed (what is left stays in the inventory, which the CLI prints).
    if (workload) await workload.cleanup();
    throw new WatchmarkError('WM_ABORTED', 'interrupted', { removed: workload ? [...workload.removed] : [] }, { cause: err });
  } finally {
    // Runs on success (already cleaned: a no-op), on error and on Ctrl-C.
    if (workload) await workload.cleanup();
    await client.close();
    await target.stop();
  }
}

function requireVerbs(resource: ResolvedResource, verbs: string[]): void {
  const missing = verbs.filter((v) => !resource.verbs.includes(v));
  if (missing.length > 0) {
    throw new WatchmarkError('WM_USAGE', `resource ${resource.resource}.${resource.group || 'core'} does not support ${missing.join(', ')}`);
  }
}

/** The report's description of the resource measured (`name` as kubectl spells it: plural.group). */
export function describeResource(r: ResolvedResource, namespace: string | undefined): Report['resource'] {
  return { name: r.group ? `${r.resource}.${r.group}` : r.resource, apiVersion: r.apiVersion, kind: r.kind, namespace: namespace ?? null };
}
