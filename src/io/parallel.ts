/**
 * Reading a large file on several threads: the file is cut at line breaks into stretches of
 * about equal size, each read by the fast path (scan.ts) into a TableBuilder on its own
 * thread (the main thread takes the first), and the parts are merged in file order
 * (table.ts), giving the Table that one reader would have built.
 *
 * A cut is only safe where a line break ends a record, which a quoted field can make false,
 * and a stretch's lines are read as the file's first line break says (LF or CRLF). So a
 * stretch stops at the first line the fast path does not read (a quote, a CR in a file of
 * LF lines, a lone CR or LF in a file of CRLF lines), the others stop with it, and the
 * caller reads the file on one thread, where csv-parse takes over from that line. So it does
 * when a stretch meets bytes that are not text (whose message depends on the file before
 * them, see decode.ts), and so is a UTF-16 file (byte-order mark FF FE or FE FF), whose line breaks are two bytes and whose
 * stretches could not be decoded alone. Every stretch is decoded as the whole file would
 * be (decode.ts), so the table and the messages are the same for any number of threads.
 *
 * Memory: the main thread makes one set of shared columns and gives each stretch a region
 * of it, of the rows its bytes are estimated to hold (from the lines of the file's first
 * MiB, 20% over; pages never written cost nothing). The stretches fill their regions, and
 * the merge moves the rows down in place: the columns are made once, and nothing is copied
 * back from the workers. A stretch that outgrows its region moves to columns of its own,
 * and the merge then copies.
 *
 * The file is read through one open descriptor, by position, also by the workers (threads
 * of one process share descriptors): the file read is the one opened, even if its name is
 * meanwhile given to another.
 */
import { isUtf8 } from 'node:buffer';
import { readSync } from 'node:fs';
import { TextDecoder } from 'node:util';
import { Worker } from 'node:worker_threads';
import { inputError } from '../errors.js';
import { readRecords, toInputError } from './csv.js';
import { readAt } from './files.js';
import { type Fields, fieldTexts, type LineEnd, Scanner } from './scan.js';
import { type Columns, isBlank, type Layout, mergeParts, type ReadOptions, RecordError, resolveLayout, sharedColumns, type Table, type TablePart } from './table.js';

/** Bytes from which reading in parallel pays for starting the workers. */
export const PARALLEL_FROM_BYTES = 4 << 20;

const QUOTE = 0x22;
const NEWLINE = 0x0a;
const RETURN = 0x0d;

/**
 * What a stretch reports: its part and line breaks, or why it failed, or that the file is
 * for one reader (`whole`): the stretch met a line the fast path does not read, or bytes
 * that are not text (whose message depends on the file before them, see decode.ts).
 */
export type StretchResult =
  /** `inRegion`: the part's columns are still its region of the shared columns (it did not outgrow it). */
  | { kind: 'part'; part: TablePart; lines: number; inRegion: boolean }
  | { kind: 'whole' }
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
  mode: LineEnd;
  /** The stretch's region of the shared columns. */
  columns: Columns;
  /** Bytes read by each stretch (for the progress line), and a flag: 1 once a stretch has stopped. */
  read: Float64Array;
  slot: number;
  stopped: Int32Array;
}

/** Reads one stretch; never throws. */
export async function readStretch(stretch: Stretch): Promise<StretchResult> {
  const { read, slot, stopped } = stretch;
  const stream = readAt(stretch.fd, { start: stretch.start, end: stretch.end - 1, highWaterMark: 1 << 20 });
  try {
    const how = {
      atStart: false,
      mode: stretch.mode,
      stop: true,
      onBytes: (bytes: number) => (read[slot] += bytes),
      abandoned: () => Atomics.load(stopped, 0) === 1,
    };
    const { part, lines } = await readRecords(stream, stretch.options, stretch.layout, how, { columns: stretch.columns, size: stretch.end - stretch.start });
    if (lines === null) {
      Atomics.store(stopped, 0, 1);
      return { kind: 'whole' };
    }
    return { kind: 'part', part, lines, inRegion: part.values.buffer === stretch.columns.values.buffer };
  } catch (error) {
    if (error instanceof RecordError && error.decoding) {
      Atomics.store(stopped, 0, 1);
      return { kind: 'whole' };
    }
    // Line numbers are this stretch's own: the caller adds the lines before it.
    if (error instanceof RecordError) return { kind: 'record', line: error.line, detail: error.detail };
    const e = error as { message?: string; code?: string; lines?: number };
    return { kind: 'failed', error: { message: String(e.message), code: e.code, lines: e.lines } };
  } finally {
    stream.destroy();
  }
}

/**
 * The first line of the file as UTF-8 bytes (with its line break), the offsets where it
 * starts and where the next begins, the file's line end, and the bytes per line of the
 * lines after it in the first MiB (Infinity when there are none); null when the first line
 * has a quote or a lone CR, no line break in the first MiB, a UTF-16 byte-order mark or
 * bytes that are not text (the reader on one thread then says where).
 */
function firstLine(fd: number, options: ReadOptions): { line: Buffer; start: number; next: number; mode: LineEnd; bytesPerLine: number } | null {
  const buffer = Buffer.alloc(1 << 20);
  const read = readSync(fd, buffer, 0, buffer.length, 0);
  const sample = buffer.subarray(0, read);
  const end = sample.indexOf(NEWLINE);
  if (end < 0) return null;
  const mode = end > 0 && sample[end - 1] === RETURN ? 'crlf' : 'lf';
  const body = sample.subarray(0, mode === 'crlf' ? end - 1 : end);
  if (body.includes(QUOTE) || body.includes(RETURN)) return null;
  if ((sample[0] === 0xff && sample[1] === 0xfe) || (sample[0] === 0xfe && sample[1] === 0xff)) return null;
  const bom = sample[0] === 0xef && sample[1] === 0xbb && sample[2] === 0xbf ? 3 : 0;
  const raw = sample.subarray(bom, end + 1);
  let line: Buffer;
  if (bom === 0 && options.encoding === 'latin1') line = Buffer.from(new TextDecoder('windows-1252').decode(raw), 'utf8');
  else if (isUtf8(raw)) line = raw;
  else return null;
  let lines = 0;
  let last = end;
  for (let at = sample.indexOf(NEWLINE, end + 1); at >= 0; at = sample.indexOf(NEWLINE, at + 1)) {
    lines++;
    last = at;
  }
  return { line, start: bom, next: end + 1, mode, bytesPerLine: lines === 0 ? Infinity : (last - end) / lines };
}

/** The fields of the first line, as the reader on one thread reads them; null when it is blank. */
function firstFields(line: Buffer, options: ReadOptions): string[] | null {
  let fields: string[] | null = null;
  const scanner = new Scanner(options.delimiter, {
    fields: (record: Fields) => (fields ??= fieldTexts(record)),
    strings: () => {},
  });
  if (scanner.push(line) === 'hard' || fields === null || isBlank(fields, 0)) return null;
  return fields;
}

/**
 * Bytes the main thread reads while a worker starts (a worker thread takes 23–28 ms to run
 * the read worker's bundle, and a thread reads about 85 MB/s, measured): the main thread's
 * stretch is longer by about this much, so that the stretches end together (1M rows, 17 MB
 * on 2 threads: the read 144–153 → 136–144 ms, alternated runs).
 */
const HEAD_START_BYTES = 2 << 20;

/**
 * Offsets just after a line break: the main thread's stretch of [from, size) a share of it
 * plus HEAD_START_BYTES·(threads − 1)/threads (at most 3/4 of it), the workers' the rest in
 * equal shares.
 */
export function cuts(fd: number, from: number, size: number, threads: number): number[] {
  const buffer = Buffer.alloc(1 << 16);
  const points = [from];
  const bytes = size - from;
  const first = Math.min(0.75 * bytes, (bytes + HEAD_START_BYTES * (threads - 1)) / threads);
  for (let t = 1; t < threads; t++) {
    const target = from + Math.floor(first + ((bytes - first) * (t - 1)) / (threads - 1));
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

/** Rows a stretch of `bytes` is given room for: the lines its bytes hold at `bytesPerLine`, 20% over. */
const regionRows = (bytes: number, bytesPerLine: number): number => Math.ceil((bytes / bytesPerLine) * 1.2) + 1024;

/** How often the progress of a parallel read is reported, in ms. */
const PROGRESS_MS = 100;

/**
 * Reads the open file `fd` (of `size` bytes) on `threads` threads; null when it cannot be
 * cut safely (a line the fast path does not read, UTF-16, or a first line that is not
 * simple), for the caller to read it whole. `onProgress` is told the bytes read so far,
 * every PROGRESS_MS.
 */
export async function readFileParallel(fd: number, size: number, options: ReadOptions, threads: number, onProgress?: (bytes: number) => void): Promise<Table | null> {
  const first = firstLine(fd, options);
  if (first === null) return null;
  const fields = firstFields(first.line, options);
  if (fields === null) return null;
  const layout = resolveLayout(fields, options, 1);
  // With a header the data start on line 2, after it; without one, the first line is data
  // (after the byte-order mark, which a stretch in the middle of a file does not expect).
  const from = options.header ? first.next : first.start;
  const points = cuts(fd, from, size, threads);
  const rows = points.slice(1).map((end, i) => regionRows(end - points[i], first.bytesPerLine));
  const shared = sharedColumns(options, rows.reduce((a, r) => a + r, 0));
  const read = new Float64Array(new SharedArrayBuffer(8 * rows.length));
  const stopped = new Int32Array(new SharedArrayBuffer(4));
  let base = 0;
  const stretches: Stretch[] = points.slice(1).map((end, i) => {
    const columns = { ...shared, base, capacity: rows[i] };
    base += rows[i];
    return { fd, start: points[i], end, options, layout, mode: first.mode, columns, read, slot: i, stopped };
  });
  const timer = onProgress === undefined ? null : setInterval(() => onProgress(read.reduce((a, b) => a + b, from)), PROGRESS_MS);
  let results: StretchResult[];
  try {
    results = await Promise.all(stretches.map((s, i) => (i === 0 ? readStretch(s) : onWorker(s))));
  } finally {
    if (timer !== null) clearInterval(timer);
  }
  if (results.some((r) => r.kind === 'whole')) return null;
  const parts: TablePart[] = [];
  let offset = options.header ? 1 : 0;
  for (const result of results) {
    if (result.kind === 'record') throw toInputError(new RecordError(result.line, result.detail), options.source, offset);
    if (result.kind === 'failed') throw toInputError(Object.assign(new Error(result.error.message), result.error), options.source, offset);
    if (result.kind !== 'part') throw inputError(`${options.source}: cannot be read`);
    parts.push(result.inRegion ? inShared(result.part, stretches[parts.length].columns) : result.part);
    offset += result.lines;
  }
  return mergeParts(parts, layout, options);
}

/**
 * A part read into its region, its columns as views of the main thread's own shared
 * columns. A SharedArrayBuffer that comes back from a worker is another object over the same
 * memory, which mergeParts cannot tell for the same: it then copied every column into new
 * ones and kept both (10M rows: 150 MB more at the peak).
 */
function inShared(part: TablePart, region: Columns): TablePart {
  const view = <T extends Float64Array | Int32Array | Uint8Array>(column: T | null): T | null => (column === null ? null : (column.subarray(region.base, region.base + part.rows) as T));
  return {
    ...part,
    values: region.values.subarray(region.base * part.columnDecimals.length, (region.base + part.rows) * part.columnDecimals.length),
    weights: part.weights === null ? null : view(region.weights),
    // Codes the stretch widened to four bytes (its 257th label) are in columns of their own.
    labelCodes: part.labelCodes === null || region.labelCodes === null || part.labelCodes.BYTES_PER_ELEMENT !== region.labelCodes.BYTES_PER_ELEMENT ? part.labelCodes : view(region.labelCodes),
    groupCodes: part.groupCodes === null ? null : view(region.groupCodes),
  };
}
