/**
 * The HTML report's done-when: a real `watchmark run --embedded --quick --html FILE` opened in
 * headless Chromium (Debian's `chromium` package, driven by playwright-core; no browser download)
 * draws a chart for every stream, shows the verdict, logs no console error (a CSP violation is
 * one) and requests nothing from the network. The screenshot is saved under test-artifacts/.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import type { Report } from '../src/report/model.js';
import { REPO, runCli } from './support/cli.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.join(REPO, 'test-artifacts');

function shouldSkip(): boolean {
  if (existsSync(CHROMIUM) || process.env.CI) return false;
  console.log(`HTML report browser test skipped: ${CHROMIUM} not found; \`apt-get install chromium\` (Debian) to enable it`);
  return true;
}

const skip = shouldSkip();

describe('HTML report in a real browser', () => {
  let browser: Browser | undefined;
  afterAll(async () => {
    await browser?.close();
  });

  it.skipIf(skip)('a quick run against the embedded server renders offline with every stream charted', async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing (CI installs it in .ci/run: apt-get install -y --no-install-recommends chromium)`).toBe(true);
    const dir = mkdtempSync(path.join(tmpdir(), 'watchmark-html-'));
    const htmlFile = path.join(dir, 'report.html');
    const jsonFile = path.join(dir, 'report.json');
    const res = await runCli(['run', '--embedded', '--quick', '--progress', 'none', '--html', htmlFile, '--json', jsonFile]);
    expect(res.code, res.stderr + res.stdout).toBe(0);
    const report = JSON.parse(readFileSync(jsonFile, 'utf8')) as Report;

    browser = await chromium.launch({ executablePath: CHROMIUM });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const consoleErrors: string[] = [];
    const failedRequests: string[] = [];
    const networkRequests: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') consoleErrors.push(`${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => consoleErrors.push(`pageerror: ${error.message}`));
    page.on('requestfailed', (request) => failedRequests.push(`${request.url()} ${request.failure()?.errorText ?? ''}`));
    page.on('request', (request) => {
      if (!request.url().startsWith('file:')) networkRequests.push(request.url());
    });
    const url = pathToFileURL(htmlFile).href;
    await page.goto(url, { waitUntil: 'load' });
    await page.locator('#timelines[data-drawn="true"]').waitFor({ timeout: 10_000 });

    expect(await page.textContent('#verdict')).toContain('Verdict: PASS');
    for (const profile of ['client-go>=0.35', 'client-go<=0.34', 'client-node']) {
      expect(await page.locator(`.client[data-profile="${profile}"] .badge`).textContent()).toBe('syncs');
    }
    expect(await page.locator('table.checks tbody tr').count()).toBe(report.checks.length);

    // One chart per stream of the report, each drawn; streams that delivered anything have marks.
    const figures = page.locator('figure.stream');
    expect(await figures.count()).toBe(report.streams.length);
    for (const stream of report.streams) {
      const figure = page.locator(`figure.stream[data-stream="${stream.id}"]`);
      expect(await figure.locator('svg').count(), stream.id).toBe(1);
      expect(await figure.locator('svg line, svg rect, svg polygon').count(), stream.id).toBeGreaterThan(2);
      const delivered = Object.values(stream.eventCounts).reduce((a, b) => a + b, 0);
      if (delivered > 0) expect(await figure.locator('.mark').count(), stream.id).toBeGreaterThan(0);
    }
    // The watch-list stream shows its initial-events-end bookmark; the deadline watch its deadline bookmark.
    expect(await page.locator('figure.stream[data-stream="watch-list#1"] .d-end').count()).toBe(1);
    expect(await page.locator('figure.stream[data-stream="watch#1"] .d-deadline-bm').count()).toBe(1);
    // The workload lane drew the writes.
    expect(await page.locator('svg[data-overview] .mark').count()).toBeGreaterThan(0);

    expect(consoleErrors).toEqual([]);
    expect(failedRequests).toEqual([]);
    expect(networkRequests).toEqual([]);

    mkdirSync(ARTIFACTS, { recursive: true });
    const screenshot = path.join(ARTIFACTS, 'html-report.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    console.log(`HTML report screenshot: ${screenshot}`);
  });
});
