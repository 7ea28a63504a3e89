/**
 * The one error class of em-fit. It is thrown where a problem is found and caught once,
 * in the CLI, which prints `em-fit: <message>` and exits with `exitCode`.
 *
 * Exit codes: 2 usage, 3 input (file, column, value), 4 the fit is impossible, 5 output
 * (standard output or an output file could not be written: a full disk, an I/O error).
 * Anything else that escapes is a bug and exits 1.
 */
export class EmFitError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    /** The core's notes behind the error (see select/notes.ts), which the CLI adds in words. */
    readonly notes: readonly object[] = [],
  ) {
    super(message);
    this.name = 'EmFitError';
  }
}

export const EXIT = {
  ok: 0,
  bug: 1,
  usage: 2,
  input: 3,
  fit: 4,
  output: 5,
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export const usageError = (message: string): EmFitError => new EmFitError(message, EXIT.usage);
export const inputError = (message: string): EmFitError => new EmFitError(message, EXIT.input);
export const fitError = (message: string): EmFitError => new EmFitError(message, EXIT.fit);
export const outputError = (message: string): EmFitError => new EmFitError(message, EXIT.output);
