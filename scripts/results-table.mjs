#!/usr/bin/env node
// Turns watchmark JSON reports into the README's "what watchmark found" Markdown table.
//   node scripts/results-table.mjs LABEL=report.json [LABEL=report.json ...]
import { readFileSync } from 'node:fs';

const rows = process.argv.slice(2).map((arg) => {
  const eq = arg.lastIndexOf('='); // labels may contain '=' (e.g. --watch-cache=false)
  const label = arg.slice(0, eq);
  const report = JSON.parse(readFileSync(arg.slice(eq + 1), 'utf8'));
  const one = (v) => {
    const after = v.syncedAfterMs === null ? '' : ` (${v.syncedAfterMs < 1000 ? `${Math.round(v.syncedAfterMs)} ms` : `${(v.syncedAfterMs / 1000).toFixed(1)} s`})`;
    return `${v.outcome}${after}${v.warnings ? `, ${v.warnings} warning${v.warnings > 1 ? 's' : ''}` : ''}`;
  };
  // One verdict, or typed and dynamic ones where the informer kinds differ ("client-go>=0.35 typed").
  const verdict = (profile) => {
    const vs = report.clientGo.filter((x) => x.profile === profile || x.profile.startsWith(`${profile} `));
    if (vs.length === 0) return 'n/a';
    if (vs.length === 1) return one(vs[0]);
    return vs.map((v) => `${v.profile.slice(profile.length + 1)}: ${one(v)}`).join('; ');
  };
  const flagged = report.checks.filter((c) => c.status === 'fail' || c.status === 'warn').map((c) => `\`${c.id}\` ${c.status}`);
  const bookmarks = report.streams.reduce((n, s) => n + s.eventCounts.BOOKMARK, 0);
    const skipped = report.checks.filter((c) => c.status === 'skip').map((c) => `\`${c.id}\``);
  return `| ${label} | ${report.target.serverVersion ?? 'n/a'} | ${report.verdict.toUpperCase()} | ${flagged.join(', ') || 'none'} | ${skipped.join(', ') || 'none'} | ${verdict('client-go>=0.35')} | ${verdict('client-go<=0.34')} | ${verdict('client-node')} | ${bookmarks} |`;
});
console.log('| target | server version | verdict | fail / warn checks | skipped checks | client-go >= v0.35 | client-go <= v0.34 | client-node | bookmarks seen |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) console.log(r);
