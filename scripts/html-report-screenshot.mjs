// Makes the README's picture of the HTML report (docs/html-report.png) from a report written by
// `watchmark run --html FILE`: the top of the page (verdict, client verdicts) and the top of the
// timelines, one above the other, cut where the check table was. Needs Debian's chromium.
//
//   node scripts/html-report-screenshot.mjs report.html docs/html-report.png [timeline-height-px]
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { chromium } from 'playwright-core';

const [input, output, timelineHeight = '1100'] = process.argv.slice(2);
if (!input || !output) {
  console.error('usage: node scripts/html-report-screenshot.mjs REPORT.html OUT.png [TIMELINE_HEIGHT_PX]');
  process.exit(2);
}
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  await page.goto(pathToFileURL(path.resolve(input)).href);
  await page.locator('#timelines[data-drawn="true"]').waitFor();
  const clients = await page.locator('#clients').boundingBox();
  const timelines = await page.locator('h2', { hasText: 'Timelines' }).boundingBox();
  const top = await page.screenshot({ fullPage: true, clip: { x: 0, y: 0, width: 1200, height: Math.ceil(clients.y + clients.height + 12) } });
  const bottom = await page.screenshot({ fullPage: true, clip: { x: 0, y: Math.floor(timelines.y - 8), width: 1200, height: Number(timelineHeight) } });
  const sheet = await browser.newPage({ viewport: { width: 1200, height: 600 } });
  await sheet.setContent(
    '<body style="margin:0;font:13px system-ui,sans-serif;color:#5d6875">' +
      `<img style="display:block" src="data:image/png;base64,${top.toString('base64')}">` +
      '<div style="padding:6px 32px;border-top:1px dashed #c8ced6;border-bottom:1px dashed #c8ced6;background:#f6f8fa">… check table with expandable findings and evidence …</div>' +
      `<img style="display:block" src="data:image/png;base64,${bottom.toString('base64')}">` +
      '</body>',
  );
  await sheet.screenshot({ path: output, fullPage: true });
  console.log(output);
} finally {
  await browser.close();
}
