/** File system errors in words, the identity of files, and reading an open file by position. */
import { createReadStream, open, read, type ReadStream, type Stats } from 'node:fs';

/** What went wrong with a file, from the error's code (ENOENT, …). */
export function fileProblem(code: string | undefined, fallback: string): string {
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'ENOTDIR':
      return 'no such file (a part of the path is a file, not a directory)';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory, not a file';
    case 'ENOSPC':
      return 'no space left on the device (ENOSPC)';
    case 'EDQUOT':
      return 'disk quota exceeded (EDQUOT)';
    case 'EFBIG':
      return 'file too large (EFBIG)';
    case 'EIO':
      return 'input/output error (EIO)';
    case 'EROFS':
      return 'read-only file system (EROFS)';
    case 'ENAMETOOLONG':
      return 'the name is too long (ENAMETOOLONG)';
    case 'EBADF':
      return 'not open (EBADF)';
    default:
      return `cannot be read or written (${code ?? fallback})`;
  }
}

/**
 * What identifies a file and tells whether it changed: the device and inode name the file
 * (whatever path or link leads to it), the size and modification time its content.
 */
export interface FileIdentity {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
}

export const identityOf = (stats: Stats): FileIdentity => ({ dev: stats.dev, ino: stats.ino, size: stats.size, mtimeMs: stats.mtimeMs });

/** The same file (device and inode), however it was reached. */
export const sameFile = (a: Pick<FileIdentity, 'dev' | 'ino'>, b: Pick<FileIdentity, 'dev' | 'ino'>): boolean => a.dev === b.dev && a.ino === b.ino;

/** The same file with the same size and modification time: as far as can be told, unchanged. */
export const unchanged = (a: FileIdentity, b: FileIdentity): boolean => sameFile(a, b) && a.size === b.size && a.mtimeMs === b.mtimeMs;

/**
 * A stream of bytes [start, end] (inclusive) of the open file `fd`, read by position, that
 * leaves the descriptor open whatever happens to it: a destroyed fs.ReadStream closes its
 * descriptor even with autoClose false, and the descriptor is shared by every read of the
 * input (the CSV report's, the threads of the parallel reader).
 */
export function readAt(fd: number, options: { start?: number; end?: number; highWaterMark?: number } = {}): ReadStream {
  return createReadStream('', { start: 0, ...options, fd, autoClose: false, fs: { open, read, close: (_fd: number, callback: (error: null) => void) => callback(null) } });
}
