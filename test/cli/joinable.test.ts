/**
 * Output that joins back to the input (issue 14, item 3): CSV and NDJSON with one line per
 * data row in input order, left-out rows included and numbered; --id; new column names that
 * never collide with the input's; the parameter table (--format params, or csv with
 * --no-responsibilities) for every family; JSON responsibilities with their row numbers.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emFit, emFitJson, fixture } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'em-fit-joinable-'));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const lines = (text: string): string[] => text.trimEnd().split('\n');
/** Plain CSV cells: none of these files quotes a field. */
const cells = (line: string): string[] => line.split(',');

describe('CSV output joins back to the input', () => {
  it('airquality with --missing skip: 153 lines for 153 rows, the 37 NA rows numbered with empty cells, unique column names', () => {
    const path = fixture('real/airquality_Ozone.csv');
    const input = lines(readFileSync(path, 'utf8'));
    const result = emFit([path, '--var', 'Ozone', '--k', '2', '--missing', 'skip', '--format', 'csv']);
    expect(result.code, result.stderr).toBe(0);
    const out = lines(result.stdout);
    expect(out).toHaveLength(input.length);
    expect(out[0]).toBe('Ozone,row,p_1,p_2,component');
    expect(new Set(cells(out[0])).size).toBe(cells(out[0]).length);
    const na = out.slice(1).filter((l) => l.startsWith('NA,'));
    expect(na).toHaveLength(37);
    for (const l of na) expect(l).toMatch(/^NA,\d+,,,$/);
    // The row numbers are 1..153 in order, and each line starts with its input line.
    expect(out.slice(1).map((l) => cells(l)[1])).toEqual(input.slice(1).map((_, i) => String(i + 1)));
    out.slice(1).forEach((l, i) => expect(cells(l)[0]).toBe(input[i + 1]));
  });

  it('re-fitting its own output names the new columns apart: p_1.1, row.1, component.1', () => {
    const first = file('first.csv', emFit([fixture('seed.csv'), '--var', 'Var', '--init', 'partition1', '--format', 'csv']).stdout);
    const again = emFit([first, '--var', 'Var', '--init', 'component', '--format', 'csv']);
    expect(again.code, again.stderr).toBe(0);
    expect(lines(again.stdout)[0]).toBe('Var,partition1,partition2,row,p_1,p_2,component,row.1,p_1.1,p_2.1,component.1');
  });

  it('--by on a file with a group column adds group.1', () => {
    const path = file('group.csv', 'x,group\n1,a\n1.5,a\n2,a\n2.2,a\n8,b\n9,b\n8.5,b\n9.5,b\n');
    const out = lines(emFit([path, '--var', 'x', '--by', 'group', '--k', '1', '--format', 'csv']).stdout);
    expect(out[0]).toBe('x,group,row,group.1,p_1,component');
    expect(out[5]).toBe('8,b,5,b,1,1');
  });

  it('--id copies a key column instead of the input columns and row; NDJSON carries it as "id"', () => {
    const path = file('keyed.csv', 'key,x,g\nk1,1.0,a\nk2,NA,a\nk3,1.2,a\nk4,9.0,b\nk5,9.5,b\n');
    const csv = lines(emFit([path, '--var', 'x', '--init', 'g', '--missing', 'skip', '--id', 'key', '--format', 'csv']).stdout);
    expect(csv.map((l) => cells(l).slice(0, 1).concat(cells(l).slice(-1)))).toEqual([
      ['key', 'component'],
      ['k1', 'a'],
      ['k2', ''],
      ['k3', 'a'],
      ['k4', 'b'],
      ['k5', 'b'],
    ]);
    expect(cells(csv[0])).toEqual(['key', 'p_a', 'p_b', 'component']);
    const nd = lines(emFit([path, '--var', 'x', '--init', 'g', '--missing', 'skip', '--id', 'key', '--format', 'ndjson']).stdout).map((l) => JSON.parse(l));
    expect(nd.map((o) => [o.row, o.id, o.value, o.component])).toEqual([
      [1, 'k1', 1, 'a'],
      [2, 'k2', null, null],
      [3, 'k3', 1.2, 'a'],
      [4, 'k4', 9, 'b'],
      [5, 'k5', 9.5, 'b'],
    ]);
    expect(nd[1].responsibilities).toBeNull();
  });

  it('--id refuses an unknown column (exit 3) and a format without per-row lines (exit 2)', () => {
    const seed = fixture('seed.csv');
    const unknown = emFit([seed, '--var', 'Var', '--init', 'partition1', '--id', 'nope', '--format', 'csv']);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain('no column named "nope" (--id)');
    const json = emFit([seed, '--var', 'Var', '--init', 'partition1', '--id', 'Var', '--json']);
    expect(json.code).toBe(2);
    expect(json.stderr).toContain('--id names the column');
    expect(emFit([seed, '--var', 'Var', '--init', 'partition1', '--format', 'ndjson', '--no-responsibilities']).code).toBe(2);
  });
});

describe('NDJSON output', () => {
  it('one object per data row with the fit’s responsibilities by label, for a family beyond the Gaussian', () => {
    const path = file('counts.csv', `n\n${[0, 1, 1, 2, 'NA', 0, 9, 10, 11, 12, 8, 1].join('\n')}\n`);
    const args = [path, '--var', 'n', '--k', '2', '--family', 'poisson', '--missing', 'skip'];
    const fit = emFitJson(args);
    const nd = lines(emFit([...args, '--format', 'ndjson']).stdout).map((l) => JSON.parse(l));
    expect(nd).toHaveLength(12);
    expect(nd[4]).toEqual({ row: 5, value: null, responsibilities: null, component: null });
    const used = nd.filter((o) => o.value !== null);
    expect(used.map((o) => o.row)).toEqual(fit.row);
    used.forEach((o, i) => {
      expect(Object.keys(o.responsibilities)).toEqual(fit.components.map((c: { label: string }) => c.label));
      expect(Object.values(o.responsibilities)).toEqual(fit.responsibilities[i]);
      expect(o.component).toBe(fit.classification[i]);
    });
  });

  it('predict writes the log-density too', () => {
    const model = join(dir, 'model.json');
    expect(emFit([fixture('faithful.csv'), '--var', 'waiting', '--k', '2', '--save-model', model, '--json']).code).toBe(0);
    const nd = lines(emFit(['predict', model, fixture('faithful.csv'), '--format', 'ndjson']).stdout).map((l) => JSON.parse(l));
    const json = JSON.parse(emFit(['predict', model, fixture('faithful.csv'), '--json']).stdout);
    expect(nd).toHaveLength(272);
    expect(nd.map((o) => o.log_density)).toEqual(json.log_density);
  });
});

describe('the parameter table as CSV', () => {
  const seed = fixture('seed.csv');

  it('--no-responsibilities with csv is --format params: weight, mean, variance, sd and, with --se, standard errors', () => {
    const params = emFit([seed, '--var', 'Var', '--init', 'partition1', '--format', 'params', '--se']);
    expect(emFit([seed, '--var', 'Var', '--init', 'partition1', '--format', 'csv', '--no-responsibilities', '--se']).stdout).toBe(params.stdout);
    const out = lines(params.stdout);
    expect(out[0]).toBe('component,family,weight,mean,variance,sd,se_weight,se_mean,se_variance');
    expect(out).toHaveLength(3);
    const json = emFitJson([seed, '--var', 'Var', '--init', 'partition1', '--se']);
    out.slice(1).forEach((l, k) => {
      const c = json.components[k];
      expect(cells(l).map(Number).slice(2)).toEqual([c.weight, c.mean, c.variance, c.sd, c.se_weight, c.se_mean, c.se_variance]);
    });
  });

  it.each([
    ['gamma', 'shape,rate'],
    ['weibull', 'shape,scale'],
    ['lognormal', 'meanlog,sdlog'],
    ['t', 'location,scale,df'],
  ])('names the %s family’s parameters as R does', (family, names) => {
    const path = file(`${family}.csv`, `x\n${Array.from({ length: 60 }, (_, i) => (1 + (i % 7) * 0.7 + (i % 2) * 6).toFixed(2)).join('\n')}\n`);
    const result = emFit([path, '--var', 'x', '--k', '2', '--family', family, '--format', 'params']);
    expect(result.code, result.stderr).toBe(0);
    expect(lines(result.stdout)[0]).toBe(`component,family,weight,${names},mean,variance,sd`);
    expect(cells(lines(result.stdout)[1])[1]).toBe(family);
  });

  it('with --by, a group column and one line per component of each group', () => {
    const path = file('by.csv', 'g,x\na,1\na,1.5\na,2\na,2.5\nb,8\nb,9\nb,8.5\nb,9.5\n');
    const out = lines(emFit([path, '--var', 'x', '--by', 'g', '--k', '1', '--format', 'params']).stdout);
    expect(out.map((l) => cells(l).slice(0, 4).join(','))).toEqual(['group,component,family,weight', 'a,1,gaussian,1', 'b,1,gaussian,1']);
  });
});
