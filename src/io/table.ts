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
import { plural, quote } from '../text.js';
import type { Encoding } from './decode.js';
import { missingColumn, numberHint } from './hints.js';
import { parseDecimal, type ParsedNumber } from './number.js';

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
}

/** A column of labels: codes[i] indexes names, which are in order of first appearance. */
export interface LabelColumn {
  name: string;
  codes: Int32Array;
  names: string[];
}

export interface Table {
  source: string;
  /** Every column's name; "1", "2", … without a header. */
  header: string[];
  /** Name of the numeric column (d > 1: the names joined by commas). */
  varName: string;
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
  ) {
    super(detail);
  }
}

/** NUL and other control characters but tab and line breaks: a binary file (bytes that are not text are refused when decoding). */
const BINARY = /[\u0000-\u0008\u000e-\u001f]/;

/** Cells that mean "no value" (R writes NA; pandas writes an empty cell). */
const MISSING = new Set(['', 'NA', 'N/A', 'n/a', 'na', '#N/A', 'null', 'NULL']);

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
  const columns = { var: -1, init: -1, weight: -1, by: -1 };
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
  for (const role of ['var', 'init', 'weight', 'by'] as const) {
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

/** Grows a typed array by doubling. */
function grow<T extends Float64Array | Int32Array>(array: T, make: (n: number) => T): T {
  const bigger = make(array.length * 2);
  bigger.set(array);
  return bigger;
}

const int32 = (n: number): Int32Array => new Int32Array(n);

/** Strings to small integers, in order of first appearance. A Map, so names never become keys of an object. */
class Interner {
  readonly map = new Map<string, number>();
  readonly names: string[] = [];

  code(text: string): number {
    let code = this.map.get(text);
    if (code === undefined) {
      code = this.names.length;
      this.map.set(text, code);
      this.names.push(text);
    }
    return code;
  }
}

/** What one builder read: plain data, so that a worker thread can send it back. */
export interface TablePart {
  rows: number;
  records: number;
  values: Float64Array;
  weights: Float64Array | null;
  labelCodes: Int32Array | null;
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

export class TableBuilder {
  layout: Layout | null;
  private values = sharedFloat64(1024);
  private weights: Float64Array | null = null;
  private labelCodes: Int32Array | null;
  private groupCodes: Int32Array | null;
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
  private readonly row: Float64Array;
  private readonly scan: ParsedNumber = { value: 0, decimals: 0 };
  private readonly decimalComma: boolean;

  /** `layout` is given when another reader has resolved the first record (a later stretch). */
  constructor(
    private readonly options: ReadOptions,
    layout: Layout | null = null,
  ) {
    this.layout = layout;
    this.decimalComma = options.decimalComma === true;
    this.d = options.columns.vars?.length ?? 1;
    this.columnDecimals = new Array<number>(this.d).fill(-Infinity);
    this.row = new Float64Array(this.d);
    this.values = sharedFloat64(1024 * this.d);
    this.labelCodes = options.columns.init !== undefined ? int32(1024) : null;
    this.groupCodes = options.columns.by !== undefined ? int32(1024) : null;
    if (options.columns.weight !== undefined) this.weights = sharedFloat64(1024);
  }

  private columnName(index: number): string {
    return this.options.header && this.layout ? quote(this.layout.header[index]) : String(index + 1);
  }

  /** The cell's text, or null when it is missing and rows with missing values are skipped. */
  private cell(fields: string[], index: number, line: number): string | null {
    const text = fields[index];
    if (!MISSING.has(text.trim())) return text;
    if (this.options.missing === 'skip') return null;
    throw new RecordError(line, `missing value ${quote(text)} in column ${this.columnName(index)} (use --missing skip to leave such rows out)`);
  }

  /** Doubles the capacity of every column in use. */
  private growColumns(): void {
    this.values = grow(this.values, sharedFloat64);
    if (this.weights !== null) this.weights = grow(this.weights, sharedFloat64);
    if (this.labelCodes !== null) this.labelCodes = grow(this.labelCodes, int32);
    if (this.groupCodes !== null) this.groupCodes = grow(this.groupCodes, int32);
  }

  /** Takes one record that starts on `line`. */
  record(fields: string[], line: number): void {
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
        throw new RecordError(line, `column ${this.columnName(columns[j])} holds ${quote(xText)}, which is not a finite number${numberHint(xText, this.decimalComma)}`);
      }
      this.row[j] = scan.value;
      if (scan.decimals > this.columnDecimals[j]) this.columnDecimals[j] = scan.decimals;
    }
    let weight = 1;
    if (this.weights !== null) {
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
    const n = this.n;
    if ((n + 1) * d > this.values.length) this.growColumns();
    this.values.set(this.row, n * d);
    if (this.labelCodes !== null) this.labelCodes[n] = this.labels.code(labelText);
    if (this.groupCodes !== null) this.groupCodes[n] = this.groups.code(groupText);
    if (this.weights !== null) this.weights[n] = weight;
    this.n = n + 1;
  }

  /** Records a record left out: for a missing value (zero = 0) or weight 0 (zero = 1). */
  private leaveOut(record: number, groupText: string | null, labelText: string | null, zero: 0 | 1): void {
    if (this.nSkipped === this.skipped.length) {
      this.skipped = grow(this.skipped, int32);
      this.skippedGroups = grow(this.skippedGroups, int32);
      const bigger = new Uint8Array(this.skippedZero.length * 2);
      bigger.set(this.skippedZero);
      this.skippedZero = bigger;
    }
    this.skippedGroups[this.nSkipped] = this.groupCodes === null || groupText === null ? -1 : this.groups.code(groupText);
    this.skippedZero[this.nSkipped] = zero;
    this.skipped[this.nSkipped++] = record;
    if (labelText !== null && this.labelCodes !== null) this.skippedLabels.add(labelText);
  }

  part(): TablePart {
    const n = this.n;
    return {
      rows: n,
      records: this.records,
      values: this.values.subarray(0, n * this.d),
      weights: this.weights?.subarray(0, n) ?? null,
      labelCodes: this.labelCodes?.subarray(0, n) ?? null,
      labelNames: this.labels.names,
      groupCodes: this.groupCodes?.subarray(0, n) ?? null,
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

/** Codes of `part` renumbered into the shared interner, in order: the parts' first appearances in file order. */
function merged(codes: (Int32Array | null)[], names: string[][], total: number): { codes: Int32Array; names: string[]; remaps: Int32Array[] } {
  const all = new Interner();
  const remaps = names.map((local) => Int32Array.from(local, (name) => all.code(name)));
  const out = new Int32Array(total);
  let at = 0;
  codes.forEach((part, p) => {
    if (part === null) return;
    const remap = remaps[p];
    for (let i = 0; i < part.length; i++) out[at + i] = remap[part[i]];
    at += part.length;
  });
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
    const out = sharedFloat64(n * width);
    let at = 0;
    for (const p of parts) {
      out.set(pick(p) as Float64Array, at);
      at += p.rows * width;
    }
    return out;
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
