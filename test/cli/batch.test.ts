/**
 * Batches (issue 15, item 3): several files in one call, each fitted on its own. JSON: one
 * line per file with its `file` key, in argument order, the same document as the file
 * fitted alone; text: a section per file; params: one table with a `file` column; a bad
 * file is an error line for that file, the others are fitted, and the exit code is the
 * failure's at the end.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emFit, emFitJson } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'em-fit-batch-'));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
/** n values of two well separated groups, shifted by `shift`. */
const values = (n: number, shift: number): string => `x\n${Array.from({ length: n }, (_, i) => ((i % 2) * 8 + shift + ((i * 37) % 11) / 10).toFixed(2)).join('\n')}\n`;

const files = Array.from({ length: 6 }, (_, i) => file(`run${i}.csv`, values(40 + 10 * i, i)));
const bad = file('bad.csv', 'x\n1\n2\nfoo\n');
const missing = join(dir, 'missing.csv');
const FIT = ['--var', 'x', '--k', '1:3', '-q'];

describe('several files in one call', () => {
  it('--json: one line per file, in argument order, each the document of the file fitted alone', () => {
    const result = emFit([...files, ...FIT, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.file)).toEqual(files);
    for (const [i, f] of files.entries()) expect(lines[i]).toEqual(emFitJson([f, ...FIT]));
  });

  it('a bad file is an error line for that file; the others are fitted; the exit code is the failure’s', () => {
    const result = emFit([files[0], bad, missing, files[1], ...FIT, '--json']);
    expect(result.code).toBe(3);
    const lines = result.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.file)).toEqual([files[0], bad, missing, files[1]]);
    expect(lines[1]).toEqual({ format: 'em-fit.fit/2', file: bad, error: `${bad}, line 4: column "x" holds "foo", which is not a finite number` });
    expect(lines[2].error).toContain('no such file');
    expect(lines[3].k).toBeGreaterThan(0);
    expect(result.stderr).toContain(`em-fit: ${bad}, line 4:`);
  });

  it('warnings name their file', () => {
    const one = file('one.csv', 'x\n1\n2\n3\n10\n11\n12\n');
    const result = emFit([files[0], one, '--var', 'x', '--k', '1:3', '--json']);
    expect(result.stderr).toMatch(new RegExp(`em-fit: warning: ${one.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
  });

  it('text: a section per file, the bad one saying why', () => {
    const result = emFit([files[0], bad, files[2], ...FIT, '--no-plot', '--rows', '0']);
    expect(result.code).toBe(3);
    const sections = result.stdout.split(/^ file /m).slice(1);
    expect(sections.map((s) => s.split(' \n')[0])).toEqual([files[0], bad, files[2]]);
    expect(sections[1]).toContain('not fitted: ');
    expect(sections[2]).toContain(`x in ${files[2]}`);
  });

  it('params: one table with a file column', () => {
    const result = emFit([files[0], files[1], '--var', 'x', '--k', '2', '-q', '--format', 'params']);
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('file,component,family,weight,mean,variance,sd');
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual([files[0], files[0], files[1], files[1]]);
  });

  it.each([
    [['--format', 'csv'], '--format csv writes the rows of one file'],
    [['--save-model', join(dir, 'm.json')], '--save-model writes one file'],
    [['--by', 'x'], '--by fits the groups of one file'],
  ])('refuses %j with several files (exit 2)', (extra, message) => {
    const result = emFit([files[0], files[1], ...FIT, ...extra]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });
});

describe('a batch on the worker pool', () => {
  it('gives the bytes of the batch fitted on the main thread, errors and warnings in argument order', () => {
    const many = [...files, bad, ...files.slice(0, 3), missing, ...files.slice(3)];
    const pooled = emFit([...many, '--var', 'x', '--k', '1:3', '--json']);
    const serial = emFit([...many, '--var', 'x', '--k', '1:3', '--json', '--threads', '1']);
    expect(pooled.code).toBe(3);
    expect(serial.code).toBe(3);
    expect(pooled.stdout).toBe(serial.stdout);
    expect(pooled.stderr).toBe(serial.stderr);
    expect(pooled.stdout.trimEnd().split('\n').map((l) => JSON.parse(l).file)).toEqual(many);
    const params = emFit([...many, '--var', 'x', '--k', '2', '--format', 'params']);
    expect(params.stdout).toBe(emFit([...many, '--var', 'x', '--k', '2', '--format', 'params', '--threads', '1']).stdout);
  });
});
