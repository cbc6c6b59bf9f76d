import type { CheckParams } from '../checks/types.js';
import { CHECK_PARAMETERS } from '../checks/param-registry.js';
import { parseParamValue, type CheckParameter } from '../checks/parameters.js';
import { parseDurationMs } from '../units.js';
import { WatchmarkError } from '../errors.js';
import type { RvSource, StreamPlan, SuitePlan, WriteStep } from './plan.js';
import type { LoadedScenario } from './load.js';
import type { Scenario, ScenarioWatch } from './schema.js';

/**
 * Scenario files -> one suite plan (pure). The scenarios of a run share one target resource and
 * one workload namespace, and run concurrently: their streams open together, their writes are
 * merged by time (each scenario's update/delete targets index its own objects), and the run
 * observes for the longest of their durations. Checks then run per scenario, on that scenario's
 * streams with its parameters (see report/scenario-checks.ts).
 */

const ms = (text: string) => parseDurationMs(text, 'duration');

/** Watch-list streams still waiting for their end bookmark stay open at least this long (two reflector ticks). */
const MIN_WATCH_LIST_WAIT_MS = 30_000;
/** ... and at least this long past the window. */
const WATCH_LIST_EXTRA_WAIT_MS = 8_000;

export function compileScenarios(loaded: readonly LoadedScenario[], opts: { quick: boolean }): SuitePlan {
  if (loaded.length === 0) throw new WatchmarkError('WM_SCENARIO', 'no scenarios selected');
  const streams: StreamPlan[] = [];
  const owners = new Map<string, string>();
  for (const { scenario, file } of loaded) {
    for (const w of scenario.watches) {
      const other = owners.get(w.name);
      if (other !== undefined && other !== scenario.name) {
        throw new WatchmarkError(
          'WM_SCENARIO',
          `watch name "${w.name}" is used by scenarios ${other} and ${scenario.name} (${file}); watch names must be unique across the scenarios of a run`,
        );
      }
      owners.set(w.name, scenario.name);
      streams.push(...streamsOf(scenario, w));
    }
  }
  const writes = loaded.flatMap(({ scenario }) => writesOf(scenario));
  // Stable by time: scenarios in selection order, each scenario's own order kept.
  writes.sort((a, b) => a.atMs - b.atMs);
  const windowMs = Math.max(...loaded.map(({ scenario }) => ms(scenario.duration)));
  return {
    quick: opts.quick,
    seeds: loaded.map(({ scenario }) => ({
      scenario: scenario.name,
      objects: scenario.workload?.seed?.objects ?? 0,
      updates: scenario.workload?.seed?.updates ?? 0,
    })),
    list: { id: 'list#1', scenario: 'list' },
    streams,
    writes,
    windowMs,
    watchListMaxWindowMs: Math.max(MIN_WATCH_LIST_WAIT_MS, windowMs + WATCH_LIST_EXTRA_WAIT_MS),
    scenarios: loaded.map(({ scenario, file, builtin }) => ({
      name: scenario.name,
      file,
      builtin,
      description: scenario.description,
      checkParams: checkParamsOf(scenario),
    })),
  };
}

function streamsOf(scenario: Scenario, w: ScenarioWatch): StreamPlan[] {
  const options: StreamPlan['options'] = {
    ...(w.sendInitialEvents !== undefined ? { sendInitialEvents: w.sendInitialEvents } : {}),
    ...(w.allowWatchBookmarks !== undefined ? { allowWatchBookmarks: w.allowWatchBookmarks } : {}),
    ...(w.resourceVersionMatch !== undefined ? { resourceVersionMatch: w.resourceVersionMatch } : {}),
    ...(w.timeoutSeconds !== undefined ? { timeoutSeconds: w.timeoutSeconds } : {}),
    ...(w.labelSelector !== undefined ? { labelSelector: w.labelSelector } : {}),
    ...(w.fieldSelector !== undefined ? { fieldSelector: w.fieldSelector } : {}),
  };
  const out: StreamPlan[] = [];
  for (let i = 1; i <= w.count; i++) {
    out.push({
      id: `${w.name}#${i}`,
      scenario: scenario.name,
      purpose: w.purpose ?? scenario.description,
      rv: rvSourceOf(w),
      options,
      ...(w.openAt !== undefined && ms(w.openAt) > 0 ? { openAtMs: ms(w.openAt) } : {}),
      ...(w.role !== undefined ? { role: w.role } : {}),
    });
  }
  return out;
}

function rvSourceOf(w: ScenarioWatch): RvSource {
  const rv = w.resourceVersion;
  if (rv === undefined) return { kind: 'literal' };
  if (typeof rv === 'string') return { kind: 'literal', value: rv };
  if ('fromList' in rv) return { kind: 'from-list' };
  if ('fromStream' in rv) return { kind: 'from-stream', stream: `${rv.fromStream}#1`, atMs: ms(rv.at), of: rv.of };
  return { kind: 'from-write', index: rv.fromWrite };
}

/**
 * The scenario's writes in time order. Fixed writes keep their targets; churn cycles its verbs:
 * create adds an object, update touches the live objects round-robin, delete removes the oldest
 * live one (a churn step with nothing live to touch is dropped).
 */
export function writesOf(scenario: Scenario): WriteStep[] {
  const workload = scenario.workload;
  if (!workload) return [];
  type Pending = { atMs: number; verb: WriteStep['verb']; target?: number; order: number };
  const pending: Pending[] = [];
  let order = 0;
  for (const w of workload.writes ?? []) pending.push({ atMs: ms(w.at), verb: w.verb, ...(w.verb === 'create' ? {} : { target: w.target ?? 0 }), order: order++ });
  for (const c of workload.churn ?? []) {
    const from = ms(c.from);
    const end = from + ms(c.for);
    const every = ms(c.every);
    let k = 0;
    for (let t = from; t < end; t += every, k++) pending.push({ atMs: t, verb: c.verbs[k % c.verbs.length]!, order: order++ });
  }
  pending.sort((a, b) => a.atMs - b.atMs || a.order - b.order);

  const seeds = workload.seed?.objects ?? 0;
  let next = seeds;
  const live: number[] = Array.from({ length: seeds }, (_, i) => i);
  let roundRobin = 0;
  const out: WriteStep[] = [];
  for (const p of pending) {
    if (p.verb === 'create') {
      live.push(next);
      out.push({ atMs: p.atMs, verb: 'create', scenario: scenario.name });
      next++;
      continue;
    }
    let target = p.target;
    if (target === undefined) {
      if (live.length === 0) continue;
      target = p.verb === 'delete' ? live[0]! : live[roundRobin++ % live.length]!;
    }
    if (p.verb === 'delete') {
      const at = live.indexOf(target);
      if (at >= 0) live.splice(at, 1);
    }
    out.push({ atMs: p.atMs, verb: p.verb, target, scenario: scenario.name });
  }
  return out;
}

/** A scenario's `checks:` section as check parameters (each field declared on its check: checks/param-registry.ts). */
export function checkParamsOf(scenario: Pick<Scenario, 'checks'>, params: readonly CheckParameter[] = CHECK_PARAMETERS): Partial<CheckParams> {
  const sections: Record<string, Record<string, string | undefined> | undefined> = scenario.checks ?? {};
  const out: Record<string, number> = {};
  for (const param of params) {
    const text = sections[param.check]?.[param.field];
    if (text !== undefined) out[param.key] = parseParamValue(param, text, 'duration');
  }
  return out as Partial<CheckParams>;
}

/** The one resource every selected scenario targets (`fallback` where a scenario names none). */
export function resourceOfScenarios(loaded: readonly LoadedScenario[], fallback: string): { resource: string; objectTemplate?: Record<string, unknown> } {
  const named = loaded.map((l) => ({ l, resource: l.scenario.resource ?? fallback }));
  const first = named[0];
  if (!first) return { resource: fallback };
  const other = named.find((n) => n.resource !== first.resource);
  if (other) {
    throw new WatchmarkError(
      'WM_SCENARIO',
      `scenarios ${first.l.scenario.name} (${first.resource}) and ${other.l.scenario.name} (${other.resource}) target different resources; run them separately`,
    );
  }
  const templates = loaded.map((l) => l.scenario.objectTemplate).filter((t): t is Record<string, unknown> => t !== undefined);
  const template = templates[0];
  if (templates.some((t) => JSON.stringify(t) !== JSON.stringify(template))) {
    throw new WatchmarkError('WM_SCENARIO', `the selected scenarios give different objectTemplates for ${first.resource}; run them separately`);
  }
  return { resource: first.resource, ...(template ? { objectTemplate: template } : {}) };
}
