/**
 * One fit of a Gaussian mixture from a starting point, turned into the plain result that
 * the reports print: parameters by component label, criteria, trace and warnings.
 */
import { serialRunner } from '../em/chunks.js';
import type { PassPool } from '../em/pool.js';
import { type Acceleration, emSteps, type EmOptions, type EmRun, type Progress, type StopReason, type TraceEntry } from '../em/em.js';
import { fitError } from '../errors.js';
import type { VarianceFloor } from '../models/floor.js';
import { type Codes, type Data, type Family, LOGLIK, type MixtureParams, rowCount } from '../models/family.js';
import type { GaussianMixture, VariancePenalty } from '../models/gaussian.js';
import type { Coarsening } from '../models/gaussian-grouped.js';
import { boundNamesOf, densitySpec, describe, type FamilySpec, familyName, familySpec, makeFamily, startFromPartition, type Structure } from '../models/registry.js';
import { plural, quote, short } from '../text.js';
import { aic, bic, icl } from './criteria.js';
import { type Degeneracy, degeneracies, MIN_OBSERVATIONS } from './degenerate.js';
import { mvDegeneracies } from './mv-degenerate.js';
import type { Note, ResolutionOrigin } from './notes.js';
import type { MvGaussianMixture } from '../models/mvgaussian/family.js';

export interface FitSettings extends EmOptions {
  /** The family and its options (the Gaussian's variance model, the t's degrees of freedom). */
  structure: Structure;
  floor: VarianceFloor;
  /** The largest |x| of the data: with δ, it bounds the parameters of the families beyond the Gaussian (see registry.ts). */
  largest: number;
  /** d > 1 columns: the variance floor of each column (δ_j²/12); `floor` is then the smallest's. */
  floors?: readonly number[];
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

/**
 * A run given up before its end: abandoned on its way to a rejected fit, or stopped where an
 * EM step's parameters were no longer numbers (a component collapsing past what doubles hold).
 * A search keeps neither.
 */
export const givenUp = (fit: Pick<Fit, 'stopReason'>): boolean => fit.stopReason === 'abandoned' || fit.stopReason === 'numerical';

export interface Fit<P extends MixtureParams = MixtureParams> {
  /** Component labels, in component order. */
  labels: string[];
  /** The family and its options. */
  structure: Structure;
  /** The family as built (options, bounds): what scores rows, draws densities and is saved. */
  spec: FamilySpec;
  /** π_k and the family's parameters (see registry.ts, describe). */
  theta: P;
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
  /**
   * Σ w log max_k r_ik of the fit's data at θ (mclust's ICL adds it to BIC), where the fit's
   * last pass gave it (the Gaussian's); else the report takes it by a pass of its own.
   */
  mapLoglik?: number;
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
  /** The largest |x| of the data, which with δ bounds some families' parameters (model files keep it). */
  largest: number;
  /** The degenerate components found (empty when none, or when not checked). */
  degenerate: Degeneracy[];
  /** What the fit has to say (bounds held, degenerate components, convergence), as codes and numbers. */
  notes: Note[];
}

/** Σ w_i. */
export function totalWeight(data: Data): number {
  if (data.w === null) return rowCount(data);
  let sum = 0;
  for (let i = 0; i < data.w.length; i++) sum += data.w[i];
  return sum;
}

/** The smallest and largest value over the rows of positive weight (lo > hi when there are none). */
function valueRange(data: Data): { lo: number; hi: number } {
  const { x, w } = data;
  const d = data.d ?? 1;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < x.length; i++) {
    if (w !== null && w[Math.floor(i / d)] === 0) continue;
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

/** The number of distinct values (rows, for d columns) of positive weight, counting up to `upTo` at most. */
export function distinctCount(data: Data, upTo: number): number {
  const { x, w } = data;
  const d = data.d ?? 1;
  const distinct = new Set<number | string>();
  for (let i = 0; i < rowCount(data) && distinct.size < upTo; i++) {
    if (w === null || w[i] > 0) distinct.add(d === 1 ? x[i] : x.subarray(i * d, (i + 1) * d).join(','));
  }
  return distinct.size;
}

/**
 * Refuses `k` components for data with fewer distinct values (of positive weight), with the
 * remedy (exit 4). The scale is checked once, before, by checkScale.
 */
export function checkFittable(data: Data, k: number): void {
  const distinct = distinctCount(data, k);
  if (distinct < k) {
    throw fitError(`the data hold ${plural(distinct, 'distinct value')}, fewer than the ${k} components asked for; use at most ${distinct} component${distinct === 1 ? '' : 's'}`);
  }
}

/**
 * The M-step on a hard partition (`codes[i]` the component of row i) for the family of
 * `spec`: weight n_k/n and each label's own parameters, within the family's bounds
 * (floored[k] = 1 where a bound holds component k). A label whose rows all have weight 0
 * cannot start a component: an error naming it.
 */
export function partitionStart(data: Data, codes: Codes, labels: readonly string[], spec: FamilySpec): { theta: MixtureParams; floored: Uint8Array } {
  const k = labels.length;
  const mass = new Float64Array(k);
  for (let i = 0; i < codes.length; i++) mass[codes[i]] += data.w === null ? 1 : data.w[i];
  for (let j = 0; j < k; j++) {
    if (!(mass[j] > 0)) {
      throw fitError(`label ${quote(labels[j])} has total weight 0, so its component cannot be started; give it rows of positive weight or drop it`);
    }
  }
  return startFromPartition(spec, data, codes);
}

/**
 * Runs EM from θ(0) and builds the Fit. A generator: it yields after every iteration.
 * With a pool, the passes are shared with its worker threads (same numbers, see chunks.ts).
 */
export function* fitFrom(
  data: Data,
  theta0: MixtureParams,
  labels: string[],
  settings: FitSettings,
  initialFloored: Uint8Array,
  pool?: PassPool,
): Generator<Progress, Fit> {
  const spec = fitSpec(settings, labels.length);
  const family = makeFamily(spec, data);
  const runner = pool ? pool.runner(family) : serialRunner(family, data);
  let run: EmRun<MixtureParams>;
  const abandon = settings.abandonDegenerate === undefined ? undefined : abandonment(settings.abandonDegenerate.perWeight * totalWeight(data), spec);
  try {
    run = yield* emSteps(family, runner, theta0, { ...settings, abandon });
  } finally {
    runner.release();
  }
  // A grouped fit also reports the density's ℓ at its θ, the number mclust would give.
  const density = spec.family === 'gaussian-grouped' ? onePass(makeFamily(densitySpec(spec)), data, run.theta, pool)[LOGLIK] : run.loglik;
  const fit = summarize(data, run, labels, settings, spec, family.nParams, initialFloored, density);
  // From the last pass, where the family's statistics hold it (the Gaussian's).
  if (family.mapFromStats !== undefined) fit.mapLoglik = family.mapFromStats(run.stats);
  return fit;
}

/** The spec a fit runs: its structure's, with the Gaussian's penalty and coarsening when set. */
export function fitSpec(settings: Pick<FitSettings, 'structure' | 'floor' | 'largest' | 'penalty' | 'coarsening' | 'floors'>, k: number): FamilySpec {
  const spec = familySpec(settings.structure, k, { floor: settings.floor.floor, resolution: settings.floor.resolution, largest: settings.largest, floors: settings.floors });
  if (spec.family !== 'gaussian') return spec;
  const penalized = { ...spec, penalty: settings.penalty ?? null };
  return settings.coarsening ? { ...penalized, family: 'gaussian-grouped', coarsening: settings.coarsening } : penalized;
}

/**
 * The test of FitSettings.abandonDegenerate, for data of `observations` observations' worth
 * in all: a component under half an observation's worth, or (a Gaussian) under two and at
 * the variance floor.
 */
function abandonment(observations: number, spec: FamilySpec): (theta: MixtureParams) => boolean {
  const floor = spec.family === 'gaussian' || spec.family === 'gaussian-grouped' ? spec.floor : null;
  return (theta) => {
    const { weight } = theta;
    for (let k = 0; k < weight.length; k++) {
      const worth = weight[k] * observations;
      if (worth < 0.5 || (floor !== null && worth < MIN_OBSERVATIONS && (theta as GaussianMixture).variance[k] <= floor)) return true;
    }
    return false;
  };
}

/** The statistics of one pass of `family` over all the data at θ. */
function onePass(family: Family<MixtureParams>, data: Data, theta: MixtureParams, pool?: PassPool): Float64Array {
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
  const iterations = first.iterations + second.iterations;
  return { ...second, trace, iterations, notes: continuedNotes(first, second, iterations), passes: first.passes + second.passes, rejected: first.rejected + second.rejected };
}

/**
 * The second run's notes, with each bound held counted over both runs' iterations (a bound
 * held in the first run alone is kept too, not in the final fit): "in 3 of 40 iterations"
 * of the one fit they make.
 */
function continuedNotes(first: Fit, second: Fit, iterations: number): Note[] {
  type Bound = Extract<Note, { code: 'bound' }>;
  const key = (n: Bound): string => `${n.family}:${n.component}`;
  const earlier = new Map(first.notes.filter((n): n is Bound => n.code === 'bound').map((n) => [key(n), n]));
  // A continuation of no iterations (--max-iter spent) is no news of its own.
  const own = first.iterations > 0 ? second.notes.filter((n) => n.code !== 'no-iterations') : second.notes;
  const notes = own.map((n): Note => {
    // Counted over the fit the two runs make.
    if (n.code === 'not-converged' || n.code === 'numerical') return { ...n, iterations };
    if (n.code !== 'bound') return n;
    const before = earlier.get(key(n));
    earlier.delete(key(n));
    return { ...n, atStart: before?.atStart ?? false, iterations: n.iterations + (before?.iterations ?? 0), of: iterations };
  });
  const onlyFirst = [...earlier.values()].map((n): Note => ({ ...n, of: iterations, final: false }));
  return [...onlyFirst, ...notes];
}

/**
 * What --max-iter leaves for a run that continues `fit` (0: the continuation is one pass, at
 * fit's θ, which still orders the components): a fit and its continuation are one fit.
 */
export const remainingIterations = (fit: Fit, maxIter: number): number => Math.max(0, maxIter - fit.iterations);

/**
 * A fit joined from a run and its continuation to `rtol` (see continued), judged at `rtol`:
 * converged when its last change meets it, else not converged with the note that quotes it
 * (the first run's note, if --max-iter stopped it before even the looser tolerance, quoted
 * that one; a continuation of no iterations has none).
 */
export function outOfIterations(fit: Fit, rtol: number): Fit {
  const { trace } = fit;
  if (givenUp(fit) || trace.length < 2) return fit;
  const last = trace[trace.length - 1].objective;
  const before = trace[trace.length - 2].objective;
  const change = Math.abs(last - before) / Math.abs(before);
  if (change <= rtol) return fit.converged ? fit : { ...fit, converged: true, stopReason: 'converged', notes: fit.notes.filter((n) => n.code !== 'not-converged') };
  // Its note, if it did not reach even the looser tolerance, quoted that one: --rtol's instead.
  const note: Note = { code: 'not-converged', iterations: fit.iterations, change, rtol, penalized: fit.penalty !== null, grouped: fit.groupedLoglik !== null };
  return { ...fit, converged: false, stopReason: 'max_iter', notes: [...fit.notes.filter((n) => n.code !== 'not-converged'), note] };
}

/**
 * The order of the components by increasing mean (by the first parameter, e.g. a t's
 * location, where the mean does not exist), ties by index.
 */
function meanOrder(spec: FamilySpec, theta: MixtureParams): number[] {
  const description = describe(spec);
  const key = theta.weight.map((_, k) => {
    const { mean } = description.moments(theta, k);
    return Number.isFinite(mean) ? mean : description.parameters(theta, k)[description.parameterNames[0]];
  });
  return Array.from(key, (_, k) => k).sort((a, b) => key[a] - key[b] || a - b);
}

/**
 * Reorders the components of a run (every per-component parameter array, and their floor
 * records) by `order`, in place. Arrays of fewer than K values hold parameters of the whole
 * mixture (the grouped Gaussian's heap share p, of length 1) and stay as they are.
 */
function reorder(run: EmRun<MixtureParams>, initialFloored: Uint8Array, order: number[]): void {
  const K = order.length;
  // Per-component arrays hold K blocks of equal size: a value (π_k), a vector (a d-column
  // mean), a matrix (a covariance and its Cholesky factor).
  const perComponent = Object.values(run.theta as unknown as Record<string, Float64Array>).filter((a) => a.length >= K && a.length % K === 0);
  const arrays = [...perComponent, run.floorCount, initialFloored];
  for (const a of arrays) {
    const copy = a.slice();
    const size = a.length / K;
    order.forEach((from, to) => {
      for (let e = 0; e < size; e++) a[to * size + e] = copy[from * size + e];
    });
  }
}

function summarize(data: Data, run: EmRun<MixtureParams>, labels: string[], settings: FitSettings, spec: FamilySpec, nParams: number, initialFloored: Uint8Array, density: number): Fit {
  if (settings.orderByMean) reorder(run, (initialFloored = initialFloored.slice()), meanOrder(spec, run.theta));
  const total = totalWeight(data);
  const entropy = Math.max(0, -run.rlogr);
  const check = settings.degeneracy;
  const degenerate =
    check === undefined
      ? []
      : spec.family === 'mvgaussian'
        ? mvDegeneracies(spec, run.theta as MvGaussianMixture, check.compact, total, check.perWeight)
        : degeneracies(densitySpec(spec), run.theta, check.compact, total, check.perWeight, settings.floor.resolution, spec.family === 'gaussian-grouped' ? spec.coarsening : null);
  const grouped = spec.family === 'gaussian-grouped';
  return {
    labels,
    structure: settings.structure,
    spec,
    theta: run.theta,
    n: rowCount(data),
    totalWeight: total,
    loglik: density,
    groupedLoglik: grouped ? run.loglik : null,
    coarsening: grouped ? spec.coarsening : null,
    objective: run.objective,
    penalty: penaltyOf(spec),
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
    largest: settings.largest,
    degenerate,
    notes: settings.lean ? [] : [...boundNotes(run, labels, settings, spec, initialFloored), ...degeneracyNotes(degenerate, run, labels, settings, total), ...convergenceNotes(run, settings, spec)],
  };
}

/** The penalty in force: only the Gaussian's unequal model has one (see gaussian.ts). */
const penaltyOf = (spec: FamilySpec): VariancePenalty | null => ((spec.family === 'gaussian' || spec.family === 'gaussian-grouped') && spec.variance === 'unequal' ? (spec.penalty ?? null) : null);

/** Where δ came from, for the notes. */
const origin = (floor: VarianceFloor): ResolutionOrigin => ({ resolution: floor.resolution, resolutionSource: floor.resolutionSource, userFloor: floor.source === 'user' });

/** The components held at a bound (a Gaussian's at the variance floor): at the start, in how many iterations, at the end. */
function boundNotes(run: EmRun<MixtureParams>, labels: string[], settings: FitSettings, spec: FamilySpec, initialFloored: Uint8Array): Note[] {
  const family = familyName(spec);
  const equal = settings.structure.family === 'gaussian' && settings.structure.variance === 'equal';
  const ks = equal ? [0] : labels.map((_, k) => k);
  const gaussian = family === 'gaussian';
  const bounds = gaussian ? ['variance-floor'] : boundNamesOf(spec);
  const out: Note[] = [];
  for (const k of ks) {
    if (!initialFloored[k] && run.floorCount[k] === 0) continue;
    const final = gaussian ? (run.theta as GaussianMixture).variance[k] <= settings.floor.floor : false;
    out.push({ code: 'bound', family, component: equal ? null : labels[k], bounds, floor: settings.floor.floor, atStart: initialFloored[k] === 1, iterations: run.floorCount[k], of: run.iterations, final, ...origin(settings.floor) });
  }
  return out;
}

/**
 * Notes for the degenerate components; without the check, still the components that have
 * all but vanished (less than half an observation's worth: a single row's 1/n is not noted).
 */
function degeneracyNotes(found: Degeneracy[], run: EmRun<MixtureParams>, labels: string[], settings: FitSettings, total: number): Note[] {
  const out: Note[] = [];
  const vanished = (k: number): Note => ({ code: 'vanished', component: labels[k], weight: run.theta.weight[k] });
  if (settings.degeneracy === undefined) {
    labels.forEach((_, k) => {
      if (run.theta.weight[k] * total < 0.5) out.push(vanished(k));
    });
    return out;
  }
  // One component cannot be fewer: its notes say so instead of advising it.
  const only = labels.length === 1 ? { only: true } : {};
  for (const d of found) {
    const component = labels[d.component];
    if (d.kind === 'weight') out.push(d.value < 0.5 ? vanished(d.component) : { code: 'few-observations', component, observations: d.value, least: least(settings), ...only });
    else if (d.kind === 'single-value') out.push({ code: 'single-value', component, at: d.at ?? 0, values: d.value, ...origin(settings.floor), ...only });
    else if (d.kind === 'few-rows') out.push({ code: 'few-rows', component, rows: d.value, least: least(settings), ...only });
    else if (d.kind === 'narrow') out.push({ code: 'narrow', component, sd: d.value, ...origin(settings.floor), ...only });
    else out.push({ code: 'tight', component, observations: run.theta.weight[d.component] * total * (settings.degeneracy?.perWeight ?? 1), sd: d.value, spacing: d.spacing ?? 0 });
  }
  return out;
}

/** The fewest observations a component rests on: MIN_OBSERVATIONS in one column, d + 1 in d. */
const least = (settings: FitSettings): number => (settings.floors !== undefined && settings.floors.length > 1 ? settings.floors.length + 1 : MIN_OBSERVATIONS);

function convergenceNotes(run: EmRun<MixtureParams>, settings: FitSettings, spec: FamilySpec): Note[] {
  if (run.converged) return [];
  if (run.stopReason === 'numerical') return [{ code: 'numerical', iterations: run.iterations }];
  if (run.iterations === 0) return [{ code: 'no-iterations' }];
  const last = run.trace[run.trace.length - 1];
  const before = run.trace[run.trace.length - 2];
  const change = Math.abs(last.objective - before.objective) / Math.abs(before.objective);
  return [{ code: 'not-converged', iterations: run.iterations, change, rtol: settings.rtol, penalized: penaltyOf(spec) !== null, grouped: spec.family === 'gaussian-grouped' }];
}
