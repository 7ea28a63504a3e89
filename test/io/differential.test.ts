/**
 * The reader's fast path (scan.ts) against csv-parse alone, the reader before it: for every
 * input, the same Table (values and weights to the bit, label and group codes and names,
 * records, skipped records and why, decimals, header) or the same error message, read whole
 * and in chunks of many sizes; and on several threads (parallel.ts, which must give the
 * Table of one reader or hand the file back to it). Inputs: every file of the bad-input
 * corpus (fixtures/bad) with the options of its cases and a few more, the fuzz corpus
 * (helpers/fuzz-inputs.ts, EM_FIT_FUZZ_SEED and EM_FIT_FUZZ_RUNS pick and size it here
 * too), and generated files (helpers/csv-inputs.ts). The CLI's outputs with either reader
 * are compared in test/cli/reader.test.ts.
 *
 * The parallel reader's workers run compiled code, so that part uses the build (dist/),
 * which `npm test` makes first.
 */
import { readdirSync, readFileSync, mkdtempSync, openSync, closeSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readFileParallel } from '../../dist/io/parallel.js';
import { type ReadOptions, readTable, type Table } from '../../src/io/csv.js';
import { rng } from '../../src/select/rng.js';
import { fixture } from '../helpers/cli.js';
import { generateCsv } from '../helpers/csv-inputs.js';
import { makeCase } from '../helpers/fuzz-inputs.js';
import { randomInt } from '../helpers/random.js';

const SEED = Number(process.env.EM_FIT_FUZZ_SEED ?? 1729);
const RUNS = Number(process.env.EM_FIT_FUZZ_RUNS ?? 40);
const BAD = fixture('bad');
const dir = mkdtempSync(join(tmpdir(), 'em-fit-differential-'));

const options = (over: Partial<ReadOptions>): ReadOptions => ({
  source: 'in.csv',
  header: true,
  delimiter: ',',
  encoding: 'utf8',
  missing: 'error',
  columns: { var: 'x' },
  ...over,
});

/** The bits of a column of doubles, so that −0 and 0, or two NaNs, are told apart as they are stored. */
const bits = (a: Float64Array | null): string | null => (a === null ? null : Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex'));

/** Everything a Table holds, comparable with toEqual. */
function described(t: Table): Record<string, unknown> {
  return {
    header: t.header,
    varName: t.varName,
    values: bits(t.values),
    decimals: String(t.decimals),
    labels: t.labels && { name: t.labels.name, names: t.labels.names, codes: [...t.labels.codes] },
    weightName: t.weightName,
    weights: bits(t.weights),
    groups: t.groups && { name: t.groups.name, names: t.groups.names, codes: [...t.groups.codes] },
    records: t.records,
    skippedRecords: [...t.skippedRecords],
    skippedGroups: [...t.skippedGroups],
    skippedZero: [...t.skippedZero],
    zeroWeight: t.zeroWeight,
    labelsOnlyInSkipped: t.labelsOnlyInSkipped,
  };
}

/** What reading gives: the Table described, or the error's exit code and message. */
async function outcome(chunks: Buffer[], opts: ReadOptions): Promise<unknown> {
  try {
    return described(await readTable(Readable.from(chunks), opts));
  } catch (error) {
    const e = error as { exitCode?: number; message: string };
    return { error: e.message, exitCode: e.exitCode };
  }
}

/** `bytes` cut into chunks: whole, every byte, and pieces of seeded random sizes from 1 to 200 bytes. */
function chunkings(bytes: Buffer, u: () => number): Buffer[][] {
  const random: Buffer[] = [];
  for (let at = 0; at < bytes.length; ) {
    const size = randomInt(u, 1, 200);
    random.push(bytes.subarray(at, at + size));
    at += size;
  }
  const out = [[bytes], random];
  if (bytes.length <= 4096) out.push(Array.from(bytes, (_, i) => bytes.subarray(i, i + 1)));
  return out;
}

/** Compares the fast path, in every chunking, with csv-parse on the whole input; returns csv-parse's outcome. */
async function compare(bytes: Buffer, opts: ReadOptions, u: () => number, what: string): Promise<unknown> {
  const expected = await outcome([bytes], { ...opts, reader: 'csv-parse' });
  for (const chunks of chunkings(bytes, u)) {
    const actual = await outcome(chunks, { ...opts, reader: 'fast' });
    expect(actual, `${what}, ${chunks.length} chunk(s)`).toEqual(expected);
  }
  // csv-parse cut into chunks: the reference itself does not depend on them.
  expect(await outcome(chunkings(bytes, u)[1], { ...opts, reader: 'csv-parse' }), `${what}, csv-parse in chunks`).toEqual(expected);
  return expected;
}

/** Reader options from a case's command-line arguments. */
function fromArgs(args: string[]): ReadOptions | null {
  const value = (flag: string): string | undefined => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const v = value('--var');
  if (v === undefined) return null;
  const d = value('-d') ?? value('--delimiter');
  return options({
    header: !args.includes('--no-header'),
    delimiter: d === undefined ? ',' : d === '\\t' || d === 'tab' ? '\t' : d,
    encoding: (value('--encoding') ?? 'utf8') as ReadOptions['encoding'],
    missing: (value('--missing') ?? 'error') as ReadOptions['missing'],
    columns: { var: v, init: value('--init'), weight: value('--weight'), by: value('--by') },
  });
}

const errorOf = (result: unknown): string | null => (result as { error?: string }).error ?? null;

describe('the fast path reads as csv-parse', () => {
  it('every file of the bad-input corpus, with the options of its cases and more', async () => {
    const cases = JSON.parse(readFileSync(join(BAD, 'cases.json'), 'utf8')) as { file: string | null; args: string[] }[];
    const files = readdirSync(BAD).filter((f) => /\.(csv|tsv|bin)$/.test(f));
    const u = rng(SEED, 0);
    let read = 0;
    for (const file of files) {
      const bytes = readFileSync(join(BAD, file));
      const variants = [
        ...cases.filter((c) => c.file === file).map((c) => fromArgs(c.args)),
        options({ columns: { var: 'x', init: 'g' } }),
        options({ columns: { var: 'x', init: 'g' }, missing: 'skip' }),
        options({ columns: { var: 'x', weight: 'w', by: 'g' }, missing: 'skip' }),
        options({ header: false, columns: { var: '1', init: '2' }, missing: 'skip' }),
        options({ columns: { var: 'x', init: 'g' }, encoding: 'latin1' }),
        options({ columns: { var: 'x', init: 'g' }, delimiter: ';' }),
      ];
      for (const opts of variants) {
        if (opts === null) continue;
        if (errorOf(await compare(bytes, opts, u, `${file} ${JSON.stringify(opts)}`)) === null) read++;
      }
    }
    expect(files.length).toBeGreaterThan(50);
    expect(read).toBeGreaterThan(20);
  });

  it(`${RUNS * 10} inputs of the fuzz corpus (seed ${SEED})`, async () => {
    let read = 0;
    for (let i = 0; i < RUNS * 10; i++) {
      const c = makeCase(i, SEED);
      const u = rng(SEED, 1_000_000 + i);
      const init = c.args.includes('partition2') ? 'partition2' : 'partition1';
      const opts = options({ columns: { var: 'Var', init }, missing: c.args.includes('skip') ? 'skip' : 'error' });
      if (errorOf(await compare(c.input, opts, u, `fuzz case ${i}`)) === null) read++;
    }
    // Most damaged files still read: the comparison covers values, not only messages.
    expect(read).toBeGreaterThan(RUNS * 2);
  });

  it('generated files: number formats, quotes, missing values, labels, weights, groups, line ends, delimiters, encodings', async () => {
    let read = 0;
    const runs = RUNS * 5;
    for (let i = 0; i < runs; i++) {
      const u = rng(SEED, 2_000_000 + i);
      const g = generateCsv(u, randomInt(u, 0, 300), i % 3 === 0 ? 0.2 : 1);
      const latin1 = u() < 0.15;
      const bytes = latin1 ? Buffer.from(g.text.replace(/[^\u0000-\u00ff]/g, '?'), 'latin1') : u() < 0.05 ? Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(g.text, 'utf16le')]) : Buffer.from(g.text);
      const opts = options({ header: g.header, delimiter: g.delimiter, columns: g.columns, missing: u() < 0.8 ? 'skip' : 'error', encoding: latin1 ? 'latin1' : 'utf8' });
      if (errorOf(await compare(bytes, opts, u, `generated file ${i}: ${JSON.stringify(g.text.slice(0, 300))}`)) === null) read++;
    }
    expect(read).toBeGreaterThan(runs / 4);
  });
});

describe('the parallel reader reads as csv-parse', () => {
  it('generated files cut into 2 to 6 stretches: the same Table, or the file handed back to one reader', async () => {
    let parallel = 0;
    const runs = Math.ceil(RUNS / 2);
    for (let i = 0; i < runs; i++) {
      const u = rng(SEED, 3_000_000 + i);
      const g = generateCsv(u, randomInt(u, 2000, 6000), i % 2 === 0 ? 0 : 0.3);
      const path = join(dir, `parallel-${i}.csv`);
      const bytes = Buffer.from(g.text);
      writeFileSync(path, bytes);
      const opts = options({ header: g.header, delimiter: g.delimiter, columns: g.columns, missing: 'skip' });
      const expected = await outcome([bytes], { ...opts, reader: 'csv-parse' });
      const fd = openSync(path, 'r');
      try {
        const threads = randomInt(u, 2, 6);
        let actual: unknown;
        try {
          const table = await readFileParallel(fd, bytes.length, opts, threads);
          if (table === null) continue;
          actual = described(table);
        } catch (error) {
          const e = error as { exitCode?: number; message: string };
          actual = { error: e.message, exitCode: e.exitCode };
        }
        parallel++;
        expect(actual, `parallel file ${i} on ${threads} threads`).toEqual(expected);
      } finally {
        closeSync(fd);
      }
    }
    expect(parallel).toBeGreaterThan(runs / 3);
  });
});
