/**
 * Reading a large file on several threads: the file is cut at line breaks into stretches of
 * about equal size, each read by csv-parse and a TableBuilder on its own thread (the main
 * thread takes the first), and the parts are merged in file order (table.ts), giving the
 * Table that one reader would have built. Measured on two cores: 1M rows (17 MB) in 0.62 s
 * against 0.99 s on one thread, 10M rows (183 MB) in 5.6 s against 9.9 s.
 *
 * A cut is only safe where a line break ends a record, which a quoted field can make false.
 * So the stretches watch for a quote character: if any is found, or the first line cannot
 * be read alone, the parallel result is dropped and the caller reads the file on one thread.
 * So is a UTF-16 file (byte-order mark FF FE or FE FF), whose line breaks are two bytes
 * and whose stretches could not be decoded alone. Every stretch is decoded as the whole
 * file would be (decode.ts), so the table and the messages are the same for any number of
 * threads.
 *
 * The file is read through one open descriptor, by position, also by the workers (threads
 * of one process share descriptors): the file read is the one opened, even if its name is
 * meanwhile given to another.
 */
import { isUtf8 } from 'node:buffer';
import { readSync } from 'node:fs';
import { readAt } from './files.js';
import { TextDecoder } from 'node:util';
import { Worker } from 'node:worker_threads';
import { parse } from 'csv-parse/sync';
import { inputError } from '../errors.js';
import { readRecords, toInputError } from './csv.js';
import { isBlank, type Layout, mergeParts, type ReadOptions, RecordError, resolveLayout, type Table, type TablePart } from './table.js';

/** Bytes from which reading in parallel pays for starting the workers. */
export const PARALLEL_FROM_BYTES = 4 << 20;

const QUOTE = 0x22;
const NEWLINE = 0x0a;

/** What a stretch reports: its part and line breaks, or why it failed, or that it saw a quote. */
export type StretchResult =
  | { kind: 'part'; part: TablePart; lines: number }
  | { kind: 'quoted' }
  | { kind: 'record'; line: number; detail: string }
  | { kind: 'failed'; error: { message: string; code?: string; lines?: number } };

export interface Stretch {
  /** The open file. */
  fd: number;
  start: number;
  /** Exclusive. */
  end: number;
  options: ReadOptions;
  layout: Layout;
}

/** Reads one stretch, watching for quotes; never throws. */
export async function readStretch(stretch: Stretch): Promise<StretchResult> {
  let quoted = false;
  const stream = readAt(stretch.fd, { start: stretch.start, end: stretch.end - 1, highWaterMark: 1 << 20 });
  stream.on('data', (chunk: Buffer | string) => {
    if (!quoted && (chunk as Buffer).includes(QUOTE)) {
      quoted = true;
      stream.destroy();
    }
  });
  try {
    const { part, lines } = await readRecords(stream, stretch.options, stretch.layout);
    return quoted ? { kind: 'quoted' } : { kind: 'part', part, lines };
  } catch (error) {
    if (quoted) return { kind: 'quoted' };
    // Line numbers are this stretch's own: the caller adds the lines before it.
    if (error instanceof RecordError) return { kind: 'record', line: error.line, detail: error.detail };
    const e = error as { message?: string; code?: string; lines?: number };
    return { kind: 'failed', error: { message: String(e.message), code: e.code, lines: e.lines } };
  }
}

/**
 * The first line of the file, decoded, and the offset after it; null when it has a quote,
 * no line break in the first MiB, a UTF-16 byte-order mark or bytes that are not text (the
 * reader on one thread then says where).
 */
function firstLine(fd: number, options: ReadOptions): { text: string; start: number; next: number } | null {
  const buffer = Buffer.alloc(1 << 20);
  const read = readSync(fd, buffer, 0, buffer.length, 0);
  const end = buffer.subarray(0, read).indexOf(NEWLINE);
  if (end < 0 || buffer.subarray(0, end).includes(QUOTE)) return null;
  if ((buffer[0] === 0xff && buffer[1] === 0xfe) || (buffer[0] === 0xfe && buffer[1] === 0xff)) return null;
  const bom = buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf ? 3 : 0;
  const line = buffer.subarray(bom, end);
  if (bom === 0 && options.encoding === 'latin1') return { text: new TextDecoder('windows-1252').decode(line), start: 0, next: end + 1 };
  if (!isUtf8(line)) return null;
  return { text: line.toString('utf8'), start: bom, next: end + 1 };
}

/** Offsets just after a line break, near the fractions t/threads of [from, size). */
function cuts(fd: number, from: number, size: number, threads: number): number[] {
  const buffer = Buffer.alloc(1 << 16);
  const points = [from];
  for (let t = 1; t < threads; t++) {
    const target = from + Math.floor(((size - from) * t) / threads);
    const read = readSync(fd, buffer, 0, buffer.length, target);
    const at = buffer.subarray(0, read).indexOf(NEWLINE);
    if (at >= 0 && target + at + 1 > points[points.length - 1] && target + at + 1 < size) points.push(target + at + 1);
  }
  points.push(size);
  return points;
}

function onWorker(stretch: Stretch): Promise<StretchResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./read-worker.js', import.meta.url), { workerData: stretch });
    worker.once('message', (result: StretchResult) => {
      resolve(result);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

/**
 * Reads the open file `fd` (of `size` bytes) on `threads` threads; null when it cannot be
 * cut safely (quotes, UTF-16, or a first line that is not simple), for the caller to read it whole.
 */
export async function readFileParallel(fd: number, size: number, options: ReadOptions, threads: number): Promise<Table | null> {
  const first = firstLine(fd, options);
  if (first === null) return null;
  const fields = (parse(first.text, { delimiter: options.delimiter, trim: true, relax_column_count: true }) as string[][])[0];
  if (fields === undefined || isBlank(fields, 0)) return null;
  const layout = resolveLayout(fields, options, 1);
  // With a header the data start on line 2, after it; without one, the first line is data
  // (after the byte-order mark, which a stretch in the middle of a file does not expect).
  const from = options.header ? first.next : first.start;
  const points = cuts(fd, from, size, threads);
  const stretches: Stretch[] = points.slice(1).map((end, i) => ({ fd, start: points[i], end, options, layout }));
  const results = await Promise.all(stretches.map((s, i) => (i === 0 ? readStretch(s) : onWorker(s))));
  if (results.some((r) => r.kind === 'quoted')) return null;
  const parts: TablePart[] = [];
  let offset = options.header ? 1 : 0;
  for (const result of results) {
    if (result.kind === 'record') throw toInputError(new RecordError(result.line, result.detail), options.source, offset);
    if (result.kind === 'failed') throw toInputError(Object.assign(new Error(result.error.message), result.error), options.source, offset);
    if (result.kind !== 'part') throw inputError(`${options.source}: cannot be read`);
    parts.push(result.part);
    offset += result.lines;
  }
  return mergeParts(parts, layout, options);
}
