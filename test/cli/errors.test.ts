/**
 * The error model: one line `em-fit: <message>` on stderr, nothing on stdout, no stack
 * trace, and an exit code that means something (2 usage, 3 input, 4 fit impossible).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { BIN, emFit, fixture } from '../helpers/cli.js';

const seed = fixture('seed.csv');
const dir = mkdtempSync(join(tmpdir(), 'em-fit-errors-'));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

function expectFailure(args: string[], code: number, fragment: string | RegExp, input?: string): void {
  const result = emFit(args, { input });
  expect(result.code, result.stderr).toBe(code);
  expect(result.stdout).toBe('');
  expect(result.stderr).toMatch(/^em-fit: /);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  if (typeof fragment === 'string') expect(result.stderr).toContain(fragment);
  else expect(result.stderr).toMatch(fragment);
}

describe('usage errors exit 2', () => {
  it.each([
    [[seed, '--init', 'partition1'], '--var <column> is required: the numeric column to fit (em-fit --help lists the options)'],
    [[seed, '--var', 'Var', '--init', 'partition1', '--bogus'], "unknown option '--bogus'"],
    [[seed, '--var', 'Var', '--init', 'partition1', '--max-iter', '-1'], '--max-iter must be a whole number ≥ 0, got "-1"'],
    [[seed, '--var', 'Var', '--init', 'partition1', '--max-iter', '2.5'], '--max-iter must be a whole number'],
    [[seed, '--var', 'Var', '--init', 'partition1', '--rtol', 'abc'], '--rtol must be a number ≥ 0'],
    [[seed, '--var', 'Var', '--init', 'partition1', '--min-variance', '0'], '--min-variance must be a number > 0'],
    [[seed, '--var', 'Var', '--init', 'partition1', '--format', 'xml'], "argument 'xml' is invalid"],
    [[seed, '--var', 'Var', '--init', 'partition1', '--missing', 'drop'], "argument 'drop' is invalid"],
    [[seed, '--var', 'Var', '--init', 'partition1', '-d', ';;'], '--delimiter must be one character'],
    [[seed, '--var', 'Var', '--init', 'partition1', '--rows', 'some'], '--rows must be a whole number'],
    [[seed, '--var', 'x', '--init', '2', '--no-header'], '--var (a column number with --no-header) must be a whole number ≥ 1'],
    [[seed, '--var', 'Var', '--init', 'partition1', '--json', '--format', 'csv'], '--json contradicts --format csv'],
    [[seed, '--var', 'Var', '--init', 'partition1', '--json', '--format', 'text'], '--json contradicts --format text'],
  ])('%j', (args, fragment) => expectFailure(args as string[], 2, fragment));
});

describe('input errors exit 3 and name the line and the value', () => {
  const fitArgs = ['--var', 'Var', '--init', 'partition1'];
  it.each([
    ['missing file', [join(dir, 'nope.csv'), ...fitArgs], 'nope.csv: no such file'],
    ['a directory', [dir, ...fitArgs], 'is a directory, not a file'],
    ['an unknown column', [seed, '--var', 'Weight', '--init', 'partition1'], 'no column named "Weight" (--var); the columns are "Var", "partition1", "partition2"'],
    ['a non-number', [file('bad.csv', 'Var,partition1\n1,a\n2,b\ntwo,a\n'), ...fitArgs], 'bad.csv, line 4: column "Var" holds "two", which is not a finite number'],
    ['NaN', [file('nan.csv', 'Var,partition1\n1,a\nNaN,b\n'), ...fitArgs], 'line 3: column "Var" holds "NaN"'],
    ['a ragged row', [file('ragged.csv', 'Var,partition1\n1,a\n2,b,c\n'), ...fitArgs], 'ragged.csv, line 3: 3 fields where the header has 2'],
    ['a blank cell', [file('blank.csv', 'Var,partition1\n1,a\n,b\n'), ...fitArgs], 'line 3: missing value "" in column "Var" (use --missing skip'],
    ['an empty file', [file('empty.csv', ''), ...fitArgs], 'the file is empty'],
    ['a header only', [file('header.csv', 'Var,partition1\n'), ...fitArgs], 'no data rows after the header'],
  ])('%s', (_, args, fragment) => expectFailure(args, 3, fragment));
});

describe('impossible fits exit 4', () => {
  it('fewer distinct values than components', () => {
    expectFailure([file('two.csv', 'x,g\n1,a\n1,b\n2,c\n2,a\n'), '--var', 'x', '--init', 'g'], 4, 'the data hold 2 distinct values, fewer than the 3 components asked for; use at most 2 components');
  });

  it('--strict turns non-convergence into exit 4, after the report', () => {
    const result = emFit([seed, '--var', 'Var', '--init', 'partition1', '--max-iter', '5', '--strict']);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('not converged after 5 iterations (--strict)');
  });
});

describe('skipping missing values', () => {
  it('counts the skipped rows, leaves them out of the fit, and keeps their lines in CSV output with empty cells', () => {
    const path = file('gaps.csv', 'Var,partition1\n-3.3,1\nNA,1\n-4.4,1\n-1.9,\n3.3,2\n2.5,2\n3.2,2\n0.3,2\n,2\n0.1,2\n-0.1,1\n-0.5,1\n');
    const json = JSON.parse(emFit([path, '--var', 'Var', '--init', 'partition1', '--missing', 'skip', '--json']).stdout);
    expect(json.skipped).toBe(3);
    expect(json.n).toBe(9);
    expect(json.responsibilities).toHaveLength(9);
    const csv = emFit([path, '--var', 'Var', '--init', 'partition1', '--missing', 'skip', '--format', 'csv']).stdout.trim().split('\n');
    // One line per data row of the input (12), in its order: the skipped ones numbered, with empty cells.
    expect(csv).toHaveLength(13);
    expect(csv[0]).toBe('Var,partition1,row,p_1,p_2,component');
    expect(csv.slice(1).map((l) => l.split(',')[0])).toEqual(['-3.3', 'NA', '-4.4', '-1.9', '3.3', '2.5', '3.2', '0.3', '', '0.1', '-0.1', '-0.5']);
    expect(csv.slice(1).map((l) => l.split(',')[2])).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12']);
    expect([csv[2], csv[4], csv[9]]).toEqual(['NA,1,2,,,', '-1.9,,4,,,', ',2,9,,,']);
    // JSON's responsibilities come with the same numbers.
    expect(json.row).toEqual([1, 3, 5, 6, 7, 8, 10, 11, 12]);
    const text = emFit([path, '--var', 'Var', '--init', 'partition1', '--missing', 'skip']).stdout;
    expect(text).toContain('9 used, 3 skipped');
    // Row numbers in the text table are the data rows of the file: row 3 is -4.4.
    expect(text).toMatch(/│\s+3 │\s+-4\.4 │/);
  });
});

describe('help and version', () => {
  it('--help prints usage on stdout and exits 0', () => {
    const result = emFit(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: em-fit <file...|-> --var <column> [options]');
    expect(result.stdout).toContain('--min-variance');
    expect(result.stdout).toMatch(/--var <column> +numeric column to fit .*\(required\)/s);
  });

  it('--version prints the version', () => {
    const result = emFit(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe('every input and fit error names the data it is about', () => {
  // As a batch's do; these said what was wrong but not in which file (QA pass).
  it.each([
    ['values too close for a double', 'tiny.csv', 'x\n1e-300\n2e-300\n3e-300\n', ['--var', 'x', '--k', '1:2'], 4, 'tiny.csv: the values differ by at most'],
    ['fewer distinct values than the partition', 'two.csv', 'x,g\n1,a\n2,b\n1,c\n', ['--var', 'x', '--init', 'g'], 4, 'two.csv: the data hold 2 distinct values'],
    ['a value outside the family', 'frac.csv', 'x\n0.5\n2\n3\n', ['--var', 'x', '--family', 'poisson'], 3, 'frac.csv: data row 1 has the value 0.5'],
  ])('%s', (_, name, text, args, code, fragment) => {
    const path = file(name, text);
    expectFailure([path, ...args], code, `em-fit: ${join(dir, fragment)}`);
  });

  it('an error about the --init-model file names that file alone', () => {
    const missing = join(dir, 'no-such-model.json');
    expectFailure([seed, '--var', 'Var', '--init-model', missing], 3, `em-fit: ${missing}: no such file (the model file)\n`);
  });

  it('standard input is named so, and a message that names its file is left as it is', () => {
    expectFailure(['-', '--var', 'y'], 3, 'em-fit: standard input: no column named "y"', 'x\n1\n2\n');
    const path = file('bad.csv', 'x\n1\noops\n');
    const result = emFit([path, '--var', 'x']);
    expect(result.stderr).toBe(`em-fit: ${path}, line 3: column "x" holds "oops", which is not a finite number\n`);
  });
});

describe('decided before the file is read', () => {
  it('--family with counts and densities together: a usage error, nothing read', () => {
    // It came after the whole file was read (EM_FIT_TEST_ANNOUNCE says "reading"), or as an
    // input error about the data when they were not counts.
    const result = emFit([seed, '--var', 'Var', '--family', 'poisson,gaussian'], { env: { EM_FIT_TEST_ANNOUNCE: '1' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('em-fit: --family poisson,gaussian mixes probabilities of counts (poisson) with densities (gaussian), whose likelihoods do not compare; fit them apart\n');
  });

  it('standard input that is a directory says so', () => {
    const result = spawnSync('sh', ['-c', `"${process.execPath}" "${BIN}" - --var x < "${dir}"`], { encoding: 'utf8' });
    expect(result.status).toBe(3);
    expect(result.stderr).toBe('em-fit: standard input is a directory, not a file\n');
  });
});
