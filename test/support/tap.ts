/**
 * A small TAP 14 reader for tests, written from the spec
 * (testanything.org/tap-version-14-specification.html), not from the renderer: it checks the
 * version line, the plan (first or last), test point syntax and numbering, directives, and that
 * each YAML diagnostic block is indented two spaces and closed; anything else throws.
 */
import { parse as parseYaml } from 'yaml';

export interface TapPoint {
  ok: boolean;
  number: number;
  /** Unescaped (`\#` -> `#`, `\\` -> `\`). */
  description: string;
  directive: { kind: 'SKIP' | 'TODO'; reason: string } | null;
  /** The parsed YAML block, when the point has one. */
  diagnostic: Record<string, unknown> | null;
}

export interface TapDocument {
  plan: { count: number; reason: string | null };
  points: TapPoint[];
  comments: string[];
}

const TEST_POINT = /^(not )?ok(?: (\d+))?(?: -)?(?: (.*))?$/;
const PLAN = /^1\.\.(\d+)(?: # (.+))?$/;

export function parseTap(text: string): TapDocument {
  if (!text.endsWith('\n')) throw new Error('TAP: the last line has no newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines[0] !== 'TAP version 14') throw new Error(`TAP: first line is ${JSON.stringify(lines[0])}, not "TAP version 14"`);
  let plan: TapDocument['plan'] | null = null;
  let planAt = -1;
  const points: TapPoint[] = [];
  const comments: string[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const planMatch = PLAN.exec(line);
    if (planMatch) {
      if (plan) throw new Error(`TAP line ${i + 1}: a second plan`);
      plan = { count: Number(planMatch[1]), reason: planMatch[2] ?? null };
      planAt = i;
      continue;
    }
    if (line.startsWith('#')) {
      comments.push(line.replace(/^#\s?/, ''));
      continue;
    }
    const m = TEST_POINT.exec(line);
    if (!m) throw new Error(`TAP line ${i + 1}: neither a plan, a test point nor a comment: ${JSON.stringify(line)}`);
    if (m[2] === undefined) throw new Error(`TAP line ${i + 1}: test point without a number`);
    const { description, directive } = splitDirective(m[3] ?? '', i + 1);
    let diagnostic: Record<string, unknown> | null = null;
    if (lines[i + 1] === '  ---') {
      const end = lines.indexOf('  ...', i + 2);
      if (end < 0) throw new Error(`TAP line ${i + 2}: YAML block never closed with "  ..."`);
      const body = lines.slice(i + 2, end);
      const badIndent = body.find((l) => !l.startsWith('  '));
      if (badIndent !== undefined) throw new Error(`TAP: YAML line not indented two spaces: ${JSON.stringify(badIndent)}`);
      diagnostic = parseYaml(body.map((l) => l.slice(2)).join('\n')) as Record<string, unknown>;
      i = end;
    }
    points.push({ ok: m[1] === undefined, number: Number(m[2]), description, directive, diagnostic });
  }
  if (!plan) throw new Error('TAP: no plan');
  // The plan comes right after the version line, or after the last test point.
  if (planAt !== 1 && planAt < lines.findLastIndex((l) => TEST_POINT.test(l))) throw new Error('TAP: the plan is neither first nor after the last test point');
  points.forEach((p, i) => {
    if (p.number !== i + 1) throw new Error(`TAP: test point ${i + 1} is numbered ${p.number}`);
  });
  if (plan.count !== points.length) throw new Error(`TAP: plan 1..${plan.count} but ${points.length} test points`);
  return { plan, points, comments };
}

/** Splits "desc \# not a directive # SKIP why" at the first unescaped " # ". */
function splitDirective(rest: string, lineNo: number): Pick<TapPoint, 'description' | 'directive'> {
  let description = '';
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i]!;
    if (c === '\\' && i + 1 < rest.length) {
      description += rest[++i];
      continue;
    }
    if (c === '#') {
      const d = /^#\s*(skip|todo)\S*(?:\s+(.*))?$/i.exec(rest.slice(i));
      if (!d) throw new Error(`TAP line ${lineNo}: unescaped # that starts no SKIP/TODO directive`);
      if (!description.endsWith(' ')) throw new Error(`TAP line ${lineNo}: directive not preceded by a space`);
      return { description: description.trimEnd(), directive: { kind: d[1]!.toUpperCase() as 'SKIP' | 'TODO', reason: d[2] ?? '' } };
    }
    description += c;
  }
  return { description, directive: null };
}
