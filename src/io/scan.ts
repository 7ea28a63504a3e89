/**
 * CSV records from decoded bytes: the reader's fast path, with csv-parse taking over from
 * the first line the fast path does not read.
 *
 * With the options em-fit gives it (csvOptions: trim, skip_empty_lines, relax_column_count,
 * no BOM handling, the record delimiter found at the first line break), csv-parse reads a
 * line without a quote as follows, and so does the fast path, on bytes:
 *  - records end at the line break found first in the file: CRLF or LF;
 *  - fields end at every delimiter byte;
 *  - a field loses its leading spaces, tabs and form feeds (csv-parse's ltrim, byte by
 *    byte) and its trailing white space as String.prototype.trimEnd sees it (rtrim); on
 *    ASCII that is the bytes 9 to 13 and 32;
 *  - a line with no delimiter and nothing but those leading bytes is empty: skipped, and
 *    not a record; a line of other white space (`\v`) is a record of one empty field;
 *  - every line break counts one line, so a record's line is its line in the file.
 *
 * The fast path reads a line as one loop over its bytes, with a table of byte classes,
 * and hands each record on as byte ranges (Fields), so that a consumer converts the
 * fields it uses straight from the bytes (parseDecimalBytes) and makes no string of the
 * others. csv-parse makes a string of every field, and costs about 0.8 µs a record.
 *
 * The fast path does not read a file whose delimiter is not one byte, whose first line
 * break is a lone CR, and, from the first such line on, a line with a quote, a CR in a file
 * of LF lines, or a CR or LF other than the CRLF that ends a line in a file of CRLF lines
 * (csv-parse reads those as characters of a field, and counts lines its own way). From
 * the start of that line the rest goes to csv-parse, given the record delimiter the file
 * began with. At a line start csv-parse's state is empty (no field, no record, no quote),
 * so it reads the rest exactly as it would have had it read everything before: the records,
 * line numbers and errors are csv-parse's, whichever path read a line. A reader of one
 * stretch of a file (parallel.ts) stops at such a line instead (`hard: 'stop'`): a quote
 * may hold the line break the stretch was cut at.
 */
import type { Parser } from 'csv-parse';
import { lineBreaks } from './decode.js';

/** One record of the fast path: field j is bytes [starts[j], ends[j]), trimmed as csv-parse trims ASCII. */
export interface Fields {
  bytes: Buffer;
  starts: Int32Array;
  ends: Int32Array;
  count: number;
  /** False when the line holds bytes ≥ 0x80: then a field's trailing Unicode white space is trimmed by fieldText. */
  ascii: boolean;
}

/** Where records go: byte ranges from the fast path, strings from csv-parse (and from fieldTexts). */
export interface RecordSink {
  fields(record: Fields, line: number): void;
  strings(fields: string[], line: number): void;
}

export type LineEnd = 'lf' | 'crlf';

/** The options of csv-parse, the same wherever it reads (see the header of this file). */
export function csvOptions(delimiter: string, recordDelimiter?: string) {
  return {
    bom: false,
    delimiter,
    skip_empty_lines: true,
    relax_column_count: true,
    trim: true,
    ...(recordDelimiter === undefined ? {} : { record_delimiter: recordDelimiter }),
  };
}

/** Field j of a fast record as csv-parse gives it. */
export function fieldText(record: Fields, j: number): string {
  const { bytes, starts, ends } = record;
  return record.ascii ? bytes.toString('latin1', starts[j], ends[j]) : bytes.toString('utf8', starts[j], ends[j]).trimEnd();
}

/** Every field of a fast record as csv-parse gives them. */
export function fieldTexts(record: Fields): string[] {
  const fields = new Array<string>(record.count);
  for (let j = 0; j < record.count; j++) fields[j] = fieldText(record, j);
  return fields;
}

const LF = 10;
const CR = 13;
const QUOTE = 0x22;

/** Byte classes of the fast path's loop. */
const PLAIN = 0;
const DELIMITER = 1;
const NEWLINE = 2;
const RETURN = 3;
const HARD = 4;
const HIGH = 5;

/** csv-parse's ltrim: space, tab, form feed (and CR, LF, which a line read here does not hold). */
const leftTrimmed = (b: number): boolean => b === 32 || b === 9 || b === 12;
/** String.prototype.trimEnd on ASCII: tab, LF, vertical tab, form feed, CR, space. */
const rightTrimmed = (b: number): boolean => b === 32 || (b >= 9 && b <= 13);

/** The single byte of a delimiter the fast path can read, or −1. */
function delimiterByte(delimiter: string): number {
  const c = delimiter.charCodeAt(0);
  return delimiter.length === 1 && c < 0x80 && c !== QUOTE && c !== LF && c !== CR ? c : -1;
}

/** The csv-parse module, loaded the first time a line needs it (a run that never meets one does not load it). */
let csvParse: typeof import('csv-parse') | null = null;
const loadCsvParse = async (): Promise<typeof import('csv-parse')> => (csvParse ??= await import('csv-parse'));

/** What push() left: everything read, or a line the fast path does not read at `pending`. */
export type ScanState = 'read' | 'hard';

export class Scanner {
  /** Line breaks read by the fast path (the lines of csv-parse are counted apart). */
  private lines = 0;
  private mode: LineEnd | null;
  /** The line end was given (a stretch in the middle of a file). */
  private readonly modeGiven: boolean;
  private readonly table = new Uint8Array(256);
  private readonly record: Fields = { bytes: Buffer.alloc(0), starts: new Int32Array(64), ends: new Int32Array(64), count: 0, ascii: true };
  /** The start of a line not yet ended, from the end of the last chunk. */
  private carry: Buffer = Buffer.alloc(0);
  /** Bytes from a line the fast path does not read, for csv-parse. */
  private pending: Buffer[] = [];
  private csv: Parser | null = null;
  /** Lines before csv-parse took over, and the line breaks (as lineBreaks counts them) given to it since. */
  private offset = 0;
  private given = 0;
  private givenEndsWithCr = false;

  /**
   * `mode` is the file's line end when a stretch starts in its middle (null at a file's
   * start: found at its first line break). `fast` false gives every line to csv-parse.
   */
  constructor(
    private readonly delimiter: string,
    private readonly sink: RecordSink,
    options: { mode?: LineEnd | null; fast?: boolean } = {},
  ) {
    this.mode = options.mode ?? null;
    this.modeGiven = this.mode !== null;
    const byte = delimiterByte(delimiter);
    if (byte < 0 || options.fast === false) this.table.fill(HARD);
    else {
      this.table.fill(HIGH, 0x80);
      this.table[QUOTE] = HARD;
      this.table[LF] = NEWLINE;
      this.table[CR] = RETURN;
      this.table[byte] = DELIMITER;
    }
  }

  /**
   * Reads the complete lines of `bytes` (decoded text). Returns 'hard' when a line the fast
   * path does not read was met: the bytes from its start wait for takeOver (or are dropped,
   * by a reader that stops there).
   */
  push(bytes: Uint8Array): ScanState {
    let buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
    if (this.csv !== null) {
      this.give(buf);
      return 'read';
    }
    if (this.pending.length > 0) {
      this.pending.push(buf);
      return 'hard';
    }
    if (this.carry.length > 0) {
      // The line begun in the last chunk ends in this one: read it joined, then the rest.
      const lf = buf.indexOf(LF);
      const line = Buffer.concat([this.carry, lf < 0 ? buf : buf.subarray(0, lf + 1)]);
      this.carry = Buffer.alloc(0);
      const state = this.scan(line, false);
      if (lf < 0 || state === 'hard') {
        if (lf >= 0) this.pending.push(buf.subarray(lf + 1));
        return state;
      }
      buf = buf.subarray(lf + 1);
    }
    return this.scan(buf, false);
  }

  /** The end of the input: its last line, when no line break ends it. */
  end(): ScanState {
    if (this.csv !== null) return 'read';
    if (this.pending.length > 0) return 'hard';
    const rest = this.carry;
    this.carry = Buffer.alloc(0);
    return this.scan(rest, true);
  }

  /** Line breaks read, once the input has ended: the lines of the next stretch start after them. */
  get linesRead(): number {
    return this.csv === null ? this.lines : this.offset + this.csv.info.lines - 1;
  }

  /**
   * The line of the next byte, after all pushed (for a message about bytes that are not
   * text): line breaks counted as lineBreaks counts them, CR, LF and CRLF.
   */
  get nextLine(): number {
    if (this.csv === null) return 1 + this.lines + lineBreaks(this.carry.toString('latin1'));
    return 1 + this.offset + this.given;
  }

  /** Gives the waiting bytes to csv-parse, and with them every later push. */
  async takeOver(): Promise<void> {
    const { Parser } = await loadCsvParse();
    // Once a line break is read, csv-parse has the line end the fast path found; before,
    // it finds its own (a line break in quotes may come first).
    const recordDelimiter = this.modeGiven || this.lines > 0 ? (this.mode === 'crlf' ? '\r\n' : '\n') : undefined;
    const csv = new Parser(csvOptions(this.delimiter, recordDelimiter));
    const offset = (this.offset = this.lines);
    // A record's line is the one after the last line of the record before it, past the
    // empty lines skipped in between (parser.info.lines is the record's last line when it is pushed).
    let lastLine = 0;
    let emptyLines = 0;
    csv.push = (record: string[] | null): boolean => {
      if (record === null) return true;
      const line = lastLine + 1 + (csv.info.empty_lines - emptyLines);
      lastLine = csv.info.lines;
      emptyLines = csv.info.empty_lines;
      this.sink.strings(record, offset + line);
      return true;
    };
    this.csv = csv;
    const pending = this.pending;
    this.pending = [];
    for (const bytes of pending) this.give(bytes);
  }

  /** Ends csv-parse's input; its last record arrives now. */
  finish(): void {
    const csv = this.csv;
    if (csv === null) return;
    csv._flush((error) => {
      if (error) throw this.moved(error);
    });
  }

  private give(bytes: Buffer): void {
    const csv = this.csv as Parser;
    if (bytes.length === 0) return;
    this.given += lineBreaks(bytes.toString('latin1')) - (this.givenEndsWithCr && bytes[0] === LF ? 1 : 0);
    this.givenEndsWithCr = bytes[bytes.length - 1] === CR;
    csv._transform(bytes, 'utf8', (error) => {
      if (error) throw this.moved(error);
    });
  }

  /** csv-parse's error with its line moved by the lines read before it took over. */
  private moved(error: Error): Error {
    const e = error as Error & { lines?: number };
    if (typeof e.lines === 'number') e.lines += this.offset;
    return error;
  }

  /**
   * Finds the file's line end at its first line break: CRLF or LF (csv-parse reads the
   * lines of a file whose first line break is a lone CR). Returns the state to return
   * when the lines of `buf` cannot be read yet, else null.
   */
  private findMode(buf: Buffer, atEnd: boolean): ScanState | null {
    const lf = buf.indexOf(LF);
    const cr = buf.indexOf(CR);
    if (cr >= 0 && (lf < 0 || cr < lf)) {
      if (cr + 1 === buf.length && !atEnd) return this.wait(buf, 0);
      if (buf[cr + 1] !== LF) return this.hand(buf, 0);
      this.mode = 'crlf';
    } else if (lf >= 0) this.mode = 'lf';
    else if (!atEnd) return this.wait(buf, 0);
    // One line and no line break: its line end does not matter.
    else this.mode = 'lf';
    return null;
  }

  /** Keeps the bytes from `at`, a line not yet ended, for the next chunk. */
  private wait(buf: Buffer, at: number): ScanState {
    this.carry = at < buf.length ? Buffer.from(buf.subarray(at)) : Buffer.alloc(0);
    return 'read';
  }

  /** Leaves the bytes from `at`, the start of a line the fast path does not read, for csv-parse. */
  private hand(buf: Buffer, at: number): ScanState {
    this.pending.push(buf.subarray(at));
    return 'hard';
  }

  /**
   * Reads the lines of `buf`: each record to the sink, the last line kept for the next
   * chunk (or read, `atEnd`), and a line the fast path does not read left for csv-parse.
   * The records before such a line are read: they are the same whoever reads them.
   */
  private scan(buf: Buffer, atEnd: boolean): ScanState {
    if (this.mode === null) {
      const state = this.findMode(buf, atEnd);
      if (state !== null) return state;
    }
    const table = this.table;
    const crlf = this.mode === 'crlf';
    const record = this.record;
    record.bytes = buf;
    const len = buf.length;
    let lineStart = 0;
    let fieldStart = 0;
    let count = 0;
    let ascii = true;
    for (let i = 0; i < len; i++) {
      const c = table[buf[i]];
      if (c === PLAIN) continue;
      if (c === DELIMITER) {
        this.field(buf, fieldStart, i, count++);
        fieldStart = i + 1;
        continue;
      }
      if (c === HIGH) {
        ascii = false;
        continue;
      }
      const end = i;
      if (c === RETURN && crlf) {
        // The CR of a CRLF, or a lone CR; at the end of the chunk, the next one says which.
        if (i + 1 === len && !atEnd) return this.wait(buf, lineStart);
        if (buf[i + 1] !== LF) return this.hand(buf, lineStart);
        i++;
      } else if (c !== NEWLINE || crlf) return this.hand(buf, lineStart);
      this.field(buf, fieldStart, end, count++);
      this.lines++;
      this.emit(count, ascii, end, this.lines);
      lineStart = fieldStart = i + 1;
      count = 0;
      ascii = true;
    }
    if (!atEnd) return this.wait(buf, lineStart);
    if (lineStart < len) {
      this.field(buf, fieldStart, len, count++);
      this.emit(count, ascii, len, this.lines + 1);
    }
    return 'read';
  }

  /**
   * Hands on the record of `count` fields of the line ending at `end`, unless the line is
   * empty as csv-parse sees it: one field, and nothing in it but what ltrim removes.
   */
  private emit(count: number, ascii: boolean, end: number, line: number): void {
    const record = this.record;
    if (count === 1 && record.starts[0] === end) return;
    record.count = count;
    record.ascii = ascii;
    this.sink.fields(record, line);
  }

  /** Field `j`: bytes [start, end) of the line, trimmed. */
  private field(buf: Buffer, start: number, end: number, j: number): void {
    const record = this.record;
    if (j === record.starts.length) {
      const starts = new Int32Array(2 * j);
      const ends = new Int32Array(2 * j);
      starts.set(record.starts);
      ends.set(record.ends);
      record.starts = starts;
      record.ends = ends;
    }
    while (start < end && leftTrimmed(buf[start])) start++;
    record.starts[j] = start;
    while (end > start && rightTrimmed(buf[end - 1])) end--;
    record.ends[j] = end;
  }
}
