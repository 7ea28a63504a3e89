/**
 * The files a run writes (--save-model, --plot, and their per-group files with --by), checked
 * before any work: none may be a file the run reads (the input, the model file), standard
 * output's file or another output, and each must lie in a directory that exists and can be
 * written. Files are compared by identity (device and inode, through links), not by name;
 * a path that does not exist yet is compared by the real path of its directory and its name.
 */
import { createHash } from 'node:crypto';
import { accessSync, constants, fstatSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve, sep } from 'node:path';
import { usageError } from '../errors.js';
import { fileProblem } from '../io/files.js';

/** A file the run reads or writes through a descriptor: what it is, in messages, and its identity. */
export interface ReadFile {
  what: string;
  dev: number;
  ino: number;
}

/** An output path and the option that names it ("--save-model"). */
export interface Output {
  option: string;
  path: string;
}

/** Where an output lands: a key that is equal for two paths exactly when they are the same file. */
interface Located {
  key: string;
  /** The existing file's identity, or null for a path that does not exist yet. */
  identity: { dev: number; ino: number } | null;
  /** A regular file or a new one, as opposed to a device or FIFO (written in place). */
  regular: boolean;
  /** A character or block device (/dev/null): written in place, and never one of the files read. */
  device: boolean;
}

/** Standard output's file, when it is redirected to a regular file (`> out.json`); else null. */
export function stdoutFile(): ReadFile | null {
  try {
    const stats = fstatSync(1);
    return stats.isFile() ? { what: 'the file standard output is redirected to', dev: stats.dev, ino: stats.ino } : null;
  } catch {
    return null;
  }
}

/** The identity of a file read by path (a model file), or null when it cannot be seen (reading it will say why). */
export function readFileIdentity(path: string, what: string): ReadFile | null {
  try {
    const stats = statSync(path);
    return { what, dev: stats.dev, ino: stats.ino };
  } catch {
    return null;
  }
}

/**
 * Checks the outputs against each other, the files read, and their directories. `checked`
 * caches directories already found writable (many --by files share one). Throws a usage
 * error (exit 2) naming the option and the conflict.
 */
export function checkOutputs(outputs: readonly Output[], reads: readonly ReadFile[], checked = new Set<string>()): void {
  const seen = new Map<string, Output>();
  for (const output of outputs) {
    const located = locate(output, checked);
    if (located.identity !== null && !located.device) {
      const read = reads.find((r) => r.dev === located.identity?.dev && r.ino === located.identity.ino);
      if (read !== undefined) {
        throw usageError(`${output.option} ${output.path} is ${read.what}; choose another name (em-fit never writes over a file it reads or writes)`);
      }
    }
    if (!located.regular) continue;
    const other = seen.get(located.key);
    if (other !== undefined) {
      throw usageError(`${other.option} ${other.path} and ${output.option} ${output.path} are the same file: one would overwrite the other; give each its own name`);
    }
    seen.set(located.key, output);
  }
}

/**
 * Checks only that the outputs' directories exist and can be written: for --by, whose files
 * (one per group) are known, and checked by checkOutputs, once the groups are read.
 */
export function checkDirectories(outputs: readonly Output[]): void {
  for (const { option, path } of outputs) {
    fileName(option, path);
    writableDirectory(option, path, dirname(resolve(path)), new Set());
  }
}

/** Refuses a path that names no file: empty, or ending in a slash (a directory). */
function fileName(option: string, path: string): void {
  if (path === '' || path.endsWith('/') || path.endsWith(sep)) throw usageError(`${option} needs a file name, got ${JSON.stringify(path)}`);
}

/** Refuses standard output redirected to a file the run reads (`em-fit in.csv … >> in.csv`). */
export function checkStdout(reads: readonly ReadFile[]): void {
  const out = stdoutFile();
  if (out === null) return;
  const read = reads.find((r) => r.dev === out.dev && r.ino === out.ino);
  if (read !== undefined) throw usageError(`standard output is redirected to ${read.what}: writing it would destroy what em-fit reads; redirect it elsewhere`);
}

function locate(output: Output, checked: Set<string>): Located {
  const { option, path } = output;
  fileName(option, path);
  try {
    const stats = statSync(path);
    if (stats.isDirectory()) throw usageError(`${option} ${path} is a directory; give a file name`);
    const identity = { dev: stats.dev, ino: stats.ino };
    const device = stats.isCharacterDevice() || stats.isBlockDevice();
    if (!stats.isFile()) return { key: `${stats.dev}:${stats.ino}`, identity, regular: false, device };
    // The new file is made next to the link's target and renamed over it.
    writableDirectory(option, path, dirname(realpathSync(path)), checked);
    return { key: `${stats.dev}:${stats.ino}`, identity, regular: true, device };
  } catch (error) {
    if ((error as { name?: string }).name === 'EmFitError') throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') throw usageError(`${option} ${path}: ${fileProblem(code, String(error))}`);
  }
  const directory = dirname(resolve(path));
  writableDirectory(option, path, directory, checked);
  return { key: `new:${join(realpathSync(directory), basename(path))}`, identity: null, regular: true, device: false };
}

function writableDirectory(option: string, path: string, directory: string, checked: Set<string>): void {
  if (checked.has(directory)) return;
  const shown = dirname(path);
  let isDirectory: boolean;
  try {
    isDirectory = statSync(directory).isDirectory();
  } catch {
    throw usageError(`${option} ${path}: the directory ${shown} does not exist; create it first`);
  }
  if (!isDirectory) throw usageError(`${option} ${path}: ${shown} is not a directory`);
  try {
    accessSync(directory, constants.W_OK | constants.X_OK);
  } catch {
    throw usageError(`${option} ${path}: the directory ${shown} is not writable`);
  }
  checked.add(directory);
}

/** Longest file name most file systems take, in bytes. */
const NAME_BYTES = 255;
/** Characters of a group value kept in a file name before it is cut and a hash added. */
const GROUP_CHARS = 64;

/**
 * The file of each group for a per-group output (--save-model, --plot with --by): the group
 * is put before the extension (model.json → model.north.json), reduced to characters that
 * are safe in a file name; a value too long for a name is cut and given a short hash of the
 * whole value (so that two long values stay apart), and groups that would share a name are
 * numbered (-2, -3; compared without case, for file systems that ignore it). Every name
 * stays within 255 bytes, so no group fails for its name after the work is done.
 */
export function groupPaths(path: string, groups: readonly string[]): string[] {
  const extension = /\.vl\.json$/i.test(path) ? path.slice(-8) : extname(path);
  const stem = path.slice(0, path.length - extension.length);
  // Room left in the name for the group, with space for a number "-99999".
  const room = NAME_BYTES - Buffer.byteLength(basename(stem)) - Buffer.byteLength(extension) - 1 - 6;
  const limit = Math.max(1, Math.min(GROUP_CHARS, room));
  const used = new Set<string>();
  const next = new Map<string, number>();
  return groups.map((group) => {
    let safe = group.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_') || '_';
    if (safe.length > limit) {
      const hash = createHash('sha256').update(group).digest('hex').slice(0, 8);
      safe = limit > 9 ? `${safe.slice(0, limit - 9)}-${hash}` : hash.slice(0, limit);
    }
    let name = `${stem}.${safe}${extension}`;
    if (used.has(name.toLowerCase())) {
      let i = next.get(name.toLowerCase()) ?? 2;
      while (used.has(`${stem}.${safe}-${i}${extension}`.toLowerCase())) i++;
      next.set(name.toLowerCase(), i + 1);
      name = `${stem}.${safe}-${i}${extension}`;
    }
    used.add(name.toLowerCase());
    return name;
  });
}
