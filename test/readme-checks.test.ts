import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ALL_CHECKS } from '../src/checks/index.js';
import type { Check, Severity } from '../src/checks/types.js';
import { CHECK_DOCS_BEGIN, CHECK_DOCS_END, extractCheckDocs, headingAnchor, renderCheckDocs, replaceCheckDocs } from '../src/report/check-docs.js';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const RANK: Record<Severity, number> = { info: 0, warn: 1, fail: 2 };

describe('README check reference (issue 4: every check id documented)', () => {
  it('is exactly what the check objects render', () => {
    expect(extractCheckDocs(README), 'README.md check reference is stale: run npm run docs:checks').toBe(renderCheckDocs(ALL_CHECKS));
  });

  it('documents every check with a title, an upstream source and a fix', () => {
    for (const check of ALL_CHECKS) {
      for (const field of ['id', 'title', 'source', 'fix'] as const) {
        expect(check[field]?.trim() ?? '', `${check.id}: ${field} is empty`).not.toBe('');
      }
      if (check.meaning !== undefined) expect(check.meaning.trim(), `${check.id}: meaning is empty`).not.toBe('');
      expect(README, `${check.id} has no subsection in README.md: run npm run docs:checks`).toContain(`#### \`${check.id}\``);
    }
    expect(new Set(ALL_CHECKS.map((check) => check.id)).size).toBe(ALL_CHECKS.length);
  });

  it('describes, where it describes severities, the highest one of the check and none above it', () => {
    for (const check of ALL_CHECKS) {
      if (check.severities === undefined) continue;
      const levels = Object.keys(check.severities) as Severity[];
      expect(levels, `${check.id}: severities must describe maxSeverity ${check.maxSeverity}`).toContain(check.maxSeverity);
      for (const level of levels) {
        expect(RANK[level], `${check.id}: severities.${level} is above maxSeverity ${check.maxSeverity}`).toBeLessThanOrEqual(RANK[check.maxSeverity]);
        expect(check.severities?.[level]?.trim(), `${check.id}: severities.${level} is empty`).not.toBe('');
      }
    }
  });
});

describe('renderCheckDocs', () => {
  const bare: Check = {
    id: 'example.bare',
    title: 'A check | with a pipe',
    maxSeverity: 'warn',
    source: 'apiserver v0.35.0 somewhere.go',
    fix: 'Do what kube-apiserver does.',
    run: () => ({ id: 'example.bare', status: 'skip', summary: 'never runs', findings: [] }),
  };

  it('renders a table row linking to a subsection, and falls back to the title and the spec scale', () => {
    const block = renderCheckDocs([bare]);
    expect(block.startsWith(CHECK_DOCS_BEGIN)).toBe(true);
    expect(block.endsWith(CHECK_DOCS_END)).toBe(true);
    expect(block).toContain('| [`example.bare`](#examplebare) | warn | A check \\| with a pipe |');
    expect(block).toContain('#### `example.bare`');
    expect(block).toContain('**What it means.** A check | with a pipe.');
    expect(block).toContain('- **warn**: the server deviates from kube-apiserver or the API contract; client-go copes.');
    expect(block).toContain('**Upstream source.** apiserver v0.35.0 somewhere.go');
    expect(block).toContain('**How to fix a server that fails it.** Do what kube-apiserver does.');
  });

  it('lists the documented severities worst first', () => {
    const block = renderCheckDocs([{ ...bare, maxSeverity: 'fail', severities: { info: 'timings', fail: 'breaks it' } }]);
    expect(block.indexOf('- **fail**: breaks it')).toBeGreaterThan(-1);
    expect(block.indexOf('- **info**: timings')).toBeGreaterThan(block.indexOf('- **fail**: breaks it'));
  });

  it('links with GitHub heading anchors', () => {
    expect(headingAnchor('initial-events-end.present')).toBe('initial-events-endpresent');
    expect(headingAnchor('watch.concurrent-order')).toBe('watchconcurrent-order');
  });
});

describe('replaceCheckDocs', () => {
  const document = `# T\n\nbefore\n\n${CHECK_DOCS_BEGIN}\nold\n${CHECK_DOCS_END}\n\nafter\n`;

  it('replaces only the block between the markers, markers included', () => {
    const block = `${CHECK_DOCS_BEGIN}\nnew\n${CHECK_DOCS_END}`;
    const replaced = replaceCheckDocs(document, block);
    expect(replaced).toBe(`# T\n\nbefore\n\n${block}\n\nafter\n`);
    expect(extractCheckDocs(replaced)).toBe(block);
    expect(replaceCheckDocs(replaced, block)).toBe(replaced);
  });

  it('refuses a document without the markers, with them out of order, or twice', () => {
    expect(() => replaceCheckDocs('# T\n', 'x')).toThrow(/checks:begin/);
    expect(() => replaceCheckDocs(`${CHECK_DOCS_END}\n${CHECK_DOCS_BEGIN}\n`, 'x')).toThrow(/followed by/);
    expect(() => replaceCheckDocs(`${document}${document}`, 'x')).toThrow(/more than once/);
  });
});
