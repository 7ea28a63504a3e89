/**
 * Output files (--save-model, --plot) are written whole or not at all: the text goes to a
 * temporary file in the target's directory, which is then renamed over the target. A
 * rename within a directory is atomic, so the target holds either its old content or the
 * new one, never half of it, and a failure (a full disk) leaves it as it was.
 *
 * Temporary files are listed while they exist, so that an interrupted run (Ctrl-C) can
 * remove them before it exits: see removeTemporaries.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, realpathSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { outputError } from '../errors.js';
import { fileProblem } from './files.js';

const temporaries = new Set<string>();

/** Removes the temporary files of writes under way; for the handler of Ctrl-C. Never throws. */
export function removeTemporaries(): void {
  for (const path of temporaries) {
    try {
      unlinkSync(path);
    } catch {
      // Already gone.
    }
  }
  temporaries.clear();
}

/**
 * Writes `text` to `path` through a temporary file and a rename. A symbolic link is
 * followed (its target is replaced, the link stays); a path that exists and is not a
 * regular file (/dev/null, a FIFO) is written directly, as renaming over it would replace
 * the device. `what` names the file in messages ("the model file"). Throws an output error
 * (exit 5) when it cannot be written.
 */
export function writeFileAtomic(path: string, text: string, what: string): void {
  let target = path;
  let mode: number | null = null;
  try {
    // stat before realpath: /dev/stdout on a pipe is a link to "pipe:[…]", which stat follows
    // and realpath cannot resolve (the file was then taken for a new one in /dev).
    const stats = statSync(path);
    if (!stats.isFile()) {
      writeDirect(path, text, what, path);
      return;
    }
    target = realpathSync(path);
    mode = stats.mode & 0o7777;
  } catch (error) {
    if ((error as { name?: string }).name === 'EmFitError') throw error;
    // A new file: written where the path says.
  }
  const temporary = join(dirname(target), `.em-fit-${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
  temporaries.add(temporary);
  try {
    writeFileSync(temporary, text, { flag: 'wx' });
    if (mode !== null) chmodSync(temporary, mode);
    renameSync(temporary, target);
  } catch (error) {
    try {
      unlinkSync(temporary);
    } catch {
      // Never created, or already renamed.
    }
    throw outputError(`cannot write ${what} ${path}: ${fileProblem((error as NodeJS.ErrnoException).code, String(error))}`);
  } finally {
    temporaries.delete(temporary);
  }
}

function writeDirect(target: string, text: string, what: string, path: string): void {
  try {
    writeFileSync(target, text);
  } catch (error) {
    throw outputError(`cannot write ${what} ${path}: ${fileProblem((error as NodeJS.ErrnoException).code, String(error))}`);
  }
}

