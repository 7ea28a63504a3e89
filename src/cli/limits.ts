/**
 * What a fit can be asked for before it starts: components within bounds, frequency weights
 * whose sums a double holds, a sample size that the criteria can use, and a warning when the
 * work asked for would take very long.
 */
import { fitError } from '../errors.js';
import { MAX_MODEL_COMPONENTS } from '../io/model-file.js';
import { type Data, rowCount } from '../models/family.js';
import type { VarianceModel } from '../models/gaussian.js';
import type { Criterion } from '../select/criteria.js';
import { plural, short } from '../text.js';

/**
 * Refuses more components than a fit may have (exit 4); `source` says where they come from.
 * The limit is a model file's, MAX_MODEL_COMPONENTS (1,000): a pass then costs about 130 ns
 * per row and component (see secondsPerRowComponent), 2 minutes per iteration on a million
 * rows, and the E-step kernel, compiled for the number of components, stops compiling near
 * 10,000.
 */
export function checkComponents(k: number, source: string): void {
  if (k > MAX_MODEL_COMPONENTS) {
    throw fitError(`${source} gives ${k} components; em-fit fits at most ${MAX_MODEL_COMPONENTS} (is it the right column?)`);
  }
}

/** Parameters of a K-component model: K − 1 weights, K means, and K variances or one. */
export const parameterCount = (k: number, variance: VarianceModel): number => (variance === 'equal' ? 2 * k : 3 * k - 1);

/**
 * Bounds on Σw. The sufficient statistics reach Σw·(spread)², which must stay a finite double;
 * a total below MIN_TOTAL leaves every component's weight Σ_i w_i r_ik at risk of underflowing.
 */
const MAX_SUMS = 1e290;
const MIN_TOTAL = 1e-150;

/**
 * Refuses frequency weights whose total, or whose products with the squared spread of the
 * data, no double holds (exit 4, with the remedy). Returns Σw.
 */
export function checkWeights(data: Data): number {
  const { x, w } = data;
  if (w === null) return rowCount(data);
  let total = 0;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < w.length; i++) total += w[i];
  for (let i = 0; i < x.length; i++) {
    if (x[i] < lo) lo = x[i];
    if (x[i] > hi) hi = x[i];
  }
  const spread = Math.max(1, (hi - lo) * (hi - lo));
  if (!Number.isFinite(total) || total * spread > MAX_SUMS) {
    throw fitError(
      `the weights add up to ${short(total)}, too much for the fit's sums (Σw times the squared spread of the values must stay below ${short(MAX_SUMS)}); rescale the weights (divide them by a power of ten)`,
    );
  }
  if (total < MIN_TOTAL) {
    throw fitError(`the weights add up to ${short(total)}, too little for the fit's sums (at least ${short(MIN_TOTAL)}); rescale the weights (multiply them by a power of ten)`);
  }
  return total;
}

/** The candidates of a fit: (K, variance model) pairs, and whether a criterion ranks them. */
export interface Candidates {
  /** Each candidate's K and number of free parameters. */
  models: { k: number; nParams: number }[];
  criterion: Criterion;
}

/**
 * The sample size of BIC and ICL is Σw (n without weights): p·ln(Σw) is the penalty. With
 * frequency weights that add up to less than the number of parameters p (fractional weights,
 * such as proportions) the penalty is smaller than p, and negative below Σw = 1, where BIC
 * and ICL would always prefer the largest model. So with weights: a comparison of models by
 * BIC or ICL with Σw < 1 is refused (exit 4); with Σw below the largest model's p the fit is
 * made with a warning. Returns the warnings.
 */
export function sampleSizeNotes(total: number, weighted: boolean, candidates: Candidates): string[] {
  if (!weighted) return [];
  let largest = candidates.models[0];
  for (const m of candidates.models) if (m.nParams > largest.nParams) largest = m;
  const p = largest.nParams;
  if (total >= p) return [];
  const what = `the weights add up to ${short(total)}, less than the ${p} parameters of the ${largest.k}-component model`;
  const scale = 'if the weights are proportions, scale them to counts of observations';
  const ranked = candidates.models.length > 1 && candidates.criterion !== 'aic';
  if (ranked && total < 1) {
    throw fitError(
      `${what}: ${candidates.criterion.toUpperCase()}, whose sample size is Σw, would have a negative penalty p·ln(Σw) and always prefer the largest model; ${scale}, or rank by --criterion aic`,
    );
  }
  return [
    `${what}: BIC and ICL take Σw as the sample size, so their penalty p·ln(Σw) is smaller than p${ranked ? ' and favours models with more components' : ''}; ${scale}`,
  ];
}

/**
 * Seconds per row, component and pass of the E-step on one core, measured on 90,000 rows:
 * 7 ns up to about 128 components (README, Performance); beyond, the kernel compiled for
 * the number of components is too large for V8 to optimise, and it costs about 45 ns up to
 * 500 components and 130 ns at 1,000.
 */
const secondsPerRowComponent = (k: number): number => (k <= 128 ? 7e-9 : k <= 500 ? 45e-9 : 130e-9);
/** Seconds a pass costs whatever its size (the call, the M-step, the convergence test). */
const SECONDS_PER_PASS = 5e-7;
/** Seconds a start of a search costs besides its passes (its partition, its fit's summary). */
const SECONDS_PER_START = 2e-5;
/**
 * Passes a start usually takes, for an estimate; --max-iter bounds it. With these figures
 * 20,000 groups of 3 rows are estimated at 70 s and take 40 s (bench/groups.mjs).
 */
const TYPICAL_PASSES = 30;

/** Seconds of `passes` passes over `rows` rows with k components on `threads` threads. */
export const passSeconds = (passes: number, rows: number, k: number, threads: number): number =>
  passes * (SECONDS_PER_PASS + (rows * k * secondsPerRowComponent(k)) / threads);

/**
 * An estimate of a search: every candidate from all its starts (on a subsample of
 * `searchRows`), then on all rows. Candidates with more components than rows are skipped.
 */
export function searchSeconds(rows: number, searchRows: number, ks: readonly number[], variances: number, nInit: number, maxIter: number, threads: number): number {
  const passes = Math.min(TYPICAL_PASSES, maxIter + 1);
  let seconds = 0;
  for (const k of ks) {
    if (k > rows) break;
    const starts = k === 1 ? 1 : 2 + nInit + Math.ceil(nInit / 2) + 2 * (k - 1);
    seconds += variances * (starts * SECONDS_PER_START + passSeconds(starts * passes, Math.min(rows, searchRows), k, 1));
    if (rows > searchRows) seconds += variances * passSeconds(passes, rows, k, threads);
  }
  return seconds;
}

/** A duration in words: "40 minutes", "3 hours". */
export function duration(seconds: number): string {
  if (seconds < 90) return plural(Math.round(seconds), 'second');
  if (seconds < 5400) return plural(Math.round(seconds / 60), 'minute');
  if (seconds < 172_800) return plural(Math.round(seconds / 3600), 'hour');
  return plural(Math.round(seconds / 86_400), 'day');
}

/** Work estimated above this many seconds is announced with a warning before it starts. */
export const LONG_SECONDS = 600;
