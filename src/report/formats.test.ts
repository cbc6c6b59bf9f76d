import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { failingReport } from '../../test/support/report-fixture.js';
import { outputConfigFields } from './format-fields.js';
import { OUTPUT_FORMATS } from './formats.js';
import { renderHtml } from './html.js';
import { renderJunit } from './junit.js';
import { renderTap } from './tap.js';

describe('OUTPUT_FORMATS', () => {
  it('names each format once; its flag is --NAME and its help says whether - is stdout', () => {
    expect(OUTPUT_FORMATS.map((f) => f.name)).toEqual(['json', 'junit', 'html', 'tap']);
    for (const f of OUTPUT_FORMATS) {
      expect(f.flag).toBe(`--${f.name}`);
      expect([f.name, f.help.endsWith(' to FILE, or - for stdout')]).toEqual([f.name, f.stdout]);
      expect([f.name, f.help.endsWith(' to FILE')]).toEqual([f.name, !f.stdout]);
    }
    expect(OUTPUT_FORMATS.filter((f) => !f.stdout).map((f) => f.name)).toEqual(['html']);
    expect(OUTPUT_FORMATS.filter((f) => f.needsRecord).map((f) => f.name)).toEqual(['html']);
  });

  it('each renders what its own renderer renders (the JSON report as written before the registry)', async () => {
    const report = failingReport();
    const render = (name: string) => OUTPUT_FORMATS.find((f) => f.name === name)!.render({ report, record: null });
    expect(await render('json')).toBe(JSON.stringify(report, null, 2) + '\n');
    expect(await render('junit')).toBe(renderJunit(report));
    expect(await render('html')).toBe(renderHtml({ report, record: null }));
    expect(await render('tap')).toBe(renderTap(report));
  });
});

describe('outputConfigFields', () => {
  const schema = z.object(outputConfigFields());

  it('a config field per format: a path, or - where the format may go to stdout', () => {
    expect(Object.keys(schema.shape)).toEqual(OUTPUT_FORMATS.map((f) => f.name));
    expect(schema.parse({ json: '-', junit: 'j.xml', html: 'r.html', tap: '-' })).toEqual({ json: '-', junit: 'j.xml', html: 'r.html', tap: '-' });
    expect(schema.parse({})).toEqual({});
  });

  it('a file-only format refuses -; an empty path is refused for every format', () => {
    const problems = (input: Record<string, string>) => schema.safeParse(input).error?.issues.map((i) => [i.path.join('.'), i.message]);
    expect(problems({ html: '-' })).toEqual([['html', 'write the HTML report to a file, not stdout']]);
    for (const f of OUTPUT_FORMATS) expect(problems({ [f.name]: '' })?.map(([key]) => key)).toEqual([f.name]);
  });
});
