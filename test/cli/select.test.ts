/**
 * Model search through the CLI: options, output keys, reproducibility. Reference: the
 * model-selection issue's figures for Old Faithful (K = 2, equal variances, ℓ = −1034.002,
 * BIC 2090.43), which R mclust 6.0.0 and a numpy multi-start search outside the repository agree on.
 */
import { describe, expect, it } from 'vitest';
import { emFit, emFitJson, fixture } from '../helpers/cli.js';

const faithful = fixture('faithful.csv');
const seed = fixture('seed.csv');

describe('em-fit --k', () => {
  it('selects K = 2, equal variances on Old Faithful and lists every candidate', () => {
    const out = emFitJson([faithful, '--var', 'waiting', '--k', '1:6', '--variance', 'both', '--no-responsibilities']);
    expect(out.k).toBe(2);
    expect(out.variance_model).toBe('equal');
    expect(out.criterion).toBe('bic');
    expect(out.init).toBeNull();
    expect(out.init_method).toBe('kmeans++');
    expect(out.seed).toBe(0);
    expect(out.loglik).toBeCloseTo(-1034.002, 3);
    expect(out.bic).toBeCloseTo(2090.43, 2);
    expect(out.guard).toBe('reject');
    expect(out.selection).toHaveLength(12);
    expect(Object.keys(out.selection[0])).toEqual(['k', 'family', 'variance_model', 'loglik', 'n_params', 'bic', 'aic', 'icl', 'converged', 'starts', 'degenerate_starts']);
    expect(out.selection.map((s: any) => s.k)).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6]);
    const chosen = out.selection.find((s: any) => s.k === 2 && s.variance_model === 'equal');
    expect(chosen.bic).toBe(out.bic);
    expect(Math.min(...out.selection.map((s: any) => s.bic))).toBe(out.bic);
    expect(out.components.map((c: any) => c.label)).toEqual(['1', '2']);
    expect(out.components[0].mean).toBeLessThan(out.components[1].mean);
  });

  it('gives byte-identical output for the same seed, and the same model for another', () => {
    const args = [faithful, '--var', 'waiting', '--k', '1:4'];
    const a = emFit([...args, '--seed', '7', '--json']);
    const b = emFit([...args, '--seed', '7', '--json']);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(emFit([...args, '--seed', '7']).stdout).toBe(emFit([...args, '--seed', '7']).stdout);
    const other = JSON.parse(emFit([...args, '--seed', '8', '--json']).stdout);
    const first = JSON.parse(a.stdout);
    expect([other.k, other.variance_model]).toEqual([first.k, first.variance_model]);
  });

  it('shows the comparison in text, the chosen model marked', () => {
    const result = emFit([faithful, '--var', 'waiting', '--k', '2,3', '--rows', '0']);
    expect(result.stdout).toContain('chosen by BIC among 4 models');
    expect(result.stdout).toContain('Models compared');
    expect(result.stdout).toMatch(/│ 2 │ equal\s+│.*← lowest BIC/);
  });

  it('ranks by --criterion', () => {
    const out = emFitJson([faithful, '--var', 'waiting', '--k', '1:4', '--criterion', 'aic', '--no-responsibilities']);
    expect(out.criterion).toBe('aic');
    expect(Math.min(...out.selection.map((s: any) => s.aic))).toBe(out.aic);
  });

  it('searches K = 1..9 when neither --k nor --init is given, and says why a K was not fitted', () => {
    // Ten rows cannot hold many components of two observations each: those K are listed as not fitted.
    const out = emFitJson([seed, '--var', 'Var', '--no-responsibilities']);
    const fitted = new Set(out.selection.map((s: any) => s.k));
    // One warning lists every K not fitted for the same reason: "K = 4, 5, 6 and 9 (unequal variances) were not fitted: …".
    const listed = (w: string): number[] => (/^K = ([\d, and]+?) \(/.exec(w)?.[1].split(/, | and /).map(Number) ?? []);
    const notFitted = new Set(out.warnings.flatMap(listed));
    expect(new Set([...fitted, ...notFitted])).toEqual(new Set([1, 2, 3, 4, 5, 6, 7, 8, 9]));
    expect(fitted.has(1)).toBe(true);
  });

  it('with --init, fits each variance model asked for from the partition and compares them', () => {
    const out = emFitJson([seed, '--var', 'Var', '--init', 'partition1', '--variance', 'both', '--no-responsibilities']);
    expect(out.selection.map((s: any) => s.variance_model)).toEqual(['equal', 'unequal']);
    expect(out.init).toBe('partition1');
    const same = emFitJson([seed, '--var', 'Var', '--init', 'partition1', '--k', '2', '--no-responsibilities']);
    expect(same.k).toBe(2);
    expect(same).not.toHaveProperty('selection');
  });

  it.each([
    [['--k', '0'], '--k must be N, A:B or A,B,C with whole numbers from 1 to 100, got "0"'],
    [['--k', '5:2'], '--k must be N, A:B or A,B,C'],
    [['--k', 'two'], '--k must be N, A:B or A,B,C'],
    [['--k', '1:3', '--init', 'partition1'], 'asks for a search over K, but with --init K is the number of labels'],
    [['--k', '3', '--init', 'partition1'], '--k 3 contradicts --init partition1, whose column has 2 labels'],
    [['--n-init', '0'], '--n-init must be a whole number ≥ 1'],
    [['--seed', '-1'], '--seed must be a whole number ≥ 0'],
    [['--criterion', 'hqc'], "argument 'hqc' is invalid"],
  ])('refuses %j with exit 2', (args, message) => {
    const result = emFit([seed, '--var', 'Var', ...args]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(message);
  });
});

describe('the guard against spurious components', () => {
  const eruptions = fixture('real/faithful_eruptions.csv');

  it('reads the resolution from the values (whole seconds written as minutes) and says so', () => {
    const out = emFitJson([eruptions, '--var', 'eruptions', '--k', '2', '--no-responsibilities']);
    expect([out.resolution, out.resolution_source]).toEqual([1 / 60, 'values']);
    const given = emFitJson([eruptions, '--var', 'eruptions', '--k', '2', '--resolution', '0.001', '--no-responsibilities']);
    expect([given.resolution, given.resolution_source, given.variance_floor]).toEqual([0.001, 'user', 1e-6 / 12]);
    const text = emFit([eruptions, '--var', 'eruptions', '--k', '2', '--rows', '0', '--no-plot']).stdout;
    expect(text).toMatch(/resolution\s+0\.01667 \(detected in the values\)/);
  });

  it('fits heaped values as intervals, and reports the heap, the grouped log-likelihood and the density one', () => {
    // Old Faithful's eruptions: a third of the durations sit on multiples of 5 seconds.
    const out = emFitJson([eruptions, '--var', 'eruptions', '--k', '1:3', '--no-responsibilities']);
    expect(out.heaping.grid).toBeCloseTo(1 / 12, 12);
    // 32% there where the neighbouring whole seconds make 17% expected.
    expect(out.heaping.share).toBeGreaterThan(1.5 * out.heaping.expected);
    expect(out.likelihood).toBe('grouped');
    // The criteria come from the grouped ℓ, with one more parameter: the share of heaped values.
    const p = out.variance_model === 'equal' ? 2 * out.k : 3 * out.k - 1;
    expect(out.n_params).toBe(p + 1);
    expect(out.bic).toBeCloseTo(-2 * out.grouped_loglik + out.n_params * Math.log(out.n), 9);
    expect(out.heaping.share).toBeGreaterThan(0.2);
    const text = emFit([eruptions, '--var', 'eruptions', '--k', '1:3', '--rows', '0', '--no-plot']).stdout;
    expect(text).toContain('Heaping: ');
    expect(text).toContain('grouped ℓ');
  });

  it('fits a K whose clusters pile up on heap points, instead of rejecting them as spikes', () => {
    // Panel set d_k4-equal-sep_n50_r5 (bench/select-panel.mjs: four clusters of sd 0.22 at
    // 2.16, 3.05, 3.93, 4.82, rounded to 0.1, a fifth heaped on whole numbers). Nine of the
    // cluster at 3's thirteen values sit on 3: counted on the recorded values alone, every
    // K = 4 fit had a component "on the single value 3" and none was reported.
    const values = '1.9 1.9 2.0 2.0 2.0 2.0 2.1 2.3 2.3 2.4 2.5 2.9 3.0 3.0 3.0 3.0 3.0 3.0 3.0 3.0 3.0 3.1 3.2 3.2 3.7 3.7 3.7 3.8 4.0 4.0 4.0 4.0 4.0 4.2 4.4 4.5 4.6 4.6 4.6 4.7 4.7 4.7 4.7 4.7 4.7 4.8 4.8 4.9 5.0 5.2';
    const out = emFitJson(['-', '--var', 'x', '--k', '1:4', '--no-responsibilities'], { input: `x\n${values.split(' ').join('\n')}\n` });
    expect(out.likelihood).toBe('grouped');
    expect(out.heaping.grid).toBe(1);
    expect(out.selection.filter((s: any) => s.k === 4).map((s: any) => s.variance_model)).toEqual(['equal', 'unequal']);
    expect(out.warnings.some((w: string) => /^K = 4/.test(w))).toBe(false);
  });

  it('says why a K had no fit when every start was given up in screening', () => {
    // 1..7 with four unequal variances: every start has a component on one value heading for
    // the floor, given up early; the message said "no start gave 4 non-empty groups".
    const r = emFit(['-', '--var', 'x', '--k', '4', '--variance', 'unequal'], { input: 'x\n1\n2\n3\n4\n5\n6\n7\n' });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/K = 4 \(unequal variances\) was not fitted: every one of its \d+ starts was given up on its way to a degenerate component/);
    expect(r.stderr).not.toContain('non-empty groups');
  });

  it('words the warnings of data with one or few values as they are', () => {
    // One value twice: eight lines "K = n was not fitted", and "consider fewer components" for
    // the one component; the floor counted "in 1 of 1 iteration" of a fit of 2 (the search's
    // run on all the rows and its continuation are one fit).
    const tied = emFitJson(['-', '--var', 'x', '--no-responsibilities'], { input: 'x\n5\n5\n' });
    expect(tied.warnings).toContain('K = 2, 3, 4, 5, 6, 7, 8 and 9 were not fitted: the data hold 1 distinct value, fewer than the components asked for; use at most 1 component');
    expect(tied.warnings.filter((w: string) => w.startsWith('K = '))).toHaveLength(1);
    const spike = tied.warnings.find((w: string) => w.startsWith('component "1" sits on a single value'));
    expect(spike).toContain('(5; all its weight is on it)');
    expect(spike).toContain('with one component there are no fewer to take');
    expect(spike).not.toContain('consider fewer components');
    // The floor δ²/12 with δ = 1 (whole numbers): 0.08333.
    const seven = emFitJson(['-', '--var', 'x', '--k', '7', '--guard', 'none', '--no-responsibilities'], { input: 'x\n1\n2\n3\n4\n5\n6\n7\n' });
    expect(seven.iterations).toBeGreaterThan(1);
    expect(seven.warnings).toContain(`the common variance was held at the floor 0.08333 (data resolution 1, from the written decimals) in ${seven.iterations} of ${seven.iterations} iterations, including the final fit`);
  });

  it('keeps a search\'s final fit within --max-iter, and says when that left it short of --rtol', () => {
    // The run on all the rows and its continuation to --rtol are one fit: before, --max-iter 1
    // reported 2 iterations, a warning "after 1 iteration" and --strict "after 2 iterations".
    const open: Record<string, any>[] = [];
    for (const maxIter of [1, 2, 3]) {
      const out = emFitJson([faithful, '--var', 'waiting', '--k', '2', '--max-iter', String(maxIter), '--no-responsibilities']);
      expect(out.iterations).toBeLessThanOrEqual(maxIter);
      expect(out.trace).toHaveLength(out.iterations + 1);
      if (!out.converged) open.push(out);
    }
    // At least one stops short of --rtol; each says so with its own iterations and the
    // tolerance asked for (not the search's looser one).
    expect(open.length).toBeGreaterThan(0);
    for (const out of open) {
      const warning = out.warnings.find((w: string) => w.startsWith(`not converged after ${out.iterations} iteration`));
      expect(warning).toContain('is above --rtol 1e-8;');
    }
    // Continued past the looser tolerance and stopped by --max-iter: the warning counts both runs.
    const tight = emFitJson([faithful, '--var', 'waiting', '--rtol', '1e-14', '--max-iter', '3', '--no-responsibilities']);
    expect([tight.iterations, tight.converged]).toEqual([3, false]);
    expect(tight.warnings.some((w: string) => w.startsWith('not converged after 3 iterations:'))).toBe(true);
    // Several columns: the run on all the rows and its continuation within --max-iter too.
    const columns = emFitJson([fixture('iris.csv'), '--var', 'Sepal.Length,Sepal.Width,Petal.Length', '--k', '1:3', '--rtol', '1e-14', '--max-iter', '1', '--no-responsibilities']);
    expect(columns.iterations).toBeLessThanOrEqual(1);
    const strict = emFit([faithful, '--var', 'waiting', '--k', '2', '--max-iter', '1', '--strict']);
    expect(strict.code).toBe(4);
    expect(strict.stderr).toContain('not converged after 1 iteration:');
    expect(strict.stderr).toContain('not converged after 1 iteration (--strict)');
  });

  it('warns when the chosen K is the largest searched, and when a component rests on few observations', () => {
    const top = emFitJson([faithful, '--var', 'waiting', '--k', '1:2', '--no-responsibilities']);
    expect(top.warnings).toContain('the chosen K = 2 is the largest searched, so a larger K may fit better still; widen the range, e.g. --k 1:4');
    // UScereal calories: two cereals of about 400 kcal a cup make a component of their own.
    const cereal = emFitJson([fixture('real/UScereal_calories.csv'), '--var', 'calories', '--k', '2', '--variance', 'equal', '--no-responsibilities']);
    expect(cereal.warnings.some((w: string) => /^component "2" rests on 2\.0\d observations' worth of weight, fewer than 5/.test(w))).toBe(true);
  });

  it('--guard none keeps today\'s plain search, --guard penalty fits the penalized likelihood', () => {
    const none = emFitJson([seed, '--var', 'Var', '--k', '1:3', '--guard', 'none', '--no-responsibilities']);
    expect(none.guard).toBe('none');
    expect(none.selection.every((s: any) => s.degenerate_starts === 0)).toBe(true);
    const penalized = emFitJson([faithful, '--var', 'waiting', '--k', '2', '--variance', 'unequal', '--guard', 'penalty', '--no-responsibilities']);
    expect(penalized.guard).toBe('penalty');
    // a_n = n^−1/2 and S_x the variance of the 272 waiting times (divisor n): 184.14381487889273 (mclust's K = 1 variance).
    expect(penalized.penalty.a_n).toBeCloseTo(1 / Math.sqrt(272), 15);
    expect(penalized.penalty.sample_variance).toBeCloseTo(184.14381487889273, 9);
    expect(penalized.penalized_loglik).toBeLessThan(penalized.loglik);
  });

  it('refuses a --resolution that no double can square', () => {
    const result = emFit([seed, '--var', 'Var', '--resolution', '1e-200']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--resolution must give a floor');
  });
});
