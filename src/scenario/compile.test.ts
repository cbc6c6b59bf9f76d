import { describe, expect, it } from 'vitest';
import { WatchmarkError } from '../errors.js';
import { compileScenarios, resourceOfScenarios, writesOf } from './compile.js';
import { loadBuiltinScenarios, parseScenarioText, type LoadedScenario } from './load.js';

function scenario(text: string, file = 'x.yaml'): LoadedScenario {
  return { scenario: parseScenarioText(text, file), file, builtin: false };
}

const BASE = `description: d
duration: 10s
watches:
  - name: WATCH
    allowWatchBookmarks: true
`;

describe('writesOf', () => {
  it('expands churn by cycling verbs: creates add objects, updates go round-robin, deletes take the oldest live one', () => {
    const s = scenario(`name: churny
${BASE.replace('WATCH', 'w')}workload:
  seed: { objects: 2 }
  writes:
    - { at: 100ms, verb: update, target: 1 }
  churn:
    - { from: 1s, for: 600ms, every: 100ms, verbs: [create, update, delete] }
`).scenario;
    expect(writesOf(s).map((w) => [w.atMs, w.verb, w.target])).toEqual([
      [100, 'update', 1],
      [1000, 'create', undefined], // object 2
      [1100, 'update', 0], // live: 0 1 2, round-robin starts at the first
      [1200, 'delete', 0], // oldest live
      [1300, 'create', undefined], // object 3; live: 1 2 3
      [1400, 'update', 2], // round-robin index 1 of [1 2 3]
      [1500, 'delete', 1],
    ]);
    expect(writesOf(s).every((w) => w.scenario === 'churny')).toBe(true);
  });

  it('drops churn updates and deletes with nothing live', () => {
    const s = scenario(`name: empty
${BASE.replace('WATCH', 'w')}workload:
  churn:
    - { from: 0s, for: 300ms, every: 100ms, verbs: [delete, update, create] }
`).scenario;
    expect(writesOf(s).map((w) => w.verb)).toEqual(['create']);
  });
});

describe('compileScenarios', () => {
  it('turns the built-in quick set into the default plan: streams, 16 s window, 30 s watch-list wait', () => {
    const quick = loadBuiltinScenarios().filter((l) => l.scenario.suites.includes('quick'));
    const plan = compileScenarios(quick, { quick: true });
    const ids = plan.streams.map((s) => s.id);
    expect(ids).toEqual(expect.arrayContaining(['watch-list#1', 'watch#1', 'watch#2', 'watch-no-bookmarks#1', 'legacy-watch#1', 'selector-watch#1']));
    expect(new Set(ids).size).toBe(ids.length);
    expect(plan.windowMs).toBe(16_000);
    expect(plan.watchListMaxWindowMs).toBe(30_000);
    expect(plan.streams.find((s) => s.id === 'watch-list#1')).toMatchObject({
      scenario: 'watch-list',
      rv: { kind: 'literal' },
      options: { sendInitialEvents: true, allowWatchBookmarks: true, resourceVersionMatch: 'NotOlderThan', timeoutSeconds: 120 },
    });
    expect(plan.streams.find((s) => s.id === 'resume-from-event#1')).toMatchObject({
      role: 'resume',
      openAtMs: 3_200,
      rv: { kind: 'from-stream', stream: 'resume-source#1', atMs: 2_200, of: 'event' },
    });
    // Writes are merged in time order; every write is at least 4 s before a 10 s watch's deadline.
    const times = plan.writes.map((w) => w.atMs);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(Math.max(...times)).toBeLessThanOrEqual(6_000);
    expect(plan.seeds.find((s) => s.scenario === 'watch')).toEqual({ scenario: 'watch', objects: 3, updates: 1 });
  });

  it('the full set observes 82 s, adds the long watch and the aged expiry watch, and waits 90 s for an end bookmark', () => {
    const full = loadBuiltinScenarios().filter((l) => l.scenario.suites.includes('full'));
    const plan = compileScenarios(full, { quick: false });
    expect(plan.windowMs).toBe(82_000);
    expect(plan.watchListMaxWindowMs).toBe(90_000);
    expect(plan.streams.find((s) => s.id === 'long-watch#1')?.options.timeoutSeconds).toBe(70);
    expect(plan.streams.find((s) => s.id === 'expired-aged#1')).toMatchObject({ role: 'expired', openAtMs: 80_000, rv: { kind: 'from-write', index: 0 } });
  });

  it('carries per-scenario check parameters and count', () => {
    const s = scenario(`name: strict
${BASE.replace('WATCH', 'w')}    count: 3
checks:
  bookmark.periodic: { maxInterval: 10s }
  event.latency: { max: 250ms }
`);
    const plan = compileScenarios([s], { quick: true });
    expect(plan.streams.map((x) => x.id)).toEqual(['w#1', 'w#2', 'w#3']);
    expect(plan.scenarios).toEqual([
      { name: 'strict', file: 'x.yaml', builtin: false, description: 'd', checkParams: { maxBookmarkIntervalMs: 10_000, maxEventLatencyMs: 250 } },
    ]);
  });

  it('refuses one watch name in two scenarios', () => {
    const a = scenario(`name: a\n${BASE.replace('WATCH', 'same')}`, 'a.yaml');
    const b = scenario(`name: b\n${BASE.replace('WATCH', 'same')}`, 'b.yaml');
    expect(() => compileScenarios([a, b], { quick: true })).toThrow(/watch name "same" is used by scenarios a and b \(b\.yaml\)/);
  });
});

describe('resourceOfScenarios', () => {
  it('uses the fallback where a scenario names no resource and refuses a mix', () => {
    const a = scenario(`name: a\n${BASE.replace('WATCH', 'a')}`);
    const b = scenario(`name: b\nresource: secrets\n${BASE.replace('WATCH', 'b')}`);
    expect(resourceOfScenarios([a], 'configmaps')).toEqual({ resource: 'configmaps' });
    expect(resourceOfScenarios([b], 'configmaps')).toEqual({ resource: 'secrets' });
    const err = (() => {
      try {
        resourceOfScenarios([a, b], 'configmaps');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(WatchmarkError);
    expect((err as Error).message).toBe('scenarios a (configmaps) and b (secrets) target different resources; run them separately');
  });

  it('passes the object template on', () => {
    const t = scenario(`name: t\nresource: widgets.example.com\nobjectTemplate: { spec: { size: 1 } }\n${BASE.replace('WATCH', 't')}`);
    expect(resourceOfScenarios([t], 'configmaps')).toEqual({ resource: 'widgets.example.com', objectTemplate: { spec: { size: 1 } } });
  });
});
