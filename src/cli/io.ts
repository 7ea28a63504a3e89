/**
 * The CLI's contact with the process: input streams, colour, messages on stderr.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import { closeSync, createReadStream, fstatSync, openSync, statSync } from 'node:fs';
import { Readable } from 'node:stream';
import { EmFitError, inputError } from '../errors.js';
import { fileProblem, type FileIdentity, identityOf, readAt, unchanged } from '../io/files.js';
import { type ColumnRequest, type ReadOptions, readTable, type Table } from '../io/csv.js';
import { type ColorMode, COMMANDS, type CommonRequest } from './options.js';
import { readingProgress, readingText, StatusLine } from './progress.js';
import { PARALLEL_FROM_BYTES, readFileParallel } from '../io/parallel.js';
import { quote, shown } from '../text.js';
import { suggestion } from '../io/hints.js';

/** The --color setting of the run, set once by main() after parsing. */
let colorMode: ColorMode = 'auto';

export function useColor(mode: ColorMode): void {
  colorMode = mode;
}

type Level = 0 | 1 | 2 | 3;

/** FORCE_COLOR as Node and chalk read it: null when unset or empty; 0 for 0 or false; else a level (1 for true or other values). */
function forcedLevel(value: string | undefined): Level | null {
  if (value === undefined || value === '') return null;
  if (value === '0' || value.toLowerCase() === 'false') return 0;
  const n = Number(value);
  return n === 2 || n === 3 ? n : 1;
}

/**
 * The colour level of a stream (0 none, 1 16 colours, 2 256, 3 16 million). `--color never`
 * and `always` decide; `auto` follows FORCE_COLOR when it is set (Node's rule: it overrides
 * NO_COLOR), else colours a terminal unless NO_COLOR is set and not empty (no-color.org) or
 * TERM is dumb. The depth is the terminal's (its getColorDepth), at least 16 colours.
 */
export function colourLevel(stream: Pick<NodeJS.WriteStream, 'isTTY'> & { getColorDepth?: () => number }, mode: ColorMode, env: NodeJS.ProcessEnv): Level {
  const forced = forcedLevel(env.FORCE_COLOR);
  if (mode === 'never' || (mode === 'auto' && forced === 0)) return 0;
  const depth = (): Level => {
    if (forced !== null && forced > 1) return forced;
    const bits = stream.isTTY === true && typeof stream.getColorDepth === 'function' ? stream.getColorDepth() : 4;
    return bits >= 24 ? 3 : bits >= 8 ? 2 : 1;
  };
  if (mode === 'always' || forced !== null) return depth();
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  if (env.TERM === 'dumb' || stream.isTTY !== true) return 0;
  return depth();
}

/** Colour for a stream, as --color, FORCE_COLOR, NO_COLOR and TERM ask (see colourLevel). */
export function colours(stream: NodeJS.WriteStream): ChalkInstance {
  return new Chalk({ level: colourLevel(stream, colorMode, process.env) });
}

/** Columns of text output: the terminal's width, 80 off a terminal. */
export function textWidth(): number {
  return process.stdout.isTTY ? process.stdout.columns || 80 : 80;
}

/** Columns for the text histogram: as textWidth; null with --no-plot. */
export function textPlotWidth(request: CommonRequest): number | null {
  return request.textPlot ? textWidth() : null;
}

/**
 * Writes text to stderr. A stderr that cannot be written (`2> /dev/full`, a closed pipe)
 * must not change the outcome of a run, so failures are ignored here (and the stream's
 * 'error' events by run()).
 */
export function say(text: string): void {
  try {
    process.stderr.write(text);
  } catch {
    // Nothing more can be said.
  }
}

/**
 * Prints warnings on stderr, unless quiet. Control and invisible characters that came from
 * the data or a file name are escaped (see shown): a label must not move the cursor, set the
 * terminal's title, or hide the difference between two labels.
 */
/**
 * Writes warnings on stderr, one line each, `em-fit: warning: <about>: <text>`: `about` names
 * what the warning concerns (see about()), so that a loop over many files tells them apart;
 * null for warnings about the options themselves.
 */
export function warn(request: { quiet: boolean }, warnings: readonly string[], concerning: string | null = null): void {
  if (request.quiet || warnings.length === 0) return;
  const c = colours(process.stderr);
  const prefix = concerning === null ? '' : `${shown(concerning)}: `;
  for (const w of warnings) say(`${c.yellow('em-fit: warning:')} ${prefix}${shown(w)}\n`);
}

/** What a warning or message concerns: the input as named ("standard input" for -), and the --by group. */
export const about = (file: string, group: string | null = null): string => `${file === '-' ? 'standard input' : file}${group === null ? '' : `, group ${quote(group)}`}`;

/**
 * A message that begins with the file it is about: as it is when it names `file` or one of
 * `others` (a model file read) first, else "file: message".
 */
export const aboutFile = (message: string, file: string, others: readonly string[] = []): string =>
  [file, ...others].some((name) => [':', ',', ' '].some((after) => message.startsWith(`${name}${after}`))) ? message : `${file}: ${message}`;

/**
 * With EM_FIT_TEST_ANNOUNCE=1, says on stderr when a stage of the run begins ("reading",
 * "fitting", "writing"), so that a test can act (send Ctrl-C) at a known point instead of
 * after a guessed delay.
 */
export function announce(stage: 'reading' | 'fitting' | 'writing'): void {
  if (process.env.EM_FIT_TEST_ANNOUNCE === '1') say(`em-fit: test: ${stage}\n`);
}

export interface Input {
  /** The input's name in messages. */
  source: string;
  /** What it is, in messages about files that must not be written: "the input file data.csv". */
  description: string;
  /** Its size in bytes, when it is a regular file. */
  size: number | null;
  /** The open regular file, read by position (so that it can be read again), or null for a stream. */
  fd: number | null;
  /** The device and inode of what is read (a file, a pipe), to keep outputs off it; null if unknown. */
  identity: FileIdentity | null;
  /** The stream of the first read. */
  stream(): Readable;
  /**
   * A stream of the same bytes again, for the CSV report: the spooled bytes of a pipe, or the
   * file, after checking that it has not changed since it was read (an input error if it has).
   */
  again(): Readable;
  /** Throws an input error if the file changed since it was opened; `when` ends the message. */
  checkUnchanged(when: string): void;
}

/**
 * Opens the input. `-` is standard input. A regular file is opened once and read by
 * position, so a second read sees the same file even if its name is meanwhile given to
 * another, and its size and modification time show whether it was changed in place. Pipes,
 * FIFOs, devices and process substitution (/dev/fd/N) can be read only once: with
 * `twice`, their bytes are kept in memory as they are read, for the second read.
 */
export function openInput(file: string, twice: boolean): Input {
  if (file === '-') {
    let identity: FileIdentity | null = null;
    let directory = false;
    try {
      const stats = fstatSync(0);
      identity = identityOf(stats);
      directory = stats.isDirectory();
    } catch {
      // No standard input at all: reading it will say so.
    }
    // `em-fit - < /tmp`: reading it fails (EISDIR), which the stream took for an empty file.
    if (directory) throw inputError('standard input is a directory, not a file');
    return streamInput(process.stdin, 'standard input', 'the file standard input reads', identity, twice);
  }
  let fd: number;
  try {
    const stats = statSync(file);
    if (stats.isDirectory()) throw inputError(`${file} is a directory, not a file`);
    // A FIFO is opened by the stream, off the main thread: opening blocks until a writer comes.
    if (!stats.isFile()) return streamInput(createReadStream(file, { highWaterMark: 1 << 20 }), file, `the input ${file}`, identityOf(stats), twice);
    fd = openSync(file, 'r');
  } catch (error) {
    if (error instanceof EmFitError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    // `em-fit halp`: a misspelt command is read as a file name.
    const command = code === 'ENOENT' && !/[./\\]/.test(file) ? suggestion(file, COMMANDS, (c) => `em-fit ${c}`) : '';
    throw inputError(`${file}: ${fileProblem(code, String(error))}${command}`);
  }
  return fileInput(file, fd);
}

function fileInput(file: string, fd: number): Input {
  const opened = identityOf(fstatSync(fd));
  const checkUnchanged = (when: string): void => {
    const now = identityOf(fstatSync(fd));
    if (!unchanged(opened, now)) {
      throw inputError(`${file} changed ${when} (size ${opened.size} → ${now.size} bytes); run em-fit again once the file is complete`);
    }
  };
  const read = (): Readable => readAt(fd, { highWaterMark: 1 << 20 });
  return {
    source: file,
    description: `the input file ${file}`,
    size: opened.size,
    fd,
    identity: opened,
    stream: read,
    again: () => {
      checkUnchanged('after it was read, before the CSV report read its rows again');
      return read();
    },
    checkUnchanged,
  };
}

function streamInput(stream: Readable, source: string, description: string, identity: FileIdentity | null, twice: boolean): Input {
  const spool: Buffer[] = [];
  return {
    source,
    description,
    size: null,
    fd: null,
    identity,
    stream: () => {
      if (twice) stream.on('data', (chunk: Buffer) => spool.push(chunk));
      return stream;
    },
    again: () => Readable.from(spool, { objectMode: false }),
    checkUnchanged: () => {},
  };
}

/** Closes the input's file, if it has one. */
export function closeInput(input: Input): void {
  if (input.fd === null) return;
  try {
    closeSync(input.fd);
  } catch {
    // Already closed.
  }
}

/** Whether a run writing `format` reads its input a second time (the per-row reports repeat the input's records). */
export const readsTwice = (format: CommonRequest['format']): boolean => format === 'csv' || format === 'ndjson';

/** Reads the table from the input, with a progress bar on a terminal for long reads. */
/**
 * Reads the table. `fileGiven` false (standard input read for want of a file argument): an
 * empty input says so, for the run that forgot its file with nothing piped in.
 */
export async function readInput(input: Input, options: ReadOptions, threads: number, fileGiven = true): Promise<Table> {
  try {
    return await readTableOf(input, options, threads);
  } catch (error) {
    if (fileGiven || !(error instanceof EmFitError) || !error.message.endsWith(': the file is empty')) throw error;
    throw new EmFitError(`${error.message}: no file argument was given, so em-fit read standard input; give a CSV file, or pipe the data in`, error.exitCode);
  }
}

async function readTableOf(input: Input, options: ReadOptions, threads: number): Promise<Table> {
  announce('reading');
  let table: Table | null = null;
  if (input.fd !== null && input.size !== null && input.size >= PARALLEL_FROM_BYTES && threads > 1) {
    const status = new StatusLine();
    const size = input.size;
    try {
      table = await readFileParallel(input.fd, size, options, threads, (bytes) => status.update(readingText(input.source, bytes, size, threads)));
    } finally {
      status.clear();
    }
  }
  if (table === null) {
    const stream = input.stream();
    const done = readingProgress(stream, input.source, input.size);
    try {
      table = await readTable(stream, options, input.size);
    } finally {
      done();
    }
  }
  input.checkUnchanged('while it was being read');
  return table;
}

export function readOptions(request: CommonRequest, source: string, columns: ColumnRequest): ReadOptions {
  return { source, header: request.header, delimiter: request.delimiter, decimalComma: request.decimalComma, encoding: request.encoding, missing: request.missing, columns };
}
