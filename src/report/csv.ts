/**
 * The CSV report: the input's columns, then p_<label> for each component and `component`
 * (the most likely label), one line per row in use. The input is read a second time, so
 * that its columns need not be kept in memory during the fit; the caller makes sure it is
 * the same input (a pipe's spooled bytes, or a file checked to be unchanged), and the
 * records are counted against the rows as they come.
 */
import { inputError } from '../errors.js';
import type { Sink } from '../io/sink.js';
import type { Family, MixtureParams } from '../models/family.js';
import { densitySpec, makeFamily } from '../models/registry.js';
import { argmax, type Model, type RowBlock, type RowSet, rowBlocks, rowsIn } from './rows.js';

const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

/** A field as RFC 4180 writes it: quoted, with quotes doubled, when it must be. */
export const csvField = (text: string): string => (NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text);

/** The input read again does not match the rows of the fit: it changed in between. */
const changed = (source: string, what: string): Error => inputError(`${source} changed after it was read (${what}); run em-fit again on a file that stays as it is`);

/** The input's columns, then p_<label> per component, the component and, for predict, log_density. */
export async function writeCsv(rows: RowSet, header: string[], records: AsyncIterable<string[]>, sink: Sink, source: string): Promise<void> {
  const k = rows.labels.length;
  const n = rowsIn(rows);
  const columns = [...header, ...rows.labels.map((l) => `p_${l}`), 'component', ...(rows.logDensity ? ['log_density'] : [])];
  sink.push(`${columns.map(csvField).join(',')}\n`);
  const labels = rows.labels.map(csvField);
  const blocks = rowBlocks(rows.model, rows.x);
  let block: RowBlock | null = null;
  let record = 0;
  let skip = 0;
  let row = 0;
  for await (const fields of records) {
    const index = record++;
    if (skip < rows.skippedRecords.length && rows.skippedRecords[skip] === index) {
      skip++;
      continue;
    }
    if (row >= n) throw changed(source, `it has more than the ${n} rows fitted`);
    if (block === null || row >= block.end) block = blocks.next().value as RowBlock;
    const offset = (row - block.start) * k;
    const line = fields.map(csvField);
    for (let j = 0; j < k; j++) line.push(String(block.r[offset + j]));
    line.push(labels[argmax(block.r, offset, k)]);
    if (rows.logDensity) line.push(String(block.logDensity[row - block.start]));
    row++;
    if (sink.push(`${line.join(',')}\n`)) await sink.flush();
  }
  if (row < n) throw changed(source, `it has ${row} of the ${n} rows fitted`);
  await sink.flush();
}

/** A fitted group, as the CSV of --by needs it. */
export interface GroupModel {
  model: Model;
  labels: string[];
}

/**
 * The CSV of a --by fit: the input's columns, `group`, then p_<label> for every label any
 * group can have (`union`: empty where a group has no such component, or was not fitted)
 * and `component`, one line per row in use, in the input's order.
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

  constructor(
    private readonly codes: Int32Array,
    private readonly groupNames: readonly string[],
    private readonly values: Float64Array,
    private readonly skippedRecords: Int32Array,
    header: string[],
    private readonly union: readonly string[],
    records: AsyncIterable<string[]>,
    private readonly sink: Sink,
    private readonly source: string,
  ) {
    this.iterator = records[Symbol.asyncIterator]();
    this.column = new Map(union.map((label, j) => [label, j]));
    this.models = groupNames.map(() => null);
    this.remaining = new Int32Array(groupNames.length);
    for (let i = 0; i < codes.length; i++) this.remaining[codes[i]]++;
    this.r = new Float64Array(Math.max(1, union.length));
    sink.push(`${[...header, 'group', ...union.map((l) => `p_${l}`), 'component'].map(csvField).join(',')}\n`);
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
        const index = this.record++;
        if (this.skip < this.skippedRecords.length && this.skippedRecords[this.skip] === index) {
          this.skip++;
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
      if (this.sink.push(this.line(fields, g, row))) await this.sink.flush();
    }
  }

  private line(fields: string[], g: number, row: number): string {
    const cells = new Array<string>(this.union.length).fill('');
    let component = '';
    const fitted = this.models[g];
    if (fitted !== null) {
      let family = this.families.get(fitted);
      if (family === undefined) {
        family = makeFamily(densitySpec(fitted.model.spec));
        this.families.set(fitted, family);
      }
      const k = fitted.labels.length;
      family.posterior(this.values, fitted.model.theta, row, row + 1, this.r, this.density);
      for (let j = 0; j < k; j++) cells[this.column.get(fitted.labels[j]) as number] = String(this.r[j]);
      component = fitted.labels[argmax(this.r, 0, k)];
    }
    if (--this.remaining[g] === 0 && fitted !== null) {
      this.families.delete(fitted);
      this.models[g] = null;
    }
    return `${[...fields.map(csvField), csvField(this.groupNames[g]), ...cells, csvField(component)].join(',')}\n`;
  }
}
