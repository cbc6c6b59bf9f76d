/**
 * Secrets: a server that echoes the credential it receives everywhere it can (response headers,
 * /version, a discovery error body, unparsable watch lines, ERROR frames, object fields, bookmark
 * annotations) must not get it into anything watchmark writes: stdout, stderr, the JSON, JUnit
 * and HTML reports, the GitHub annotations and step summary, the recording, nor the outputs of
 * `watchmark report` rebuilt from that recording. Every byte is searched for the secret in the
 * forms an output may carry it (as sent, JSON-escaped once or twice, HTML/XML/Markdown-escaped,
 * GitHub-command-escaped) and the redaction marker must be there (proof the echo happened).
 */
import { chmodSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isolatedEnv, runCli, type CliResult } from '../support/cli.js';
import { startEchoProxy, type EchoProxy } from '../support/echo-proxy.js';
import { faultScale } from './scale.js';

// The redaction marker; Markdown (the step summary) escapes its brackets when it is rebuilt from a recording.
const MARKER = /\\?\[redacted\\?\]/;
const TOKEN = 'wm-flag-token-6b1f0c9e2d7a';
const KUBECONFIG_TOKEN = 'wm-kubeconfig-token-93c4e1a8f5';
const EXEC_TOKEN = 'wm-exec-token-0d2e7b4c8a1f';
const USER = 'alice';
// Characters every output escapes differently: JSON (" and \), HTML/XML (& < > " '), GitHub commands (% : ,).
const PASSWORD = `p@ss"w<0rd>&'%:,\\x9-wm-pw`;

/** The forms a secret can take in an output: as sent and escaped by each output's encoder. */
function formsOf(secret: string): string[] {
  const json = (s: string) => JSON.stringify(s).slice(1, -1);
  const goJson = (s: string) => json(s).replace(/[<>&]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  const htmlNumeric = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
  const xmlText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const markdown = (s: string) => xmlText(s).replace(/([\\`*_[\]|~])/g, '\\$1');
  const ghData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const ghProperty = (s: string) => ghData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
  const encoders = [json, goJson, htmlNumeric, xml, xmlText, markdown, ghData, ghProperty];
  const forms = new Set([secret]);
  for (const a of encoders) {
    forms.add(a(secret));
    for (const b of encoders) forms.add(b(a(secret)));
  }
  return [...forms];
}

function secretForms(): Array<{ name: string; form: string }> {
  const secrets: Record<string, string> = {
    token: TOKEN,
    'kubeconfig token': KUBECONFIG_TOKEN,
    'exec token': EXEC_TOKEN,
    password: PASSWORD,
    'user:password': `${USER}:${PASSWORD}`,
    'base64 user:password': Buffer.from(`${USER}:${PASSWORD}`).toString('base64'),
  };
  return Object.entries(secrets).flatMap(([name, secret]) => formsOf(secret).map((form) => ({ name, form })));
}

const FORMS = secretForms();

function countHits(text: string): number {
  let hits = 0;
  for (const { form } of FORMS) hits += text.split(form).length - 1;
  return hits;
}

/** Everything one command wrote: its stdout, its stderr and every file in its output directory. */
interface Outputs {
  label: string;
  texts: Record<string, string>;
}

function outputsOf(label: string, res: CliResult, dir: string): Outputs {
  const texts: Record<string, string> = { stdout: res.stdout, stderr: res.stderr };
  for (const file of readdirSync(dir)) texts[file] = readFileSync(path.join(dir, file), 'utf8');
  return { label, texts };
}

function leaks(outputs: Outputs[]): string[] {
  const found: string[] = [];
  for (const { label, texts } of outputs) {
    for (const [where, text] of Object.entries(texts)) {
      const hits = countHits(text);
      if (hits > 0) found.push(`${label} ${where}: ${hits}`);
    }
  }
  return found;
}

const SCENARIO = [
  'name: secrets-echo',
  'description: a short watch-list and a watch from the list, for the secrets fault test',
  'duration: 3s',
  'watches:',
  '  - name: watch-list',
  '    purpose: watch-list start',
  '    sendInitialEvents: true',
  '    allowWatchBookmarks: true',
  '    resourceVersionMatch: NotOlderThan',
  '    timeoutSeconds: 60',
  '  - name: watch',
  '    purpose: watch from the list',
  '    resourceVersion: { fromList: true }',
  '    allowWatchBookmarks: true',
  '    timeoutSeconds: 60',
  'workload:',
  '  seed: { objects: 2, updates: 1 }',
  '  writes:',
  '    - { at: 1s, verb: create }',
  '',
].join('\n');

type Credential = 'token flag' | 'kubeconfig token' | 'kubeconfig basic' | 'exec plugin';

describe('secrets: a server echoing the credential gets it into no output (fault suite)', () => {
  let proxy: EchoProxy;
  const home = mkdtempSync(path.join(tmpdir(), 'watchmark-secrets-'));
  const scenario = path.join(home, 'secrets-echo.yaml');

  beforeAll(async () => {
    proxy = await startEchoProxy();
    writeFileSync(scenario, SCENARIO);
  });
  afterAll(async () => {
    await proxy[Symbol.asyncDispose]();
  });

  function kubeconfigFor(credential: Exclude<Credential, 'token flag'>): string {
    let user: string;
    if (credential === 'kubeconfig token') user = `    token: ${KUBECONFIG_TOKEN}`;
    else if (credential === 'kubeconfig basic') user = `    username: ${USER}\n    password: ${JSON.stringify(PASSWORD)}`;
    else {
      const plugin = path.join(home, 'credential-plugin.cjs');
      const credentialJson = JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', status: { token: EXEC_TOKEN } });
      writeFileSync(plugin, `process.stdout.write(${JSON.stringify(credentialJson)});\n`);
      chmodSync(plugin, 0o755);
      user = [
        '    exec:',
        '      apiVersion: client.authentication.k8s.io/v1',
        `      command: ${JSON.stringify(process.execPath)}`,
        `      args: [${JSON.stringify(plugin)}]`,
        '      interactiveMode: Never',
      ].join('\n');
    }
    const file = path.join(home, `kubeconfig-${credential.replace(/\W+/g, '-')}`);
    writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        `- name: echo\n  cluster:\n    server: ${proxy.url}`,
        'users:',
        `- name: echo\n  user:\n${user}`,
        'contexts:',
        '- name: echo\n  context:\n    cluster: echo\n    user: echo\n    namespace: default',
        'current-context: echo',
        '',
      ].join('\n'),
    );
    return file;
  }

  function targetArgs(credential: Credential): string[] {
    return credential === 'token flag' ? ['--server', proxy.url, '--token', TOKEN, '-n', 'default'] : ['--kubeconfig', kubeconfigFor(credential)];
  }

  function outDir(label: string): string {
    return mkdtempSync(path.join(home, `${label.replace(/\W+/g, '-')}-`));
  }

  /** `run` with every output, then `report` of its recording with every output. */
  async function runAndReport(credential: Credential): Promise<{ outputs: Outputs[]; run: CliResult; report: CliResult }> {
    const runDir = outDir(`run ${credential}`);
    const runSummary = path.join(runDir, 'step-summary.md');
    writeFileSync(runSummary, '');
    const recording = path.join(home, `${credential.replace(/\W+/g, '-')}.ndjson`);
    const run = await runCli(
      [
        'run',
        ...targetArgs(credential),
        '--scenario',
        scenario,
        '--progress',
        'plain',
        '--github',
        '--record',
        recording,
        '--json',
        path.join(runDir, 'report.json'),
        '--junit',
        path.join(runDir, 'report.xml'),
        '--html',
        path.join(runDir, 'report.html'),
        '--tap',
        path.join(runDir, 'report.tap'),
      ],
      { env: isolatedEnv({ GITHUB_STEP_SUMMARY: runSummary }), timeoutMs: 60_000 },
    );
    const reportDir = outDir(`report ${credential}`);
    const reportSummary = path.join(reportDir, 'step-summary.md');
    writeFileSync(reportSummary, '');
    const report = await runCli(
      ['report', recording, '--github', '--json', path.join(reportDir, 'report.json'), '--junit', path.join(reportDir, 'report.xml'), '--html', path.join(reportDir, 'report.html'), '--tap', path.join(reportDir, 'report.tap')],
      { env: isolatedEnv({ GITHUB_STEP_SUMMARY: reportSummary }), timeoutMs: 30_000 },
    );
    const runOutputs = outputsOf(`run (${credential})`, run, runDir);
    runOutputs.texts['recording'] = readFileSync(recording, 'utf8');
    return { outputs: [runOutputs, outputsOf(`report (${credential})`, report, reportDir)], run, report };
  }

  async function observe(credential: Credential): Promise<{ outputs: Outputs[]; res: CliResult }> {
    const dir = outDir(`observe ${credential}`);
    const res = await runCli(['observe', 'configmaps', ...targetArgs(credential), '--watch-list', '--duration', '2s', '--json', path.join(dir, 'report.json')], {
      timeoutMs: 30_000,
    });
    return { outputs: [outputsOf(`observe (${credential})`, res, dir)], res };
  }

  // The fast variant covers each kind of credential once (Basic's password has every escaped
  // character); the slow one runs every command with every credential.
  const ALL: Credential[] = ['token flag', 'kubeconfig token', 'kubeconfig basic', 'exec plugin'];
  const runCredentials = faultScale<Credential[]>(['kubeconfig basic'], ALL);
  const observeCredentials = faultScale<Credential[]>(['exec plugin'], ALL);
  const discoveryCredentials = faultScale<Credential[]>(['token flag'], ALL);
  const explainCredentials = faultScale<Credential[]>(['kubeconfig token'], ALL);

  it.each(runCredentials)('run with every output, and report of its recording (%s)', async (credential) => {
    const before = proxy.authorizedRequests();
    const { outputs, run, report } = await runAndReport(credential);
    expect(proxy.authorizedRequests()).toBeGreaterThan(before); // the credential was sent, so it was echoed
    expect(run.stderr).not.toMatch(/internal error|\n\s+at /);
    expect(run.code, run.stderr).toBe(1); // the echoed ERROR frames and unparsable lines are findings
    expect(report.code, report.stderr).toBe(1);
    const found = leaks(outputs);
    console.log(`secrets (run, ${credential}): ${found.length === 0 ? 'no hits' : found.join('; ')}`);
    expect(found).toEqual([]);
    // The echo reached every output (redacted): the reports through the server version, the
    // recording through every frame; `report` rebuilt the same checks from the redacted recording.
    const [live, replayed] = outputs as [Outputs, Outputs];
    for (const file of ['stdout', 'report.json', 'report.xml', 'report.html', 'report.tap', 'step-summary.md', 'recording']) {
      expect(live.texts[file], `run ${file}`).toMatch(MARKER);
    }
    for (const file of ['stdout', 'report.json', 'report.xml', 'report.html', 'report.tap', 'step-summary.md']) {
      expect(replayed.texts[file], `report ${file}`).toMatch(MARKER);
    }
    expect(live.texts['stdout']).toMatch(/::error/);
    const liveReport = JSON.parse(live.texts['report.json']!) as { checks: Array<{ id: string; status: string }> };
    const replayedReport = JSON.parse(replayed.texts['report.json']!) as { checks: Array<{ id: string; status: string }> };
    expect(replayedReport.checks).toEqual(liveReport.checks);
    expect(liveReport.checks.find((c) => c.id === 'stream.framing')?.status).toBe('fail');
    expect(live.texts['report.json']).toMatch(/"serverVersion": ".*\+echo \[redacted\]/);
    expect(live.texts['recording']).toContain('internal error for [redacted]');
    expect(live.texts['recording']).toContain('this line is not JSON: [redacted]');
    expect(live.texts['recording']).toMatch(/"echo\.test\/credential\\?":\\?"\[redacted\]/);
  });

  it.each(discoveryCredentials)('a discovery error body echoing the credential: exit 2, message redacted (%s)', async (credential) => {
    proxy.failDiscovery = true;
    try {
      const dir = outDir(`discovery ${credential}`);
      const res = await runCli(['run', ...targetArgs(credential), '--scenario', scenario, '--progress', 'plain', '--json', path.join(dir, 'report.json')], { timeoutMs: 30_000 });
      expect(res.code, res.stderr).toBe(2);
      expect(res.stderr).toMatch(/discovery GET \/apis answered HTTP 503: discovery failed for .*\[redacted\]/);
      expect(leaks([outputsOf(`discovery (${credential})`, res, dir)])).toEqual([]);
    } finally {
      proxy.failDiscovery = false;
    }
  });

  it.each(explainCredentials)('explain and run --all-resources with their JSON (%s)', async (credential) => {
    const outputs: Outputs[] = [];
    for (const args of [
      ['explain', 'configmaps', '--probe-timeout', '3s'],
      ['run', '--all-resources', '--probe-timeout', '3s'],
    ]) {
      const dir = outDir(`${args[0]} ${credential}`);
      const res = await runCli([...args, ...targetArgs(credential), '--json', path.join(dir, 'report.json')], { timeoutMs: 60_000 });
      expect(res.stderr).not.toMatch(/internal error|\n\s+at /);
      expect([0, 1], res.stderr).toContain(res.code);
      outputs.push(outputsOf(`${args.slice(0, 2).join(' ')} (${credential})`, res, dir));
      expect(readFileSync(path.join(dir, 'report.json'), 'utf8')).toMatch(MARKER);
    }
    const found = leaks(outputs);
    console.log(`secrets (explain, all-resources, ${credential}): ${found.length === 0 ? 'no hits' : found.join('; ')}`);
    expect(found).toEqual([]);
  });

  it.each(observeCredentials)('observe printing live and writing JSON (%s)', async (credential) => {
    const { outputs, res } = await observe(credential);
    expect(res.stderr).not.toMatch(/internal error|\n\s+at /);
    expect([0, 1], res.stderr).toContain(res.code);
    const found = leaks(outputs);
    console.log(`secrets (observe, ${credential}): ${found.length === 0 ? 'no hits' : found.join('; ')}`);
    expect(found).toEqual([]);
    const [out] = outputs as [Outputs];
    expect(out.texts['stdout']).toMatch(/MALFORMED FRAME/);
    expect(out.texts['stdout']).toMatch(MARKER);
    expect(out.texts['report.json']).toMatch(MARKER);
  });
});
