import type { RunRecord } from '../record/timeline.js';
import { DECLARED_DEFAULTS, type DeclaredParamValues } from './param-registry.js';
import type { DeclaredCheckParams } from './parameters.js';

/**
 * Severity of one finding (spec section 6): `fail` breaks client-go, `warn` deviates from
 * kube-apiserver or the API contract while client-go copes, `info` is a timing to record.
 */
export type Severity = 'fail' | 'warn' | 'info';

export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip';

export interface Finding {
  severity: Severity;
  /** What was expected, what was observed, and where it matters what client-go does about it. */
  message: string;
  /** StreamRecord.id the finding is about, when it is about one stream. */
  stream?: string;
  /** The scenario whose streams the check ran on (set when checks run per scenario). */
  scenario?: string;
  /** Plain data backing the message: RVs, times (ms since request), event indexes, raw snippets. */
  evidence: Record<string, unknown>;
}

export interface CheckResult {
  id: string;
  status: CheckStatus;
  /** One line: what was checked and the outcome, or why it was skipped. */
  summary: string;
  findings: Finding[];
}

/**
 * Tunables of the checks; every check reads only what it needs. Each is declared on the check
 * that owns it (`declareParams` in its file, listed in checks/param-registry.ts): key, kind,
 * default, description, scenario-file field and `run` flag. This type and the defaults are
 * derived from those declarations.
 */
export type CheckParams = DeclaredParamValues;

export const DEFAULT_CHECK_PARAMS: CheckParams = DECLARED_DEFAULTS;

export interface Check {
  /** Stable id, e.g. "initial-events-end.present". */
  id: string;
  /** One-line description for the README and the terminal table. */
  title: string;
  /** Highest severity this check can produce (documentation only; findings carry their own). */
  maxSeverity: Severity;
  /** Upstream behaviour the rule encodes (file and version). */
  source: string;
  /**
   * What the check means in plain language: what it looks at, on which streams, and why it
   * matters to clients (Markdown, rendered into the README "Checks" section). Without it the
   * README gives only the title.
   */
  meaning?: string;
  /**
   * What each severity this check can report means for it (Markdown, README), read against the
   * spec's scale (spec section 6): fail = breaks client-go, warn = deviates from kube-apiserver or
   * the API contract while client-go copes, info = a timing or note worth recording.
   */
  severities?: Partial<Record<Severity, string>>;
  /**
   * How to fix a server that fails or warns on this check, for server authors: what
   * kube-apiserver does instead (file and function) and the fallback when a server cannot
   * (Markdown, README "Checks" section). Required: every check must say how to pass it.
   */
  fix: string;
  /** The check's tunable parameters (`declareParams(ID, {...})` in its file), for the README and the registry test. */
  params?: DeclaredCheckParams;
  run(record: RunRecord, params: CheckParams): CheckResult;
}
