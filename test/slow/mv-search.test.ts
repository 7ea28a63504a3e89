/**
 * The default multivariate search (no --init: all fourteen covariance models, K = 1..9) on the
 * data mclust is known by, against mclust 6.0.0's own default search (Mclust), whose best
 * models are in fixtures/mclust-search.json (written by mclust-search.R beside it, which also
 * wrote fixtures/crabs.csv). mclust reports BIC as 2ℓ − p log n, to be maximised; em-fit as
 * −2ℓ + p log n, to be minimised: em-fit's choice must have a BIC at most −(mclust's best), with
 * no degenerate component.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { emFit, emFitJson, fixture } from '../helpers/cli.js';

const mclust = JSON.parse(readFileSync(new URL('./fixtures/mclust-search.json', import.meta.url), 'utf8')) as Record<string, { model: string; k: number; loglik: number; bic: number }>;

const SETS = [
  // mclust: VEV, K = 2, ℓ = −215.7260, BIC −561.7285.
  { name: 'iris', args: [fixture('iris.csv'), '--var', 'Sepal.Length,Sepal.Width,Petal.Length,Petal.Width'] },
  // mclust: EEE, K = 3, ℓ = −1126.3262, BIC −2314.3163.
  { name: 'faithful', args: [fixture('faithful-groups.csv'), '--var', 'eruptions,waiting'] },
  // mclust: EEV, K = 4, ℓ = −1241.0061, BIC −2842.2978.
  { name: 'crabs', args: [fixture('crabs.csv'), '--var', 'FL,RW,CL,CW,BD'] },
];

const DEGENERATE = new Set(['vanished', 'few-observations', 'single-value', 'narrow', 'tight']);

describe.each(SETS)('the default search on $name', ({ name, args }) => {
  it('chooses a model with BIC at most mclust’s best, and no degenerate component', () => {
    const out = emFitJson([...args, '--no-responsibilities', '-q']);
    const reference = mclust[name];
    expect(out.family).toBe('mvgaussian');
    expect(out.bic).toBeLessThanOrEqual(-reference.bic + 1e-9 * Math.abs(reference.bic));
    expect(out.notes.filter((n: { code: string }) => DEGENERATE.has(n.code))).toEqual([]);
    // Every model was searched at every K that could be fitted.
    const models = new Set(out.selection.map((s: { covariance_model: string }) => s.covariance_model));
    expect(models.size).toBe(14);
  });
});

describe('the multivariate search', () => {
  it('gives the same bytes for the same seed, on one thread or two', () => {
    const args = [fixture('faithful-groups.csv'), '--var', 'eruptions,waiting', '--k', '1:4', '--seed', '3', '--json', '--no-responsibilities'];
    const a = emFit([...args, '--threads', '1']);
    expect(a.code).toBe(0);
    expect(emFit([...args, '--threads', '1']).stdout).toBe(a.stdout);
    expect(emFit([...args, '--threads', '2']).stdout).toBe(a.stdout);
  });
});
