import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../src/cli/main.js';
import type { CliIo } from '../src/cli/io.js';
import type { Report } from '../src/report/model.js';
import { TOOL } from '../src/version.js';
import { isolatedEnv } from './support/cli.js';
import { screen } from './support/terminal-screen.js';

/** A 2 s scenario: one watch-list and one watch, a few writes. */
function shortScenario(): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'watchmark-progress-')), 'short.yaml');
  writeFileSync(
    file,
    [
      'name: short',
      'description: a short run for the progress view',
      'duration: 2s',
      'watches:',
      '  - name: short-watch-list',
      '    sendInitialEvents: true',
      '    allowWatchBookmarks: true',
      '    resourceVersionMatch: NotOlderThan',
      '  - name: short-watch',
      '    resourceVersion: { fromList: true }',
      '    allowWatchBookmarks: true',
      'workload:',
      '  seed: { objects: 2 }',
      '  writes:',
      '    - { at: 200ms, verb: create }',
      '    - { at: 400ms, verb: update, target: 0 }',
      '',
    ].join('\n'),
  );
  return file;
}

function capture(isTTY: boolean): { stream: CliIo['stdout']; text: () => string } {
  const chunks: string[] = [];
  const stream = { isTTY, columns: 120, write: (chunk: string | Uint8Array) => (chunks.push(String(chunk)), true) } as unknown as CliIo['stdout'];
  return { stream, text: () => chunks.join('') };
}

describe('watchmark run: live progress (in process, stderr a fake terminal)', () => {
  it('draws the status block on stderr only, erases it before the report, and keeps stdout pure JSON for --json -', async () => {
    const stdout = capture(false);
    const stderr = capture(true);
    const io: CliIo = { stdout: stdout.stream, stderr: stderr.stream, env: isolatedEnv() };
    let code = -1;
    const program = buildProgram(io, new AbortController().signal, (c) => (code = c));
    await program.parseAsync(['node', 'watchmark', 'run', '--embedded', '--scenario', shortScenario(), '--json', '-']);
    expect(code, stderr.text()).toBe(0);

    expect(stdout.text()).not.toMatch(/\x1b/);
    const report = JSON.parse(stdout.text()) as Report;
    expect(report.verdict).toBe('pass');

    // The block was drawn and rewritten in place...
    expect(stderr.text()).toMatch(/watchmark {2}observe {2}\d+ s of 2 s/);
    expect(stderr.text()).toMatch(/\x1b\[\d+A\x1b\[J/);
    // ...and is gone from the screen: the notices, then the report, nothing of the block in between.
    const shown = screen(stderr.text());
    expect(shown.filter((line) => /^watchmark {2}|^ {2}(streams|events|so far) /.test(line))).toEqual([]);
    const reportStart = shown.findIndex((line) => line.startsWith(`watchmark ${TOOL.version}`));
    expect(shown.slice(0, reportStart).every((line) => line.startsWith('watchmark: '))).toBe(true);
    expect(shown.slice(0, reportStart).join('\n')).toMatch(/watchmark: observe: 2 streams for 2 s/);
    expect(shown[shown.length - 1]).toMatch(/Verdict: PASS/);
  });

  it('--progress none draws nothing even on a terminal', async () => {
    const stdout = capture(true);
    const stderr = capture(true);
    const io: CliIo = { stdout: stdout.stream, stderr: stderr.stream, env: isolatedEnv() };
    let code = -1;
    const program = buildProgram(io, new AbortController().signal, (c) => (code = c));
    await program.parseAsync(['node', 'watchmark', 'run', '--embedded', '--scenario', shortScenario(), '--progress', 'none']);
    expect(code, stderr.text()).toBe(0);
    expect(stderr.text()).not.toMatch(/\x1b/);
    expect(stdout.text()).toMatch(/Verdict: PASS/);
  });
});
