/**
 * How a check declares its tunable parameters, once, next to the check. Everything else about a
 * parameter is derived from the declaration (checks/param-registry.ts collects them): the
 * CheckParams type and DEFAULT_CHECK_PARAMS, the `run` flag, the run config field and its
 * parsing, the scenario-file field (zod schema and the published JSON Schema), and the README's
 * parameter table (`npm run docs:schema`).
 */
import { formatGoDuration } from '../go-duration.js';
import { parseDurationMs } from '../units.js';

/** Kinds of parameter values. `duration`: milliseconds, written as a Go-style duration ("10s", "500ms"). */
export type CheckParamKind = 'duration';

export interface CheckParamDeclaration {
  kind: CheckParamKind;
  /** The value when neither a scenario file nor a flag sets it; null = off (no policy) unless set. */
  default: number | null;
  /** One line: what the parameter does (flag help, JSON Schema, README). */
  description: string;
  /** The scenario-file field, under `checks: { <check id>: { <field>: ... } }`. */
  field: string;
  /** The `run` flag that sets it for every scenario, if it has one (its config key is the parameter key). */
  flag?: `--${string}`;
}

/** One check's parameters, by key (the CheckParams property, with its unit: `maxEventLatencyMs`). */
export type CheckParamDeclarations = Readonly<Record<string, CheckParamDeclaration>>;

/** A check's parameters together with the check that owns them (whose scenario-file section holds them). */
export interface DeclaredCheckParams<T extends CheckParamDeclarations = CheckParamDeclarations> {
  check: string;
  params: T;
}

/**
 * Declares the parameters of the check `check` (its id). Keeps the literal types of the
 * declarations, so CheckParams is typed from them (a `default: null` parameter is `number | null`).
 */
export function declareParams<const T extends CheckParamDeclarations>(check: string, params: T): DeclaredCheckParams<T> {
  return { check, params };
}

/** The value type of one declaration. */
export type CheckParamValue<D extends CheckParamDeclaration> = D['default'] extends null ? number | null : number;

/** The values of a set of declarations, by key. */
export type CheckParamValues<T extends CheckParamDeclarations> = { -readonly [K in keyof T]: CheckParamValue<T[K]> };

/** One parameter, flattened: its key and owning check with its declaration. */
export interface CheckParameter extends CheckParamDeclaration {
  key: string;
  check: string;
}

/** Flattens declarations (in order) into one list, refusing a key or a scenario field declared twice. */
export function flattenParams(declared: readonly DeclaredCheckParams[]): CheckParameter[] {
  const out: CheckParameter[] = [];
  for (const { check, params } of declared) {
    for (const [key, declaration] of Object.entries(params)) {
      const clash = out.find((p) => p.key === key || (p.check === check && p.field === declaration.field) || (declaration.flag !== undefined && p.flag === declaration.flag));
      if (clash) throw new Error(`check parameter ${check} ${key} clashes with ${clash.check} ${clash.key} (key, field or flag declared twice)`);
      out.push({ key, check, ...declaration });
    }
  }
  return out;
}

/** The defaults of a parameter list, by key, in declaration order. */
export function defaultsOf(params: readonly CheckParameter[]): Record<string, number | null> {
  return Object.fromEntries(params.map((p) => [p.key, p.default]));
}

/**
 * A parameter's value from its text (a flag value or a scenario-file field); `label` names where
 * it came from in the error (`--max-bookmark-interval "x" is not a duration ...`).
 */
export function parseParamValue(param: Pick<CheckParamDeclaration, 'kind'>, text: string, label: string): number {
  switch (param.kind) {
    case 'duration':
      return parseDurationMs(text, label);
  }
}

/** A parameter's value as a user writes it ("1m15s"); null: "unset". */
export function formatParamValue(param: Pick<CheckParamDeclaration, 'kind'>, value: number | null): string {
  if (value === null) return 'unset';
  switch (param.kind) {
    case 'duration':
      return formatGoDuration(value);
  }
}
