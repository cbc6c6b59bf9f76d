// Totals vitest JSON reports into the closing line CI reads: "N passed, N failed, N skipped".
// Each failed test is named on a line of its own above it. A missing report (the run died before vitest wrote it) counts as one failure.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

let passed = 0;
let failed = 0;
let skipped = 0;
const failures = [];
for (const file of process.argv.slice(2)) {
  let report;
  try {
    report = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    console.error(`no vitest results in ${file}`);
    failed += 1;
    continue;
  }
  for (const suite of report.testResults ?? []) {
    if (suite.status === 'failed' && (suite.assertionResults ?? []).every((t) => t.status !== 'failed')) {
      failures.push(`${file}: ${relative(process.cwd(), suite.name)}: ${firstLine(suite.message)}`);
    }
    for (const test of suite.assertionResults ?? []) {
      if (test.status === 'failed') {
        failures.push(`${file}: ${relative(process.cwd(), suite.name)} > ${test.fullName}: ${firstLine((test.failureMessages ?? [])[0])}`);
      }
    }
  }
  passed += report.numPassedTests ?? 0;
  failed += (report.numFailedTests ?? 0) + (report.numRuntimeErrorTestSuites ?? 0);
  skipped += (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
  if (report.success === false && (report.numFailedTests ?? 0) === 0 && (report.numRuntimeErrorTestSuites ?? 0) === 0) {
    failed += 1; // e.g. a failing suite-level hook or unhandled error
  }
}
// The names of what failed go just above the closing line, so the tail of the log says it.
for (const line of failures) console.log(`FAILED ${line}`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 ? 1 : 0);

function firstLine(text) {
  return String(text ?? '').split('\n').find((l) => l.trim() !== '')?.trim().slice(0, 300) ?? '';
}
