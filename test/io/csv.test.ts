import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { EmFitError } from '../../src/errors.js';
import { dataRecords, readTable, type ReadOptions } from '../../src/io/csv.js';

const options = (over: Partial<ReadOptions> = {}): ReadOptions => ({
  source: 'test.csv',
  header: true,
  delimiter: ',',
  encoding: 'utf8',
  missing: 'error',
  columns: { var: 'x', init: 'g' },
  ...over,
});

const read = (text: string | Buffer, over: Partial<ReadOptions> = {}) => readTable(Readable.from([text]), options(over));

async function failure(text: string, over: Partial<ReadOptions> = {}): Promise<EmFitError> {
  try {
    await read(text, over);
  } catch (error) {
    expect(error).toBeInstanceOf(EmFitError);
    return error as EmFitError;
  }
  throw new Error('expected a failure');
}

describe('readTable', () => {
  it('reads the used columns by header name', async () => {
    const t = await read('g,x,other\na,1.5,z\nb,-2,z\na,3e-2,z\n');
    expect([...t.values]).toEqual([1.5, -2, 0.03]);
    expect(t.labels?.names).toEqual(['a', 'b']);
    expect([...(t.labels?.codes ?? [])]).toEqual([0, 1, 0]);
    expect(t.decimals).toBe(2);
    expect(t.header).toEqual(['g', 'x', 'other']);
    expect(t.records).toBe(3);
  });

  it('accepts quotes, CRLF, a BOM, spaces and signs', async () => {
    const t = await read('\ufeff"x" , g\r\n" 1.5",a\r\n +2.5 , "b, c"\r\n-0,"say ""hi"""\r\n');
    expect([...t.values]).toEqual([1.5, 2.5, -0]);
    expect(t.labels?.names).toEqual(['a', 'b, c', 'say "hi"']);
  });

  it('reads a semicolon-separated file and numbered columns without a header', async () => {
    const t = await read('1;0.5\n2;0.7\n', { delimiter: ';', header: false, columns: { var: '2', init: '1' } });
    expect([...t.values]).toEqual([0.5, 0.7]);
    expect(t.header).toEqual(['1', '2']);
  });

  it('ignores blank and space-only lines, also at the end', async () => {
    const t = await read('x,g\n1,a\n\n   \n2,b\n\n\n');
    expect([...t.values]).toEqual([1, 2]);
  });

  it('skips rows with missing values when asked, and counts them', async () => {
    const t = await read('x,g\n1,a\n,b\nNA,a\n4,NA\n5,c\n', { missing: 'skip' });
    expect([...t.values]).toEqual([1, 5]);
    expect([...t.skippedRecords]).toEqual([1, 2, 3]);
    expect(t.labelsOnlyInSkipped).toEqual(['b']);
  });

  it('grows past its initial capacity', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => `${i / 10},${i % 7}`).join('\n');
    const t = await read(`x,g\n${rows}\n`);
    expect(t.values.length).toBe(5000);
    expect(t.values[4999]).toBe(499.9);
    expect(t.labels?.codes[4999]).toBe(4999 % 7);
  });

  it.each([
    ['x,g\n1,a\n,b\n', 'test.csv, line 3: missing value "" in column "x" (use --missing skip'],
    ['x,g\n1,a\nabc,b\n', 'test.csv, line 3: column "x" holds "abc", which is not a finite number'],
    ['x,g\n1,a\nInfinity,b\n', 'line 3: column "x" holds "Infinity"'],
    ['x,g\n1,a\n2\n', 'test.csv, line 3: 1 field where the header has 2'],
    ['x,g\n1,"a\n', 'a quoted field is never closed'],
    ['x,g\n1,"a"b\n', 'test.csv, line 2: a quoted field is followed by text'],
    ['y,g\n1,a\n', 'no column named "x" (--var); the columns are "y", "g"'],
    ['x,x,g\n1,2,a\n', 'the header names "x" 2 times (columns 1, 2)'],
    ['', 'test.csv: the file is empty'],
    ['x,g\n', 'test.csv: no data rows after the header'],
  ])('rejects %j', async (text, message) => {
    const error = await failure(text);
    expect(error.exitCode).toBe(3);
    expect(error.message).toContain(message);
  });

  it('names the line where a record starts, past quoted line breaks and blank lines', async () => {
    expect((await failure('x,g\n1,"a\nb"\nzz,c\n')).message).toContain('test.csv, line 4: column "x" holds "zz"');
    expect((await failure('x,g\n1,"a\n"\n\n\nzz,c\n')).message).toContain('test.csv, line 6: column "x" holds "zz"');
    expect((await failure('x,g\n1,a\n"zz\n",c\n')).message).toContain('test.csv, line 3: column "x" holds');
  });

  it('refuses binary bytes before anything else', async () => {
    const error = await failure(Buffer.from([0x78, 0x2c, 0x00, 0xff, 0x0a, 0x31, 0x2c, 0x32, 0x0a]).toString('latin1'));
    expect(error.message).toContain('does not look like a text CSV file');
  });

  it('names a missing numbered column', async () => {
    const error = await failure('1,2\n', { header: false, columns: { var: '3' } });
    expect(error.message).toContain('there is no column 3 (--var): line 1 has 2 columns');
  });

  it('keeps names like __proto__ and constructor as data', async () => {
    const t = await read('__proto__,constructor\n1,toString\n2,__proto__\n', { columns: { var: '__proto__', init: 'constructor' } });
    expect(t.labels?.names).toEqual(['toString', '__proto__']);
    expect(({} as Record<string, unknown>).toString).toBe(Object.prototype.toString);
  });
});

describe('dataRecords', () => {
  it('yields the data records as the fit read them', async () => {
    const records: string[][] = [];
    for await (const r of dataRecords(Readable.from(['x,g\n1,a\n\n2,b\n']), options())) records.push(r);
    expect(records).toEqual([
      ['1', 'a'],
      ['2', 'b'],
    ]);
  });
});
