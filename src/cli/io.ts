/**
 * The CLI's contact with the process: input streams, colour, warnings and output paths.
 */
import { Chalk, type ChalkInstance } from 'chalk';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { Readable } from 'node:stream';
import { EmFitError, inputError } from '../errors.js';
import { fileProblem } from '../io/files.js';
import { type ColumnRequest, type ReadOptions, readTable, type Table } from '../io/csv.js';
import type { CommonRequest } from './options.js';
import { readingProgress, StatusLine } from './progress.js';
import { PARALLEL_FROM_BYTES, readFileParallel } from '../io/parallel.js';

/** Colour for a stream: only on a terminal, never with NO_COLOR set. */
export function colours(stream: NodeJS.WriteStream): ChalkInstance {
  const wanted = stream.isTTY === true && !process.env.NO_COLOR;
  return new Chalk({ level: wanted ? (Math.max(1, new Chalk().level) as 1 | 2 | 3) : 0 });
}

/** Columns for the text histogram: the terminal's width, 80 off a terminal; null with --no-plot. */
export function textPlotWidth(request: CommonRequest): number | null {
  if (!request.textPlot) return null;
  return process.stdout.isTTY ? (process.stdout.columns ?? 80) : 80;
}

/** Prints warnings on stderr, unless quiet. */
export function warn(request: { quiet: boolean }, warnings: readonly string[]): void {
  if (request.quiet || warnings.length === 0) return;
  const c = colours(process.stderr);
  for (const w of warnings) process.stderr.write(`${c.yellow('em-fit: warning:')} ${w}\n`);
}

export interface Input {
  /** A fresh stream over the input (a second one re-reads the file, or the spooled stdin). */
  stream(): Readable;
  /** The input's name in messages. */
  source: string;
  /** Its size in bytes, when it is a file. */
  size: number | null;
  /** The file's path, or null for standard input. */
  path: string | null;
}

/** The input as a stream; `-` is standard input, spooled when it must be read twice. */
export function openInput(file: string, twice: boolean): Input {
  if (file === '-') {
    if (!twice) return { stream: () => process.stdin, source: 'standard input', size: null, path: null };
    const bytes = readStdin();
    return { stream: () => Readable.from([bytes]), source: 'standard input', size: bytes.length, path: null };
  }
  let size: number;
  try {
    const stat = statSync(file);
    if (stat.isDirectory()) throw inputError(`${file} is a directory, not a file`);
    size = stat.size;
  } catch (error) {
    if (error instanceof EmFitError) throw error;
    throw inputError(`${file}: ${fileProblem((error as NodeJS.ErrnoException).code, String(error))}`);
  }
  return { stream: () => createReadStream(file, { highWaterMark: 1 << 20 }), source: file, size, path: file };
}

function readStdin(): Buffer {
  try {
    return readFileSync(0);
  } catch (error) {
    throw inputError(`standard input: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}

/** Reads the table from the input, with a progress bar on a terminal for long reads. */
export async function readInput(input: Input, options: ReadOptions, threads: number): Promise<Table> {
  if (input.path !== null && input.size !== null && input.size >= PARALLEL_FROM_BYTES && threads > 1) {
    const status = new StatusLine();
    status.update(`reading ${input.source} on ${threads} threads`);
    try {
      const table = await readFileParallel(input.path, input.size, options, threads);
      if (table !== null) return table;
    } finally {
      status.clear();
    }
  }
  const stream = input.stream();
  const done = readingProgress(stream, input.source, input.size);
  try {
    return await readTable(stream, options);
  } finally {
    done();
  }
}

export function readOptions(request: CommonRequest, source: string, columns: ColumnRequest): ReadOptions {
  return { source, header: request.header, delimiter: request.delimiter, missing: request.missing, columns };
}

/**
 * The file of one group for a per-group output (--save-model, --plot with --by): the group
 * is put before the extension, reduced to characters that are safe in a file name, and
 * numbered if two groups would share a name: model.json → model.north.json.
 */
export function groupPaths(path: string, groups: readonly string[]): string[] {
  const extension = /\.vl\.json$/i.test(path) ? path.slice(-8) : extname(path);
  const stem = path.slice(0, path.length - extension.length);
  const used = new Set<string>();
  return groups.map((group) => {
    const safe = group.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_') || '_';
    let name = `${stem}.${safe}${extension}`;
    for (let i = 2; used.has(name); i++) name = `${stem}.${safe}-${i}${extension}`;
    used.add(name);
    return name;
  });
}
