/**
 * A few hundred thousand rows through the CLI: the threaded passes give the serial fit to
 * the last bit, and the streamed outputs parse and match the fit.
 */
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PARALLEL_FROM_BYTES } from '../../src/io/parallel.js';
import { STRETCH_ROWS, WORKER_STRETCH_ROWS } from '../../src/report/json.js';
import { emFit } from '../helpers/cli.js';
import { roughPartition, sampleMixture } from '../helpers/mixture.js';

const ROWS = 300_000;
const mean = [0, 4, 9];
let file = '';
let x: number[] = [];
let labels: number[] = [];
/** The positive column p, for the families of positive data. */
const positive = (v: number): number => Math.abs(v) + 0.5;

beforeAll(() => {
  // Threads are capped at the machine's cores: with one, every "2 threads" below would be 1.
  expect(availableParallelism()).toBeGreaterThan(1);
  x = sampleMixture(ROWS, [0.5, 0.3, 0.2], mean, [1, 1.5, 2], 11).x;
  labels = roughPartition(x, mean, 0.1, 12);
  file = join(mkdtempSync(join(tmpdir(), 'em-fit-large-')), 'large.csv');
  // With the id column the file is over 4 MB, so that more than one thread reads it too; p is
  // a positive column for the families of positive data.
  writeFileSync(file, `id,x,start,p\n${x.map((v, i) => `${i + 1},${v},${labels[i]},${positive(v)}`).join('\n')}\n`);
});

const fit = (...extra: string[]) => emFit([file, '--var', 'x', '--init', 'start', ...extra]);

describe('threads', () => {
  it('give byte-identical output for 1, 2 and 3 threads (reading and fitting), with and without SQUAREM', () => {
    expect(statSync(file).size).toBeGreaterThan(PARALLEL_FROM_BYTES);
    for (const accel of ['none', 'squarem']) {
      const outputs = ['1', '2', '3'].map((t) => fit('--json', '--no-responsibilities', '--threads', t, '--accel', accel));
      for (const o of outputs) expect(o.code, o.stderr).toBe(0);
      expect(outputs[1].stdout).toBe(outputs[0].stdout);
      expect(outputs[2].stdout).toBe(outputs[0].stdout);
    }
  });

  it.each([
    ['t', 'x'],
    ['weibull', 'p'],
    ['gamma', 'p'],
  ])("give byte-identical output for 1 and 2 threads with the %s family (θ passed to the threads exactly)", (family, column) => {
    // The threads once received θ as log-parameters and exp'd them back, a last bit off.
    const outputs = ['1', '2'].map((t) => emFit([file, '--var', column, '--init', 'start', '--family', family, '--max-iter', '15', '--json', '--no-responsibilities', '--threads', t, '-q']));
    for (const o of outputs) expect(o.code, o.stderr).toBe(0);
    expect(outputs[1].stdout).toBe(outputs[0].stdout);
  });
});

describe('--by with threads', () => {
  it("gives each group's fit the same bytes on 1 and 2 threads with the Weibull family (the workers' column of log x is the group's)", () => {
    // --by copies each group into the start of one shared buffer that the pass pool's workers
    // read; their column of log x (families/log-column.ts) was once the first group's for every
    // group after it. Two groups of 150,000 rows (three chunks each), the second 1000 times the first's scale.
    const half = ROWS / 2;
    const rows = x.map((v, i) => `${i < half ? 'a' : 'b'},${(i < half ? 1 : 1000) * positive(v)},${labels[i]}`);
    const grouped = join(mkdtempSync(join(tmpdir(), 'em-fit-by-')), 'by.csv');
    writeFileSync(grouped, `g,p,start\n${rows.join('\n')}\n`);
    const outputs = ['1', '2'].map((t) => emFit([grouped, '--var', 'p', '--by', 'g', '--init', 'start', '--family', 'weibull', '--max-iter', '8', '--json', '--no-responsibilities', '--threads', t, '-q']));
    for (const o of outputs) expect(o.code, o.stderr).toBe(0);
    expect(outputs[1].stdout).toBe(outputs[0].stdout);
  });
});

describe('the JSON report of many rows', () => {
  it('is the same bytes when a worker formats every other stretch of rows (--threads 2) as on one thread', () => {
    // 300,000 rows of 3 components: above PARALLEL_FROM_VALUES; stretches of STRETCH_ROWS rows on
    // the main thread and WORKER_STRETCH_ROWS in the worker, the last one short.
    const outputs = ['1', '2'].map((t) => fit('--json', '--max-iter', '3', '--threads', t));
    for (const o of outputs) expect(o.code, o.stderr).toBe(0);
    expect(outputs[1].stdout).toBe(outputs[0].stdout);
    const document = JSON.parse(outputs[0].stdout) as { responsibilities: number[][]; classification: string[]; row: number[] };
    expect(document.responsibilities).toHaveLength(ROWS);
    expect(document.classification).toHaveLength(ROWS);
    // Each stretch's rows in order: the row numbers run 1..n, and each classification is its row's largest responsibility.
    expect(document.row.every((r, i) => r === i + 1)).toBe(true);
    // The first and last row of each of the first stretches (json.ts: the main thread's, then the worker's, in turn).
    const [main, worker] = [STRETCH_ROWS, WORKER_STRETCH_ROWS];
    for (const i of [0, main - 1, main, main + worker - 1, main + worker, 2 * main + worker - 1, 2 * main + worker, ROWS - 1]) {
      const r = document.responsibilities[i];
      expect(r.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      expect(document.classification[i]).toBe(String(r.indexOf(Math.max(...r)) + 1));
    }
  });

  it('from predict (formatted on every core) gives the responsibilities of the fit written on one thread', () => {
    const dir = mkdtempSync(join(tmpdir(), 'em-fit-large-model-'));
    const model = join(dir, 'model.json');
    const saved = fit('--json', '--max-iter', '3', '--threads', '1', '--save-model', model);
    expect(saved.code, saved.stderr).toBe(0);
    const predicted = emFit(['predict', model, file, '--var', 'x', '--json']);
    expect(predicted.code, predicted.stderr).toBe(0);
    const document = JSON.parse(predicted.stdout) as { responsibilities: number[][]; log_density: number[] };
    expect(document.log_density).toHaveLength(ROWS);
    expect(document.responsibilities).toEqual((JSON.parse(saved.stdout) as { responsibilities: number[][] }).responsibilities);
  });
});

describe('a file over 4 MB with quotes', () => {
  it('is read by one reader after the threads give up, through the same open file', () => {
    const quoted = join(mkdtempSync(join(tmpdir(), 'em-fit-quoted-')), 'quoted.csv');
    writeFileSync(quoted, `id,x,start\n${x.map((v, i) => `${i + 1},${v},"${i % 3}"`).join('\n')}\n`);
    expect(statSync(quoted).size).toBeGreaterThan(PARALLEL_FROM_BYTES);
    const result = emFit([quoted, '--var', 'x', '--init', 'start', '--max-iter', '2', '--json', '--no-responsibilities', '--threads', '2', '-q']);
    // A destroyed stretch once closed the shared descriptor: EBADF.
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout).n).toBe(ROWS);
  });
});

describe('a UTF-16 file over 4 MB', () => {
  it('gives the UTF-8 file\'s fit, on one thread or several (it was once refused at 7 MB with threads)', () => {
    const utf16 = join(mkdtempSync(join(tmpdir(), 'em-fit-utf16-')), 'large-utf16.csv');
    const text = `id,x,start\n${x.map((v, i) => `${i + 1},${v},${['α', 'β', 'γ'][Number(i % 3)]}`).join('\n')}\n`;
    writeFileSync(utf16, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    expect(statSync(utf16).size).toBeGreaterThan(PARALLEL_FROM_BYTES);
    const outputs = ['1', '2'].map((t) => emFit([utf16, '--var', 'x', '--init', 'start', '--max-iter', '5', '--json', '--no-responsibilities', '--threads', t]));
    for (const o of outputs) expect(o.code, o.stderr).toBe(0);
    expect(outputs[1].stdout).toBe(outputs[0].stdout);
    const report = JSON.parse(outputs[0].stdout);
    const utf8 = `${utf16.slice(0, -4)}-utf8.csv`;
    writeFileSync(utf8, text);
    const plain = emFit([utf8, '--var', 'x', '--init', 'start', '--max-iter', '5', '--json', '--no-responsibilities']);
    expect({ ...JSON.parse(plain.stdout), file: utf16 }).toEqual(report);
    expect(report.n).toBe(ROWS);
    expect(report.components.map((c: { label: string }) => c.label)).toEqual(['α', 'β', 'γ']);
  });
});

describe('streamed output', () => {
  it('JSON with 300,000 responsibility rows parses and matches the fitted parameters', () => {
    const result = fit('--json');
    expect(result.code, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout);
    expect(out.n).toBe(ROWS);
    expect(out.responsibilities).toHaveLength(ROWS);
    expect(out.classification).toHaveLength(ROWS);
    const { components } = out;
    for (const i of [0, 1, 65535, 65536, 150000, ROWS - 1]) {
      const row: number[] = out.responsibilities[i];
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
      // The posterior of row i recomputed from the reported parameters.
      const dens = components.map((c: { weight: number; mean: number; variance: number }) => (c.weight * Math.exp(-((x[i] - c.mean) ** 2) / (2 * c.variance))) / Math.sqrt(2 * Math.PI * c.variance));
      const total = dens.reduce((a: number, b: number) => a + b, 0);
      row.forEach((r, k) => expect(r).toBeCloseTo(dens[k] / total, 12));
      expect(out.classification[i]).toBe(components[row.indexOf(Math.max(...row))].label);
    }
    const labels = components.map((c: { label: string }) => c.label);
    expect(new Set(out.classification)).toEqual(new Set(labels));
  });

  it('CSV has one line per row and text --rows all one table row per row', () => {
    const csv = fit('--format', 'csv');
    expect(csv.code).toBe(0);
    expect(csv.stdout.split('\n')).toHaveLength(ROWS + 2);
    const text = fit('--rows', 'all');
    expect(text.code).toBe(0);
    const table = text.stdout.slice(text.stdout.indexOf('Responsibilities'));
    expect(table.split('\n').filter((l) => /^│\s+\d+ │/.test(l))).toHaveLength(ROWS);
    expect(table.match(/┌/g)).toHaveLength(1);
    expect(table.match(/└/g)).toHaveLength(1);
  });
});
