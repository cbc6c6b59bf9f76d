import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Holds src/ to the shape docs/ARCHITECTURE.md describes: folders in layers, each importing only
 * from the layers below it (no cycle, no upward import), and no source file over the length limit
 * without a reason stated at its top.
 */

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

/**
 * Bottom to top. `(base)` is the plain files directly in src/ (errors, clocks, units, output
 * files); `(api)` is src/index.ts, the public API over everything. Folders on one line are peers:
 * neither imports the other.
 */
export const LAYERS: readonly (readonly string[])[] = [
  ['(base)'],
  ['tls', 'protobuf'],
  ['record'],
  ['decode'],
  ['transport'],
  ['discovery'],
  ['server'],
  ['targets', 'proxy'],
  ['reflector'],
  ['checks', 'verdict'],
  ['scenario'],
  ['workload'],
  ['report'],
  ['recording'],
  ['probe'],
  ['run'],
  ['progress'],
  ['cli'],
  ['(api)'],
];

/** A source file longer than this states why at its top (a line starting "Why this file is long:"). */
export const MAX_LINES = 400;

function sourceFiles(dir = SRC): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(full));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.d.ts')) out.push(full);
  }
  return out;
}

function unitOf(file: string): string {
  const rel = path.relative(SRC, file).split(path.sep);
  if (rel.length === 1) return rel[0] === 'index.ts' ? '(api)' : '(base)';
  return rel[0]!;
}

function layerOf(unit: string): number {
  return LAYERS.findIndex((layer) => layer.includes(unit));
}

/** Relative imports of a file (static, type-only, re-exports and dynamic import()), resolved to .ts files. */
export function importsOf(file: string, text: string): string[] {
  const specs = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm)].map((m) => m[1]!);
  return specs.map((s) => path.resolve(path.dirname(file), s).replace(/\.js$/, '.ts'));
}

interface Edge {
  from: string;
  to: string;
  fromUnit: string;
  toUnit: string;
}

function edges(): Edge[] {
  const out: Edge[] = [];
  for (const file of sourceFiles()) {
    for (const target of importsOf(file, readFileSync(file, 'utf8'))) {
      const fromUnit = unitOf(file);
      const toUnit = unitOf(target);
      if (fromUnit !== toUnit) out.push({ from: path.relative(SRC, file), to: path.relative(SRC, target), fromUnit, toUnit });
    }
  }
  return out;
}

describe('architecture', () => {
  it('places every folder of src/ in a layer', () => {
    const units = new Set(sourceFiles().map(unitOf));
    const unplaced = [...units].filter((u) => layerOf(u) < 0);
    expect(unplaced, 'add new folders to LAYERS here and to docs/ARCHITECTURE.md').toEqual([]);
  });

  it('imports only downwards: no folder cycle, no upward or sideways import', () => {
    const bad = edges()
      .filter((e) => layerOf(e.toUnit) >= layerOf(e.fromUnit))
      .map((e) => `${e.from} -> ${e.to} (${e.fromUnit} may not import ${e.toUnit})`);
    expect(bad).toEqual([]);
  });

  it('keeps source files under the length limit or says why at the top', () => {
    const long = sourceFiles()
      .map((file) => ({ file, text: readFileSync(file, 'utf8') }))
      .filter(({ text }) => text.split('\n').length > MAX_LINES)
      .filter(({ text }) => !/^\s*(\/\/|\*|\/\*\*)\s*Why this file is long:/m.test(text.split('\n').slice(0, 30).join('\n')))
      .map(({ file, text }) => `${path.relative(SRC, file)}: ${text.split('\n').length} lines`);
    expect(long).toEqual([]);
  });

  it('is checked by a scanner that sees every kind of import', () => {
    const text = [
      "import { a } from './a.js';",
      "import type { B } from '../b/b.js';",
      "export { c } from './c.js';",
      "const d = await import('../d/d.js');",
      "import './e.js';",
      "const notAnImport = 'from ./f.js';",
    ].join('\n');
    const got = importsOf('/x/src/run/file.ts', text).map((p) => path.relative('/x/src', p));
    expect(got).toEqual(['run/a.ts', 'b/b.ts', 'run/c.ts', 'd/d.ts', 'run/e.ts']);
  });
});
