/**
 * Output files (reports, recordings, kubeconfigs): checked before a run starts, written at the end.
 *
 * A regular file (or a path that does not exist yet) is replaced atomically: a temp file in the
 * same directory, renamed over it, so a failed or interrupted write never leaves a half-written
 * file under the requested name. Anything else is written through as it is: a symlink to a regular
 * file gets its target replaced (the link stays a link); a character device (/dev/null, a
 * terminal) or a FIFO is opened and written; /dev/stdout, /dev/stderr and /dev/fd/N are written to
 * the descriptor itself. None is ever renamed over (renaming over /dev/stdout as root replaced it
 * with a regular file).
 */
import { accessSync, closeSync, constants, fstatSync, lstatSync, mkdirSync, openSync, readlinkSync, realpathSync, renameSync, rmdirSync, rmSync, statSync, writeSync, type Stats } from 'node:fs';
import path from 'node:path';
import { WatchmarkError } from './errors.js';

/** How an output path is written. */
export type OutputPlan =
  /** Temp file next to `file` (its real path), then rename; `file` is a regular file or does not exist. */
  | { kind: 'replace'; file: string }
  /** open + write `file` as it is (device, FIFO, magic link); `append` for a regular file reached through /dev or /proc. */
  | { kind: 'write-through'; file: string; append: boolean }
  /** /dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N: written to the descriptor itself (a socket behind it cannot be opened). */
  | { kind: 'fd'; fd: number };

/**
 * The descriptor a path names when it is one of this process's own: /dev/stdout (1), /dev/stderr
 * (2), /dev/fd/N, /proc/self/fd/N; else null. Writing to the descriptor works whatever is behind
 * it (Node's child-process pipes are sockets, which open(2) refuses with ENXIO) and shares its
 * offset with everything else written there.
 */
export function ownFdOf(file: string): number | null {
  const abs = path.resolve(file);
  if (abs === '/dev/stdout') return 1;
  if (abs === '/dev/stderr') return 2;
  const m = /^\/(?:dev|proc\/self)\/fd\/(\d+)$/.exec(abs);
  return m ? Number(m[1]) : null;
}

/** Symlink hops followed before giving up (Linux's own limit is 40). */
const MAX_LINK_HOPS = 40;

/**
 * Decides how `file` will be written; looks only (never throws: what cannot be written fails in
 * `writeOutput`, and `outputPathProblem` is the friendly check run before a run starts).
 */
export function planOutput(file: string): OutputPlan {
  const abs = path.resolve(file);
  const fd = ownFdOf(abs);
  if (fd !== null) return { kind: 'fd', fd };
  const viaMagic = isMagicPath(abs);
  let st: Stats;
  try {
    st = lstatSync(abs);
  } catch {
    return { kind: 'replace', file: abs };
  }
  if (st.isSymbolicLink()) {
    let target: Stats;
    try {
      target = statSync(abs);
    } catch {
      // A dangling link: opening it creates its target, and the link stays a link.
      return { kind: 'write-through', file: abs, append: false };
    }
    if (!target.isFile()) return { kind: 'write-through', file: abs, append: false };
    let real: string;
    try {
      real = realpathSync.native(abs);
    } catch {
      return { kind: 'write-through', file: abs, append: true };
    }
    // A regular file behind another process's /proc/PID/fd/N or a link into /dev: appended, never replaced.
    if (viaMagic || isMagicPath(real)) return { kind: 'write-through', file: abs, append: true };
    return { kind: 'replace', file: real };
  }
  if (st.isFile()) return { kind: 'replace', file: abs };
  return { kind: 'write-through', file: abs, append: false };
}

function isMagicPath(abs: string): boolean {
  return abs.startsWith('/dev/') || abs.startsWith('/proc/');
}

/**
 * Why `file` cannot be written as an output, or null when it can: the path is a directory, a
 * parent is a regular file, the directory it goes in cannot be created or is not writable, a
 * device or FIFO is not writable. Looks only (stat and access): creates, opens and truncates
 * nothing, so a FIFO's reader is not woken and a failed check leaves no trace.
 */
export function outputPathProblem(file: string, cwd = process.cwd()): string | null {
  return problemAt(path.resolve(cwd, file), cwd, 0, false);
}

function problemAt(abs: string, cwd: string, hops: number, viaMagic: boolean): string | null {
  const fd = ownFdOf(abs);
  if (fd !== null) {
    try {
      fstatSync(fd);
      return null;
    } catch {
      return `file descriptor ${fd} is not open`;
    }
  }
  const shown = (p: string) => (path.isAbsolute(p) && !p.startsWith(cwd + path.sep) ? p : path.relative(cwd, p) || '.');
  let link: Stats | undefined;
  try {
    link = lstatSync(abs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') return describeFsError(err);
  }
  if (link?.isSymbolicLink()) {
    if (hops >= MAX_LINK_HOPS) return 'too many levels of symbolic links';
    let target: string;
    try {
      target = path.resolve(path.dirname(abs), readlinkSync(abs));
    } catch (err) {
      return describeFsError(err);
    }
    if (isMagicPath(abs) && !existsQuiet(target)) {
      // /proc/self/fd/1 -> "pipe:[123]": not a path, but opening the link works.
      return accessProblem(abs, constants.W_OK);
    }
    return problemAt(target, cwd, hops + 1, viaMagic || isMagicPath(abs));
  }
  if (link) {
    if (link.isDirectory()) return 'is a directory';
    if (link.isSocket()) return 'is a socket (give a file, a FIFO or a device)';
    if (link.isFile()) {
      // Reached through /dev or /proc (e.g. /dev/stdout redirected to a file): appended to, not replaced.
      if (viaMagic) return accessProblem(abs, constants.W_OK);
      const dirProblem = accessProblem(path.dirname(abs), constants.W_OK | constants.X_OK);
      return dirProblem ? `directory ${shown(path.dirname(abs))} is not writable (${dirProblem})` : null;
    }
    return accessProblem(abs, constants.W_OK);
  }
  // Not there yet: the nearest existing ancestor must be a writable directory (the rest is created).
  for (let dir = path.dirname(abs); ; dir = path.dirname(dir)) {
    let st: Stats | undefined;
    try {
      st = statSync(dir);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') return `${shown(dir)}: ${describeFsError(err)}`;
    }
    if (st) {
      if (!st.isDirectory()) return `${shown(dir)} is not a directory`;
      const problem = accessProblem(dir, constants.W_OK | constants.X_OK);
      return problem ? `directory ${shown(dir)} is not writable (${problem})` : null;
    }
    if (path.dirname(dir) === dir) return `${shown(dir)} does not exist`;
  }
}

function existsQuiet(p: string): boolean {
  try {
    statSync(p);
    return true;
  } catch {
    return false;
  }
}

function accessProblem(p: string, mode: number): string | null {
  try {
    accessSync(p, mode);
    return null;
  } catch (err) {
    return describeFsError(err);
  }
}

/** Checks an output flag's path before anything starts; `-` (stdout) always passes. Throws WM_USAGE naming the flag. */
export function checkOutputPath(flag: string, file: string | undefined): void {
  if (file === undefined || file === '-') return;
  const problem = outputPathProblem(file);
  if (problem) throw new WatchmarkError('WM_USAGE', `${flag} ${file}: ${problem}`, { flag, file });
}

/**
 * Writes `content` (a string, or chunks written as they come) to `file` as `planOutput` says.
 * `mode` applies to a file this creates or replaces. Throws the fs error; on failure nothing is
 * left behind (no temp file, no directory it created).
 */
export function writeOutput(file: string, content: string | Iterable<string>, opts: { mode?: number } = {}): void {
  const plan = planOutput(file);
  const chunks = typeof content === 'string' ? [content] : content;
  if (plan.kind === 'fd') {
    for (const chunk of chunks) writeAll(plan.fd, chunk);
    return;
  }
  if (plan.kind === 'write-through') {
    const fd = openSync(plan.file, plan.append ? 'a' : 'w');
    try {
      for (const chunk of chunks) writeAll(fd, chunk);
    } finally {
      closeSync(fd);
    }
    return;
  }
  const dir = path.dirname(plan.file);
  const created = mkdirSync(dir, { recursive: true });
  // Hidden, next to the target (rename is atomic within a file system), short enough for any name.
  const tmp = path.join(dir, `.${path.basename(plan.file).slice(0, 100)}.${process.pid}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'w', opts.mode ?? 0o666);
    for (const chunk of chunks) writeAll(fd, chunk);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, plan.file);
  } catch (err) {
    try {
      if (fd !== undefined) closeSync(fd);
      rmSync(tmp, { force: true });
      if (created) removeEmptyDirs(dir, created);
    } catch {
      // Best effort: the write error is what gets reported.
    }
    throw err;
  }
}

/** Removes `dir` and its parents up to and including `top`, while they are empty (those mkdir created). */
function removeEmptyDirs(dir: string, top: string): void {
  for (let d = dir; d.startsWith(top); d = path.dirname(d)) {
    rmdirSync(d);
    if (d === top) return;
  }
}

function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  for (let off = 0; off < bytes.length; ) {
    try {
      off += writeSync(fd, bytes, off, bytes.length - off);
    } catch (err) {
      // A non-blocking descriptor (Node makes its stdio pipes non-blocking) that is full: retry until the reader drains it.
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
    }
  }
}

/** A one-line reason for an fs error: "not a directory (ENOTDIR)". */
export function describeFsError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const reason: Record<string, string> = {
    ENOENT: 'no such file or directory',
    ENOTDIR: 'not a directory',
    EISDIR: 'is a directory',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'read-only file system',
    ENOSPC: 'no space left on device',
    EDQUOT: 'disk quota exceeded',
    EEXIST: 'already exists',
    ELOOP: 'too many levels of symbolic links',
    ENXIO: 'no reader or device behind it',
    ENAMETOOLONG: 'name too long',
  };
  if (e?.code && reason[e.code]) return `${reason[e.code]} (${e.code})`;
  return String(e?.message ?? err).split('\n')[0]!;
}

/**
 * Checks every output flag of a command before anything starts (`[flag, path]`, unset ones
 * skipped): each path as `checkOutputPath` does, and no two flags naming the same file (the
 * second write would silently replace the first).
 */
export function checkOutputPaths(outputs: ReadonlyArray<readonly [flag: string, file: string | undefined]>): void {
  const seen = new Map<string, string>();
  for (const [flag, file] of outputs) {
    if (file === undefined || file === '-') continue;
    checkOutputPath(flag, file);
    const key = path.resolve(file);
    const other = seen.get(key);
    if (other !== undefined && !isMagicPath(key)) throw new WatchmarkError('WM_USAGE', `${other} and ${flag} both write ${file}; give each its own file`, { flag, file });
    seen.set(key, flag);
  }
}
