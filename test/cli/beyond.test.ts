/**
 * Frequency weights, --by groups, saved models (predict, warm start) and standard errors,
 * end to end through the CLI. References: the same fits computed another way (duplicated
 * rows, one file per group, the fit's own responsibilities), and the numpy standard
 * errors of test/models/gaussian-se.test.ts.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emFit, emFitJson, fixture } from '../helpers/cli.js';
import { sampleMixture } from '../helpers/mixture.js';

const dir = mkdtempSync(join(tmpdir(), 'em-fit-beyond-'));
const write = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);
const seedRows = readFileSync(fixture('seed.csv'), 'utf8').trim().split('\n').slice(1);

describe('--weight', () => {
  const weights = [1, 3, 2, 1, 4, 1, 2, 1, 1, 2];
  const weighted = write('weighted.csv', `Var,partition1,w\n${seedRows.map((r, i) => `${r.split(',').slice(0, 2).join(',')},${weights[i]}`).join('\n')}\n`);
  const copies = write('copies.csv', `Var,partition1\n${seedRows.flatMap((r, i) => Array(weights[i]).fill(r.split(',').slice(0, 2).join(','))).join('\n')}\n`);

  it('with integer weights gives exactly the fit of the file with duplicated rows', () => {
    const a = emFitJson([weighted, '--var', 'Var', '--init', 'partition1', '--weight', 'w', '--no-responsibilities', '--rtol', '1e-12']);
    const b = emFitJson([copies, '--var', 'Var', '--init', 'partition1', '--no-responsibilities', '--rtol', '1e-12']);
    expect(a.n).toBe(10);
    expect(a.weight).toBe('w');
    expect(a.total_weight).toBe(18);
    expect(b.n).toBe(18);
    expect(a.iterations).toBe(b.iterations);
    expect(rel(a.loglik, b.loglik)).toBeLessThan(1e-12);
    // The criteria use the total weight as n.
    expect(a.bic).toBeCloseTo(b.bic, 9);
    a.components.forEach((c: any, k: number) => {
      for (const key of ['weight', 'mean', 'variance']) expect(rel(c[key], b.components[k][key])).toBeLessThan(1e-10);
    });
  });

  it('ignores rows of weight 0 and takes fractional weights', () => {
    const zero = write('zero.csv', `x,g,w\n${seedRows.map((r, i) => `${r.split(',')[0]},${r.split(',')[1]},${i < 2 ? 0 : 0.5}`).join('\n')}\n`);
    const rest = write('rest.csv', `x,g\n${seedRows.slice(2).map((r) => r.split(',').slice(0, 2).join(',')).join('\n')}\n`);
    const a = emFitJson([zero, '--var', 'x', '--init', 'g', '--weight', 'w', '--no-responsibilities', '--rtol', '1e-12']);
    const b = emFitJson([rest, '--var', 'x', '--init', 'g', '--no-responsibilities', '--rtol', '1e-12']);
    expect(a.total_weight).toBe(4);
    // Halving every weight halves ℓ and leaves the parameters alone.
    expect(rel(a.loglik, b.loglik / 2)).toBeLessThan(1e-10);
    a.components.forEach((c: any, k: number) => expect(rel(c.mean, b.components[k].mean)).toBeLessThan(1e-9));
  });

  it.each([
    ['-1', 'line 3: weight column "w" holds "-1"; weights must be finite numbers ≥ 0'],
    ['Infinity', 'line 3: weight column "w" holds "Infinity"'],
    ['heavy', 'line 3: weight column "w" holds "heavy"'],
  ])('refuses the weight %j, naming the line', (bad, message) => {
    const path = write(`bad-${bad}.csv`, `x,g,w\n1,a,1\n2,b,${bad}\n3,a,1\n`);
    const result = emFit([path, '--var', 'x', '--init', 'g', '--weight', 'w']);
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(message);
  });
});

describe('--by', () => {
  const north = sampleMixture(150, [0.5, 0.5], [0, 5], [1, 1], 1, 2).x;
  const south = sampleMixture(120, [0.3, 0.7], [10, 14], [1, 1.5], 2, 2).x;
  const rows = [...north.map((x) => ['north', x]), ...south.map((x) => ['south', x])];
  // Interleave the groups so that their rows are not contiguous in the file.
  rows.sort((a, b) => ((a[1] as number) * 7919) % 1 - ((b[1] as number) * 7919) % 1);
  const stacked = write('stacked.csv', `region,x\n${rows.map((r) => r.join(',')).join('\n')}\nwest,1.5\n`);
  const only = (region: string) => write(`${region}.csv`, `region,x\n${rows.filter((r) => r[0] === region).map((r) => r.join(',')).join('\n')}\n`);

  it('writes one JSON line per group, in order of first appearance, each the fit of that group alone', () => {
    const result = emFit([stacked, '--var', 'x', '--by', 'region', '--k', '2', '--json']);
    const lines = result.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const order = [...new Set(rows.map((r) => r[0]))];
    expect(lines.map((l) => l.group)).toEqual([...order, 'west']);
    for (const line of lines.slice(0, 2)) {
      const alone = emFitJson([only(line.group), '--var', 'x', '--k', '2']);
      expect(line.n).toBe(alone.n);
      expect(line.loglik).toBe(alone.loglik);
      expect(line.components).toEqual(alone.components);
      expect(line.responsibilities).toEqual(alone.responsibilities);
    }
    // The one-row group cannot have two components: an error line, and exit 4.
    expect(lines[2]).toEqual({ format: 'em-fit.fit/2', group: 'west', file: expect.any(String), column: 'x', error: expect.stringContaining('the data hold 1 distinct value') });
    expect(result.code).toBe(4);
    expect(result.stderr).toContain(', group "west": not fitted: ');
  });

  it('exits 0 when every group is fitted, and works with --init and --weight', () => {
    const path = write('by-init.csv', `g,x,start,w\n${seedRows.map((r, i) => `a,${r.split(',')[0]},${r.split(',')[1]},1`).join('\n')}\n${seedRows.map((r) => `b,${r.split(',')[0]},${r.split(',')[2]},2`).join('\n')}\n`);
    const result = emFit([path, '--var', 'x', '--by', 'g', '--init', 'start', '--weight', 'w', '--json', '--no-responsibilities']);
    expect(result.code).toBe(0);
    const [a, b] = result.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(a.k).toBe(2);
    expect(b.k).toBe(3);
    expect(b.total_weight).toBe(20);
    // Group a is the seed data from partition1: the core issue's −20.8012191.
    expect(a.loglik).toBeCloseTo(-20.8012191, 6);
  });

  it('adds a group column to CSV and a section per group to text', () => {
    const csv = emFit([stacked, '--var', 'x', '--by', 'region', '--k', '2', '--format', 'csv']).stdout.trim().split('\n');
    expect(csv[0]).toBe('region,x,group,p_1,p_2,component');
    expect(csv).toHaveLength(rows.length + 2);
    expect(csv[csv.length - 1]).toBe('west,1.5,west,,,');
    const text = emFit([stacked, '--var', 'x', '--by', 'region', '--k', '2', '--rows', '2']).stdout;
    expect(text).toContain(' group north ');
    expect(text).toContain(' group south ');
    expect(text).toContain('not fitted: no candidate model could be fitted');
  });
});

describe('saved models', () => {
  const faithful = fixture('faithful.csv');
  const model = join(dir, 'faithful-model.json');

  it('predict, on the data the model was fitted to, returns the fit\'s own responsibilities and ℓ', () => {
    const fit = emFitJson([faithful, '--var', 'waiting', '--k', '1:3', '--save-model', model]);
    const saved = JSON.parse(readFileSync(model, 'utf8'));
    expect(saved).toMatchObject({ format: 'em-fit.model/2', family: 'gaussian', variance_model: fit.variance_model, column: 'waiting' });
    expect(saved.components).toEqual(fit.components.map(({ label, weight, mean, variance }: any) => ({ label, weight, mean, variance })));
    const result = emFit(['predict', model, faithful, '--json']);
    expect(result.code).toBe(0);
    const predicted = JSON.parse(result.stdout);
    expect(predicted.responsibilities).toEqual(fit.responsibilities);
    expect(predicted.classification).toEqual(fit.classification);
    expect(predicted.loglik).toBe(fit.loglik);
    expect(predicted.log_density.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(fit.loglik, 9);
  });

  it('predict scores new data by the model\'s column, or --var, in text and CSV too', () => {
    const other = write('new.csv', 'minutes,waiting\n1,50\n2,85\n3,70\n');
    const out = emFitJson(['predict', model, other]);
    expect(out.n).toBe(3);
    expect(out.column).toBe('waiting');
    const renamed = write('renamed.csv', 'minutes\n50\n85\n');
    expect(emFitJson(['predict', model, renamed, '--var', 'minutes']).n).toBe(2);
    const text = emFit(['predict', model, other]).stdout;
    expect(text).toContain('scored with');
    expect(text).toContain('log-density');
    const csv = emFit(['predict', model, other, '--format', 'csv']).stdout.trim().split('\n');
    expect(csv[0]).toBe('minutes,waiting,p_1,p_2,component,log_density');
  });

  it('--init-model starts from the saved model: already at the optimum, EM stops at once', () => {
    const fit = emFitJson([faithful, '--var', 'waiting', '--init-model', model, '--no-responsibilities']);
    expect(fit.init).toBe(model);
    expect(fit.iterations).toBeLessThanOrEqual(2);
    // The saved optimum: K = 2, equal variances, ℓ = −1034.00176 (mclust: −1034.002034).
    expect(fit.loglik).toBeCloseTo(-1034.00176, 4);
  });

  it.each([
    ['newer', { format: 'em-fit.model/3' }, 'is a model file of version 3, newer than this em-fit reads (version 2); upgrade em-fit'],
    ['newer legacy', { format: 'em-fit-model', version: 3 }, 'is a model file of version 3, newer than this em-fit reads (version 2); upgrade em-fit'],
    ['foreign', { format: 'something-else', version: 1 }, '"format" is "something-else", not "em-fit.model/2"'],
    ['version 0', { format: 'em-fit.model/0' }, '"format" is "em-fit.model/0", not "em-fit.model/2"'],
    ['bad weights', { ...JSON.parse('{"format":"em-fit-model","version":1,"family":"gaussian","variance":"equal","column":"x","variance_floor":0.1}'), components: [{ label: 'a', weight: 0.5, mean: 0, variance: 1 }] }, 'the weights add up to 0.5, not 1'],
  ])('refuses a %s model file (exit 3)', (_, content, message) => {
    const path = write(`model-${_.replace(' ', '-')}.json`, JSON.stringify(content));
    for (const args of [['predict', path, faithful], [faithful, '--var', 'waiting', '--init-model', path]]) {
      const result = emFit(args);
      expect(result.code).toBe(3);
      expect(result.stdout).toBe('');
      expect(result.stderr).toContain(message);
    }
  });

  it('with --by writes one model file per group, named after the group', () => {
    const path = write('two.csv', `g,x\n${seedRows.map((r) => `left side,${r.split(',')[0]}`).join('\n')}\n${seedRows.map((r) => `right,${Number(r.split(',')[0]) + 20}`).join('\n')}\n`);
    const stem = join(dir, 'per-group.json');
    expect(emFit([path, '--var', 'x', '--by', 'g', '--k', '2', '--save-model', stem]).code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'per-group.left_side.json'), 'utf8')).fit.group).toBe('left side');
    expect(JSON.parse(readFileSync(join(dir, 'per-group.right.json'), 'utf8')).components[0].mean).toBeGreaterThan(15);
  });
});

describe('--se', () => {
  it('adds se_weight, se_mean and se_variance, matching the numpy reference', () => {
    const out = emFitJson([fixture('faithful-cuts.csv'), '--var', 'waiting', '--init', 'cut2', '--se', '--rtol', '1e-12', '--no-responsibilities']);
    const [a, b] = out.components;
    // numpy reference (finite differences): 0.0311648, 0.699675, 0.504595, 6.30948, 4.70547.
    expect(rel(a.se_weight, 0.0311648)).toBeLessThan(0.01);
    expect(rel(b.se_weight, 0.0311648)).toBeLessThan(0.01);
    expect(rel(a.se_mean, 0.699675)).toBeLessThan(0.01);
    expect(rel(b.se_mean, 0.504595)).toBeLessThan(0.01);
    expect(rel(a.se_variance, 6.30948)).toBeLessThan(0.01);
    expect(rel(b.se_variance, 4.70547)).toBeLessThan(0.01);
    const text = emFit([fixture('faithful-cuts.csv'), '--var', 'waiting', '--init', 'cut2', '--se', '--rows', '0']).stdout;
    expect(text).toMatch(/± se/);
  });

  it('on values near 1e101 gives the errors of the same values written in units of 1e101, scaled back', () => {
    // Entries of order 1/σ⁴ ≈ 1e-404 once underflowed, and were blamed on an indefinite matrix.
    const huge = fixture('bad/huge-1e101.csv');
    const unit = write('unit-1e101.csv', readFileSync(huge, 'utf8').replaceAll('e101,', ','));
    const args = ['--var', 'x', '--init', 'g', '--se', '--rtol', '1e-13', '--no-responsibilities'];
    const a = emFitJson([huge, ...args]);
    const b = emFitJson([unit, ...args]);
    expect(a.se_unavailable).toBeUndefined();
    a.components.forEach((c: any, k: number) => {
      expect(rel(c.se_mean, b.components[k].se_mean * 1e101)).toBeLessThan(1e-6);
      expect(rel(c.se_variance, b.components[k].se_variance * 1e202)).toBeLessThan(1e-6);
      expect(rel(c.se_weight, b.components[k].se_weight)).toBeLessThan(1e-6);
    });
  });

  it('says why instead of giving numbers for a fit that has not converged', () => {
    const result = emFit([fixture('seed.csv'), '--var', 'Var', '--init', 'partition1', '--max-iter', '3', '--se', '--json', '--no-responsibilities']);
    const out = JSON.parse(result.stdout);
    expect(out.se_unavailable).toBe('the fit has not converged, so it is not at a maximum');
    expect(out.components[0]).not.toHaveProperty('se_mean');
    expect(result.stderr).toContain('no standard errors: the fit has not converged');
  });
});
