/**
 * The CSV report's bulk writer against a per-field writer: the whole output, byte for
 * byte, against a reference written here field by field (every record of csv-parse as
 * strings, every field through csvField, the record's number, empty cells for a record left out), on generated inputs with quotes,
 * other delimiters, spaces and other white space around fields, non-ASCII text, skipped
 * rows, CRLF and blank lines (helpers/csv-inputs.ts).
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { dataRecords, type ReadOptions, readTable, type Table } from '../../src/io/csv.js';
import { csvField, freshNames, writeCsv } from '../../src/report/csv.js';
import { argmax, type RowSet, rowBlocks } from '../../src/report/rows.js';
import { rng } from '../../src/select/rng.js';
import { generateCsv } from '../helpers/csv-inputs.js';
import { rowSet, written } from '../helpers/report.js';

describe('writeCsv', () => {
  const options = (over: Partial<ReadOptions>): ReadOptions => ({ source: 'in.csv', header: true, delimiter: ',', encoding: 'utf8', missing: 'skip', columns: { var: 'x' }, ...over });

  /** The previous writer: every record of the reader as strings, every field through csvField. */
  async function reference(bytes: Buffer, opts: ReadOptions, rows: RowSet, header: string[]): Promise<string> {
    const lines = [`${[...header, 'row', ...rows.labels.map((l) => `p_${l}`), 'component'].map(csvField).join(',')}\n`];
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
        lines.push(`${[...fields.map(csvField), String(index + 1), '', '', '', ''].join(',')}\n`);
        continue;
      }
      const block = blocks[Math.floor(row / 4096)];
      const offset = (row - block.start) * 3;
      const line = [...fields.map(csvField), String(index + 1)];
      for (let j = 0; j < 3; j++) line.push(String(block.r[offset + j]));
      line.push(csvField(rows.labels[argmax(block.r, offset, 3)]));
      lines.push(`${line.join(',')}\n`);
      row++;
    }
    return lines.join('');
  }

  /** Generated file i of a seed (200 to 200 + `rows` rows), its options and its table; null when it does not read. */
  async function generated(seed: number, i: number, rows: number): Promise<{ bytes: Buffer; opts: ReadOptions; table: Table } | null> {
    const u = rng(seed, 1 + i);
    const g = generateCsv(u, 200 + Math.floor(u() * rows), i % 2);
    const bytes = Buffer.from(g.text);
    const opts = options({ header: g.header, delimiter: g.delimiter, columns: g.columns });
    try {
      return { bytes, opts, table: await readTable(Readable.from([bytes]), opts) };
    } catch {
      return null;
    }
  }

  it('writes the input lines with the rows as the per-field writer did, for inputs of every kind', async () => {
    let compared = 0;
    for (let i = 0; i < 60; i++) {
      const read = await generated(20261130, i, 5000);
      if (read === null) continue;
      const { bytes, opts, table } = read;
      const rows = rowSet(table.values, table.skippedRecords);
      const actual = await written((sink) => writeCsv(rows, table.header, dataRecords(Readable.from([bytes]), opts), sink, 'in.csv'));
      expect(actual, `generated file ${i}`).toBe(await reference(bytes, opts, rows, table.header));
      compared++;
    }
    expect(compared).toBeGreaterThan(15);
  });

  it('writes NDJSON with the numbers of the CSV, record for record, for inputs of every kind', async () => {
    let compared = 0;
    for (let i = 0; i < 20; i++) {
      const read = await generated(20261201, i, 3000);
      if (read === null) continue;
      const { bytes, opts, table } = read;
      // Values squeezed into (−1, 1), which every component scores: the comparison is of CSV with NDJSON, not of the values read.
      const rows = rowSet(table.values.map(Math.tanh), table.skippedRecords);
      const id = table.header.length - 1;
      const csvText = await written((sink) => writeCsv(rows, table.header, dataRecords(Readable.from([bytes]), opts), sink, 'in.csv', { format: 'csv', id }));
      // A value far from every component has no responsibilities (NaN in CSV); NDJSON refuses it, as the JSON report does.
      if (csvText.includes('NaN')) {
        await expect(written((sink) => writeCsv(rows, table.header, dataRecords(Readable.from([bytes]), opts), sink, 'in.csv', { format: 'ndjson', id }))).rejects.toThrow(/responsibility of the fit is NaN/);
        continue;
      }
      const ndText = await written((sink) => writeCsv(rows, table.header, dataRecords(Readable.from([bytes]), opts), sink, 'in.csv', { format: 'ndjson', id }));
      const csvLines = csvText.trimEnd().split('\n').slice(1);
      const nd = ndText.trimEnd().split('\n').map((l) => JSON.parse(l));
      expect(nd).toHaveLength(table.records);
      expect(csvLines).toHaveLength(table.records);
      let row = 0;
      nd.forEach((o, r) => {
        expect(o.row).toBe(r + 1);
        // The id's cell is the CSV line's first field (quoted by csvField when it must be).
        expect(csvLines[r].startsWith(`${csvField(o.id)},`)).toBe(true);
        if (o.value === null) {
          expect(csvLines[r].endsWith(',,,,')).toBe(true);
          return;
        }
        // String(−0) is "0", in CSV as in JSON.
        expect(o.value).toBe(rows.x[row++] + 0);
        const tail = csvLines[r].split(',').slice(-4, -1).map(Number);
        expect(Object.values(o.responsibilities)).toEqual(tail);
        expect(Object.keys(o.responsibilities)).toEqual(rows.labels);
      });
      compared++;
    }
    expect(compared).toBeGreaterThan(5);
  });
});

describe('freshNames', () => {
  it('gives a taken name the first free suffix .1, .2, …, against the input and the names before it', () => {
    expect(freshNames(['x', 'row', 'p_1', 'p_1.1', 'group'], ['row', 'p_1', 'p_2', 'component', 'row'])).toEqual(['row.1', 'p_1.2', 'p_2', 'component', 'row.2']);
    expect(freshNames([], ['row', 'p_a'])).toEqual(['row', 'p_a']);
  });
});
