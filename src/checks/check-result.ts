/** Assembling CheckResults (and the event descriptions in their findings) the same way in every check. */
import { msSinceRequest, objectKeyOf, resourceVersionOf, sinceRequest } from '../record/accessors.js';
import type { EventEntry, StreamRecord } from '../record/timeline.js';
import type { CheckResult, CheckStatus, Finding, Severity } from './types.js';

/** How many examples a finding lists before it only counts. */
export const MAX_EXAMPLES = 3;

const RANK: Record<Severity, number> = { info: 0, warn: 1, fail: 2 };

export function highestSeverity(findings: Finding[]): Severity | undefined {
  let highest: Severity | undefined;
  for (const finding of findings) {
    if (highest === undefined || RANK[finding.severity] > RANK[highest]) highest = finding.severity;
  }
  return highest;
}

/** `fail`/`warn` = highest finding severity; info findings alone (or none) = `pass`. */
export function statusOf(findings: Finding[]): CheckStatus {
  const highest = highestSeverity(findings);
  return highest === 'fail' ? 'fail' : highest === 'warn' ? 'warn' : 'pass';
}

export function skipped(id: string, reason: string): CheckResult {
  return { id, status: 'skip', summary: reason, findings: [] };
}

/**
 * A result from findings: `passSummary` when nothing at warn/fail level was found, otherwise a
 * count of the problems ("2 fail, 1 warn findings on 3 streams: ...").
 */
export function resultOf(id: string, findings: Finding[], passSummary: string, problemSummary?: string): CheckResult {
  const status = statusOf(findings);
  if (status === 'pass') return { id, status, summary: passSummary, findings };
  const problems = findings.filter((finding) => finding.severity !== 'info');
  const streams = new Set(problems.map((finding) => finding.stream).filter((s) => s !== undefined));
  const counted = `${problems.length} ${status} finding${problems.length === 1 ? '' : 's'}${
    streams.size > 0 ? ` on ${streams.size} stream${streams.size === 1 ? '' : 's'}` : ''
  }`;
  return { id, status, summary: problemSummary === undefined ? counted : `${counted}: ${problemSummary}`, findings };
}

/** "a, b and 3 more" for messages. */
export function listExamples(items: string[], max = MAX_EXAMPLES): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

export function plural(count: number, noun: string, pluralNoun = `${noun}s`): string {
  return `${count} ${count === 1 ? noun : pluralNoun}`;
}

/** An event's identity for comparisons and messages: type, namespace/name, RV. */
export function eventKey(event: EventEntry): string {
  return `${event.type} ${objectKeyOf(event.object) ?? '<no name>'} RV ${resourceVersionOf(event) ?? 'none'}`;
}

/** "MODIFIED ns/a RV 12 (#4, +1.2s after the request)", for messages. */
export function describeEvent(stream: StreamRecord, event: EventEntry): string {
  return `${eventKey(event)} (#${event.seq}, ${sinceRequest(stream, event.atMs)})`;
}

/** An event as finding evidence. */
export function eventEvidence(stream: StreamRecord, event: EventEntry): Record<string, unknown> {
  return {
    seq: event.seq,
    type: event.type,
    object: objectKeyOf(event.object) ?? null,
    resourceVersion: resourceVersionOf(event) ?? null,
    atMsSinceRequest: msSinceRequest(stream, event.atMs),
  };
}
