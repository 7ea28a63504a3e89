/**
 * CSV → columns. Bytes are decoded and checked by a Decoder (decode.ts: byte-order marks,
 * UTF-8, UTF-16, Latin-1), split into records by a Scanner (scan.ts: the fast path on
 * bytes, csv-parse from the first line it does not read) and handed to a TableBuilder
 * (table.ts), which keeps only the columns in use. Every problem is an input error (exit 3)
 * that names the line and the value.
 *
 * `EM_FIT_TEST_READER=csv-parse` (or ReadOptions.reader) gives every line to csv-parse: the
 * reader before the fast path, against which the differential tests compare it.
 */
import type { CsvError } from 'csv-parse';
import type { Readable } from 'node:stream';
import { inputError } from '../errors.js';
import { DecodeError, Decoder } from './decode.js';
import { fileProblem } from './files.js';
import { type Fields, fieldText, fieldTexts, type LineEnd, type RecordSink, Scanner, type ScanState } from './scan.js';
import { type Columns, isBlank, type Layout, mergeParts, type ReadOptions, RecordError, type Table, TableBuilder, type TablePart } from './table.js';

export type { ColumnRequest, LabelColumn, MissingPolicy, ReadOptions, Table } from './table.js';

/** How a stream is read: where it starts in its file, and what happens at a line the fast path does not read. */
export interface ScanHow {
  /** False for a stretch in the middle of a file (parallel.ts): no byte-order mark, the line end given. */
  atStart?: boolean;
  mode?: LineEnd | null;
  /** Stop at such a line (returning null) instead of giving the rest to csv-parse. */
  stop?: boolean;
  /** Called with the size of each chunk of bytes read. */
  onBytes?: (bytes: number) => void;
  /** Asked after each chunk: true stops the reading (returning null), as `stop` does. */
  abandoned?: () => boolean;
}

/** The fast path, unless the options or EM_FIT_TEST_READER ask for csv-parse alone. */
const fast = (options: Pick<ReadOptions, 'reader'>): boolean => (options.reader ?? (process.env.EM_FIT_TEST_READER === 'csv-parse' ? 'csv-parse' : 'fast')) === 'fast';

/**
 * Reads `input` into `sink`, record by record, with each record's line (header = line 1),
 * pausing (yielding) after each chunk. Returns the line breaks read, or null when it
 * stopped (`how.stop`). Throws a RecordError for bytes that are not text, csv-parse's
 * error for bad quoting, and what the sink throws.
 */
export async function* scanChunks(input: AsyncIterable<Uint8Array | string>, options: Pick<ReadOptions, 'delimiter' | 'encoding' | 'reader'>, sink: RecordSink, how: ScanHow = {}): AsyncGenerator<void, number | null> {
  const decoder = new Decoder(options.encoding, how.atStart ?? true);
  const scanner = new Scanner(options.delimiter, sink, { mode: how.mode, fast: fast(options) });
  const decode = (chunk: Uint8Array | null): Uint8Array => {
    try {
      return chunk === null ? decoder.end() : decoder.decode(chunk);
    } catch (error) {
      if (error instanceof DecodeError) throw new RecordError(scanner.nextLine, error.detail, true);
      throw error;
    }
  };
  /** Reads `state`'s line: true when reading stops there. */
  const stops = async (state: ScanState): Promise<boolean> => {
    if (state === 'read') return false;
    if (how.stop) return true;
    await scanner.takeOver();
    return false;
  };
  for await (const data of input) {
    // A stream of text (Readable.from(['…'])) gives strings, which a stream of bytes would have encoded.
    const chunk = typeof data === 'string' ? Buffer.from(data) : data;
    how.onBytes?.(chunk.length);
    const bytes = decode(chunk);
    if (bytes.length > 0 && (await stops(scanner.push(bytes)))) return null;
    if (how.abandoned?.()) return null;
    yield;
  }
  const rest = decode(null);
  if (rest.length > 0 && (await stops(scanner.push(rest)))) return null;
  if (await stops(scanner.end())) return null;
  scanner.finish();
  return scanner.linesRead;
}

/** scanChunks to the end. */
export async function scanInput(input: AsyncIterable<Uint8Array | string>, options: Pick<ReadOptions, 'delimiter' | 'encoding' | 'reader'>, sink: RecordSink, how: ScanHow = {}): Promise<number | null> {
  const chunks = scanChunks(input, options, sink, how);
  for (;;) {
    const step = await chunks.next();
    if (step.done) return step.value;
  }
}

/** How a reader of one stream or stretch stores its rows (see TableBuilder). */
export interface Storage {
  columns?: Columns | null;
  /** The input's size in bytes, when known: the columns are sized from it. */
  size?: number | null;
}

/**
 * Reads the requested columns of `input` into a TablePart, with the layout of its first
 * record (given for a later stretch of a file, see parallel.ts) and the line breaks read
 * (null when it stopped, `how.stop`). Throws the failure as it comes (a RecordError,
 * csv-parse's error, a file system error).
 */
export async function readRecords(input: AsyncIterable<Uint8Array | string>, options: ReadOptions, layout: Layout | null = null, how: ScanHow = {}, storage: Storage = {}): Promise<{ part: TablePart; layout: Layout | null; lines: number | null }> {
  let read = 0;
  const size = storage.size ?? null;
  // Rows expected in all from the rows and bytes read so far, 10% over: a column that
  // fills up grows to it (see TableBuilder).
  const expect = size === null ? null : (rows: number): number => Math.ceil(((rows * size) / Math.max(1, read)) * 1.1) + 1024;
  const builder = new TableBuilder(options, layout, storage.columns ?? null, expect);
  const onBytes = (bytes: number): void => {
    read += bytes;
    how.onBytes?.(bytes);
  };
  const lines = await scanInput(input, options, builder, { ...how, onBytes });
  return { part: builder.part(), layout: builder.layout, lines };
}

/** Reads the requested columns of a whole stream (of `size` bytes, when known). Throws EmFitError (exit 3) on any problem. */
export async function readTable(input: Readable, options: ReadOptions, size: number | null = null): Promise<Table> {
  let read: Awaited<ReturnType<typeof readRecords>>;
  try {
    read = await readRecords(input, options, null, {}, { size });
  } catch (error) {
    throw toInputError(error, options.source);
  }
  return mergeParts([read.part], read.layout, options);
}

/** Passes on the data records only: not the header, nor blank lines (as the fit read them). */
class DataSink implements RecordSink {
  private width = 0;

  constructor(
    private readonly header: boolean,
    private readonly data: RecordSink,
  ) {}

  strings(fields: string[], line: number): void {
    if (isBlank(fields, this.width)) return;
    if (this.width === 0) {
      this.width = fields.length;
      if (this.header) return;
    }
    this.data.strings(fields, line);
  }

  fields(record: Fields, line: number): void {
    if (this.width === 0 || (record.count === 1 && fieldText(record, 0) === '')) this.strings(fieldTexts(record), line);
    else this.data.fields(record, line);
  }
}

/**
 * The data records of an input (header dropped), as the fit read them: for reports that
 * repeat the input's columns. Iterated, they are strings; `scan` gives them to a sink,
 * as byte ranges where the fast path reads them. Both throw like readTable.
 */
export class DataRecords implements AsyncIterable<string[]> {
  constructor(
    private readonly input: Readable,
    readonly options: Pick<ReadOptions, 'source' | 'header' | 'delimiter' | 'encoding' | 'reader'>,
  ) {}

  /** Gives every data record to `sink`, pausing after each chunk of the input. */
  async *scan(sink: RecordSink): AsyncGenerator<void, void> {
    try {
      yield* scanChunks(this.input, this.options, new DataSink(this.options.header, sink));
    } catch (error) {
      throw toInputError(error, this.options.source);
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<string[]> {
    let batch: string[][] = [];
    const collect: RecordSink = {
      strings: (fields) => batch.push(fields),
      fields: (record) => batch.push(fieldTexts(record)),
    };
    for await (const _ of this.scan(collect)) {
      yield* batch;
      batch = [];
    }
    yield* batch;
  }
}

export const dataRecords = (input: Readable, options: DataRecords['options']): DataRecords => new DataRecords(input, options);

function csvErrorMessage(error: CsvError, source: string, lineOffset: number): string {
  const line = (error as CsvError & { lines?: number }).lines;
  const at = line ? `${source}, line ${line + lineOffset}` : source;
  switch (error.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return `${at}: a quoted field is never closed (the file ends inside quotes)`;
    case 'CSV_INVALID_CLOSING_QUOTE':
      return `${at}: a quoted field is followed by text before the next delimiter`;
    case 'INVALID_OPENING_QUOTE':
      return `${at}: a quote appears inside an unquoted field`;
    case 'CSV_MAX_RECORD_SIZE':
      return `${at}: a field is too long`;
    default:
      return `${at}: ${error.message.replace(/^[A-Za-z ]+: /, '')}`;
  }
}

/**
 * Converts a stream, parser or record failure into an input error naming the file and the
 * line (local lines moved by `lineOffset`); our own errors pass through.
 */
export function toInputError(error: unknown, source: string, lineOffset = 0): Error {
  if (error instanceof Error && error.name === 'EmFitError') return error;
  if (error instanceof RecordError) return inputError(`${source}, line ${error.line + lineOffset}: ${error.detail}`);
  const code = (error as { code?: string }).code ?? '';
  if (code.startsWith('CSV_') || code.startsWith('INVALID_')) return inputError(csvErrorMessage(error as CsvError, source, lineOffset));
  return inputError(`${source}: ${fileProblem(code || undefined, error instanceof Error ? error.message : String(error))}`);
}
