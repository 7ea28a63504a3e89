/**
 * A few hundred thousand rows through the CLI: the threaded passes give the serial fit to
 * the last bit, and the streamed outputs parse and match the fit.
 */
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PARALLEL_FROM_BYTES } from '../../src/io/parallel.js';
import { emFit } from '../helpers/cli.js';
import { roughPartition, sampleMixture } from '../helpers/mixture.js';

const ROWS = 300_000;
const mean = [0, 4, 9];
let file = '';
let x: number[] = [];

beforeAll(() => {
  x = sampleMixture(ROWS, [0.5, 0.3, 0.2], mean, [1, 1.5, 2], 11).x;
  const labels = roughPartition(x, mean, 0.1, 12);
  file = join(mkdtempSync(join(tmpdir(), 'em-fit-large-')), 'large.csv');
  // With the id column the file is over 4 MB, so that more than one thread reads it too.
  writeFileSync(file, `id,x,start\n${x.map((v, i) => `${i + 1},${v},${labels[i]}`).join('\n')}\n`);
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
