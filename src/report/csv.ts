/**
 * The per-row reports, CSV and NDJSON: one line per data record of the input, in its order,
 * with the record's number, the responsibilities and the most likely component (`component`)
 * of each row in use, and empty cells for the records left out (see writeCsv). The input is read a second time, so
 * that its columns need not be kept in memory during the fit; the caller makes sure it is
 * the same input (a pipe's spooled bytes, or a file checked to be unchanged), and the
 * records are counted against the rows as they come.
 */
import { inputError } from '../errors.js';
import type { DataRecords } from '../io/csv.js';
import { fieldText, fieldTexts, type RecordSink } from '../io/scan.js';
import { ByteText, type Sink } from '../io/sink.js';
import type { Codes, Family, MixtureParams } from '../models/family.js';
import type { StandardErrors } from '../models/gaussian-se.js';
import { densitySpec, familyName, makeFamily } from '../models/registry.js';
import type { Fit } from '../select/fit.js';
import { finite } from './context.js';
import { numberText } from './format.js';
import { componentKeys } from './json.js';
import { argmax, type Model, type RowBlock, type RowSet, rowBlocks, rowsIn } from './rows.js';

const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

/** A field as RFC 4180 writes it: quoted, with quotes doubled, when it must be. */
export const csvField = (text: string): string => (NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text);

/** The input read again does not match the rows of the fit: it changed in between. */
const changed = (source: string, what: string): Error => inputError(`${source} changed after it was read (${what}); run em-fit again on a file that stays as it is`);

/**
 * Names for the columns a report adds, none equal to an input column's or to another added
 * one: a wanted name already taken gets the first free suffix `.1`, `.2`, … (the rule of R's
 * make.unique and of pandas for repeated names), so that re-fitting em-fit's own output,
 * or --by on a file with a `group` column, gives each column its own name.
 */
export function freshNames(taken: readonly string[], wanted: readonly string[]): string[] {
  const used = new Set(taken);
  return wanted.map((name) => {
    let fresh = name;
    for (let i = 1; used.has(fresh); i++) fresh = `${name}.${i}`;
    used.add(fresh);
    return fresh;
  });
}

/** How the lines of a per-row report are shaped, besides the rows' numbers. */
export interface RowOutput {
  /** 'csv': the input's columns (or the --id column), then the new ones; 'ndjson': one JSON object per data row. */
  format: 'csv' | 'ndjson';
  /** The 0-based input column copied instead of the whole line and `row` (--id), or null. */
  id: number | null;
}

/**
 * One line per data record of the input, in its order: the rows of the fit with their
 * responsibilities, the most likely component and, for predict, the log-density; records
 * left out (a missing value, weight 0) with those cells empty (CSV) or null (NDJSON), so that
 * the output joins back to the input by line or by `row`, the record's 1-based number among
 * the data records (as the text table and the messages number them).
 *
 * CSV: the input's columns, `row`, p_<label> per component, `component`, [`log_density`];
 * with --id, the id column alone instead of the input's columns and `row`. The added names
 * go through freshNames.
 * NDJSON: {"row", ["id"], "value", "responsibilities": {label: p}, "component", ["log_density"]}.
 *
 * The input's records come from the reader (DataRecords, io/csv.ts), one chunk of the
 * input at a time, and the lines of a chunk are written as one string. A record of the
 * fast path whose fields need no quotes is written as its bytes: with a comma for a
 * delimiter and no spaces trimmed around its fields (the usual file), the line of the
 * input itself, from its first field to its last. Any other record is written field by
 * field, quoted as csvField quotes.
 */
export async function writeCsv(rows: RowSet, header: string[], records: DataRecords, sink: Sink, source: string, how: RowOutput = { format: 'csv', id: null }): Promise<void> {
  const k = rows.labels.length;
  const n = rowsIn(rows);
  const d = rows.x.length / Math.max(1, n);
  const { id } = how;
  const csv = how.format === 'csv';
  const added = freshNames(header, [...(id === null ? ['row'] : []), ...rows.labels.map((l) => `p_${l}`), 'component', ...(rows.logDensity ? ['log_density'] : [])]);
  if (csv) sink.push(`${[...(id === null ? header : [header[id]]), ...added].map(csvField).join(',')}\n`);
  // NDJSON: the keys of the responsibilities' object, each with its `"` and `:`.
  const keys = rows.labels.map((l, j) => `${j === 0 ? '{' : ','}${JSON.stringify(l)}:`);
  const labels = rows.labels.map((l) => (csv ? `,${csvField(l)}` : `,"component":${JSON.stringify(l)}`));
  // Labels in ASCII (the usual) are copied byte for character, without UTF-8 encoding.
  const asciiKeys = keys.every((t) => /^[\x00-\x7f]*$/.test(t));
  const asciiLabels = labels.every((t) => /^[\x00-\x7f]*$/.test(t));
  const empty = csv ? ','.repeat(k + 1 + (rows.logDensity ? 1 : 0)) : `,"value":null,"responsibilities":null,"component":null${rows.logDensity ? ',"log_density":null' : ''}`;
  const blocks = rowBlocks(rows.model, rows.x);
  const comma = records.options.delimiter === ',';
  const out = new ByteText(1 << 20);
  let block: RowBlock | null = null;
  let record = 0;
  let skip = 0;
  let row = 0;
  /** The start of an NDJSON line: the row's number and, with --id, the id's text. */
  const begin = (idText: string | null): void => {
    out.latin1('{"row":');
    out.integer(record + 1);
    if (idText !== null) out.text(`,"id":${JSON.stringify(idText)}`);
  };
  /** The rest of the line, after the input's columns: the record's number, then its row's numbers, or empty cells. */
  const rest = (): void => {
    const index = record++;
    if (csv && id === null) {
      out.byte(COMMA);
      out.integer(index + 1);
    }
    if (skip < rows.skippedRecords.length && rows.skippedRecords[skip] === index) {
      skip++;
      out.latin1(empty);
      if (!csv) out.byte(CLOSE_BRACE);
      out.byte(NEWLINE);
      return;
    }
    if (row >= n) throw changed(source, `it has more than the ${n} rows fitted`);
    if (block === null || row >= block.end) block = blocks.next().value as RowBlock;
    const offset = (row - block.start) * k;
    const r = block.r;
    if (!csv) {
      // JSON has no NaN: a row the model cannot score is refused, as in the JSON report.
      // The value fitted; with several columns, their values in the order of --var.
      out.latin1(`,"value":${valueText(rows.x, row, d)},"responsibilities":`);
      for (let j = 0; j < k; j++) {
        if (asciiKeys) out.latin1(keys[j]);
        else out.text(keys[j]);
        out.latin1(numberText(finite(r[offset + j], 'responsibility')));
      }
      out.byte(CLOSE_BRACE);
    } else {
      for (let j = 0; j < k; j++) {
        out.byte(COMMA);
        out.latin1(numberText(r[offset + j]));
      }
    }
    if (asciiLabels) out.latin1(labels[argmax(r, offset, k)]);
    else out.text(labels[argmax(r, offset, k)]);
    if (rows.logDensity) {
      out.latin1(csv ? ',' : ',"log_density":');
      out.latin1(numberText(csv ? block.logDensity[row - block.start] : finite(block.logDensity[row - block.start], 'log-density')));
    }
    if (!csv) out.byte(CLOSE_BRACE);
    out.byte(NEWLINE);
    row++;
  };
  const sinkOfRecords: RecordSink = {
    strings(fields) {
      if (!csv) begin(id === null ? null : fields[id]);
      else out.text(id === null ? fields.map(csvField).join(',') : csvField(fields[id]));
      rest();
    },
    fields(fast) {
      if (!csv) begin(id === null ? null : fieldText(fast, id));
      else if (id !== null) out.text(csvField(fieldText(fast, id)));
      else {
        const { bytes, starts, ends, count } = fast;
        let whole = comma && fast.ascii;
        for (let j = 0; j < count && whole; j++) whole = bytes[starts[j]] !== VERTICAL_TAB && (j === 0 || starts[j] === ends[j - 1] + 1);
        if (whole) out.bytes(bytes, starts[0], ends[count - 1]);
        else out.text(fieldTexts(fast).map(csvField).join(','));
      }
      rest();
    },
  };
  for await (const _ of records.scan(sinkOfRecords)) {
    if (sink.pushBytes(out.take())) await sink.flush();
  }
  sink.pushBytes(out.take());
  if (row < n) throw changed(source, `it has ${row} of the ${n} rows fitted`);
  await sink.flush();
}

const COMMA = 0x2c;
const NEWLINE = 0x0a;
const CLOSE_BRACE = 0x7d;

/**
 * A field starting with a vertical tab, the one white space csv-parse's trimming leaves at a
 * field's start, needs quotes (NEEDS_QUOTES's `^\s`); other bytes of an ASCII field of the
 * fast path do not (it has no quote, CR or LF, nor a comma when commas delimit).
 */
const VERTICAL_TAB = 11;

/** A fitted group, as the CSV of --by needs it. */
export interface GroupModel {
  model: Model;
  labels: string[];
}

/**
 * The per-row report of a --by fit (see writeCsv): after the input's columns and `row`,
 * `group`, then p_<label> for every label any group can have (`union`: empty where a group
 * has no such component, or was not fitted) and `component`, one line per data record, in
 * the input's order; a record left out has its group (when it has one) and empty cells.
 * NDJSON lines have a "group" key after "row" (null for a record without one).
 *
 * Written as the groups are fitted: groups are fitted in order of first appearance, so once
 * group g is done every record up to the first row of group g + 1 can be written. Only the
 * parameters of fitted groups with rows still to come are kept, never their rows.
 */
export class GroupsCsv {
  private readonly iterator: AsyncIterator<string[]>;
  private readonly column: Map<string, number>;
  /** Each group's model while rows of it remain to be written; null once done or when not fitted. */
  private readonly models: (GroupModel | null)[];
  private readonly families = new Map<GroupModel, Family<MixtureParams>>();
  private readonly remaining: Int32Array;
  private pending: string[] | null = null;
  private record = 0;
  private skip = 0;
  private row = 0;
  private done = -1;
  private readonly r: Float64Array;
  private readonly density = new Float64Array(1);
  private readonly csv: boolean;

  constructor(
    private readonly codes: Codes,
    private readonly groupNames: readonly string[],
    private readonly values: Float64Array,
    private readonly skippedRecords: Int32Array,
    private readonly skippedGroups: Int32Array,
    header: string[],
    private readonly union: readonly string[],
    records: AsyncIterable<string[]>,
    private readonly sink: Sink,
    private readonly source: string,
    private readonly how: RowOutput = { format: 'csv', id: null },
  ) {
    this.iterator = records[Symbol.asyncIterator]();
    this.column = new Map(union.map((label, j) => [label, j]));
    this.models = groupNames.map(() => null);
    this.remaining = new Int32Array(groupNames.length);
    for (let i = 0; i < codes.length; i++) this.remaining[codes[i]]++;
    this.r = new Float64Array(Math.max(1, union.length));
    this.csv = how.format === 'csv';
    const added = freshNames(header, [...(how.id === null ? ['row'] : []), 'group', ...union.map((l) => `p_${l}`), 'component']);
    if (this.csv) sink.push(`${[...(how.id === null ? header : [header[how.id]]), ...added].map(csvField).join(',')}\n`);
  }

  /** Group g is done: fitted (its model) or not (null). Writes every record that can now be written. */
  async groupDone(g: number, fitted: GroupModel | null): Promise<void> {
    this.models[g] = this.remaining[g] > 0 ? fitted : null;
    this.done = g;
    await this.write(false);
  }

  /** Writes the rest, once every group is done, and checks that the input had the rows fitted. */
  async finish(): Promise<void> {
    this.done = this.groupNames.length - 1;
    await this.write(true);
    if (this.row < this.codes.length) throw changed(this.source, `it has ${this.row} of the ${this.codes.length} rows read`);
    await this.sink.flush();
  }

  private async write(all: boolean): Promise<void> {
    for (;;) {
      let fields = this.pending;
      this.pending = null;
      if (fields === null) {
        const next = await this.iterator.next();
        if (next.done) return;
        fields = next.value;
        if (this.skip < this.skippedRecords.length && this.skippedRecords[this.skip] === this.record) {
          const g = this.skippedGroups[this.skip++];
          if (this.sink.push(this.leftOut(fields, this.record++, g))) await this.sink.flush();
          continue;
        }
        if (this.row >= this.codes.length) throw changed(this.source, `it has more than the ${this.codes.length} rows read`);
      }
      const row = this.row;
      const g = this.codes[row];
      if (g > this.done && !all) {
        this.pending = fields;
        return;
      }
      this.row++;
      if (this.sink.push(this.line(fields, this.record++, g, row))) await this.sink.flush();
    }
  }

  /** The start of a line: the input's columns and `row` (or the id), and the group. */
  private start(fields: string[], record: number, group: string | null): string {
    const { id } = this.how;
    if (this.csv) return [...(id === null ? [...fields.map(csvField), String(record + 1)] : [csvField(fields[id])]), csvField(group ?? '')].join(',');
    return `{"row":${record + 1}${id === null ? '' : `,"id":${JSON.stringify(fields[id])}`},"group":${JSON.stringify(group)}`;
  }

  /** The line of a record left out, in group g (−1 for none). */
  private leftOut(fields: string[], record: number, g: number): string {
    const start = this.start(fields, record, g < 0 ? null : this.groupNames[g]);
    return this.csv ? `${start}${','.repeat(this.union.length + 1)}\n` : `${start},"value":null,"responsibilities":null,"component":null}\n`;
  }

  private line(fields: string[], record: number, g: number, row: number): string {
    const fitted = this.models[g];
    const k = fitted === null ? 0 : fitted.labels.length;
    if (fitted !== null) {
      let family = this.families.get(fitted);
      if (family === undefined) {
        family = makeFamily(densitySpec(fitted.model.spec));
        this.families.set(fitted, family);
      }
      family.posterior(this.values, fitted.model.theta, row, row + 1, this.r, this.density);
    }
    const component = fitted === null ? null : fitted.labels[argmax(this.r, 0, k)];
    let text: string;
    const start = this.start(fields, record, this.groupNames[g]);
    if (this.csv) {
      const cells = new Array<string>(this.union.length).fill('');
      for (let j = 0; j < k; j++) cells[this.column.get((fitted as GroupModel).labels[j]) as number] = numberText(this.r[j]);
      text = `${[start, ...cells, csvField(component ?? '')].join(',')}\n`;
    } else {
      const r = fitted === null ? 'null' : `{${fitted.labels.map((l, j) => `${JSON.stringify(l)}:${numberText(this.r[j])}`).join(',')}}`;
      // The values are the groups' rows of d columns each, one after another.
      text = `${start},"value":${valueText(this.values, row, this.values.length / this.codes.length)},"responsibilities":${r},"component":${JSON.stringify(component)}}\n`;
    }
    if (--this.remaining[g] === 0 && fitted !== null) {
      this.families.delete(fitted);
      this.models[g] = null;
    }
    return text;
  }
}

/** NDJSON's "value" of a row of d columns: the number, or the array of d numbers. */
function valueText(x: Float64Array, row: number, d: number): string {
  return d === 1 ? numberText(x[row]) : `[${Array.from(x.subarray(row * d, (row + 1) * d), numberText).join(',')}]`;
}

/** A fitted model for the parameter table: its fit, its standard errors when asked for, its group with --by. */
export interface ParamsFit {
  fit: Pick<Fit, 'spec' | 'theta' | 'labels'>;
  standardErrors: StandardErrors | string | null;
  group: string | null;
  /** The file, in a batch of files. */
  file?: string;
}

/**
 * The parameter table as CSV (--no-responsibilities with CSV, or --format params): one line
 * per component, [file,] [group,] component, family, weight, the family's parameters under R's names,
 * then mean, variance and sd where they exist (see componentKeys) and, with --se, se_weight,
 * se_mean and se_variance. With --by the columns are those of every group's family, in order
 * of first appearance, empty where a group's family has no such parameter.
 */
/**
 * A parameter's cells: a number as it is; a vector of several columns (a multivariate mean,
 * its sds) as name_1, name_2, …; a matrix (covariance, correlation) as name_1_1, name_1_2, …,
 * numbered in the order of --var.
 */
function flatten(line: Record<string, string>, name: string, value: unknown): void {
  if (value === null || value === undefined) line[name] = '';
  else if (typeof value === 'number') line[name] = numberText(value);
  else if (Array.isArray(value)) value.forEach((v, i) => flatten(line, `${name}_${i + 1}`, v));
  else line[name] = String(value);
}

export function paramsCsv(fits: readonly ParamsFit[], byGroup: boolean, byFile = false): string {
  const lines: Record<string, string>[] = [];
  const columns = new Set<string>([...(byFile ? ['file'] : []), ...(byGroup ? ['group'] : []), 'component', 'family', 'weight']);
  for (const { fit, standardErrors: se, group, file } of fits) {
    fit.labels.forEach((label, k) => {
      const line: Record<string, string> = { file: file ?? '', group: group ?? '', component: label, family: familyName(fit.spec), weight: numberText(finite(fit.theta.weight[k], 'weight')) };
      for (const [name, value] of Object.entries(componentKeys(fit, k))) flatten(line, name, value);
      if (se !== null && typeof se !== 'string') Object.assign(line, { se_weight: numberText(se.weight[k]), se_mean: numberText(se.mean[k]), se_variance: numberText(se.variance[k]) });
      for (const name of Object.keys(line)) if ((name !== 'group' || byGroup) && (name !== 'file' || byFile)) columns.add(name);
      lines.push(line);
    });
  }
  const names = [...columns];
  return [names, ...lines.map((line) => names.map((name) => line[name] ?? ''))].map((cells) => `${cells.map(csvField).join(',')}\n`).join('');
}
