/**
 * Reading a file in stretches on several threads gives the Table of one reader, to the
 * last row, label code and line number. The worker threads run compiled code, so this test
 * uses the build (dist/), which `npm test` makes first.
 */
import { createReadStream, mkdtempSync, openSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTable } from '../../dist/io/csv.js';
import { readFileParallel } from '../../dist/io/parallel.js';
import type { ReadOptions } from '../../src/io/csv.js';
import { mulberry32 } from '../helpers/mixture.js';

const dir = mkdtempSync(join(tmpdir(), 'em-fit-parallel-'));

/** A CSV of `rows` rows: id, x, a label, a weight and a group, with missing cells and blank lines. */
function write(name: string, rows: number, options: { header?: boolean; crlf?: boolean; bad?: number } = {}): string {
  const random = mulberry32(rows);
  const eol = options.crlf ? '\r\n' : '\n';
  const lines: string[] = options.header === false ? [] : ['id,x,label,w,group'];
  for (let i = 0; i < rows; i++) {
    const x = i === options.bad ? 'oops' : random() < 0.01 ? 'NA' : (random() * 100 - 50).toFixed(1 + (i % 3));
    const label = random() < 0.005 ? '' : `L${Math.floor(random() * 5)}`;
    lines.push(`${i},${x},${label},${(random() * 3).toFixed(2)},g${Math.floor(random() * 7)}`);
    if (random() < 0.002) lines.push('');
  }
  const path = join(dir, name);
  writeFileSync(path, lines.join(eol) + eol);
  return path;
}

const options = (over: Partial<ReadOptions> = {}): ReadOptions => ({
  source: 'data.csv',
  header: true,
  delimiter: ',',
  encoding: 'utf8',
  missing: 'skip',
  columns: { var: 'x', init: 'label', weight: 'w', by: 'group' },
  ...over,
});

const size = (path: string): number => statSync(path).size;

async function both(path: string, opts: ReadOptions, threads: number) {
  const serial = await readTable(createReadStream(path), opts);
  const parallel = await readFileParallel(openSync(path, 'r'), size(path), opts, threads);
  return { serial, parallel };
}

describe('readFileParallel', () => {
  it.each([2, 3, 5])('on %d threads gives the one-reader table: values, codes, skips, decimals', async (threads) => {
    const path = write(`rows-${threads}.csv`, 60_000);
    const { serial, parallel } = await both(path, options(), threads);
    expect(parallel).not.toBeNull();
    expect(parallel).toEqual(serial);
    expect(serial.skippedRecords.length).toBeGreaterThan(100);
  });

  it('with CRLF and without a header', async () => {
    const path = write('crlf.csv', 40_000, { crlf: true, header: false });
    const opts = options({ header: false, columns: { var: '2', init: '3', weight: '4', by: '5' } });
    const { serial, parallel } = await both(path, opts, 3);
    expect(parallel).toEqual(serial);
  });

  it('names the same line as one reader for a bad value in a later stretch', async () => {
    const path = write('bad.csv', 50_000, { bad: 45_000 });
    const opts = options();
    const serialError = await readTable(createReadStream(path), opts).catch((e: Error) => e.message);
    const parallelError = await readFileParallel(openSync(path, 'r'), size(path), opts, 3).catch((e: Error) => e.message);
    expect(serialError).toMatch(/^data\.csv, line \d+: column "x" holds "oops"/);
    expect(parallelError).toBe(serialError);
  });

  it('gives up (null) on a file with quotes, where a line break may sit inside a field', async () => {
    const path = join(dir, 'quoted.csv');
    writeFileSync(path, `x,label\n${Array.from({ length: 30_000 }, (_, i) => `${i},"a${i % 3}"`).join('\n')}\n`);
    expect(await readFileParallel(openSync(path, 'r'), size(path), options({ columns: { var: 'x', init: 'label' } }), 2)).toBeNull();
  });
});
