// Runs the CLI (dist/, as bin/watchmark.js does) and prints its peak RSS on exit as the last
// stderr line, `watchmark-peak-rss-kib N`: the fault suite's memory measure (no /usr/bin/time needed).
process.on('exit', () => {
  process.stderr.write(`\nwatchmark-peak-rss-kib ${process.resourceUsage().maxRSS}\n`);
});
const { main } = await import(new URL('../../dist/cli/main.js', import.meta.url));
await main(process.argv);
