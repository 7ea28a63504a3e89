/**
 * Data stay data. Column names and labels come from the file, so they may be any text,
 * including the names of Object.prototype's members: they must never become object keys
 * (where "__proto__" would reach the prototype), must come out as the same plain strings,
 * and must not stop the fit. And em-fit reads its input and writes only to stdout and
 * stderr: a run leaves its working directory as it found it.
 */
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readTable } from '../../src/io/csv.js';
import { labelOrder, sortLabels } from '../../src/io/labels.js';
import { emFitAsync, errorModelProblems, nonFiniteNumbers } from '../helpers/run.js';

const NAMES = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'];

/** Two well-separated rows per label, so that each label keeps its own component. */
const csv = `__proto__,constructor,prototype\n${NAMES.flatMap((name, k) => [`${10 * k},${name},${name}`, `${10 * k + 1},${name},${name}`]).join('\n')}\n`;

/** Every key of every object in a parsed JSON document. */
function keys(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(keys);
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => [k, ...keys(v)]);
  return [];
}

const prototypeMembers = (): string[] => Object.getOwnPropertyNames(Object.prototype).sort();

describe('names and labels from the file', () => {
  it('are read into plain strings without touching Object.prototype', async () => {
    const before = prototypeMembers();
    const table = await readTable(Readable.from([csv]), {
      source: 'proto.csv',
      header: true,
      delimiter: ',',
      encoding: 'utf8',
      missing: 'error',
      columns: { var: '__proto__', init: 'constructor' },
    });
    expect(table.header).toEqual(['__proto__', 'constructor', 'prototype']);
    expect(table.varName).toBe('__proto__');
    expect(table.labels?.name).toBe('constructor');
    expect(table.labels?.names).toEqual(NAMES);
    const sorted = sortLabels(table.labels?.names ?? [], table.labels?.codes ?? new Int32Array());
    expect(sorted).toEqual([...NAMES].sort());
    expect(labelOrder(NAMES)).toHaveLength(NAMES.length);
    expect(prototypeMembers()).toEqual(before);
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).toString).toBe(Object.prototype.toString);
  });

  it('come out of the CLI as the same strings, never as keys, and the fit works', async () => {
    const result = await emFitAsync(['-', '--var', '__proto__', '--init', 'constructor', '--json'], { input: csv });
    expect(result.code, result.stderr).toBe(0);
    expect(errorModelProblems(result)).toEqual([]);
    const report = JSON.parse(result.stdout) as Record<string, any>;
    expect(nonFiniteNumbers(report)).toEqual([]);
    expect(report.column).toBe('__proto__');
    expect(report.init).toBe('constructor');
    expect(report.k).toBe(NAMES.length);
    expect(report.components.map((c: any) => c.label)).toEqual([...NAMES].sort());
    for (const c of report.components) {
      expect(typeof c.label).toBe('string');
      // Each label's two rows, 1 apart, are its component: mean 10k + 0.5.
      expect(c.mean).toBeCloseTo(10 * NAMES.indexOf(c.label) + 0.5, 6);
    }
    expect(report.classification).toEqual(NAMES.flatMap((name) => [name, name]));
    const used = keys(report);
    for (const name of NAMES) expect(used, name).not.toContain(name);
  });

  it('head the CSV report’s columns and fill its last one', async () => {
    const result = await emFitAsync(['-', '--var', '__proto__', '--init', 'constructor', '--format', 'csv'], { input: csv });
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toBe(['__proto__', 'constructor', 'prototype', ...[...NAMES].sort().map((n) => `p_${n}`), 'component'].join(','));
    expect(lines.slice(1).map((line) => line.split(',').at(-1))).toEqual(NAMES.flatMap((name) => [name, name]));
  });
});

describe('files', () => {
  /** Name, size and modification time of everything under `dir`. */
  function listing(dir: string): string[] {
    return readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .map((name) => {
        const s = statSync(join(dir, name));
        return `${name} ${s.size} ${s.mtimeMs}`;
      })
      .sort();
  }

  it('em-fit writes none: its working directory is unchanged after fits in every format, from a file and from stdin', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'em-fit-cwd-'));
    writeFileSync(join(cwd, 'data.csv'), csv);
    const before = listing(cwd);
    const fit = ['--var', '__proto__', '--init', 'constructor'];
    const runs = [
      ['data.csv', ...fit],
      ['data.csv', ...fit, '--json'],
      ['data.csv', ...fit, '--format', 'csv'],
      ['data.csv', ...fit, '--rows', 'all', '--strict'],
      ['-', ...fit, '--format', 'csv'],
      ['data.csv', '--var', 'nope', '--init', 'constructor'],
      ['missing.csv', ...fit],
    ];
    for (const args of runs) {
      const result = await emFitAsync(args, { cwd, input: args[0] === '-' ? csv : undefined });
      expect([0, 3], `${args.join(' ')}: ${result.stderr}`).toContain(result.code);
    }
    expect(listing(cwd)).toEqual(before);
    rmSync(cwd, { recursive: true, force: true });
  });
});
