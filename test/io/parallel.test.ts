/**
 * Reading a file in stretches on several threads gives the Table of one reader, to the
 * last row, label code and line number. The worker threads run compiled code, so this test
 * uses the build (dist/), which `npm test` makes first.
 */
import { closeSync, createReadStream, fstatSync, mkdtempSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { readRecords, readTable } from '../../dist/io/csv.js';
import { cuts, readFileParallel } from '../../dist/io/parallel.js';
import { mergeParts } from '../../dist/io/table.js';
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

  // Label codes take one byte a row up to 256 labels, four beyond (table.ts, BYTE_LABELS):
  // 300 labels, all in every stretch (the stretches widen their own codes), or 200 in runs of
  // 200 rows up to row 40,000, one to row 52,000 and 100 new ones after it, so that no stretch
  // has more than 200 while the main thread's stretch ends between rows 40,000 and 52,000
  // (parallel.ts gives it 3/4 of a small file, rows 0 to about 45,500; checked below) and the
  // file 300: the merge widens.
  it.each([
    ['in every stretch', (i: number) => i % 300],
    ['in some stretches', (i: number) => (i < 40_000 ? Math.floor(i / 200) : i < 52_000 ? 199 : 200 + (i % 100))],
  ])('codes 300 labels %s as one reader, in four bytes, by first appearance', async (_, labelOf) => {
    const path = join(dir, `labels-${labelOf(45_000)}.csv`);
    const lines = ['x,label', ...Array.from({ length: 60_000 }, (_, i) => `${i % 97},L${labelOf(i)}`)];
    writeFileSync(path, lines.join('\n') + '\n');
    // The main thread's stretch ends after data row 40,000 and before row 52,000 (byte offsets of their lines).
    const offset = (row: number): number => lines.slice(0, row + 1).reduce((sum, line) => sum + line.length + 1, 0);
    const fd = openSync(path, 'r');
    const mainEnds = cuts(fd, lines[0].length + 1, statSync(path).size, 3)[1];
    closeSync(fd);
    expect(mainEnds).toBeGreaterThan(offset(40_000));
    expect(mainEnds).toBeLessThan(offset(52_000));
    const opts = options({ columns: { var: 'x', init: 'label' } });
    const { serial, parallel } = await both(path, opts, 3);
    expect(parallel).toEqual(serial);
    const labels = parallel!.labels!;
    expect(labels.codes).toBeInstanceOf(Int32Array);
    // Codes by first appearance, counted here apart from the reader.
    const firsts = new Map<string, number>();
    for (let i = 0; i < 60_000; i++) if (!firsts.has(`L${labelOf(i)}`)) firsts.set(`L${labelOf(i)}`, firsts.size);
    expect(labels.names).toEqual([...firsts.keys()]);
    expect(Array.from(labels.codes).every((c, i) => c === firsts.get(`L${labelOf(i)}`))).toBe(true);
  });

  it('widens the codes in the merge when the stretches have 256 labels or fewer each and more together', async () => {
    // Two parts read apart, 200 labels each, 100 of them shared: 300 in the file.
    const opts = options({ columns: { var: 'x', init: 'label' } });
    const text = (from: number, rows: number): string => Array.from({ length: rows }, (_, i) => `${i % 89},L${from + (i % 200)}\n`).join('');
    const first = await readRecords(Readable.from(['x,label\n' + text(0, 5000)]), opts);
    const second = await readRecords(Readable.from([text(100, 5000)]), opts, first.layout);
    expect(first.part.labelCodes).toBeInstanceOf(Uint8Array);
    expect(second.part.labelCodes).toBeInstanceOf(Uint8Array);
    const table = mergeParts([first.part, second.part], first.layout, opts);
    const whole = await readTable(Readable.from(['x,label\n' + text(0, 5000) + text(100, 5000)]), opts);
    expect(table.labels!.codes).toBeInstanceOf(Int32Array);
    expect(table.labels!.names).toHaveLength(300);
    expect(table).toEqual(whole);
  });

  it('keeps the codes of at most 256 labels in one byte a row', async () => {
    const path = write('few-labels.csv', 40_000);
    const { serial, parallel } = await both(path, options(), 3);
    expect(parallel).toEqual(serial);
    expect(parallel!.labels!.codes).toBeInstanceOf(Uint8Array);
    expect(parallel!.groups!.codes).toBeInstanceOf(Int32Array);
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

  it('decodes Latin-1 (--encoding latin1) in every stretch as one reader does', async () => {
    const utf8 = readFileSync(write('latin1-source.csv', 50_000), 'utf8').replace(/L(\d)/g, (_, d: string) => ['café', 'cafè', 'Grüße', 'naïve', 'Åsa'][Number(d)]);
    const path = join(dir, 'latin1.csv');
    writeFileSync(path, Buffer.from(utf8, 'latin1'));
    const { serial, parallel } = await both(path, options({ encoding: 'latin1' }), 3);
    expect(parallel).not.toBeNull();
    expect(parallel).toEqual(serial);
    expect(new Set(serial.labels?.names)).toEqual(new Set(['café', 'cafè', 'Grüße', 'naïve', 'Åsa']));
  });

  it('hands a file with bytes that are not UTF-8 in a later stretch back to one reader, whose message depends on the bytes before them', async () => {
    const lines = readFileSync(write('invalid-source.csv', 50_000), 'utf8').split('\n');
    lines[45_000] = `${lines[45_000]}\xff`;
    const path = join(dir, 'invalid.csv');
    writeFileSync(path, Buffer.from(lines.join('\n'), 'latin1'));
    const opts = options();
    const serialError = await readTable(createReadStream(path), opts).catch((e: Error) => e.message);
    expect(serialError).toMatch(/^data\.csv, line 45001: bytes that are not UTF-8 \(0xFF\)/);
    expect(await readFileParallel(openSync(path, 'r'), size(path), opts, 3)).toBeNull();
  });

  it('skips a UTF-8 byte-order mark before the first stretch of a file without a header', async () => {
    const plain = write('bom-source.csv', 40_000, { header: false });
    const path = join(dir, 'bom.csv');
    writeFileSync(path, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), readFileSync(plain)]));
    const opts = options({ header: false, columns: { var: '2', init: '3', weight: '4', by: '5' } });
    const { serial, parallel } = await both(path, opts, 3);
    expect(parallel).toEqual(serial);
    expect(serial.values[0]).toBe((await readTable(createReadStream(plain), opts)).values[0]);
  });

  it('gives up (null) on UTF-16, whose line breaks are two bytes', async () => {
    const path = join(dir, 'utf16.csv');
    writeFileSync(path, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(readFileSync(write('utf16-source.csv', 30_000), 'utf8'), 'utf16le')]));
    expect(await readFileParallel(openSync(path, 'r'), size(path), options(), 2)).toBeNull();
  });

  it('gives up (null) on a file with quotes, where a line break may sit inside a field', async () => {
    const path = join(dir, 'quoted.csv');
    writeFileSync(path, `x,label\n${Array.from({ length: 30_000 }, (_, i) => `${i},"a${i % 3}"`).join('\n')}\n`);
    const fd = openSync(path, 'r');
    expect(await readFileParallel(fd, size(path), options({ columns: { var: 'x', init: 'label' } }), 2)).toBeNull();
    // The stretches stopped at the quote; the descriptor, which one reader uses next, is still open.
    expect(fstatSync(fd).size).toBe(size(path));
  });
});
