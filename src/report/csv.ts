/**
 * The CSV report: the input's columns, then p_<label> for each component and `component`
 * (the most likely label), one line per row in use. The input is read a second time, so
 * that its columns need not be kept in memory during the fit.
 */
import type { Sink } from '../io/sink.js';
import type { LabelColumn } from '../io/csv.js';
import { labelOrder } from '../io/labels.js';
import { argmax, type RowBlock, type RowSet, rowBlocks } from './rows.js';

const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

/** A field as RFC 4180 writes it: quoted, with quotes doubled, when it must be. */
export const csvField = (text: string): string => (NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text);

/** The input's columns, then p_<label> per component, the component and, for predict, log_density. */
export async function writeCsv(rows: RowSet, header: string[], records: AsyncIterable<string[]>, sink: Sink): Promise<void> {
  const k = rows.labels.length;
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
    if (block === null || row >= block.end) block = blocks.next().value as RowBlock;
    const offset = (row - block.start) * k;
    const line = fields.map(csvField);
    for (let j = 0; j < k; j++) line.push(String(block.r[offset + j]));
    line.push(labels[argmax(block.r, offset, k)]);
    if (rows.logDensity) line.push(String(block.logDensity[row - block.start]));
    row++;
    if (sink.push(`${line.join(',')}\n`)) await sink.flush();
  }
  await sink.flush();
}

/**
 * The CSV of a --by fit: the input's columns, `group`, then p_<label> for every label of any
 * group (empty where a group has no such component, or was not fitted) and `component`.
 * `fitted[g]` holds group g's rows, which appear in the file in the same order.
 */
export async function writeGroupsCsv(
  groups: LabelColumn,
  fitted: (RowSet | null)[],
  skippedRecords: Int32Array,
  header: string[],
  records: AsyncIterable<string[]>,
  sink: Sink,
): Promise<void> {
  const names = [...new Set(fitted.flatMap((rows) => rows?.labels ?? []))];
  const union = labelOrder(names).map((i) => names[i]);
  const column = new Map(union.map((label, j) => [label, j]));
  sink.push(`${[...header, 'group', ...union.map((l) => `p_${l}`), 'component'].map(csvField).join(',')}\n`);
  const blocks = fitted.map((rows) => (rows === null ? null : rowBlocks(rows.model, rows.x)));
  const current: (RowBlock | null)[] = fitted.map(() => null);
  const position = new Int32Array(fitted.length);
  let record = 0;
  let skip = 0;
  let row = 0;
  for await (const fields of records) {
    const index = record++;
    if (skip < skippedRecords.length && skippedRecords[skip] === index) {
      skip++;
      continue;
    }
    const g = groups.codes[row++];
    const cells = new Array<string>(union.length).fill('');
    let component = '';
    const rows = fitted[g];
    const source = blocks[g];
    if (rows !== null && source !== null) {
      const i = position[g]++;
      let block = current[g];
      if (block === null || i >= block.end) block = current[g] = source.next().value as RowBlock;
      const k = rows.labels.length;
      const offset = (i - block.start) * k;
      rows.labels.forEach((label, j) => {
        cells[column.get(label) as number] = String(block.r[offset + j]);
      });
      component = rows.labels[argmax(block.r, offset, k)];
    }
    const line = [...fields.map(csvField), csvField(groups.names[g]), ...cells, csvField(component)];
    if (sink.push(`${line.join(',')}\n`)) await sink.flush();
  }
  await sink.flush();
}
