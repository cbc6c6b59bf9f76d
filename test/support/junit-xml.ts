/**
 * Reads JUnit XML back the way a CI system does, for tests: fast-xml-parser for the tree, plus
 * the well-formedness rules its validator is lenient about (it accepts NUL bytes and a raw `<` in
 * attribute values; Jenkins' and GitLab's parsers do not).
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export interface JunitCase {
  name: string;
  classname: string;
  time: string;
  failure?: { message: string; type: string; text: string };
  error?: { message: string; type: string; text: string };
  skipped?: { message: string };
  systemOut?: string;
}

export interface JunitSuite {
  attrs: Record<string, string>;
  properties: Record<string, string>;
  cases: JunitCase[];
}

export interface JunitDocument {
  attrs: Record<string, string>;
  suites: JunitSuite[];
}

// Anything XML 1.0 forbids (Char production): C0 controls but tab/LF/CR, lone surrogates, U+FFFE/U+FFFF.
const INVALID_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

/** Throws with the reason when the document breaks a rule a strict XML parser enforces. */
export function assertWellFormed(xml: string): void {
  const bad = INVALID_XML_CHAR.exec(xml);
  if (bad) throw new Error(`character U+${bad[0].codePointAt(0)!.toString(16).padStart(4, '0')} at ${bad.index} is not allowed in XML 1.0`);
  const ref = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.exec(xml);
  if (ref) throw new Error(`bare "&" at ${ref.index}: ${xml.slice(ref.index, ref.index + 20)}`);
  for (const m of xml.matchAll(/="([^"]*)"/g)) {
    if (m[1]!.includes('<')) throw new Error(`raw "<" in an attribute value at ${m.index}`);
  }
  const result = XMLValidator.validate(xml);
  if (result !== true) throw new Error(`invalid XML: ${result.err.msg} (line ${result.err.line})`);
}

type Node = Record<string, unknown>;

export function parseJunit(xml: string): JunitDocument {
  assertWellFormed(xml);
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseAttributeValue: false,
    parseTagValue: false,
    trimValues: false,
    htmlEntities: true, // numeric references (&#10; in attributes)
    textNodeName: '#text',
    // Elements only: the testsuite's `skipped` attribute stays a string.
    isArray: (name, _path, _leaf, isAttribute) => !isAttribute && ['testsuite', 'testcase', 'property', 'failure', 'error', 'skipped', 'system-out'].includes(name),
  });
  const doc = parser.parse(xml) as { testsuites: Node & { testsuite?: Node[] } };
  const root = doc.testsuites;
  return {
    attrs: attributes(root),
    suites: (root.testsuite ?? []).map((s) => ({
      attrs: attributes(s),
      properties: Object.fromEntries(
        (((s.properties as Node | undefined)?.property as Node[] | undefined) ?? []).map((p) => [String(p.name), String(p.value)]),
      ),
      cases: ((s.testcase as Node[] | undefined) ?? []).map(testcase),
    })),
  };
}

function testcase(node: Node): JunitCase {
  const failures = (node.failure as Node[] | undefined) ?? [];
  const errors = (node.error as Node[] | undefined) ?? [];
  const skipped = (node.skipped as Node[] | undefined) ?? [];
  const out = (node['system-out'] as unknown[] | undefined) ?? [];
  if (failures.length > 1 || errors.length > 1 || skipped.length > 1 || out.length > 1) throw new Error(`testcase ${String(node.name)} has repeated children`);
  const c: JunitCase = { name: String(node.name), classname: String(node.classname), time: String(node.time) };
  const f = failures[0];
  if (f) c.failure = { message: String(f.message), type: String(f.type), text: textOf(f) };
  const e = errors[0];
  if (e) c.error = { message: String(e.message), type: String(e.type), text: textOf(e) };
  const s = skipped[0];
  if (s) c.skipped = { message: String(s.message) };
  if (out[0] !== undefined) c.systemOut = textOf(out[0]);
  return c;
}

function textOf(node: unknown): string {
  if (typeof node === 'string') return node;
  return String((node as Node)['#text'] ?? '');
}

function attributes(node: Node): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(node)) if (typeof v === 'string' && k !== '#text') out[k] = v;
  return out;
}

/** "classname/name" of every failing testcase, in document order. */
export function failingCases(doc: JunitDocument): string[] {
  return doc.suites.flatMap((s) => s.cases.filter((c) => c.failure).map((c) => `${c.classname}/${c.name}`));
}
