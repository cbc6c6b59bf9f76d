#!/usr/bin/env node
// Thin launcher: the CLI lives in the compiled library (npm ci runs the build via `prepare`).
import('../dist/cli/main.js').then((m) => m.main(process.argv)).catch((err) => {
  process.stderr.write(`watchmark: ${err && err.message ? err.message : String(err)}\n`);
  process.exit(2);
});
