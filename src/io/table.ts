/**
 * Records → columns: the per-record work of reading a table, apart from the parsing.
 *
 * A TableBuilder turns the records of one stretch of a file into a TablePart: the numeric
 * column as a Float64Array, label and group columns as integer codes into lists of names in
 * order of first appearance, a weight column, and the records left out: those with a missing
 * value (with --missing skip) and those of weight 0, which count for nothing anywhere.
 * One builder reads a whole file; several read consecutive stretches in parallel (see
 * parallel.ts), and mergeParts joins their parts into one Table as if one had read it all.
 */
import { inputError } from '../errors.js';
import type { Codes } from '../models/family.js';
import { plural, quote } from '../text.js';
import type { Encoding } from './decode.js';
import { missingColumn, numberHint } from './hints.js';
import { parseDecimal, parseDecimalBytes, type ParsedNumber } from './number.js';
import { type Fields, fieldText, fieldTexts, type RecordSink } from './scan.js';

export type MissingPolicy = 'error' | 'skip';

/** Columns to read: header names, or 1-based column numbers written as text without a header. */
export interface ColumnRequest {
  var: string;
  /**
   * The numeric columns of a d-column fit (--var a,b,c), in order; absent for one column
   * (`var`). With it, Table.values is n × d, row-major.
   */
  vars?: string[];
  init?: string;
  weight?: string;
  by?: string;
  /** A column only copied into the per-row output (--id), checked here like the others. */
  id?: string;
}

export interface ReadOptions {
  /** Shown in messages: the file name, or "standard input". */
  source: string;
  header: boolean;
  delimiter: string;
  /** Numbers are written with a decimal comma (`1,5`), and a point in one is an error. */
  decimalComma?: boolean;
  /** The encoding of a file without a byte-order mark (see decode.ts). */
  encoding: Encoding;
  missing: MissingPolicy;
  columns: ColumnRequest;
  /** Which reader splits the records: the fast path with csv-parse after it (default), or csv-parse alone (for the differential tests; see csv.ts). */
  reader?: 'fast' | 'csv-parse';
}

/** A column of labels: codes[i] indexes names, which are in order of first appearance. */
export interface LabelColumn {
  name: string;
  codes: Codes;
  names: string[];
}

export interface Table {
  source: string;
  /** Every column's name; "1", "2", … without a header. */
  header: string[];
  /** Name of the numeric column (d > 1: the names joined by commas). */
  varName: string;
  /** The index in `header` of the --id column, or null. */
  idColumn: number | null;
  /** The numeric columns' names, d of them. */
  varNames: string[];
  /** Columns d. */
  d: number;
  /** The numeric columns over the rows in use, shape (n, d), row-major (d = 1: the column). */
  values: Float64Array;
  /** Largest number of decimal places written in the numeric columns (see ParsedNumber). */
  decimals: number;
  /** The same per numeric column, length d. */
  columnDecimals: number[];
  labels: LabelColumn | null;
  weightName: string | null;
  weights: Float64Array | null;
  groups: LabelColumn | null;
  /** Data records read (not counting the header or blank lines). */
  records: number;
  /** 0-based indices, among the data records, of the records left out: a missing value or weight 0. */
  skippedRecords: Int32Array;
  /** With --by: the group code of each record left out, −1 where the group itself is missing. */
  skippedGroups: Int32Array;
  /** 1 where a record left out has weight 0, 0 where it has a missing value. */
  skippedZero: Uint8Array;
  /** Records left out for weight 0. */
  zeroWeight: number;
  /** Labels that occur only on records left out, so they have no rows. */
  labelsOnlyInSkipped: string[];
}

/** The first record, resolved: column names, the columns in use and the record width. */
export interface Layout {
  header: string[];
  width: number;
  columns: Record<Exclude<keyof ColumnRequest, 'vars'>, number>;
  /** The numeric columns in use, d of them (the var column alone for one). */
  varColumns: number[];
}

/** A problem with one record, before the file's name and the line's offset are known. */
export class RecordError extends Error {
  constructor(
    readonly line: number,
    readonly detail: string,
    /** Bytes that are not text: the message depends on the file before them (see decode.ts). */
    readonly decoding = false,
  ) {
    super(detail);
  }
}

/** NUL and other control characters but tab and line breaks: a binary file (bytes that are not text are refused when decoding). */
const BINARY = /[\u0000-\u0008\u000e-\u001f]/;

/** Cells that mean "no value" (R writes NA; pandas writes an empty cell). */
const MISSING = new Set(['', 'NA', 'N/A', 'n/a', 'na', '#N/A', 'null', 'NULL']);

/** A cell that means "no value". */
export const isMissing = (text: string): boolean => MISSING.has(text.trim());

/**
 * A line holding only spaces is blank, like an empty line, unless the file has one column,
 * where it is a row with an empty (missing) cell. `width` is 0 before the first record.
 */
export const isBlank = (fields: string[], width: number): boolean => width !== 1 && fields.length === 1 && fields[0] === '';

/**
 * A number written with a decimal comma as parseDecimal reads it: the comma made a point. A
 * point in it (a thousands separator in such locales, or a decimal point by mistake) makes it
 * no number, so that `1.234` is never read as 1.234 where it meant 1234.
 */
const commaToPoint = (text: string): string => (text.includes('.') ? '' : text.replace(',', '.'));

/** Resolves the requested columns against the first record (the header, or a data row without one). */
export function resolveLayout(fields: string[], options: ReadOptions, line: number): Layout {
  if (fields.some((f) => BINARY.test(f))) {
    throw inputError(`${options.source} does not look like a text CSV file: line ${line} holds NUL bytes or control characters`);
  }
  const header = options.header ? fields.map((f) => f.trim()) : fields.map((_, i) => String(i + 1));
  const columns = { var: -1, init: -1, weight: -1, by: -1, id: -1 };
  const find = (role: string, wanted: string): number => {
    if (!options.header) {
      const index = Number(wanted) - 1;
      if (index >= fields.length) {
        throw inputError(`${options.source}: there is no column ${wanted} (--${role}): line ${line} has ${plural(fields.length, 'column')}`);
      }
      return index;
    }
    const matches: number[] = [];
    header.forEach((name, i) => {
      if (name === wanted.trim()) matches.push(i);
    });
    if (matches.length === 0) throw inputError(`${options.source}: ${missingColumn(wanted, `--${role}`, header, options.delimiter)}`);
    if (matches.length > 1) {
      throw inputError(
        `${options.source}: the header names ${quote(wanted)} ${matches.length} times (columns ${matches.map((m) => m + 1).join(', ')}); rename one, or use --no-header and column numbers`,
      );
    }
    return matches[0];
  };
  for (const role of ['var', 'init', 'weight', 'by', 'id'] as const) {
    const wanted = options.columns[role];
    if (wanted !== undefined) columns[role] = find(role, wanted);
  }
  const varColumns = options.columns.vars?.map((name) => find('var', name)) ?? [columns.var];
  return { header, width: fields.length, columns, varColumns };
}

/**
 * A Float64Array in shared memory: numeric columns live there from the start, so that
 * worker threads can read them without a copy.
 */
export const sharedFloat64 = (length: number): Float64Array => new Float64Array(new SharedArrayBuffer(length * Float64Array.BYTES_PER_ELEMENT));

/** An Int32Array in shared memory: label codes read on a worker thread come back without a copy. */
const sharedInt32 = (length: number): Int32Array => new Int32Array(new SharedArrayBuffer(length * Int32Array.BYTES_PER_ELEMENT));

/**
 * Labels that one byte a row can code: a label column's codes (Codes) take one byte a row
 * while it has at most this many labels (a partition's few: 10M rows take 10 MB instead of
 * 40), four from its 257th label on (the reader then widens what it has read, see
 * TableBuilder.widenLabels). Group codes (--by, whose groups may be many) take four.
 */
const BYTE_LABELS = 256;

const sharedUint8 = (length: number): Uint8Array => new Uint8Array(new SharedArrayBuffer(length));

const int32 = (n: number): Int32Array => new Int32Array(n);

/** Grows a typed array by doubling. */
function grow<T extends Int32Array | Uint8Array>(array: T, make: (n: number) => T): T {
  const bigger = make(array.length * 2);
  bigger.set(array);
  return bigger;
}

/**
 * The columns a builder fills, rows [base, base + capacity) of them. Memory is taken from
 * the system only where it is written (a SharedArrayBuffer's pages stay unmapped until
 * then), so a capacity estimated generously costs nothing beyond the rows read.
 */
export interface Columns {
  /** d values a row, row-major: row i's at [i·d, (i+1)·d). */
  values: Float64Array;
  weights: Float64Array | null;
  labelCodes: Codes | null;
  groupCodes: Int32Array | null;
  base: number;
  capacity: number;
}

/** Shared columns of `capacity` rows for the columns `options` asks for. */
export function sharedColumns(options: Pick<ReadOptions, 'columns'>, capacity: number): Columns {
  const { init, weight, by, vars } = options.columns;
  return {
    values: sharedFloat64(capacity * (vars?.length ?? 1)),
    weights: weight === undefined ? null : sharedFloat64(capacity),
    labelCodes: init === undefined ? null : sharedUint8(capacity),
    groupCodes: by === undefined ? null : sharedInt32(capacity),
    base: 0,
    capacity,
  };
}

/** Rows a builder starts with when it is given no estimate. */
const FIRST_ROWS = 1024;

/**
 * Strings to small integers, in order of first appearance. A Map, so names never become
 * keys of an object. Labels of the fast path are looked up by their bytes first (byteKey):
 * a label seen before then needs no string (making one per row was a fifth of the read).
 */
class Interner {
  readonly map = new Map<string, number>();
  readonly names: string[] = [];
  private readonly keys = new Map<number, number>();

  code(text: string): number {
    let code = this.map.get(text);
    if (code === undefined) {
      code = this.names.length;
      this.map.set(text, code);
      this.names.push(text);
    }
    return code;
  }

  /** The code of the label whose byteKey is `key`, or −1 when it has not been seen as bytes (or has no key). */
  known(key: number): number {
    return key < 0 ? -1 : (this.keys.get(key) ?? -1);
  }

  /** The code of `text`, remembered under its byteKey. */
  codeOf(text: string, key: number): number {
    const code = this.code(text);
    if (key >= 0) this.keys.set(key, code);
    return code;
  }
}

/** Longest label, in bytes, that byteKey packs into a number. */
const KEY_BYTES = 6;

/**
 * Field j of a fast record as one number, the same exactly for the same text: its bytes
 * b_i in base 256 and its length above them (below 7·2^48, an exact double); −1 for a field
 * longer than KEY_BYTES or on a line with bytes beyond ASCII (whose text fieldText trims further).
 */
function byteKey(record: Fields, j: number): number {
  const start = record.starts[j];
  const length = record.ends[j] - start;
  if (length > KEY_BYTES || !record.ascii) return -1;
  let key = length;
  for (let i = length - 1; i >= 0; i--) key = key * 256 + record.bytes[start + i];
  return key;
}

/** What one builder read: plain data, so that a worker thread can send it back. */
export interface TablePart {
  rows: number;
  records: number;
  values: Float64Array;
  weights: Float64Array | null;
  labelCodes: Codes | null;
  labelNames: string[];
  groupCodes: Int32Array | null;
  groupNames: string[];
  /** Largest decimals per numeric column. */
  columnDecimals: number[];
  /** Record indices (within the part) of the records left out, their group codes or −1, and 1 for weight 0. */
  skipped: Int32Array;
  skippedGroups: Int32Array;
  skippedZero: Uint8Array;
  skippedLabels: string[];
  decimals: number;
}

/**
 * Records → columns, for one reader (a whole file, or a stretch of one). A record comes as
 * strings (`strings`, from csv-parse) or as byte ranges (`fields`, from the fast path of
 * scan.ts), which converts the columns in use straight from the bytes and hands anything
 * out of the ordinary (a missing value, weight 0, a ragged row, a cell that is not a
 * number) to `strings`, so that every message and every decision is made by one piece of code.
 *
 * The columns are given (a region of shared columns, parallel.ts) or made here. When they
 * are full they grow to `expect(rows)`, the reader's estimate of the rows it will have read
 * (from the bytes read so far and the input's size), or double when the size is not known.
 */
export class TableBuilder implements RecordSink {
  layout: Layout | null;
  private cols: Columns;
  private readonly labels = new Interner();
  private readonly groups = new Interner();
  private skipped = int32(16);
  private skippedGroups = int32(16);
  private skippedZero = new Uint8Array(16);
  private nSkipped = 0;
  private readonly skippedLabels = new Set<string>();
  private n = 0;
  private records = 0;
  private readonly columnDecimals: number[];
  private readonly d: number;
  /** The numeric values of the record being read, and their decimals (committed to columnDecimals when the row is used). */
  private readonly row: Float64Array;
  private readonly rowDecimals: Float64Array;
  private readonly scan: ParsedNumber = { value: 0, decimals: 0 };
  private readonly decimalComma: boolean;

  /** `layout` is given when another reader has resolved the first record (a later stretch). */
  constructor(
    private readonly options: ReadOptions,
    layout: Layout | null = null,
    columns: Columns | null = null,
    private readonly expect: ((rows: number) => number) | null = null,
  ) {
    this.layout = layout;
    this.decimalComma = options.decimalComma === true;
    this.d = options.columns.vars?.length ?? 1;
    this.columnDecimals = new Array<number>(this.d).fill(-Infinity);
    this.row = new Float64Array(this.d);
    this.rowDecimals = new Float64Array(this.d);
    this.cols = columns ?? sharedColumns(options, FIRST_ROWS);
  }

  private columnName(index: number): string {
    return this.options.header && this.layout ? quote(this.layout.header[index]) : String(index + 1);
  }

  /** The cell's text, or null when it is missing and rows with missing values are skipped. */
  private cell(fields: string[], index: number, line: number): string | null {
    const text = fields[index];
    if (!isMissing(text)) return text;
    if (this.options.missing === 'skip') return null;
    throw new RecordError(line, `missing value ${quote(text)} in column ${this.columnName(index)} (use --missing skip to leave such rows out)`);
  }

  /** Moves the rows to new columns of the estimated size (or twice the size). */
  private growColumns(): void {
    const old = this.cols;
    const n = this.n;
    const wanted = this.expect === null ? 2 * old.capacity : Math.max(this.expect(n), Math.ceil(1.25 * old.capacity));
    const cols = sharedColumns(this.options, Math.max(wanted, n + FIRST_ROWS));
    if (old.labelCodes instanceof Int32Array) cols.labelCodes = sharedInt32(cols.capacity);
    const rows = (a: Float64Array | Codes | null): Float64Array | Codes => (a as Float64Array).subarray(old.base, old.base + n);
    cols.values.set(old.values.subarray(old.base * this.d, (old.base + n) * this.d));
    cols.weights?.set(rows(old.weights));
    cols.labelCodes?.set(rows(old.labelCodes));
    cols.groupCodes?.set(rows(old.groupCodes));
    this.cols = cols;
  }

  /** A record as csv-parse gives it, starting on `line`. */
  strings(fields: string[], line: number): void {
    let layout = this.layout;
    if (layout === null) {
      if (isBlank(fields, 0)) return;
      layout = this.layout = resolveLayout(fields, this.options, line);
      if (this.options.header) return;
    }
    if (fields.length !== layout.width) {
      if (isBlank(fields, layout.width)) return;
      throw new RecordError(line, `${plural(fields.length, 'field')} where the ${this.options.header ? 'header has' : 'first row has'} ${layout.width}`);
    }
    const cols = layout.columns;
    const record = this.records++;
    const d = this.d;
    // A missing value in any numeric column leaves the whole row out (--missing skip).
    const columns = layout.varColumns;
    let xMissing = false;
    for (let j = 0; j < d; j++) if (this.cell(fields, columns[j], line) === null) xMissing = true;
    const labelText = cols.init >= 0 ? this.cell(fields, cols.init, line) : '';
    const weightText = cols.weight >= 0 ? this.cell(fields, cols.weight, line) : '';
    const groupText = cols.by >= 0 ? this.cell(fields, cols.by, line) : '';
    if (xMissing || labelText === null || weightText === null || groupText === null) {
      this.leaveOut(record, groupText, labelText, 0);
      return;
    }
    const scan = this.scan;
    for (let j = 0; j < d; j++) {
      const xText = fields[columns[j]];
      if (!parseDecimal(this.decimalComma ? commaToPoint(xText) : xText, scan)) {
        throw new RecordError(line, `column ${this.columnName(columns[j])} holds ${quote(xText)}, which is not a finite number${numberHint(xText, this.decimalComma, this.options.delimiter)}`);
      }
      this.row[j] = scan.value;
      this.rowDecimals[j] = scan.decimals;
    }
    let weight = 1;
    if (cols.weight >= 0) {
      if (!parseDecimal(this.decimalComma ? commaToPoint(weightText) : weightText, scan) || scan.value < 0) {
        throw new RecordError(line, `weight column ${this.columnName(cols.weight)} holds ${quote(weightText)}; weights must be finite numbers ≥ 0`);
      }
      weight = scan.value;
      // Weight 0: the row counts for nothing, so it is left out of everything.
      if (weight === 0) {
        this.leaveOut(record, groupText, labelText, 1);
        return;
      }
    }
    this.add(cols.init >= 0 ? this.labels.code(labelText) : 0, weight, cols.by >= 0 ? this.groups.code(groupText) : 0);
  }

  /**
   * A record of the fast path, starting on `line`: the usual row (as many fields as the
   * layout, a number, labels present, a positive weight) is read from the bytes; any
   * other goes to `strings` as the strings csv-parse would have made.
   */
  fields(record: Fields, line: number): void {
    const layout = this.layout;
    // Numbers with a decimal comma (where a point is an error) are read as text, by strings.
    if (layout === null || record.count !== layout.width || this.decimalComma) return this.strings(fieldTexts(record), line);
    const { bytes, starts, ends } = record;
    const cols = layout.columns;
    const scan = this.scan;
    const columns = layout.varColumns;
    for (let j = 0; j < this.d; j++) {
      if (!parseDecimalBytes(bytes, starts[columns[j]], ends[columns[j]], scan)) return this.strings(fieldTexts(record), line);
      this.row[j] = scan.value;
      this.rowDecimals[j] = scan.decimals;
    }
    let weight = 1;
    if (cols.weight >= 0) {
      if (!parseDecimalBytes(bytes, starts[cols.weight], ends[cols.weight], scan) || !(scan.value > 0)) return this.strings(fieldTexts(record), line);
      weight = scan.value;
    }
    // Labels seen before are coded from their bytes; a new one is checked for "missing" as text.
    const labelKey = cols.init >= 0 ? byteKey(record, cols.init) : -1;
    let label = cols.init >= 0 ? this.labels.known(labelKey) : 0;
    const labelText = label < 0 ? fieldText(record, cols.init) : '';
    const groupKey = cols.by >= 0 ? byteKey(record, cols.by) : -1;
    let group = cols.by >= 0 ? this.groups.known(groupKey) : 0;
    const groupText = group < 0 ? fieldText(record, cols.by) : '';
    if ((label < 0 && isMissing(labelText)) || (group < 0 && isMissing(groupText))) return this.strings(fieldTexts(record), line);
    this.records++;
    // Coded only now: a record handed to `strings` codes its labels there, in its own order.
    if (label < 0) label = this.labels.codeOf(labelText, labelKey);
    if (group < 0) group = this.groups.codeOf(groupText, groupKey);
    this.add(label, weight, group);
  }

  /** Stores the row in use (`row`, `rowDecimals`), with the codes of its label and group (0 where there are none). */
  private add(label: number, weight: number, group: number): void {
    const n = this.n;
    if (n === this.cols.capacity) this.growColumns();
    const { values, weights, labelCodes, groupCodes, base } = this.cols;
    const d = this.d;
    // A loop, not values.set(row, at): a builtin call per row cost more than the copy of d values.
    const at = (base + n) * d;
    for (let j = 0; j < d; j++) {
      values[at + j] = this.row[j];
      if (this.rowDecimals[j] > this.columnDecimals[j]) this.columnDecimals[j] = this.rowDecimals[j];
    }
    if (labelCodes !== null) {
      if (label >= BYTE_LABELS && labelCodes instanceof Uint8Array) this.widenLabels()[base + n] = label;
      else labelCodes[base + n] = label;
    }
    if (groupCodes !== null) groupCodes[base + n] = group;
    if (weights !== null) weights[base + n] = weight;
    this.n = n + 1;
  }

  /** Records a record left out: for a missing value (zero = 0) or weight 0 (zero = 1). */
  private leaveOut(record: number, groupText: string | null, labelText: string | null, zero: 0 | 1): void {
    if (this.nSkipped === this.skipped.length) {
      this.skipped = grow(this.skipped, int32);
      this.skippedGroups = grow(this.skippedGroups, int32);
      this.skippedZero = grow(this.skippedZero, (n) => new Uint8Array(n));
    }
    this.skippedGroups[this.nSkipped] = this.cols.groupCodes === null || groupText === null ? -1 : this.groups.code(groupText);
    this.skippedZero[this.nSkipped] = zero;
    this.skipped[this.nSkipped++] = record;
    if (labelText !== null && this.cols.labelCodes !== null) this.skippedLabels.add(labelText);
  }

  /**
   * The label codes read so far moved to four bytes a row, at the column's 257th label: into
   * columns of their own, at the same rows (a region's rows below its base are never written,
   * and unwritten pages of shared memory cost nothing). Returns them.
   */
  private widenLabels(): Int32Array {
    const { labelCodes, base, capacity } = this.cols;
    const wide = sharedInt32(base + capacity);
    wide.set((labelCodes as Uint8Array).subarray(base, base + this.n), base);
    this.cols = { ...this.cols, labelCodes: wide };
    return wide;
  }

  part(): TablePart {
    const n = this.n;
    const { values, weights, labelCodes, groupCodes, base } = this.cols;
    return {
      rows: n,
      records: this.records,
      values: values.subarray(base * this.d, (base + n) * this.d),
      weights: weights?.subarray(base, base + n) ?? null,
      labelCodes: labelCodes?.subarray(base, base + n) ?? null,
      labelNames: this.labels.names,
      groupCodes: groupCodes?.subarray(base, base + n) ?? null,
      groupNames: this.groups.names,
      skipped: this.skipped.subarray(0, this.nSkipped),
      skippedGroups: this.skippedGroups.subarray(0, this.nSkipped),
      skippedZero: this.skippedZero.subarray(0, this.nSkipped),
      skippedLabels: [...this.skippedLabels],
      decimals: Math.max(...this.columnDecimals),
      columnDecimals: this.columnDecimals,
    };
  }
}

/**
 * The parts' rows of one column one after another, each code passed through its part's
 * `remaps` when given, into a column of `size`-byte elements made by `wrap`. In place when
 * the parts are views of one shared column of that type, each starting at or after where its
 * rows go (the regions of parallel.ts): the rows move down in order, and none is overwritten
 * before it has moved. Else into a new column.
 */
function joined<T extends Float64Array | Codes>(views: (Float64Array | Codes)[], n: number, size: number, wrap: (buffer: ArrayBufferLike, length?: number) => T, remaps: Int32Array[] | null = null): T {
  const buffer = views[0].buffer;
  let at = 0;
  let inPlace = buffer instanceof SharedArrayBuffer;
  for (const v of views) {
    inPlace &&= v.buffer === buffer && v.BYTES_PER_ELEMENT === size && v.byteOffset / size >= at;
    at += v.length;
  }
  const whole = inPlace ? wrap(buffer) : wrap(new SharedArrayBuffer(n * size), n);
  at = 0;
  views.forEach((v, p) => {
    const start = v.byteOffset / v.BYTES_PER_ELEMENT;
    const remap = remaps?.[p];
    if (remap !== undefined) {
      const source = inPlace ? whole : v;
      const from = inPlace ? start : 0;
      for (let i = 0; i < v.length; i++) whole[at + i] = remap[source[from + i]];
    } else if (inPlace) whole.copyWithin(at, start, start + v.length);
    else whole.set(v, at);
    at += v.length;
  });
  return whole.subarray(0, n) as T;
}

/**
 * Codes of the parts renumbered into one interner, in order: the parts' first appearances
 * in file order. One part's codes are that already, and are kept as they are. One byte a
 * row while every part has one and the labels are at most 256 (BYTE_LABELS), else four.
 */
function merged(codes: (Codes | null)[], names: string[][], total: number): { codes: Codes; names: string[]; remaps: Int32Array[] } {
  const all = new Interner();
  const remaps = names.map((local) => Int32Array.from(local, (name) => all.code(name)));
  const views = codes as Codes[];
  if (views.length === 1) return { codes: views[0], names: all.names, remaps };
  const bytes = all.names.length <= BYTE_LABELS && views.every((v) => v instanceof Uint8Array);
  const out = bytes ? joined(views, total, 1, (b, length) => new Uint8Array(b, 0, length), remaps) : joined(views, total, 4, (b, length) => new Int32Array(b, 0, length), remaps);
  return { codes: out, names: all.names, remaps };
}

/** Joins the parts of consecutive stretches of one file into its Table. */
export function mergeParts(parts: TablePart[], layout: Layout | null, options: ReadOptions): Table {
  const { source } = options;
  if (layout === null) throw inputError(`${source}: the file is empty`);
  const records = parts.reduce((a, p) => a + p.records, 0);
  const n = parts.reduce((a, p) => a + p.rows, 0);
  if (records === 0) throw inputError(`${source}: no data rows${options.header ? ' after the header' : ''}`);
  if (n === 0) {
    const zero = parts.reduce((a, p) => a + p.skippedZero.reduce((b, z) => b + z, 0), 0);
    const why = zero === 0 ? 'have a missing value in a column in use' : zero === records ? 'have weight 0' : `have a missing value (${records - zero}) or weight 0 (${zero})`;
    throw inputError(`${source}: all ${records} data rows ${why}; nothing to fit`);
  }
  const d = layout.varColumns.length;
  const concat = (pick: (p: TablePart) => Float64Array | null, width = 1): Float64Array | null => {
    if (pick(parts[0]) === null) return null;
    if (parts.length === 1) return pick(parts[0]);
    return joined(parts.map(pick) as Float64Array[], n * width, 8, (b, length) => new Float64Array(b, 0, length));
  };
  const { header, columns: cols } = layout;
  const labels = options.columns.init !== undefined ? merged(parts.map((p) => p.labelCodes), parts.map((p) => p.labelNames), n) : null;
  const groups = options.columns.by !== undefined ? merged(parts.map((p) => p.groupCodes), parts.map((p) => p.groupNames), n) : null;
  const skipped = parts.reduce((a, p) => a + p.skipped.length, 0);
  const skippedRecords = new Int32Array(skipped);
  const skippedGroups = new Int32Array(skipped);
  const skippedZero = new Uint8Array(skipped);
  let zeroWeight = 0;
  let at = 0;
  let before = 0;
  let decimals = -Infinity;
  const columnDecimals = new Array<number>(d).fill(-Infinity);
  parts.forEach((p, i) => {
    for (let j = 0; j < p.skipped.length; j++) {
      skippedRecords[at] = before + p.skipped[j];
      skippedZero[at] = p.skippedZero[j];
      zeroWeight += p.skippedZero[j];
      skippedGroups[at++] = p.skippedGroups[j] < 0 || groups === null ? -1 : groups.remaps[i][p.skippedGroups[j]];
    }
    before += p.records;
    decimals = Math.max(decimals, p.decimals);
    p.columnDecimals.forEach((c, j) => {
      columnDecimals[j] = Math.max(columnDecimals[j], c);
    });
  });
  const varNames = layout.varColumns.map((c) => header[c]);
  const labelSet = new Set(labels?.names ?? []);
  return {
    source,
    header,
    varName: varNames.join(','),
    varNames,
    d,
    idColumn: cols.id >= 0 ? cols.id : null,
    values: concat((p) => p.values, d) as Float64Array,
    decimals,
    columnDecimals,
    labels: labels === null ? null : { name: header[cols.init], codes: labels.codes, names: labels.names },
    weightName: cols.weight >= 0 ? header[cols.weight] : null,
    weights: concat((p) => p.weights),
    groups: groups === null ? null : { name: header[cols.by], codes: groups.codes, names: groups.names },
    records,
    skippedRecords,
    skippedGroups,
    skippedZero,
    zeroWeight,
    labelsOnlyInSkipped: [...new Set(parts.flatMap((p) => p.skippedLabels))].filter((l) => !labelSet.has(l)),
  };
}
