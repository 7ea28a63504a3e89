/**
 * One fit of a Gaussian mixture from a starting point, turned into the plain result that
 * the reports print: parameters by component label, criteria, trace and warnings.
 */
import { serialRunner } from '../em/chunks.js';
import type { PassPool } from '../em/pool.js';
import { type Acceleration, emSteps, type EmOptions, type EmRun, type Progress, type StopReason, type TraceEntry } from '../em/em.js';
import { fitError } from '../errors.js';
import type { VarianceFloor } from '../models/floor.js';
import { type Data, type Family, LOGLIK, type MixtureParams } from '../models/family.js';
import { type GaussianMixture, type VarianceModel, type VariancePenalty, gaussianFamily } from '../models/gaussian.js';
import { type Coarsening, groupedGaussianFamily } from '../models/gaussian-grouped.js';
import { plural, quote, short } from '../text.js';
import { aic, bic, icl } from './criteria.js';
import { type Degeneracy, degeneracies, MIN_OBSERVATIONS, worth } from './degenerate.js';

export interface FitSettings extends EmOptions {
  variance: VarianceModel;
  floor: VarianceFloor;
  /** The penalty on the variances (penalized maximum likelihood), or null/absent for plain ML. */
  penalty?: VariancePenalty | null;
  /** Number the components by increasing mean (when the labels carry no meaning of their own). */
  orderByMean?: boolean;
  /** Look for degenerate components (see degenerate.ts) on these distinct values. */
  degeneracy?: DegeneracyCheck;
  /** Fit the coarsened data's likelihood (see gaussian-grouped.ts) instead of the density's. */
  coarsening?: Coarsening | null;
  /**
   * Give the run up (stopReason 'abandoned') once a component is on its way to being
   * degenerate beyond doubt: under half an observation's worth of weight, or under two and
   * held at the variance floor (a spike on one value). For a search, which rejects such fits
   * anyway, so that they cost no more iterations. The observations per unit of weight.
   */
  abandonDegenerate?: { perWeight: number };
  /** Leave the trace and the warnings out of the result: a search's intermediate fits need neither. */
  lean?: boolean;
}

/** What the check for degenerate components needs besides θ. */
export interface DegeneracyCheck {
  /** The data's distinct values and their weights (see compress), or those of a sample. */
  compact: Data;
  /** Observations per unit of weight (see observationsPerWeight). */
  perWeight: number;
}

export interface Fit {
  /** Component labels, in component order. */
  labels: string[];
  variance: VarianceModel;
  theta: GaussianMixture;
  /** Rows used. */
  n: number;
  /** Σ w_i (= n without weights): the sample size of the criteria. */
  totalWeight: number;
  /** ℓ at θ: the log-likelihood of the density, also of a penalized or grouped fit. */
  loglik: number;
  /**
   * ℓ_g at θ for a fit to coarsened data (see gaussian-grouped.ts), which EM maximised and the
   * criteria use; null for a fit of the density.
   */
  groupedLoglik: number | null;
  /** How the data were coarsened for a grouped fit, or null. */
  coarsening: Coarsening | null;
  /** What EM maximised: ℓ + pen(θ), = loglik without a penalty. */
  objective: number;
  /** The penalty the fit was made with, or null (maximum likelihood). */
  penalty: VariancePenalty | null;
  nParams: number;
  bic: number;
  aic: number;
  icl: number;
  /** Entropy of the responsibilities at the final θ. */
  entropy: number;
  converged: boolean;
  stopReason: StopReason;
  iterations: number;
  /** Passes over the data (one per iteration, one at the start, one per rejected SQUAREM proposal). */
  passes: number;
  accel: Acceleration;
  /** SQUAREM proposals rejected by the monotone safeguard. */
  rejected: number;
  trace: TraceEntry[];
  floor: VarianceFloor;
  /** The degenerate components found (empty when none, or when not checked). */
  degenerate: Degeneracy[];
  warnings: string[];
}

/** Σ w_i. */
export function totalWeight(data: Data): number {
  if (data.w === null) return data.x.length;
  let sum = 0;
  for (let i = 0; i < data.w.length; i++) sum += data.w[i];
  return sum;
}

/** The smallest and largest value over the rows of positive weight (lo > hi when there are none). */
function valueRange(data: Data): { lo: number; hi: number } {
  const { x, w } = data;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < x.length; i++) {
    if (w !== null && w[i] === 0) continue;
    if (x[i] < lo) lo = x[i];
    if (x[i] > hi) hi = x[i];
  }
  return { lo, hi };
}

/**
 * Refuses data whose spread no double can hold the variance of (exit 4, with the remedy):
 * checked before anything else is computed from the data.
 */
export function checkScale(data: Data): void {
  const { lo, hi } = valueRange(data);
  if (lo > hi) throw fitError('every row has weight 0; nothing to fit');
  const range = hi - lo;
  if (range > 1e150) {
    throw fitError(`the values span ${short(range)}, too wide for their variance to fit in a double; rescale the column (divide it by a power of ten)`);
  }
  if (range > 0 && range < 1e-120) {
    throw fitError(`the values differ by at most ${short(range)}, too little for their variance to fit in a double; rescale the column (multiply it by a power of ten)`);
  }
}

/**
 * Refuses `k` components for data with fewer distinct values (of positive weight), with the
 * remedy (exit 4). The scale is checked once, before, by checkScale.
 */
export function checkFittable(data: Data, k: number): void {
  const { x, w } = data;
  const distinct = new Set<number>();
  for (let i = 0; i < x.length && distinct.size < k; i++) {
    if (w === null || w[i] > 0) distinct.add(x[i]);
  }
  if (distinct.size < k) {
    throw fitError(
      `the data hold ${plural(distinct.size, 'distinct value')}, fewer than the ${k} components asked for; use at most ${distinct.size} component${distinct.size === 1 ? '' : 's'}`,
    );
  }
}

/**
 * The M-step on a hard partition: weight n_k/n, mean and variance (divisor n_k) of each
 * label's rows, with the variance floor applied. `codes[i]` is the component of row i.
 */
export function partitionStart(data: Data, codes: Int32Array, labels: readonly string[], variance: VarianceModel, floor: number, penalty: VariancePenalty | null = null) {
  const k = labels.length;
  const family = gaussianFamily({ k, variance, floor, penalty });
  // Centre each label's sums at its first value: the shifted-data algorithm, exact enough
  // for the variance even when the data sit far from zero.
  const centre = family.create();
  const seen = new Uint8Array(k);
  for (let i = 0; i < codes.length; i++) {
    if (!seen[codes[i]]) {
      seen[codes[i]] = 1;
      centre.mean[codes[i]] = data.x[i];
    }
  }
  centre.variance.fill(floor);
  const stats = new Float64Array(family.statsLength);
  family.partitionStats(data, codes, centre, stats);
  for (let j = 0; j < k; j++) {
    if (!(family.componentWeight(stats, j) > 0)) {
      throw fitError(`label ${quote(labels[j])} has total weight 0, so its component cannot be started; give it rows of positive weight or drop it`);
    }
  }
  const theta = family.create();
  const floored = new Uint8Array(k);
  family.mStep(stats, centre, theta, floored);
  return { theta, floored };
}

/**
 * Runs EM from θ(0) and builds the Fit. A generator: it yields after every iteration.
 * With a pool, the passes are shared with its worker threads (same numbers, see chunks.ts).
 */
export function* fitFrom(
  data: Data,
  theta0: GaussianMixture,
  labels: string[],
  settings: FitSettings,
  initialFloored: Uint8Array,
  pool?: PassPool,
): Generator<Progress, Fit> {
  const k = labels.length;
  const options = { k, variance: settings.variance, floor: settings.floor.floor, penalty: settings.penalty };
  const coarsening = settings.coarsening ?? null;
  const family = coarsening === null ? gaussianFamily(options) : groupedGaussianFamily({ ...options, coarsening });
  const runner = pool ? pool.runner(family) : serialRunner(family, data);
  let run: EmRun<GaussianMixture>;
  const abandon = settings.abandonDegenerate === undefined ? undefined : abandonment(settings.abandonDegenerate.perWeight * totalWeight(data), settings.floor.floor);
  try {
    run = yield* emSteps(family, runner, theta0, { ...settings, abandon });
  } finally {
    runner.release();
  }
  // A grouped fit also reports the density's ℓ at its θ, the number mclust would give.
  const density = coarsening === null ? run.loglik : onePass(gaussianFamily(options), data, run.theta, pool)[LOGLIK];
  return summarize(data, run, labels, settings, family.nParams, initialFloored, density);
}

/** The test of FitSettings.abandonDegenerate, for data of `observations` observations' worth in all. */
function abandonment(observations: number, floor: number): (theta: MixtureParams) => boolean {
  return (theta) => {
    const { weight, variance } = theta as GaussianMixture;
    for (let k = 0; k < weight.length; k++) {
      const worth = weight[k] * observations;
      if (worth < 0.5 || (worth < MIN_OBSERVATIONS && variance[k] <= floor)) return true;
    }
    return false;
  };
}

/** The statistics of one pass of `family` over all the data at θ. */
function onePass(family: Family<GaussianMixture>, data: Data, theta: GaussianMixture, pool?: PassPool): Float64Array {
  const runner = pool ? pool.runner(family) : serialRunner(family, data);
  try {
    const stats = new Float64Array(family.statsLength);
    runner.run(theta, stats);
    return stats;
  } finally {
    runner.release();
  }
}

/**
 * A fit run on from where `first` stopped: one fit whose trace, iterations and passes are
 * both runs', its numbers the second's.
 */
export function continued(first: Fit, second: Fit): Fit {
  const trace = [...first.trace, ...second.trace.slice(1).map((t) => ({ ...t, iteration: t.iteration + first.iterations }))];
  return { ...second, trace, iterations: first.iterations + second.iterations, passes: first.passes + second.passes, rejected: first.rejected + second.rejected };
}

/** Reorders the components of a run (and their floor records) by increasing mean, in place. */
function sortByMean(run: EmRun<GaussianMixture>, initialFloored: Uint8Array): void {
  const { weight, mean, variance } = run.theta;
  const order = Array.from(mean, (_, k) => k).sort((a, b) => mean[a] - mean[b]);
  for (const a of [weight, mean, variance, run.floorCount, initialFloored]) {
    const copy = a.slice();
    order.forEach((from, to) => {
      a[to] = copy[from];
    });
  }
}

function summarize(data: Data, run: EmRun<GaussianMixture>, labels: string[], settings: FitSettings, nParams: number, initialFloored: Uint8Array, density: number): Fit {
  if (settings.orderByMean) sortByMean(run, (initialFloored = initialFloored.slice()));
  const total = totalWeight(data);
  const entropy = Math.max(0, -run.rlogr);
  const check = settings.degeneracy;
  const degenerate = check === undefined ? [] : degeneracies(run.theta, settings.variance, settings.floor.floor, check.compact, total, check.perWeight, settings.floor.resolution);
  return {
    labels,
    variance: settings.variance,
    theta: run.theta,
    n: data.x.length,
    totalWeight: total,
    loglik: density,
    groupedLoglik: settings.coarsening ? run.loglik : null,
    coarsening: settings.coarsening ?? null,
    objective: run.objective,
    penalty: penaltyOf(settings),
    nParams,
    // From the likelihood EM maximised: the density's, or the coarsened data's.
    bic: bic(run.loglik, nParams, total),
    aic: aic(run.loglik, nParams),
    icl: icl(run.loglik, nParams, total, entropy),
    entropy,
    converged: run.converged,
    stopReason: run.stopReason,
    iterations: run.iterations,
    passes: run.passes,
    accel: settings.accel ?? 'none',
    rejected: run.rejected,
    trace: settings.lean ? [] : run.trace,
    floor: settings.floor,
    degenerate,
    warnings: settings.lean ? [] : [...floorWarnings(run, labels, settings, initialFloored), ...degeneracyWarnings(degenerate, run, labels, settings, total), ...convergenceWarnings(run, settings)],
  };
}

/** The penalty in force: only the unequal model has one (see gaussian.ts). */
const penaltyOf = (settings: FitSettings): VariancePenalty | null => (settings.variance === 'unequal' ? (settings.penalty ?? null) : null);

/** How the resolution δ was found, in words. */
export function resolutionWords(floor: VarianceFloor): string {
  switch (floor.resolutionSource) {
    case 'values':
      return 'detected in the values';
    case 'machine':
      return 'the spacing of doubles at the data';
    case 'user':
      return 'set by --resolution';
    default:
      return 'from the written decimals';
  }
}

function floorWarnings(run: EmRun<GaussianMixture>, labels: string[], settings: FitSettings, initialFloored: Uint8Array): string[] {
  const out: string[] = [];
  const { floor } = settings;
  const why = floor.source === 'user' ? 'set by --min-variance' : `data resolution ${short(floor.resolution)}, ${resolutionWords(floor)}`;
  const where = (k: number): string => {
    const parts: string[] = [];
    if (initialFloored[k]) parts.push('at the start');
    if (run.floorCount[k] > 0) parts.push(`in ${run.floorCount[k]} of ${plural(run.iterations, 'iteration')}`);
    return parts.join(' and ') + (run.theta.variance[k] <= floor.floor ? ', including the final fit' : '');
  };
  const component = (k: number): string =>
    settings.variance === 'equal' ? 'the common variance' : `the variance of component ${quote(labels[k])}`;
  const ks = settings.variance === 'equal' ? [0] : labels.map((_, k) => k);
  for (const k of ks) {
    if (initialFloored[k] || run.floorCount[k] > 0) {
      out.push(`${component(k)} was held at the floor ${short(floor.floor)} (${why}) ${where(k)}`);
    }
  }
  return out;
}

/**
 * Words for the degenerate components; without the check, still the components that have
 * all but vanished (less than half an observation's worth: a single row's 1/n is not flagged).
 */
function degeneracyWarnings(found: Degeneracy[], run: EmRun<GaussianMixture>, labels: string[], settings: FitSettings, total: number): string[] {
  const out: string[] = [];
  const vanished = (k: number): string =>
    `component ${quote(labels[k])} has weight ${short(run.theta.weight[k])}, less than half an observation's worth: it has all but vanished; consider fewer components`;
  if (settings.degeneracy === undefined) {
    labels.forEach((_, k) => {
      if (run.theta.weight[k] * total < 0.5) out.push(vanished(k));
    });
    return out;
  }
  const { floor } = settings;
  for (const d of found) {
    const name = `component ${quote(labels[d.component])}`;
    if (d.kind === 'weight') {
      out.push(d.value < 0.5 ? vanished(d.component) : `${name} rests on ${worth(d.value)} of weight, fewer than ${MIN_OBSERVATIONS}: it is not a genuine component; consider fewer components`);
    } else if (d.kind === 'single-value') {
      const hint = floor.resolutionSource === 'decimals' ? '; if the values were recorded more coarsely than their decimals say, give the resolution with --resolution' : '';
      out.push(`${name} sits on a single value (${short(d.at ?? 0, 8)}; its weight is spread over the equivalent of ${short(d.value, 3)} values): a spike on tied values, not a genuine component; consider fewer components${hint}`);
    } else if (d.kind === 'narrow') {
      out.push(`${name} is narrower (sd ${short(d.value)}) than the data's resolution ${short(floor.resolution)} (${resolutionWords(floor)}) allows: its peak density exceeds what one recorded value can hold; consider fewer components`);
    } else {
      out.push(`${name} rests on ${worth(run.theta.weight[d.component] * total * (settings.degeneracy?.perWeight ?? 1))} of weight with an sd of ${short(d.value)}, narrower than the typical gap between neighbouring values (${short(d.spacing ?? 0)}): a chance cluster of a few points, not a genuine component; consider fewer components`);
    }
  }
  return out;
}

function convergenceWarnings(run: EmRun<GaussianMixture>, settings: FitSettings): string[] {
  if (run.converged) return [];
  const last = run.trace[run.trace.length - 1];
  const before = run.trace[run.trace.length - 2];
  return [
    run.iterations === 0
      ? 'no EM iterations were run (--max-iter 0): the parameters are the starting ones'
      : `not converged after ${plural(run.iterations, 'iteration')}: the last relative change of the ${penaltyOf(settings) === null ? '' : 'penalized '}${settings.coarsening ? 'grouped ' : ''}log-likelihood, ${short(Math.abs(last.objective - before.objective) / Math.abs(before.objective), 3)}, is above --rtol ${short(settings.rtol)}; raise --max-iter`,
  ];
}
