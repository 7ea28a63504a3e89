/**
 * The JSON report's bulk writer against the writer it replaces: the whole document, byte
 * for byte, against a reference written here as the per-row writer wrote it (an array and a
 * join per row), on rows with responsibilities of every kind (0 and 1 among them), and each
 * row's data-row number counted here past the skipped records.
 */
import { describe, expect, it } from 'vitest';
import { writeJsonDocument } from '../../src/report/json.js';
import { argmax, rowBlocks } from '../../src/report/rows.js';
import { awkwardNumbers, rowSet, written } from '../helpers/report.js';

describe('writeJsonDocument', () => {
  it.each([true, false])('writes the rows as an array and a join per row did (pretty %s)', async (pretty) => {
    const numbers = awkwardNumbers().filter((v) => Math.abs(v) < 1e150);
    const x = Float64Array.from({ length: 10000 }, (_, i) => numbers[(i * 7919) % numbers.length] % 500);
    const skipped = Int32Array.of(0, 5, 6, 100, 10003);
    const rows = rowSet(x, skipped, true);
    const head = { a: 1, b: 'two' };
    const actual = await written((sink) => writeJsonDocument(head, rows, sink, pretty));
    // The reference: the previous writer's layout, row by row (compact: no space anywhere, as JSON.stringify writes it).
    const [nl, indent, comma, colon] = pretty ? ['\n', '  ', ', ', ': '] : ['', '', ',', ':'];
    const text = pretty ? JSON.stringify(head, null, 2) : JSON.stringify(head);
    const out = [`${text.slice(0, pretty ? -2 : -1)},${nl}${indent}"responsibilities"${colon}[`];
    const classes: string[] = [];
    const densities: string[] = [];
    for (const block of rowBlocks(rows.model, x)) {
      for (let i = block.start; i < block.end; i++) {
        const row = Array.from(block.r.subarray((i - block.start) * 3, (i - block.start + 1) * 3), String);
        out.push(`${i === 0 ? '' : ','}${nl}${indent}${indent}[${row.join(comma)}]`);
        classes.push(JSON.stringify(rows.labels[argmax(block.r, (i - block.start) * 3, 3)]));
        densities.push(String(block.logDensity[i - block.start]));
      }
    }
    out.push(`${nl}${indent}]`);
    // Each row's data row: the records 1, 2, … without the skipped ones (1-based 1, 6, 7, 101).
    const dataRows: string[] = [];
    for (let record = 0; dataRows.length < x.length; record++) if (!skipped.includes(record)) dataRows.push(String(record + 1));
    expect(dataRows.slice(0, 6)).toEqual(['2', '3', '4', '5', '8', '9']);
    for (const [name, values] of [['classification', classes], ['row', dataRows], ['log_density', densities]] as const) {
      out.push(`,${nl}${indent}"${name}"${colon}[`);
      for (let s = 0; s < values.length; s += 32) out.push(`${s === 0 ? '' : ','}${nl}${indent}${indent}${values.slice(s, s + 32).join(comma)}`);
      out.push(`${nl}${indent}]`);
    }
    out.push(`${nl}}\n`);
    expect(actual).toBe(out.join(''));
    expect(actual).toContain(pretty ? '[0, 0, 1]' : '[0,0,1]');
  });
});

