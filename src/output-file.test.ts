import { execFileSync } from 'node:child_process';
import { closeSync, constants, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkOutputPaths, outputPathProblem, planOutput, writeOutput } from './output-file.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'watchmark-output-file-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Every entry under dir, recursively, with its type: what a write left behind. */
function tree(root = dir): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = path.join(d, name);
      const st = lstatSync(p);
      const rel = path.relative(root, p);
      out.push(`${rel}${st.isSymbolicLink() ? ' -> ' + readlinkSync(p) : st.isDirectory() ? '/' : st.isFIFO() ? ' (fifo)' : ''}`);
      if (st.isDirectory()) walk(p);
    }
  };
  walk(root);
  return out;
}

describe('writeOutput', () => {
  it('replaces a regular file whole through a temp file, leaving no temp file', () => {
    const file = path.join(dir, 'report.json');
    writeFileSync(file, 'old content that is longer than the new one\n');
    const inodeBefore = statSync(file).ino;
    writeOutput(file, 'new\n');
    expect(readFileSync(file, 'utf8')).toBe('new\n');
    // Renamed over, not rewritten in place: a reader holding the old file never sees half of the new one.
    expect(statSync(file).ino).not.toBe(inodeBefore);
    expect(tree()).toEqual(['report.json']);
  });

  it('creates missing directories for a new file', () => {
    writeOutput(path.join(dir, 'a', 'b', 'report.json'), ['one ', 'two\n']);
    expect(readFileSync(path.join(dir, 'a', 'b', 'report.json'), 'utf8')).toBe('one two\n');
    expect(tree()).toEqual(['a/', 'a/b/', 'a/b/report.json']);
  });

  it('writes through a symlink: the link stays a link and its target gets the content', () => {
    mkdirSync(path.join(dir, 'real'));
    writeFileSync(path.join(dir, 'real', 'report.json'), 'old\n');
    symlinkSync(path.join('real', 'report.json'), path.join(dir, 'latest.json'));
    expect(planOutput(path.join(dir, 'latest.json'))).toEqual({ kind: 'replace', file: path.join(dir, 'real', 'report.json') });
    writeOutput(path.join(dir, 'latest.json'), 'new\n');
    expect(lstatSync(path.join(dir, 'latest.json')).isSymbolicLink()).toBe(true);
    expect(readFileSync(path.join(dir, 'real', 'report.json'), 'utf8')).toBe('new\n');
    expect(tree()).toEqual(['latest.json -> real/report.json', 'real/', 'real/report.json']);
  });

  it('a dangling symlink gets its target created, and stays a link', () => {
    symlinkSync('target.json', path.join(dir, 'link.json'));
    writeOutput(path.join(dir, 'link.json'), 'x\n');
    expect(lstatSync(path.join(dir, 'link.json')).isSymbolicLink()).toBe(true);
    expect(readFileSync(path.join(dir, 'target.json'), 'utf8')).toBe('x\n');
  });

  it('writes through a FIFO (a concurrent reader gets everything; the FIFO stays a FIFO)', () => {
    const fifo = path.join(dir, 'report.fifo');
    execFileSync('mkfifo', [fifo]);
    // The reader opens before the write (non-blocking, so this needs no second process: a `cat`
    // that had not opened the FIFO yet when the write closed it lost the data and hung, once on a
    // loaded CI runner). The content stays below the pipe buffer (64 KiB), so the write never
    // blocks on the reader, and after the writer's close the reader sees it all, then EOF.
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const content = Array.from({ length: 500 }, (_, i) => `{"line":${i}}`).join('\n') + '\n';
    const chunks: Buffer[] = [];
    try {
      expect(planOutput(fifo)).toEqual({ kind: 'write-through', file: fifo, append: false });
      writeOutput(fifo, content);
      const buf = Buffer.alloc(65_536);
      for (let n = readSync(reader, buf); n > 0; n = readSync(reader, buf)) chunks.push(Buffer.from(buf.subarray(0, n)));
    } finally {
      closeSync(reader);
    }
    expect(Buffer.concat(chunks).toString('utf8')).toBe(content);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
    expect(tree()).toEqual(['report.fifo (fifo)']);
  });

  it('writes through /dev/null: it stays a character device and no temp file appears in /dev', () => {
    const devBefore = readdirSync('/dev').filter((n) => n.endsWith('.tmp'));
    writeOutput('/dev/null', 'discarded\n');
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
    expect(readdirSync('/dev').filter((n) => n.endsWith('.tmp'))).toEqual(devBefore);
  });

  it('a symlink to a character device is written through, not replaced (as /dev/stdout is)', () => {
    const link = path.join(dir, 'out');
    symlinkSync('/dev/null', link);
    expect(planOutput(link)).toEqual({ kind: 'write-through', file: link, append: false });
    writeOutput(link, 'x\n');
    expect(readlinkSync(link)).toBe('/dev/null');
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
    expect(tree()).toEqual(['out -> /dev/null']);
  });

  it('/dev/stdout, /dev/fd/N and /proc/self/fd/N are written to the descriptor, never opened or renamed over', () => {
    expect(planOutput('/dev/stdout')).toEqual({ kind: 'fd', fd: 1 });
    expect(planOutput('/dev/stderr')).toEqual({ kind: 'fd', fd: 2 });
    expect(outputPathProblem('/dev/stdout')).toBeNull();
    // A descriptor of this process (a socket behind it could not be opened by path: ENXIO).
    const file = path.join(dir, 'via-fd.txt');
    const fd = openSync(file, 'w');
    try {
      expect(planOutput(`/proc/self/fd/${fd}`)).toEqual({ kind: 'fd', fd });
      writeOutput(`/dev/fd/${fd}`, 'one ');
      writeOutput(`/proc/self/fd/${fd}`, 'two\n');
    } finally {
      closeSync(fd);
    }
    expect(readFileSync(file, 'utf8')).toBe('one two\n');
    expect(tree()).toEqual(['via-fd.txt']);
    expect(outputPathProblem('/dev/fd/987')).toBe('file descriptor 987 is not open');
  });

  it('a failed write leaves neither the temp file nor the directories it created', () => {
    const file = path.join(dir, 'new', 'sub', 'report.json');
    function* failing(): Generator<string> {
      yield 'half of it';
      throw new Error('renderer failed');
    }
    expect(() => writeOutput(file, failing())).toThrow(/renderer failed/);
    expect(tree()).toEqual([]);
  });

  it('a failed write into an existing directory keeps that directory and the old file', () => {
    writeFileSync(path.join(dir, 'report.json'), 'old\n');
    function* failing(): Generator<string> {
      yield 'half';
      throw new Error('renderer failed');
    }
    expect(() => writeOutput(path.join(dir, 'report.json'), failing())).toThrow(/renderer failed/);
    expect(readFileSync(path.join(dir, 'report.json'), 'utf8')).toBe('old\n');
    expect(tree()).toEqual(['report.json']);
  });

  it('a name near the file-system limit still gets a temp file (its name is capped)', () => {
    const file = path.join(dir, `${'r'.repeat(250)}.json`);
    writeOutput(file, 'x');
    expect(readFileSync(file, 'utf8')).toBe('x');
    expect(tree()).toEqual([path.basename(file)]);
  });
});

describe('outputPathProblem', () => {
  it('accepts a new file in a new directory, an existing file and /dev/null, and creates nothing', () => {
    writeFileSync(path.join(dir, 'old.json'), '{}');
    expect(outputPathProblem(path.join(dir, 'a', 'b', 'report.json'))).toBeNull();
    expect(outputPathProblem(path.join(dir, 'old.json'))).toBeNull();
    expect(outputPathProblem('/dev/null')).toBeNull();
    expect(tree()).toEqual(['old.json']);
  });

  it('names a regular file in the parent path (once an ENOTDIR stack trace after the whole run)', () => {
    writeFileSync(path.join(dir, 'some-file'), 'x');
    expect(outputPathProblem('some-file/sub/out.json', dir)).toBe('some-file is not a directory');
    expect(outputPathProblem(path.join(dir, 'some-file', 'out.json'), dir)).toBe('some-file is not a directory');
  });

  it('refuses a directory, directly or through a symlink', () => {
    mkdirSync(path.join(dir, 'reports'));
    symlinkSync('reports', path.join(dir, 'link'));
    expect(outputPathProblem('reports', dir)).toBe('is a directory');
    expect(outputPathProblem('link', dir)).toBe('is a directory');
  });

  it('does not open a FIFO (its reader would see an empty write)', () => {
    const fifo = path.join(dir, 'f');
    execFileSync('mkfifo', [fifo]);
    // An open for writing would block here with no reader; the check only looks.
    expect(outputPathProblem(fifo)).toBeNull();
  });

  it('checkOutputPaths names the flag and the path, and refuses two flags writing one file', () => {
    writeFileSync(path.join(dir, 'f'), 'x');
    expect(() => checkOutputPaths([['--json', '-'], ['--junit', path.join(dir, 'f', 'x.xml')]])).toThrow(`--junit ${path.join(dir, 'f', 'x.xml')}: `);
    const out = path.join(dir, 'out.json');
    expect(() => checkOutputPaths([['--json', out], ['--junit', undefined], ['--html', out]])).toThrow(`--json and --html both write ${out}; give each its own file`);
    expect(() => checkOutputPaths([['--json', '-'], ['--junit', '-'], ['--html', out]])).not.toThrow();
  });
});
