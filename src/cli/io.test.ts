import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { WatchmarkError } from '../errors.js';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isStdout, useColor, writeOutputFile, type CliIo } from './io.js';

function fakeIo(): CliIo & { out: () => string } {
  const stdout = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on('data', (c: Buffer) => chunks.push(c));
  return { stdout, stderr: new PassThrough(), env: {}, out: () => Buffer.concat(chunks).toString('utf8') };
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'watchmark-io-'));
});
afterEach(() => {
  chmodSync(dir, 0o755);
  rmSync(dir, { recursive: true, force: true });
});

const isRoot = process.getuid?.() === 0;

describe('writeOutputFile', () => {
  it('"-" writes to stdout and creates no file', async () => {
    const io = fakeIo();
    const cwdBefore = readdirSync(dir);
    writeOutputFile('-', '{"ok":true}\n', io);
    await new Promise((resolve) => setImmediate(resolve));
    expect(io.out()).toBe('{"ok":true}\n');
    expect(readdirSync(dir)).toEqual(cwdBefore);
  });

  it('writes the content and leaves no temp file behind, creating missing directories', () => {
    const file = path.join(dir, 'reports', 'nested', 'report.json');
    writeOutputFile(file, 'first\n', fakeIo());
    expect(readFileSync(file, 'utf8')).toBe('first\n');
    expect(readdirSync(path.dirname(file))).toEqual(['report.json']);
  });

  it('replaces an existing file whole', () => {
    const file = path.join(dir, 'report.json');
    writeFileSync(file, 'old content that is longer than the new one\n');
    writeOutputFile(file, 'new\n', fakeIo());
    expect(readFileSync(file, 'utf8')).toBe('new\n');
    expect(readdirSync(dir)).toEqual(['report.json']);
  });

  it.skipIf(isRoot)('throws when the directory is not writable, and leaves neither file nor temp file', () => {
    const locked = path.join(dir, 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o555);
    try {
      expect(() => writeOutputFile(path.join(locked, 'report.json'), 'x', fakeIo())).toThrow(/EACCES|EPERM/);
      expect(readdirSync(locked)).toEqual([]);
    } finally {
      chmodSync(locked, 0o755);
    }
  });

  it('removes its temp file when the final rename fails (the target is a directory)', () => {
    // Works as root too, where permissions do not stop writes: the temp file is written, the
    // rename onto a non-empty directory fails, and the temp file must not stay behind.
    const target = path.join(dir, 'report.json');
    mkdirSync(target);
    writeFileSync(path.join(target, 'keep'), 'k');
    expect(() => writeOutputFile(target, 'x', fakeIo())).toThrow();
    expect(readdirSync(dir)).toEqual(['report.json']);
    expect(readdirSync(target)).toEqual(['keep']);
  });

  it('throws when a parent path is a file, creating nothing', () => {
    const blocker = path.join(dir, 'blocker');
    writeFileSync(blocker, 'not a directory');
    expect(() => writeOutputFile(path.join(blocker, 'report.json'), 'x', fakeIo())).toThrow(/EEXIST|ENOTDIR/);
    expect(readdirSync(dir)).toEqual(['blocker']);
  });
});

describe('writeOutputFile and special files', () => {
  it('keeps a symlink a link and writes its target (it once replaced the link with a file)', () => {
    writeFileSync(path.join(dir, 'target.json'), 'old\n');
    symlinkSync('target.json', path.join(dir, 'report.json'));
    writeOutputFile(path.join(dir, 'report.json'), 'new\n', fakeIo(), '--json');
    expect(lstatSync(path.join(dir, 'report.json')).isSymbolicLink()).toBe(true);
    expect(readFileSync(path.join(dir, 'target.json'), 'utf8')).toBe('new\n');
    expect(readdirSync(dir).sort()).toEqual(['report.json', 'target.json']);
  });

  it('keeps a symlink to a device a link to that device (as /dev/stdout -> /proc/self/fd/1)', () => {
    symlinkSync('/dev/null', path.join(dir, 'stdout'));
    writeOutputFile(path.join(dir, 'stdout'), 'x\n', fakeIo(), '--json');
    expect(readlinkSync(path.join(dir, 'stdout'))).toBe('/dev/null');
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
  });

  it('/dev/stdout is the stdout stream itself, as - is (never opened, never replaced)', async () => {
    const io = fakeIo();
    writeOutputFile('/dev/stdout', '{"ok":true}\n', io, '--json');
    await new Promise((resolve) => setImmediate(resolve));
    expect(io.out()).toBe('{"ok":true}\n');
    expect(isStdout('/dev/stdout')).toBe(true);
    expect(isStdout('-')).toBe(true);
    expect(isStdout('out.json')).toBe(false);
  });

  it('a failed write is one WM_OUTPUT line naming the flag and the path', () => {
    const blocker = path.join(dir, 'blocker');
    writeFileSync(blocker, 'x');
    const file = path.join(blocker, 'sub', 'out.json');
    let caught: unknown;
    try {
      writeOutputFile(file, 'x', fakeIo(), '--junit');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(WatchmarkError);
    expect((caught as WatchmarkError).code).toBe('WM_OUTPUT');
    expect((caught as Error).message).toMatch(new RegExp(`^--junit ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot write: .*\\((ENOTDIR|EEXIST)\\)$`));
    expect((caught as Error).message).not.toContain('\n');
  });
});

describe('useColor', () => {
  const tty = { isTTY: true };
  const pipe = { isTTY: false };

  it('colours a TTY and not a pipe by default', () => {
    expect(useColor(tty, {})).toBe(true);
    expect(useColor(pipe, {})).toBe(false);
    expect(useColor({}, {})).toBe(false);
  });

  it('NO_COLOR (non-empty, any value) turns colour off, even with FORCE_COLOR on a TTY', () => {
    expect(useColor(tty, { NO_COLOR: '1' })).toBe(false);
    expect(useColor(tty, { NO_COLOR: '0' })).toBe(false);
    expect(useColor(tty, { NO_COLOR: '1', FORCE_COLOR: '1' })).toBe(false);
    // no-color.org: an empty NO_COLOR is as if unset.
    expect(useColor(tty, { NO_COLOR: '' })).toBe(true);
  });

  it('FORCE_COLOR turns colour on for a pipe, except FORCE_COLOR=0', () => {
    expect(useColor(pipe, { FORCE_COLOR: '1' })).toBe(true);
    expect(useColor(pipe, { FORCE_COLOR: '3' })).toBe(true);
    expect(useColor(pipe, { FORCE_COLOR: '' })).toBe(true); // Node: '' means 16 colours
    expect(useColor(pipe, { FORCE_COLOR: '0' })).toBe(false);
  });

  it('--no-color wins over everything', () => {
    expect(useColor(tty, { FORCE_COLOR: '1' }, false)).toBe(false);
    expect(useColor(tty, {}, true)).toBe(true);
    expect(useColor(pipe, {}, true)).toBe(false); // --color is not a flag; true only means "not --no-color"
  });
});
