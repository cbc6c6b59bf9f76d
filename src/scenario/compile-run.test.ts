import { describe, expect, it } from 'vitest';
import { compileRun } from './compile-run.js';
import { compileScenarios } from './compile.js';
import { selectScenarios } from './load.js';

describe('compileRun', () => {
  it('compiles the selected suite into the plan measureRun runs, on --resource or else configmaps', () => {
    const quick = compileRun({ quick: true });
    expect(quick.plan).toEqual(compileScenarios(selectScenarios(undefined, 'quick'), { quick: true }));
    expect(quick.resource).toEqual({ resource: 'configmaps' });
    expect(compileRun({ quick: true, resource: 'secrets' }).resource).toEqual({ resource: 'secrets' });
    expect(compileRun({ quick: false, scenario: ['watch-list'] }).plan.scenarios.map((s) => s.name)).toEqual(['watch-list']);
  });

  it('throws WM_SCENARIO for a scenario it cannot find, before anything else runs', () => {
    expect(() => compileRun({ quick: true, scenario: ['nosuch'] })).toThrow(expect.objectContaining({ code: 'WM_SCENARIO', message: expect.stringContaining('no scenario named "nosuch"') }));
  });
});
