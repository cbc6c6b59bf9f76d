import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Report } from '../src/report/model.js';
import { REPO, runCli } from './support/cli.js';
import { validateJsonSchema } from './support/json-schema.js';

describe('watchmark observe (CLI subprocess)', () => {
  it('shows the hang on a kinm-like server: live events, the exact client-go warning, never-syncs', async () => {
    // An empty namespace: no initial events at all, so client-go's first 10 s tick already warns.
    const res = await runCli(['observe', 'configmaps', '-n', 'default', '--embedded', '--profile', 'kinm', '--watch-list', '--duration', '11.5s', '--json', '-']);
    expect(res.code, res.stderr).toBe(1);
    expect(res.stderr).toMatch(/HTTP 200/);
    expect(res.stderr).toMatch(
      /client-go would log: "Warning: event bookmark expired" err="<reflector>: awaiting required bookmark event for initial events stream, no events received for 10(\.\d+)?s"/,
    );
    const report = JSON.parse(res.stdout) as Report;
    expect(validateJsonSchema(JSON.parse(readFileSync(path.join(REPO, 'schemas', 'report.schema.json'), 'utf8')), report)).toEqual([]);
    expect(report.clientGo.find((v) => v.profile === 'client-go>=0.35')?.outcome).toBe('never-syncs');
    expect(report.checks.find((c) => c.id === 'initial-events-end.present')?.status).toBe('fail');
  });

  it('shows the annotated end bookmark on the reference server and the informer syncing', async () => {
    const res = await runCli(['observe', 'namespaces', '--embedded', '--watch-list', '--duration', '2s']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/BOOKMARK\s+rv=\d+\s+\[initial-events-end\]/);
    expect(res.stdout).toMatch(/client-go>=0\.35\s+syncs after/);
  });
});
