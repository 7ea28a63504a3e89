/**
 * The CSV report's bulk writer against the writer it replaces: the whole output, byte for
 * byte, against a reference written here as the per-field writer wrote it (every record of
 * csv-parse as strings, every field through csvField), on generated inputs with quotes,
 * other delimiters, spaces and other white space around fields, non-ASCII text, skipped
 * rows, CRLF and blank lines (helpers/csv-inputs.ts).
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { dataRecords, type ReadOptions, readTable } from '../../src/io/csv.js';
import { csvField, writeCsv } from '../../src/report/csv.js';
import { argmax, type RowSet, rowBlocks } from '../../src/report/rows.js';
import { rng } from '../../src/select/rng.js';
import { generateCsv } from '../helpers/csv-inputs.js';
import { rowSet, written } from '../helpers/report.js';

describe('writeCsv', () => {
  const options = (over: Partial<ReadOptions>): ReadOptions => ({ source: 'in.csv', header: true, delimiter: ',', encoding: 'utf8', missing: 'skip', columns: { var: 'x' }, ...over });

  /** The previous writer: every record of the reader as strings, every field through csvField. */
  async function reference(bytes: Buffer, opts: ReadOptions, rows: RowSet, header: string[]): Promise<string> {
    const lines = [`${[...header, ...rows.labels.map((l) => `p_${l}`), 'component'].map(csvField).join(',')}\n`];
    // rowBlocks reuses its arrays: keep a copy of each block.
    const blocks = [];
    for (const b of rowBlocks(rows.model, rows.x)) blocks.push({ ...b, r: Float64Array.from(b.r) });
    let record = 0;
    let skip = 0;
    let row = 0;
    for await (const fields of dataRecords(Readable.from([bytes]), { ...opts, reader: 'csv-parse' })) {
      const index = record++;
      if (skip < rows.skippedRecords.length && rows.skippedRecords[skip] === index) {
        skip++;
        continue;
      }
      const block = blocks[Math.floor(row / 4096)];
      const offset = (row - block.start) * 3;
      const line = fields.map(csvField);
      for (let j = 0; j < 3; j++) line.push(String(block.r[offset + j]));
      line.push(csvField(rows.labels[argmax(block.r, offset, 3)]));
      lines.push(`${line.join(',')}\n`);
      row++;
    }
    return lines.join('');
  }

  it('writes the input lines with the rows as the per-field writer did, for inputs of every kind', async () => {
    let compared = 0;
    for (let i = 0; i < 60; i++) {
      const u = rng(20261130, 1 + i);
      const g = generateCsv(u, 200 + Math.floor(u() * 5000), i % 2);
      const bytes = Buffer.from(g.text);
      const opts = options({ header: g.header, delimiter: g.delimiter, columns: g.columns });
      let table;
      try {
        table = await readTable(Readable.from([bytes]), opts);
      } catch {
        continue;
      }
      const rows = rowSet(table.values, table.skippedRecords);
      const actual = await written((sink) => writeCsv(rows, table.header, dataRecords(Readable.from([bytes]), opts), sink, 'in.csv'));
      expect(actual, `generated file ${i}`).toBe(await reference(bytes, opts, rows, table.header));
      compared++;
    }
    expect(compared).toBeGreaterThan(15);
  });
});
