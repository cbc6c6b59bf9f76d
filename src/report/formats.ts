/**
 * The report's output formats, one registry (as vitest keeps its reporters in `ReportersMap`,
 * packages/vitest/src/node/reporters/index.ts): each format declares its flag, its help, whether
 * it may go to stdout, whether it reads the record, and its pure renderer. The `run` and `report`
 * flags, their config fields, the output-path checks, the stdout rule and the writer
 * (cli/outputs.ts) all loop over OUTPUT_FORMATS, so a new format is its renderer file plus one
 * line below.
 *
 * GitHub Actions output is not on it: it is not a file but a switch (`--github`, default on when
 * GITHUB_ACTIONS=true, `--no-github`), writes annotations to stdout or stderr (whichever no report
 * owns) and appends to $GITHUB_STEP_SUMMARY instead of replacing a file. It stays the one special
 * case, in cli/outputs.ts.
 */
import type { RunRecord } from '../record/timeline.js';
import type { Report } from './model.js';

export interface OutputFormat<Name extends string = string> {
  /** Config key; the flag is `--NAME FILE`. */
  readonly name: Name;
  readonly flag: `--${Name}`;
  /** What it writes, for messages: "the HTML report". */
  readonly title: string;
  /** The flag's --help line. */
  readonly help: string;
  /** `-` writes it to stdout (which then no other output may claim); else only to a file. */
  readonly stdout: boolean;
  /** It reads the run's record (timelines), not only the report; without one it renders less. */
  readonly needsRecord: boolean;
  /**
   * Report (and record, when it needs one) in, the file's content out: a pure renderer, loaded on
   * first use so `--help` and `--version` do not load every renderer.
   */
  readonly render: (input: { report: Report; record: RunRecord | null }) => Promise<string>;
}

interface FormatSpec<Name extends string> {
  name: Name;
  title: string;
  /** What goes after "write " in the help, before " to FILE". */
  describe: string;
  stdout: boolean;
  needsRecord?: boolean;
  render: OutputFormat['render'];
}

function format<const Name extends string>(spec: FormatSpec<Name>): OutputFormat<Name> {
  return {
    name: spec.name,
    flag: `--${spec.name}`,
    title: spec.title,
    help: `write ${spec.describe} to FILE${spec.stdout ? ', or - for stdout' : ''}`,
    stdout: spec.stdout,
    needsRecord: spec.needsRecord ?? false,
    render: spec.render,
  };
}

/** Every output format, in the order they are written and listed in --help. */
export const OUTPUT_FORMATS = [
  format({ name: 'json', title: 'JSON report', describe: 'the JSON report (schema 1)', stdout: true, render: async ({ report }) => JSON.stringify(report, null, 2) + '\n' }),
  format({ name: 'junit', title: 'JUnit XML report', describe: 'a JUnit XML report (a testsuite per scenario, a testcase per check)', stdout: true, render: async ({ report }) => (await import('./junit.js')).renderJunit(report) }),
  format({ name: 'html', title: 'HTML report', describe: 'a self-contained HTML report (verdicts, checks, per-stream timeline charts)', stdout: false, needsRecord: true, render: async (input) => (await import('./html.js')).renderHtml(input) }),
  format({ name: 'tap', title: 'TAP report', describe: 'a TAP 14 report (a test point per scenario and check)', stdout: true, render: async ({ report }) => (await import('./tap.js')).renderTap(report) }),
] as const;

export type OutputFormatName = (typeof OUTPUT_FORMATS)[number]['name'];

/** Where each requested format goes: a file, or `-` for stdout. */
export type OutputPaths = { [Name in OutputFormatName]?: string };
