/**
 * Model search without a partition: every candidate (K, variance model) is fitted from
 * several starts, the restart with the highest log-likelihood is kept, and the candidates
 * are ranked by an information criterion.
 *
 * EM finds local maxima only, so the search is only as good as its starts: each candidate
 * is started from Ward's hierarchical partition, from `nInit` starts of the chosen method
 * (see starts.ts) and from each split of the best fit with one component fewer, and every
 * start is run to convergence. On large data the starts are run on a seeded subsample of
 * SEARCH_ROWS rows and only the best one is then run on all the data.
 */
import type { Progress } from '../em/em.js';
import type { PassPool } from '../em/pool.js';
import { EmFitError, fitError } from '../errors.js';
import type { Data } from '../models/family.js';
import type { GaussianMixture, VarianceModel } from '../models/gaussian.js';
import { plural } from '../text.js';
import type { Criterion } from './criteria.js';
import { checkFittable, type Fit, type FitSettings, fitFrom, partitionStart } from './fit.js';
import { rng } from './rng.js';
import { type InitMethod, partitionByCuts, startingPartition, wardCuts } from './starts.js';

/** Offset of the restart keys of the random starts that complement k-means++. */
const RANDOM_STREAM = 1 << 20;

/** Rows above which the starts are run on a subsample. */
export const SEARCH_ROWS = 50_000;

export interface SearchSettings extends Omit<FitSettings, 'variance' | 'orderByMean'> {
  ks: number[];
  variances: VarianceModel[];
  criterion: Criterion;
  initMethod: InitMethod;
  nInit: number;
  seed: number;
}

export interface Selection {
  best: Fit;
  criterion: Criterion;
  /** The best fit of every candidate that could be fitted, by K, then variance model. */
  candidates: Fit[];
  /** Why candidates were left out (e.g. more components than distinct values). */
  skipped: string[];
  /** Passes over the (search) data, over every candidate and start. */
  passes: number;
}

export interface SearchProgress extends Progress {
  /** Where the search is: candidate and restart. */
  context: string;
}

const criterionOf = (fit: Fit, criterion: Criterion): number => fit[criterion];

/** Passes on the steps of a fit, saying where in the search they are. */
function* withContext<T>(steps: Generator<Progress, T>, context: string): Generator<SearchProgress, T> {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    yield { ...step.value, context };
  }
}

/** A seeded subsample of m rows (without replacement), in the original order. */
function subsample(data: Data, m: number, seed: number): Data {
  const n = data.x.length;
  const random = rng(seed, 0x5ab5);
  // Selection sampling (Knuth's algorithm S): keeps row i with probability needed/left.
  const x = new Float64Array(m);
  const w = data.w === null ? null : new Float64Array(m);
  let taken = 0;
  for (let i = 0; i < n && taken < m; i++) {
    if (random() * (n - i) < m - taken) {
      x[taken] = data.x[i];
      if (w !== null && data.w !== null) w[taken] = data.w[i];
      taken++;
    }
  }
  return { x, w };
}

interface Start {
  /** Where the start came from, for the progress line. */
  name: string;
  theta: GaussianMixture;
  floored: Uint8Array;
}

/**
 * How one component N(μ, σ²) of weight π is split in two of weight π/2 each, keeping the
 * mixture's mean and variance: apart, at μ ± σ/2 with variance ¾σ² each (¾σ² + (σ/2)² = σ²),
 * for groups side by side; or nested, both at μ with variances ¼σ² and 7/4σ² (their mean is
 * σ²), for a narrow core in wide tails, which no split by location can start.
 */
const SPLITS = {
  apart: [
    { shift: -0.5, scale: 0.75 },
    { shift: 0.5, scale: 0.75 },
  ],
  nested: [
    { shift: 0, scale: 0.25 },
    { shift: 0, scale: 1.75 },
  ],
};

/** The (K−1)-component fit with component j split in two (see SPLITS). */
function split(previous: GaussianMixture, j: number, how: keyof typeof SPLITS, floor: number): GaussianMixture {
  const k = previous.weight.length + 1;
  const theta = { weight: new Float64Array(k), mean: new Float64Array(k), variance: new Float64Array(k) };
  let to = 0;
  for (let from = 0; from < k - 1; from++) {
    const sd = Math.sqrt(previous.variance[from]);
    for (const { shift, scale } of from === j ? SPLITS[how] : [{ shift: 0, scale: 1 }]) {
      theta.weight[to] = from === j ? previous.weight[from] / 2 : previous.weight[from];
      theta.mean[to] = previous.mean[from] + shift * sd;
      theta.variance[to] = Math.max(floor, scale * previous.variance[from]);
      to++;
    }
  }
  return theta;
}

/**
 * The starts of one candidate: Ward's partition (mclust's kind of start), the quantile
 * partition, `nInit` starts of the chosen method, and the two splits of each component of
 * the best fit with one component fewer.
 */
function* candidateStarts(data: Data, sorted: Float64Array, ward: Map<number, Float64Array>, k: number, variance: VarianceModel, settings: SearchSettings, fewer: Fit | undefined): Generator<Start> {
  const labels = Array.from({ length: k }, (_, j) => String(j + 1));
  const fromCodes = (name: string, codes: Int32Array | null): Start | null => (codes === null ? null : { name, ...partitionStart(data, codes, labels, variance, settings.floor.floor) });
  if (k === 1) {
    yield fromCodes('the single group', new Int32Array(data.x.length)) as Start;
    return;
  }
  const cuts = ward.get(k);
  if (cuts !== undefined) {
    const codes = new Int32Array(data.x.length);
    partitionByCuts(data.x, cuts, codes);
    const start = fromCodes("Ward's partition", codes);
    if (start !== null) yield start;
  }
  // Equal-count groups: on skewed data the only start with a tight group among the small values.
  if (settings.initMethod !== 'quantiles') {
    const start = fromCodes('the quantile partition', startingPartition(data, sorted, k, 'quantiles', 0, rng(0)));
    if (start !== null) yield start;
  }
  const partitions = function* (method: InitMethod, count: number, stream: number): Generator<Start> {
    for (let restart = 0; restart < count; restart++) {
      const random = rng(settings.seed, k, variance === 'equal' ? 1 : 2, stream + restart);
      const start = fromCodes(`${method} start ${restart + 1}/${count}`, startingPartition(data, sorted, k, method, restart, random));
      if (start !== null) yield start;
    }
  };
  yield* partitions(settings.initMethod, settings.nInit, 0);
  // Lloyd's iterations pull k-means++ starts to a few partitions by location; half as many
  // starts from random data values reach optima that none of them start from.
  if (settings.initMethod === 'kmeans++') yield* partitions('random', Math.ceil(settings.nInit / 2), RANDOM_STREAM);
  if (fewer !== undefined) {
    for (let j = 0; j < k - 1; j++) {
      for (const how of ['apart', 'nested'] as const) {
        yield { name: `${how} split of component ${j + 1} of the K=${k - 1} fit`, theta: split(fewer.theta, j, how, settings.floor.floor), floored: new Uint8Array(k) };
      }
    }
  }
}

/** The best fit over the starts of one candidate, on `data`; null if no start could be made. */
function* bestOfStarts(data: Data, starts: Iterable<Start>, k: number, variance: VarianceModel, settings: SearchSettings, context: string): Generator<SearchProgress, { best: Fit | null; passes: number }> {
  const labels = Array.from({ length: k }, (_, j) => String(j + 1));
  let best: Fit | null = null;
  let passes = 0;
  for (const start of starts) {
    const fit = yield* withContext(fitFrom(data, start.theta, labels, { ...settings, variance, orderByMean: true }, start.floored), `${context}, ${start.name}`);
    passes += fit.passes;
    if (best === null || fit.loglik > best.loglik) best = fit;
  }
  return { best, passes };
}

/** Fits and ranks every candidate. The data's scale must have passed checkScale (as the floor needs). */
export function* searchModels(data: Data, settings: SearchSettings, pool?: PassPool): Generator<SearchProgress, Selection> {
  const searchData = data.x.length > SEARCH_ROWS ? subsample(data, SEARCH_ROWS, settings.seed) : data;
  const sorted = Float64Array.from(searchData.x).sort();
  const ward = wardCuts(sorted, settings.ks);
  // The best fit on the search data for each (variance model, K), for the split starts.
  const found = new Map<string, Fit>();
  const candidates: Fit[] = [];
  const skipped: string[] = [];
  let passes = 0;
  const total = settings.ks.length * settings.variances.length;
  let index = 0;
  for (const k of settings.ks) {
    try {
      checkFittable(data, k);
    } catch (error) {
      if (!(error instanceof EmFitError)) throw error;
      skipped.push(`K = ${k} was not fitted: ${error.message}`);
      index += settings.variances.length;
      continue;
    }
    for (const variance of settings.variances) {
      const context = `candidate ${++index}/${total} (K=${k}, ${variance})`;
      const starts = candidateStarts(searchData, sorted, ward, k, variance, settings, found.get(`${variance}:${k - 1}`));
      const tried = yield* bestOfStarts(searchData, starts, k, variance, settings, context);
      passes += tried.passes;
      let fit = tried.best;
      if (fit !== null) found.set(`${variance}:${k}`, fit);
      if (fit !== null && searchData !== data) {
        // Run the subsample's best start on all the data.
        const settingsK = { ...settings, variance, orderByMean: true };
        fit = yield* withContext(fitFrom(data, fit.theta, fit.labels, settingsK, new Uint8Array(k), pool), `${context}, on all ${data.x.length} rows`);
        passes += fit.passes;
      }
      if (fit === null) skipped.push(`K = ${k} (${variance} variances) was not fitted: no start gave ${k} non-empty groups in ${plural(settings.nInit, 'attempt')}`);
      else candidates.push(fit);
    }
  }
  if (candidates.length === 0) {
    throw fitError(`no candidate model could be fitted: ${skipped.join('; ')}`);
  }
  return { best: bestBy(candidates, settings.criterion), criterion: settings.criterion, candidates, skipped, passes };
}

/** The candidate with the lowest criterion; on a tie, the one with fewer parameters. */
export function bestBy(candidates: Fit[], criterion: Criterion): Fit {
  let best = candidates[0];
  for (const fit of candidates) {
    const a = criterionOf(fit, criterion);
    const b = criterionOf(best, criterion);
    if (a < b || (a === b && fit.nParams < best.nParams)) best = fit;
  }
  return best;
}
