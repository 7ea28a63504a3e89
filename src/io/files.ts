/** File system errors in words, for every message about a file em-fit reads or writes. */

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
    default:
      return `cannot be read or written (${code ?? fallback})`;
  }
}

