/**
 * The resource matrix (`run --all-resources`): its JSON model (schema 1, kind resource-matrix) and
 * its terminal rendering. Pure: plain data in, plain data or text out.
 */
import pc from 'picocolors';
import type { DiscoveryProblem } from '../discovery/list-resources.js';
import type { Report } from '../report/model.js';
import { buildWatchQuery } from '../transport/watch-query.js';
import { TOOL } from '../version.js';
import { CLIENT_GO_CONSEQUENCE, RESOURCE_CLASSES, type ProbeClassification, type ResourceClass } from './classify.js';
import { watchListProbeOptions } from './watch-list-probe.js';

export interface ResourceMatrixRow extends ProbeClassification {
  /** kubectl's name: `configmaps`, `deployments.apps`. */
  name: string;
  resource: string;
  group: string;
  version: string;
  kind: string;
  namespaced: boolean;
  /** Path and query probed. */
  path: string;
}

export interface ResourceMatrix {
  schemaVersion: 1;
  kind: 'resource-matrix';
  tool: { name: string; version: string };
  target: Report['target'];
  probe: {
    /** The query sent to every collection (client-go v0.35's watch-list request). */
    query: string;
    timeoutMs: number;
    concurrency: number;
    /** null: all namespaces, as informers watch. */
    namespace: string | null;
  };
  startedAt: string;
  durationMs: number;
  counts: Record<ResourceClass, number>;
  resources: ResourceMatrixRow[];
  /** Resources a client-go v0.35+ informer can use watch-list on (class `supports`). */
  allowList: string[];
  /** Resources on which a client-go v0.35+ informer hangs (class `accepts-and-ignores`). */
  denyList: string[];
  /** Group versions discovery could not read: their resources were not probed. */
  discoveryProblems: DiscoveryProblem[];
  /** What a client-go v0.35+ informer does on each class. */
  clientGo: Record<ResourceClass, string>;
}

export interface BuildMatrixInput {
  target: ResourceMatrix['target'];
  rows: ResourceMatrixRow[];
  discoveryProblems: DiscoveryProblem[];
  probeTimeoutMs: number;
  concurrency: number;
  namespace: string | null;
  startedAtWallMs: number;
  durationMs: number;
}

export function buildResourceMatrix(input: BuildMatrixInput): ResourceMatrix {
  const counts = Object.fromEntries(RESOURCE_CLASSES.map((c) => [c, 0])) as Record<ResourceClass, number>;
  for (const row of input.rows) counts[row.classification]++;
  return {
    schemaVersion: 1,
    kind: 'resource-matrix',
    tool: { ...TOOL },
    target: input.target,
    probe: {
      query: buildWatchQuery(watchListProbeOptions(input.probeTimeoutMs)),
      timeoutMs: input.probeTimeoutMs,
      concurrency: input.concurrency,
      namespace: input.namespace,
    },
    startedAt: new Date(input.startedAtWallMs).toISOString(),
    durationMs: Math.round(input.durationMs * 10) / 10,
    counts,
    resources: input.rows,
    allowList: input.rows.filter((r) => r.classification === 'supports').map((r) => r.name),
    denyList: input.rows.filter((r) => r.classification === 'accepts-and-ignores').map((r) => r.name),
    discoveryProblems: input.discoveryProblems,
    clientGo: { ...CLIENT_GO_CONSEQUENCE },
  };
}

/** 1 when a client-go v0.35+ informer would hang on any resource, else 0. */
export function exitCodeForMatrix(matrix: ResourceMatrix): 0 | 1 {
  return matrix.counts['accepts-and-ignores'] > 0 ? 1 : 0;
}

const EVIDENCE_WIDTH = 110;

export function renderMatrix(matrix: ResourceMatrix, options: { color: boolean }): string {
  const c = pc.createColors(options.color);
  const paint = (cls: ResourceClass, text: string): string => {
    switch (cls) {
      case 'supports':
        return c.green(text);
      case 'rejects-cleanly':
        return c.yellow(text);
      case 'accepts-and-ignores':
        return c.red(text);
      default:
        return c.dim(text);
    }
  };
  const t = matrix.target;
  const lines: string[] = [];
  lines.push(c.bold(`watchmark ${matrix.tool.version}`) + ` — ${t.description}${t.serverVersion ? `, server ${t.serverVersion}` : ''}`);
  lines.push(
    `watch-list probe of ${matrix.resources.length} listable and watchable resource${matrix.resources.length === 1 ? '' : 's'}` +
      ` (${matrix.probe.namespace ? `namespace ${matrix.probe.namespace}` : 'all namespaces'}, ?${matrix.probe.query}, wait up to ${matrix.probe.timeoutMs / 1000} s each); ${(matrix.durationMs / 1000).toFixed(1)} s`,
  );
  lines.push('');

  const header = { name: 'RESOURCE', gv: 'GROUP/VERSION', ns: 'NAMESPACED', cls: 'CLASS' };
  const gv = (r: ResourceMatrixRow) => (r.group ? `${r.group}/${r.version}` : r.version);
  const widths = {
    name: Math.max(header.name.length, ...matrix.resources.map((r) => r.name.length)),
    gv: Math.max(header.gv.length, ...matrix.resources.map((r) => gv(r).length)),
    ns: header.ns.length,
    cls: Math.max(header.cls.length, ...matrix.resources.map((r) => r.classification.length)),
  };
  lines.push(c.dim(`${header.name.padEnd(widths.name)}  ${header.gv.padEnd(widths.gv)}  ${header.ns}  ${header.cls.padEnd(widths.cls)}  EVIDENCE`));
  for (const r of matrix.resources) {
    const evidence = r.evidence.length > EVIDENCE_WIDTH ? `${r.evidence.slice(0, EVIDENCE_WIDTH - 1)}…` : r.evidence;
    lines.push(
      `${r.name.padEnd(widths.name)}  ${gv(r).padEnd(widths.gv)}  ${(r.namespaced ? 'yes' : 'no').padEnd(widths.ns)}  ${paint(r.classification, r.classification.padEnd(widths.cls))}  ${evidence}`,
    );
  }
  if (matrix.resources.length === 0) lines.push(c.dim('(discovery lists no resource with both list and watch)'));

  const present = RESOURCE_CLASSES.filter((cls) => matrix.counts[cls] > 0);
  if (present.length > 0) {
    lines.push('', c.bold('What a client-go v0.35+ informer does'));
    for (const cls of present) lines.push(`  ${paint(cls, cls)} (${matrix.counts[cls]}): ${matrix.clientGo[cls]}`);
  }
  if (matrix.discoveryProblems.length > 0) {
    lines.push('', c.bold('Not probed (discovery failed)'));
    for (const p of matrix.discoveryProblems) lines.push(`  ${p.groupVersion}: ${p.status > 0 ? `HTTP ${p.status}: ` : ''}${p.message}`);
  }
  lines.push('');
  const summary = present.map((cls) => `${matrix.counts[cls]} ${cls}`).join(', ') || 'nothing probed';
  if (matrix.denyList.length > 0) {
    lines.push(`Result: ${c.red(c.bold('HANGS'))} on ${matrix.denyList.join(', ')} (${summary})`);
    lines.push('Run `watchmark explain RESOURCE` for the path client-go takes and the fixes.');
  } else {
    lines.push(`Result: ${c.green(c.bold('no hang'))} (${summary})`);
  }
  return lines.join('\n') + '\n';
}
