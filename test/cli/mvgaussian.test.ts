/**
 * Multivariate Gaussian mixtures from the command line (--var a,b,c and --model), against R's
 * mclust 6.0.0: `me(modelName, data, z)` at tolerance 1e-13 from the iris species and from
 * faithful split at waiting > 68, for every covariance model (the values are in
 * test/models/mvgaussian/mclust-reference.json, written by mclust-reference.R beside it; the
 * CSV fixtures fixtures/iris.csv and fixtures/faithful-groups.csv were written by R's write.csv).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COVARIANCE_MODELS } from '../../src/models/mvgaussian/models.js';
import { mclust } from '../models/mvgaussian/fixture.js';
import { emFit, emFitJson, fixture } from '../helpers/cli.js';
import { mulberry32, normal as draw } from '../helpers/mixture.js';

const IRIS = ['Sepal.Length', 'Sepal.Width', 'Petal.Length', 'Petal.Width'];
const ITERATED = new Set(['VEI', 'VEE', 'EVE', 'VVE', 'VEV']);

/** The CLI's run from a partition, and which of mclust's components (1-based z columns) each label is. */
const CASES = [
  { name: 'iris-species', args: [fixture('iris.csv'), '--var', IRIS.join(','), '--init', 'Species'], order: ['setosa', 'versicolor', 'virginica'] },
  { name: 'faithful-waiting68', args: [fixture('faithful-groups.csv'), '--var', 'eruptions,waiting', '--init', 'group'], order: ['short', 'long'] },
];

const relative = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

describe.each(CASES)('--var with --init on $name: every covariance model against mclust me (tol 1e-13)', ({ name, args, order }) => {
  const reference = mclust.cases.find((c) => c.name === name);
  if (reference === undefined) throw new Error(`no reference case ${name}`);
  it.each([...COVARIANCE_MODELS])('%s', (model) => {
    const out = emFitJson([...args, '--model', model, '--rtol', '1e-13', '--max-iter', '100000', '--no-responsibilities']);
    const { me, mstep } = reference.models[model];
    const d = out.components[0].mean.length;
    expect(out.family).toBe('mvgaussian');
    expect(out.covariance_model).toBe(model);
    expect(out.d).toBe(d);
    if (model === 'VVE') {
      // mclust's VVE M-step is not a maximiser (src/models/mvgaussian/README.md), so its
      // partition's parameters differ from ours; ours ends higher.
      expect(out.loglik).toBeGreaterThanOrEqual(me.loglik);
      return;
    }
    // ℓ at the partition's parameters: the M-step on the hard partition, mclust's mstep.
    expect(relative(out.trace[0].loglik, mstep.loglik)).toBeLessThan(ITERATED.has(model) ? 1e-6 : 1e-9);
    expect(relative(out.loglik, me.loglik)).toBeLessThan(1e-8);
    const tolerance = ITERATED.has(model) ? 1e-4 : 1e-6;
    for (const component of out.components) {
      const k = order.indexOf(component.label);
      expect(component.weight).toBeCloseTo(me.pro[k], 6);
      component.mean.forEach((m: number, p: number) => expect(Math.abs(m - me.mean[k * d + p])).toBeLessThan(tolerance));
      component.covariance.forEach((row: number[], p: number) =>
        row.forEach((v, q) => expect(Math.abs(v - me.sigma[k * d * d + p * d + q])).toBeLessThan(tolerance)),
      );
    }
    expect(out.n_params).toBe(reference.models[model].nVarParams + (reference.G - 1) + reference.G * d);
  });
});

describe('against scikit-learn for the four models it shares', () => {
  // test/models/mvgaussian/sklearn-iris.py: GaussianMixture (scikit-learn 1.2.1) on iris from
  // the species partition's M-step, reg_covar 0, tol 1e-14; spherical = VII, diag = VVI,
  // tied = EEE, full = VVV.
  const reference = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'models', 'mvgaussian', 'sklearn-iris.json'), 'utf8')) as {
    labels: string[];
    models: Record<string, { sklearn: string; loglik: number; weights: number[]; means: number[][] }>;
  };
  it.each(Object.entries(reference.models))('%s converges where scikit-learn does', (model, theirs) => {
    const out = emFitJson([fixture('iris.csv'), '--var', IRIS.join(','), '--init', 'Species', '--model', theirs.sklearn, '--rtol', '1e-14', '--max-iter', '100000', '--no-responsibilities']);
    expect(out.covariance_model).toBe(model);
    expect(relative(out.loglik, theirs.loglik)).toBeLessThan(1e-10);
    expect(out.components.map((c: { label: string }) => c.label)).toEqual(reference.labels);
    out.components.forEach((c: { weight: number; mean: number[] }, k: number) => {
      expect(Math.abs(c.weight - theirs.weights[k])).toBeLessThan(1e-6);
      c.mean.forEach((m, j) => expect(Math.abs(m - theirs.means[k][j])).toBeLessThan(1e-6));
    });
  });
});

describe('--var with several columns', () => {
  const dir = mkdtempSync(join(tmpdir(), 'em-fit-mv-'));

  it('fits VVV by default from a partition, and takes scikit-learn’s names as aliases', () => {
    const base = [fixture('faithful-groups.csv'), '--var', 'eruptions,waiting', '--init', 'group', '--no-responsibilities'];
    expect(emFitJson(base).covariance_model).toBe('VVV');
    const aliases = { spherical: 'VII', diag: 'VVI', tied: 'EEE', full: 'VVV' };
    for (const [alias, model] of Object.entries(aliases)) expect(emFitJson([...base, '--model', alias]).covariance_model).toBe(model);
  });

  it('compares a list of models by BIC', () => {
    const out = emFitJson([fixture('faithful-groups.csv'), '--var', 'eruptions,waiting', '--init', 'group', '--model', 'EII,VVV,EEE', '--no-responsibilities']);
    expect(out.selection.map((s: { covariance_model: string }) => s.covariance_model)).toEqual(['EII', 'EEE', 'VVV']);
    const best = out.selection.reduce((a: { bic: number }, b: { bic: number }) => (b.bic < a.bic ? b : a));
    expect(out.covariance_model).toBe(best.covariance_model);
  });

  it('fits data offset by 1e9 as the data at 0 (centred statistics)', () => {
    const text = readFileSync(fixture('faithful-groups.csv'), 'utf8').trim().split('\n');
    const shifted = [text[0], ...text.slice(1).map((line) => {
      const [e, w, g] = line.split(',');
      return `${(1e9 + Number(e)).toFixed(3)},${(1e9 + Number(w)).toFixed(0)},${g}`;
    })].join('\n');
    const path = join(dir, 'shifted.csv');
    writeFileSync(path, `${shifted}\n`);
    const a = emFitJson([fixture('faithful-groups.csv'), '--var', 'eruptions,waiting', '--init', 'group', '--no-responsibilities', '--resolution', '0.001']);
    const b = emFitJson([path, '--var', 'eruptions,waiting', '--init', 'group', '--no-responsibilities', '--resolution', '0.001']);
    // The shifted values are the nearest doubles to 1e9 + x, off by up to 6e-8 each: the fits
    // agree to that, where uncentred sums would lose every digit of the covariances.
    expect(relative(b.loglik, a.loglik)).toBeLessThan(1e-9);
    b.components.forEach((c: { mean: number[]; covariance: number[][] }, k: number) => {
      c.mean.forEach((m, p) => expect(m - 1e9).toBeCloseTo(a.components[k].mean[p], 5));
      c.covariance.forEach((row, p) => row.forEach((v, q) => expect(relative(v, a.components[k].covariance[p][q])).toBeLessThan(1e-6)));
    });
  });

  it('reads columns by number with --no-header', () => {
    const text = readFileSync(fixture('faithful-groups.csv'), 'utf8').trim().split('\n').slice(1).join('\n');
    const path = join(dir, 'bare.csv');
    writeFileSync(path, `${text}\n`);
    const a = emFitJson([path, '--no-header', '--var', '1,2', '--init', '3', '--no-responsibilities']);
    const b = emFitJson([fixture('faithful-groups.csv'), '--var', 'eruptions,waiting', '--init', 'group', '--no-responsibilities']);
    expect(a.loglik).toBe(b.loglik);
    expect(a.columns).toEqual(['1', '2']);
  });

  it('prints per component the weight, means, sds and correlations', () => {
    const out = emFit([fixture('iris.csv'), '--var', IRIS.join(','), '--init', 'Species', '--rows', '2']);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/covariance model VVV/);
    expect(out.stdout).toMatch(/component setosa, weight 0\.333333/);
    // setosa's sepal length and width: mean 5.006, correlation 0.7425 (R: cor(iris[1:50, 1:2])).
    expect(out.stdout).toMatch(/Sepal\.Length │\s+5\.006000 │\s+0\.34894\d+ │\s+1 │/);
    expect(out.stdout).toMatch(/Sepal\.Width\s+│\s+3\.428000 │.*│\s+0\.7425 │\s+1 │/);
  });

  it('refuses options that belong to one column, naming the right one', () => {
    const many = [fixture('iris.csv'), '--var', 'Sepal.Length,Sepal.Width', '--init', 'Species'];
    expect(emFit([...many, '--variance', 'equal']).stderr).toMatch(/--variance applies to one --var column; for several the covariance model is --model/);
    expect(emFit([...many, '--family', 'gamma']).stderr).toMatch(/--family gamma applies to one column/);
    expect(emFit([fixture('iris.csv'), '--var', 'Sepal.Length', '--init', 'Species', '--model', 'VVV']).stderr).toMatch(/--model applies to several --var columns/);
    expect(emFit([...many, '--model', 'XYZ']).code).toBe(2);
    expect(emFit([fixture('iris.csv'), '--var', 'Sepal.Length,Sepal.Length', '--init', 'Species']).stderr).toMatch(/twice/);
    const missing = emFit([fixture('iris.csv'), '--var', 'Sepal.Length,Nope', '--init', 'Species']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/no column named "Nope"/);
  });
});

describe('--var with several columns: rows, weights, groups, outputs, model files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'em-fit-mv-rows-'));
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const faithful = readFileSync(fixture('faithful-groups.csv'), 'utf8').trim().split('\n');
  const partition = ['--var', 'eruptions,waiting', '--init', 'group', '--no-responsibilities'];

  it('leaves out a row with a missing value in any column (--missing skip), as if it were not there', () => {
    const withNa = file('na.csv', `${[faithful[0], '3.1,NA,long', ...faithful.slice(1), '"",60,short'].join('\n')}\n`);
    expect(emFit([withNa, ...partition]).code).toBe(3);
    const out = emFitJson([withNa, ...partition, '--missing', 'skip']);
    const plain = emFitJson([fixture('faithful-groups.csv'), ...partition]);
    expect(out.skipped).toBe(2);
    expect(out.n).toBe(272);
    expect(out.loglik).toBe(plain.loglik);
  });

  it('counts a row of weight w as w rows', () => {
    const weighted = file('weighted.csv', `${[`${faithful[0]},w`, ...faithful.slice(1).map((l, i) => `${l},${i % 5 === 0 ? 3 : 1}`)].join('\n')}\n`);
    const repeated = file('repeated.csv', `${[faithful[0], ...faithful.slice(1).flatMap((l, i) => (i % 5 === 0 ? [l, l, l] : [l]))].join('\n')}\n`);
    const a = emFitJson([weighted, ...partition, '--weight', 'w', '--model', 'VEV']);
    const b = emFitJson([repeated, ...partition, '--model', 'VEV']);
    expect(a.total_weight).toBe(b.n);
    expect(relative(a.loglik, b.loglik)).toBeLessThan(1e-12);
    expect(a.bic).toBeCloseTo(b.bic, 8);
    a.components.forEach((c: { mean: number[] }, k: number) => c.mean.forEach((m, p) => expect(m).toBeCloseTo(b.components[k].mean[p], 10)));
  });

  it('fits each --by group, as the group alone', () => {
    const lines = emFit([fixture('iris.csv'), '--var', 'Sepal.Length,Sepal.Width', '--by', 'Species', '--k', '1', '--json', '--no-responsibilities', '-q']).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.group)).toEqual(['setosa', 'versicolor', 'virginica']);
    const setosa = file('setosa.csv', `${readFileSync(fixture('iris.csv'), 'utf8').trim().split('\n').slice(0, 51).join('\n')}\n`);
    const alone = emFitJson([setosa, '--var', 'Sepal.Length,Sepal.Width', '--k', '1', '--no-responsibilities', '-q']);
    expect(lines[0].loglik).toBe(alone.loglik);
    // One component: the sample mean, and the covariance with divisor n (R: colMeans, cov × 49/50).
    expect(lines[0].components[0].mean[0]).toBeCloseTo(5.006, 12);
    expect(lines[0].components[0].covariance[0][1]).toBeCloseTo(0.09921632653061224 * 49 / 50, 12);
  });

  it('writes responsibilities and classification in JSON and CSV', () => {
    const json = emFitJson([fixture('faithful-groups.csv'), '--var', 'eruptions,waiting', '--init', 'group']);
    expect(json.responsibilities).toHaveLength(272);
    expect(json.classification).toHaveLength(272);
    expect(json.responsibilities[0][0] + json.responsibilities[0][1]).toBeCloseTo(1, 14);
    const csv = emFit([fixture('faithful-groups.csv'), '--var', 'eruptions,waiting', '--init', 'group', '--format', 'csv']).stdout.trim().split('\n');
    expect(csv[0]).toBe('eruptions,waiting,group,row,p_long,p_short,component');
    expect(csv).toHaveLength(273);
    expect(csv[1].split(',').at(-1)).toBe(json.classification[0]);
    expect(csv[1].split(',')[3]).toBe('1');
    expect(Number(csv[1].split(',')[4])).toBe(json.responsibilities[0][0]);
    // NDJSON gives the row's values as an array in the order of --var, and params a column per entry.
    const ndjson = emFit([fixture('faithful-groups.csv'), '--var', 'eruptions,waiting', '--init', 'group', '--format', 'ndjson']).stdout.trim().split('\n');
    expect(JSON.parse(ndjson[0]).value).toEqual(csv[1].split(',').slice(0, 2).map(Number));
    const params = emFit([fixture('faithful-groups.csv'), '--var', 'eruptions,waiting', '--init', 'group', '--format', 'params']).stdout.trim().split('\n');
    expect(params).toHaveLength(3);
    expect(params[0]).toMatch(/^component,family,weight,mean_1,mean_2,covariance_1_1,covariance_1_2,covariance_2_1,covariance_2_2,/);
  });

  it('says why there are no standard errors', () => {
    const out = emFitJson([fixture('faithful-groups.csv'), ...partition, '--se']);
    expect(out.se_unavailable).toMatch(/not available for several --var columns \(d > 1\)/);
  });

  it('saves the whole model, and predict scores rows with it as the fit did', () => {
    const path = join(dir, 'model.json');
    const fit = emFitJson([fixture('iris.csv'), '--var', IRIS.join(','), '--init', 'Species', '--model', 'VEV', '--save-model', path]);
    const saved = JSON.parse(readFileSync(path, 'utf8'));
    expect(saved.family).toBe('mvgaussian');
    expect(saved.covariance_model).toBe('VEV');
    expect(saved.columns).toEqual(IRIS);
    expect(saved.components[1].covariance).toEqual(fit.components[1].covariance);
    const scored = emFitJson(['predict', path, fixture('iris.csv')]);
    expect(scored.loglik).toBeCloseTo(fit.loglik, 9);
    expect(scored.classification).toEqual(fit.classification);
    expect(scored.log_density).toHaveLength(150);
    // A warm start from the saved model (stopped at --rtol 1e-8): it climbs on, a little.
    const warm = emFitJson([fixture('iris.csv'), '--var', IRIS.join(','), '--init-model', path, '--no-responsibilities']);
    expect(warm.covariance_model).toBe('VEV');
    expect(warm.trace[0].loglik).toBeCloseTo(fit.loglik, 9);
    expect(warm.loglik).toBeGreaterThanOrEqual(fit.loglik);
    expect(relative(warm.loglik, fit.loglik)).toBeLessThan(1e-7);
    expect(emFit([fixture('iris.csv'), '--var', 'Sepal.Length,Sepal.Width', '--init-model', path]).stderr).toMatch(/is a model of 4 columns .* which cannot start a fit of 2/);
    const wrong = emFit(['predict', path, fixture('iris.csv'), '--var', 'Sepal.Length,Sepal.Width']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/names 2 columns, but the model .* scores 4/);
    saved.components[0].covariance[0][0] = -1;
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, JSON.stringify(saved));
    const refused = emFit(['predict', broken, fixture('iris.csv')]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/not positive definite/);
  });
});

describe('--var with several columns: the search’s fit and the pictures', () => {
  const dir = mkdtempSync(join(tmpdir(), 'em-fit-mv-plot-'));

  it('reports a searched model whose components are whole (ordered by the first column’s mean), as predict scores it', () => {
    const path = join(dir, 'searched.json');
    const fit = emFitJson([fixture('iris.csv'), '--var', IRIS.join(','), '--k', '2', '--model', 'VEV', '--save-model', path, '-q']);
    // mclust's Mclust(iris[, 1:4]) chooses this model: ℓ = −215.7259722343, setosa (mean sepal length 5.006) apart.
    expect(fit.loglik).toBeCloseTo(-215.72597223428627, 6);
    expect(fit.components[0].mean[0]).toBeCloseTo(5.006, 4);
    expect(fit.components[0].weight).toBeCloseTo(1 / 3, 4);
    const scored = emFitJson(['predict', path, fixture('iris.csv')]);
    expect(scored.loglik).toBeCloseTo(fit.loglik, 9);
    expect(scored.classification).toEqual(fit.classification);
  });

  it('draws a scatter with each component’s 1- and 2-σ ellipses for two columns, a matrix of pairs for more', () => {
    const two = join(dir, 'two.vl.json');
    expect(emFit([fixture('faithful-groups.csv'), '--var', 'eruptions,waiting', '--init', 'group', '--plot', two, '-q']).code).toBe(0);
    const spec = JSON.parse(readFileSync(two, 'utf8'));
    const top = spec.vconcat[0];
    expect(top.title).toMatch(/1- and 2-σ ellipses/);
    const [points, ellipses] = top.layer;
    expect(points.data.values).toHaveLength(272);
    const levels = new Set(ellipses.data.values.map((v: { level: string }) => v.level));
    expect([...levels].sort()).toEqual(['long 1σ', 'long 2σ', 'short 1σ', 'short 2σ']);
    // A 1σ point is at Mahalanobis distance 1 from its component's mean.
    const fit = emFitJson([fixture('faithful-groups.csv'), '--var', 'eruptions,waiting', '--init', 'group', '--no-responsibilities']);
    const { mean, covariance: [[a, b], [, c]] } = fit.components[0];
    const det = a * c - b * b;
    for (const v of ellipses.data.values.filter((e: { level: string }) => e.level === 'long 1σ')) {
      const dx = v.x - mean[0];
      const dy = v.y - mean[1];
      expect((c * dx * dx - 2 * b * dx * dy + a * dy * dy) / det).toBeCloseTo(1, 9);
    }
    const four = join(dir, 'four.svg');
    expect(emFit([fixture('iris.csv'), '--var', IRIS.join(','), '--init', 'Species', '--plot', four, '-q']).code).toBe(0);
    const svg = readFileSync(four, 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    for (const name of IRIS) expect(svg).toContain(name);
  });
});

describe('--var with several columns: each column’s own floor', () => {
  it('holds a constant column at its own resolution’s floor, and says so', () => {
    const dir = mkdtempSync(join(tmpdir(), 'em-fit-mv-floor-'));
    const path = join(dir, 'constant.csv');
    // Column a to two decimals, column b the whole number 5 on every row: b's floor is 1²/12.
    const rows = Array.from({ length: 60 }, (_, i) => `${(Math.sin(i) * 2).toFixed(2)},5,${i % 2}`);
    writeFileSync(path, `a,b,g\n${rows.join('\n')}\n`);
    const out = emFitJson([path, '--var', 'a,b', '--init', 'g', '--no-responsibilities']);
    expect(out.variance_floors[0]).toBeCloseTo(0.01 ** 2 / 12, 15);
    expect(out.variance_floors[1]).toBeCloseTo(1 / 12, 15);
    for (const c of out.components) {
      expect(c.covariance[1][1]).toBeCloseTo(1 / 12, 12);
      expect(c.covariance[0][1]).toBeCloseTo(0, 12);
    }
    expect(out.warnings.join('\n')).toMatch(/the covariance of component "0" was held at the variance floor of its columns/);
    // A component flat along b is noted, not rejected, from a partition.
    expect(out.notes.filter((n: { code: string }) => n.code === 'narrow').map((n: { component: string }) => n.component)).toEqual(['0', '1']);
  });
});

describe('a search on full-precision data in two columns', () => {
  // Two clusters of 150 rows (shared covariance), written with 15 significant digits as R
  // does: the floor δ²/12 is about 1e-31, too small to keep a singular scatter positive
  // definite in floating point, and a start whose component fell onto a few rows stopped the
  // whole search (exit 4 "the VVE covariance of component 2 is not positive definite", or
  // exit 1 from a worker) on every one of six seeds. Such a run now ends where its step
  // cannot be taken, and the search gives it up.
  const dir = mkdtempSync(join(tmpdir(), 'em-fit-mv-full-'));
  const data = (seed: number): string => {
    const random = mulberry32(seed);
    const normal = (): number => draw(random);
    const rows = Array.from({ length: 300 }, (_, i) => {
      const x = (i % 2 === 0 ? 0 : 5) + normal();
      const y = (i % 2 === 0 ? 0 : 3) + 0.5 * normal() + 0.3 * x;
      return `${Number(x.toPrecision(15))},${Number(y.toPrecision(15))}`;
    });
    const path = join(dir, `clusters-${seed}.csv`);
    writeFileSync(path, `x,y\n${rows.join('\n')}\n`);
    return path;
  };

  it('finds the two clusters with their shared covariance, the same on 1 and 2 threads', () => {
    for (const seed of [1, 2]) {
      const args = [data(seed), '--var', 'x,y', '--no-responsibilities', '--json'];
      const one = emFit([...args, '--threads', '1']);
      expect(one.code, one.stderr).toBe(0);
      const out = JSON.parse(one.stdout);
      expect([out.k, out.covariance_model]).toEqual([2, 'EEE']);
      expect(emFit([...args, '--threads', '2']).stdout).toBe(one.stdout);
    }
  });
});

describe('constant rows in two columns', () => {
  it('say the component sits on one distinct row, and why K = 1 of VEI had no fit', () => {
    // "rests on 1 observation's worth of weight" of 20 rows, and "no start gave 1 non-empty
    // groups" (second QA pass).
    const out = emFitJson(['-', '--var', 'x,y', '--no-responsibilities'], { input: `x,y\n${'2.5,3.5\n'.repeat(20)}` });
    expect(out.k).toBe(1);
    expect(out.warnings).toContain('component "1" sits on the equivalent of 1 distinct row, fewer than 3: too few to hold a covariance of 2 columns; with one component there are no fewer to take: the data are too few or too tied for a density');
    expect(out.warnings.some((w: string) => /observation's worth|non-empty groups/.test(w))).toBe(false);
    expect(out.warnings).toContain('K = 1 (mvgaussian, VEI) was not fitted: its one start was given up on its way to a degenerate component (one losing its weight, or collapsing onto a value)');
  });
});
