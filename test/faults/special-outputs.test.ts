/**
 * Issue 10 item 6 end to end: output files that are not regular files are written through, never
 * replaced. `--json /dev/stdout` as root once renamed a temp file over /dev/stdout; a symlink or a
 * FIFO given as the output was replaced by a regular file too. Here `serve --kubeconfig-out`
 * (the output a CLI run writes first) is pointed at /dev/stdout, a FIFO with a concurrent reader,
 * and a symlink; the unit tests of src/output-file.ts cover the same for every writer.
 */
import { execFileSync, spawn } from 'node:child_process';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startCli } from '../support/cli.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'watchmark-special-outputs-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Starts `serve --kubeconfig-out OUT`, waits until it listens, stops it with SIGINT; returns its output. */
async function serveWritingTo(out: string): Promise<{ stdout: string; stderr: string; code: number | null }> {
  const serve = startCli(['serve', '--plain-http', '--kubeconfig-out', out], { timeoutMs: 60_000 });
  try {
    // Either it listens, or it ended (a write error): then the asserts below say why.
    await Promise.race([serve.waitFor(/press Ctrl-C to stop/, 45_000), serve.result]);
  } finally {
    serve.child.kill('SIGINT');
  }
  const result = await serve.result;
  return { stdout: result.stdout, stderr: result.stderr, code: result.code };
}

describe('special files as outputs are written through (serve --kubeconfig-out)', () => {
  // Node's child-process pipes are sockets: open("/dev/stdout") fails there with ENXIO, so the
  // descriptor itself is written (as for `-`).
  it('/dev/stdout: the kubeconfig goes to stdout and /dev/stdout stays what it was', async () => {
    const before = lstatSync('/dev/stdout');
    const devTmpBefore = readdirSync('/dev').filter((n) => n.endsWith('.tmp'));
    const res = await serveWritingTo('/dev/stdout');
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/^apiVersion: v1$/m);
    expect(res.stdout).toMatch(/server: http:\/\/127\.0\.0\.1:\d+/);
    const after = lstatSync('/dev/stdout');
    expect({ symlink: after.isSymbolicLink(), ino: after.ino }).toEqual({ symlink: before.isSymbolicLink(), ino: before.ino });
    expect(readdirSync('/dev').filter((n) => n.endsWith('.tmp'))).toEqual(devTmpBefore);
  }, 90_000);

  it('a FIFO: a concurrent reader gets the kubeconfig, and the FIFO stays a FIFO', async () => {
    const fifo = path.join(dir, 'kubeconfig.fifo');
    execFileSync('mkfifo', [fifo]);
    const reader = spawn('cat', [fifo], { stdio: ['ignore', 'pipe', 'ignore'] });
    let read = '';
    reader.stdout.on('data', (d: Buffer) => (read += d.toString()));
    const readerDone = new Promise<void>((resolve) => reader.on('close', () => resolve()));
    try {
      const res = await serveWritingTo(fifo);
      expect(res.code, res.stderr).toBe(0);
      await readerDone;
    } finally {
      reader.kill();
    }
    expect(read).toMatch(/^apiVersion: v1$/m);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(readdirSync(dir)).toEqual(['kubeconfig.fifo']);
  }, 90_000);

  it('a symlink: the link stays a link, its target gets the kubeconfig (mode 0600), no temp file is left', async () => {
    writeFileSync(path.join(dir, 'real.kubeconfig'), 'old\n');
    symlinkSync('real.kubeconfig', path.join(dir, 'current.kubeconfig'));
    const res = await serveWritingTo(path.join(dir, 'current.kubeconfig'));
    expect(res.code, res.stderr).toBe(0);
    expect(readlinkSync(path.join(dir, 'current.kubeconfig'))).toBe('real.kubeconfig');
    expect(readFileSync(path.join(dir, 'real.kubeconfig'), 'utf8')).toMatch(/^apiVersion: v1$/m);
    expect(statSync(path.join(dir, 'real.kubeconfig')).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir).sort()).toEqual(['current.kubeconfig', 'real.kubeconfig']);
  }, 90_000);
});
