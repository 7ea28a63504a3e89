/**
 * The CSV report: the input's columns, then p_<label> for each component and `component`
 * (the most likely label), one line per row in use. The input is read a second time, so
 * that its columns need not be kept in memory during the fit.
 */
import type { Sink } from '../io/sink.js';
import type { ReportContext } from './context.js';
import { argmax, type RowBlock, rowBlocks } from './rows.js';

const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

/** A field as RFC 4180 writes it: quoted, with quotes doubled, when it must be. */
export const csvField = (text: string): string => (NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text);

export async function writeCsv(ctx: ReportContext, header: string[], records: AsyncIterable<string[]>, sink: Sink): Promise<void> {
  const { fit } = ctx;
  const k = fit.labels.length;
  const columns = [...header, ...fit.labels.map((l) => `p_${l}`), 'component'];
  sink.push(`${columns.map(csvField).join(',')}\n`);
  const labels = fit.labels.map(csvField);
  const blocks = rowBlocks(fit, ctx.x);
  let block: RowBlock | null = null;
  let record = 0;
  let skip = 0;
  let row = 0;
  for await (const fields of records) {
    const index = record++;
    if (skip < ctx.skippedRecords.length && ctx.skippedRecords[skip] === index) {
      skip++;
      continue;
    }
    if (block === null || row >= block.end) block = blocks.next().value as RowBlock;
    const offset = (row - block.start) * k;
    const line = fields.map(csvField);
    for (let j = 0; j < k; j++) line.push(String(block.r[offset + j]));
    line.push(labels[argmax(block.r, offset, k)]);
    row++;
    if (sink.push(`${line.join(',')}\n`)) await sink.flush();
  }
  await sink.flush();
}
