/**
 * Model search without a partition: every candidate (K, variance model) is fitted from
 * several starts, the best proper fit is kept, and the candidates are ranked by an
 * information criterion.
 *
 * EM finds local maxima only, so the search is only as good as its starts: each candidate
 * is started from Ward's hierarchical partition, the quantile partition, `nInit` starts of
 * the chosen method (see starts.ts) and each split of the best fit with one component fewer.
 * The starts are screened and few are refined (Biernacki, Celeux and Govaert 2003, "Choosing
 * starting values for the EM algorithm", CSDA 41): every start runs SCREEN_ITERATIONS
 * iterations, and only the best REFINE of them, by the objective reached, run to convergence.
 *
 * The likelihood is unbounded, and a thorough search finds the spikes that make it so: a
 * component on one value or a few tied ones. The guard keeps them out (see degenerate.ts):
 * - 'reject' (the default): plain maximum likelihood, and a fit that ends with a degenerate
 *   component is rejected (as mclust stops a run whose covariance becomes singular);
 * - 'penalty': the unequal model's variances also carry the penalty of Chen, Tan and Zhang
 *   (2008, see gaussian.ts), so that EM maximises a bounded objective; it scales with the
 *   whole data's variance, so it also flattens genuine narrow components of skewed data;
 * - 'none': plain maximum likelihood, nothing rejected (only the variance floor).
 * A rejected fit gives way to the next best start; a candidate none of whose starts gives a
 * proper fit is left out, with the reason.
 *
 * The starts run on the data compressed to their distinct values (the same likelihood, by
 * frequency weights), and on large data on a seeded subsample of SEARCH_ROWS rows; the best
 * proper fit is then run on all the rows, which is the fit reported.
 */
import type { Progress } from '../em/em.js';
import type { PassPool } from '../em/pool.js';
import { EmFitError, fitError } from '../errors.js';
import type { Data } from '../models/family.js';
import { defaultPenalty, type GaussianMixture, type VarianceModel, type VariancePenalty } from '../models/gaussian.js';
import { detectHeaping, type Heaping } from '../models/heaping.js';
import { plural, quote, short } from '../text.js';
import type { Criterion } from './criteria.js';
import { compress, observationsPerWeight, worth } from './degenerate.js';
import { checkFittable, type DegeneracyCheck, type Fit, type FitSettings, fitFrom, partitionStart, totalWeight } from './fit.js';
import { rng } from './rng.js';
import { type InitMethod, partitionByCuts, startingPartition, wardCuts } from './starts.js';

/** Offset of the restart keys of the random starts that complement k-means++. */
const RANDOM_STREAM = 1 << 20;

/** Rows of the sample the starts are screened and refined on (see searchModels). */
const SCREEN_ROWS = 2000;

/** Rows of the sample the best proper start of each candidate is then run on. */
const SEARCH_ROWS = 50_000;

/** Plain EM iterations of every start before the best are chosen for refinement. */
const SCREEN_ITERATIONS = 5;

/** Starts refined to convergence (more when those end degenerate, up to REFINE_LIMIT). */
const REFINE = 2;
const REFINE_LIMIT = 6;

/** Components whose weight is worth fewer observations than this get a warning in the chosen model. */
const FEW_OBSERVATIONS = 5;

/** How degenerate fits are kept out of the search (see the header). */
export type Guard = 'penalty' | 'reject' | 'none';

export interface SearchSettings extends Omit<FitSettings, 'variance' | 'orderByMean' | 'penalty' | 'degeneracy'> {
  ks: number[];
  variances: VarianceModel[];
  criterion: Criterion;
  initMethod: InitMethod;
  nInit: number;
  seed: number;
  guard: Guard;
}

/** One candidate's search: its fit, or why there is none, and the starts it rejected. */
export interface CandidateSearch {
  k: number;
  variance: VarianceModel;
  /** Starts tried (after removing duplicates). */
  starts: number;
  /** Refined starts rejected because they ended with a degenerate component. */
  degenerate: number;
}

export interface Selection {
  best: Fit;
  criterion: Criterion;
  /** The best fit of every candidate that could be fitted, by K, then variance model. */
  candidates: Fit[];
  /** The starts of every candidate tried, fitted or not. */
  searched: CandidateSearch[];
  /** Why candidates were left out (e.g. more components than distinct values). */
  skipped: string[];
  /** Warnings about the chosen model (the largest K searched, components on few observations). */
  warnings: string[];
  /** Passes over the (search) data, over every candidate and start. */
  passes: number;
  /** The guard, and the penalty when there was one. */
  guard: Guard;
  penalty: VariancePenalty | null;
  /** The heap found, whose values the fits took as intervals of its grid; null when none. */
  heaping: Heaping | null;
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
function* candidateStarts(data: Data, sorted: Float64Array, ward: Map<number, Float64Array>, k: number, variance: VarianceModel, settings: SearchSettings, penalty: VariancePenalty | null, fewer: Fit | undefined): Generator<Start> {
  const labels = Array.from({ length: k }, (_, j) => String(j + 1));
  const fromCodes = (name: string, codes: Int32Array | null): Start | null => (codes === null ? null : { name, ...partitionStart(data, codes, labels, variance, settings.floor.floor, penalty) });
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

/** The starts without repeats: k-means++ and Lloyd often reach the same partition. */
function distinct(starts: Iterable<Start>): Start[] {
  const seen = new Set<string>();
  const out: Start[] = [];
  for (const start of starts) {
    const key = [...start.theta.weight, ...start.theta.mean, ...start.theta.variance].join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(start);
  }
  return out;
}

/**
 * Data the search runs on: rows (a sample, or all of them), the same compressed to distinct
 * values for the passes (see compress), and the penalty for their size.
 */
interface Tier {
  rows: Data;
  compact: Data;
  penalty: VariancePenalty | null;
  /** For messages: "a sample of 2000 rows", "all 272 rows". */
  name: string;
}

function tier(rows: Data, all: number, guard: Guard, floor: number): Tier {
  const n = rows.x.length;
  return { rows, compact: compress(rows), penalty: guard === 'penalty' ? defaultPenalty(rows, floor) : null, name: n === all ? `all ${n} rows` : `a sample of ${n} rows` };
}

/** What one candidate's starts gave on the screening sample. */
interface Tried {
  /** The proper refined fits, best first. */
  proper: Fit[];
  passes: number;
  starts: number;
  degenerate: number;
  /** The best degenerate fit, to say why when none was proper. */
  rejectedBest: Fit | null;
}

/** True when the guard rejects `fit` (only a mixture can be degenerate). */
const rejects = (fit: Fit, guard: Guard): boolean => guard !== 'none' && fit.labels.length > 1 && fit.degenerate.length > 0;

/**
 * Screens the starts of one candidate (SCREEN_ITERATIONS plain EM iterations each), then
 * refines the best by the objective reached (ties: the earlier start) to convergence, until
 * REFINE have been refined and one of them is proper (or REFINE_LIMIT, when all are
 * degenerate); returns the proper refined fits, best first.
 */
function* screenAndRefine(data: Data, starts: Start[], k: number, settings: FitSettings, guard: Guard, context: string): Generator<SearchProgress, Tried> {
  const labels = Array.from({ length: k }, (_, j) => String(j + 1));
  let passes = 0;
  const screened: { fit: Fit; index: number }[] = [];
  const screen: FitSettings = { ...settings, accel: 'none', maxIter: Math.min(settings.maxIter, SCREEN_ITERATIONS), degeneracy: undefined };
  for (const [index, start] of starts.entries()) {
    const fit = yield* withContext(fitFrom(data, start.theta, labels, screen, start.floored), `${context}, screening ${start.name}`);
    passes += fit.passes;
    screened.push({ fit, index });
  }
  screened.sort((a, b) => b.fit.objective - a.fit.objective || a.index - b.index);
  const proper: Fit[] = [];
  let rejectedBest: Fit | null = null;
  let degenerate = 0;
  for (const { fit: short, index } of screened) {
    const refined = proper.length + degenerate;
    if ((refined >= REFINE && proper.length > 0) || refined >= REFINE_LIMIT) break;
    const fit = yield* withContext(fitFrom(data, short.theta, labels, settings, new Uint8Array(k)), `${context}, refining ${starts[index].name}`);
    passes += fit.passes;
    if (rejects(fit, guard)) {
      degenerate++;
      if (rejectedBest === null || fit.objective > rejectedBest.objective) rejectedBest = fit;
    } else {
      proper.push(fit);
    }
  }
  proper.sort((a, b) => b.objective - a.objective);
  return { proper, passes, starts: starts.length, degenerate, rejectedBest };
}

/** Why a candidate whose every start ended degenerate has no fit, from its best rejected fit. */
function degenerateReason(k: number, variance: VarianceModel, tried: Tried): string {
  const what = `K = ${k} (${variance} variances) was not fitted: the ${plural(tried.degenerate, 'best start')} of ${tried.starts} ended with a degenerate component`;
  const d = tried.rejectedBest?.degenerate[0];
  if (d === undefined) return what;
  const example =
    d.kind === 'weight'
      ? `one resting on ${worth(d.value)} of weight`
      : d.kind === 'single-value'
        ? `one on the single value ${short(d.at ?? 0, 8)}`
        : `one of sd ${short(d.value)}, narrower than the data's resolution allows`;
  return `${what}, e.g. ${example}`;
}

/**
 * Fits and ranks every candidate. The data's scale must have passed checkScale (as the floor needs).
 *
 * Three tiers of data: the starts are screened and refined on a sample of SCREEN_ROWS rows
 * (mclust, too, starts from a sample of 2000), the best proper fit is then run to
 * convergence on a sample of SEARCH_ROWS rows, and from there on all the rows (with the
 * pool's threads); a tier as large as the data is the data. A fit that turns degenerate on a
 * larger tier gives way to the next proper one.
 */
export function* searchModels(data: Data, settings: SearchSettings, pool?: PassPool): Generator<SearchProgress, Selection> {
  const n = data.x.length;
  const floor = settings.floor.floor;
  const screenRows = n > SCREEN_ROWS ? subsample(data, SCREEN_ROWS, settings.seed) : data;
  const searchRows = n > SEARCH_ROWS ? subsample(data, SEARCH_ROWS, settings.seed) : data;
  const screenTier = tier(screenRows, n, settings.guard, floor);
  const tiers = [screenTier];
  if (searchRows !== screenRows) tiers.push(tier(searchRows, n, settings.guard, floor));
  const top = tiers[tiers.length - 1];
  const full = searchRows === data ? top : tier(data, n, settings.guard, floor);
  const sorted = Float64Array.from(screenRows.x).sort();
  const ward = wardCuts(sorted, settings.ks);
  const perWeight = observationsPerWeight(n, totalWeight(data));
  const checkOn = (t: Tier): DegeneracyCheck => ({ compact: t.compact, perWeight });
  // Values heaped on a coarse grid stand for intervals of it (see heaping.ts), unless the user asked for plain ML.
  const heaping = settings.guard === 'none' ? null : detectHeaping(top.compact, settings.floor.resolution);
  const coarsening = heaping === null ? null : { step: settings.floor.resolution, grid: heaping.grid };
  // The best fit on the screening sample for each (variance model, K), for the split starts.
  const found = new Map<string, Fit>();
  const candidates: Fit[] = [];
  const searched: CandidateSearch[] = [];
  const skipped: string[] = [];
  let passes = 0;
  const count = settings.ks.length * settings.variances.length;
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
      const context = `candidate ${++index}/${count} (K=${k}, ${variance})`;
      const on = (t: Tier): FitSettings => ({ ...settings, variance, penalty: t.penalty, degeneracy: checkOn(t), coarsening });
      const starts = distinct(candidateStarts(screenRows, sorted, ward, k, variance, settings, screenTier.penalty, found.get(`${variance}:${k - 1}`)));
      const tried = yield* screenAndRefine(screenTier.compact, starts, k, on(screenTier), settings.guard, context);
      passes += tried.passes;
      searched.push({ k, variance, starts: tried.starts, degenerate: tried.degenerate });
      if (tried.proper.length > 0) found.set(`${variance}:${k}`, tried.proper[0]);
      // The best proper fit that stays proper up the tiers, and then on all the rows.
      let fit: Fit | null = null;
      for (const first of tried.proper) {
        let current: Fit = first;
        for (const t of tiers.slice(1)) {
          current = yield* withContext(fitFrom(t.compact, current.theta, current.labels, on(t), new Uint8Array(k)), `${context}, on ${t.name}`);
          passes += current.passes;
          if (rejects(current, settings.guard)) break;
        }
        if (rejects(current, settings.guard)) continue;
        const final = yield* withContext(fitFrom(data, current.theta, current.labels, { ...on(full), degeneracy: checkOn(top), orderByMean: true }, new Uint8Array(k), pool), `${context}, on all ${n} rows`);
        passes += final.passes;
        if (rejects(final, settings.guard)) continue;
        fit = final;
        break;
      }
      if (fit !== null) candidates.push(fit);
      else if (tried.degenerate > 0 || tried.proper.length > 0) skipped.push(degenerateReason(k, variance, tried));
      else skipped.push(`K = ${k} (${variance} variances) was not fitted: no start gave ${k} non-empty groups in ${plural(settings.nInit, 'attempt')}`);
    }
  }
  if (candidates.length === 0) {
    throw fitError(`no candidate model could be fitted: ${skipped.join('; ')}`);
  }
  const best = bestBy(candidates, settings.criterion);
  return { best, criterion: settings.criterion, candidates, searched, skipped, warnings: selectionWarnings(best, settings, data, perWeight), passes, guard: settings.guard, penalty: full.penalty, heaping };
}

/**
 * Warnings about the chosen model: K at the top of the range searched (a larger K might be
 * better still), and components resting on few observations.
 */
function selectionWarnings(best: Fit, settings: SearchSettings, data: Data, perWeight: number): string[] {
  const out: string[] = [];
  const k = best.labels.length;
  const top = settings.ks[settings.ks.length - 1];
  if (k === top && settings.ks.length > 1) {
    try {
      checkFittable(data, k + 1);
      out.push(`the chosen K = ${k} is the largest searched, so a larger K may fit better still; widen the range, e.g. --k ${settings.ks[0]}:${2 * k}`);
    } catch (error) {
      if (!(error instanceof EmFitError)) throw error;
    }
  }
  best.labels.forEach((label, j) => {
    const observations = best.theta.weight[j] * best.totalWeight * perWeight;
    if (observations < FEW_OBSERVATIONS) {
      out.push(`component ${quote(label)} rests on ${worth(observations)} of weight, fewer than ${FEW_OBSERVATIONS}: its parameters are poorly determined`);
    }
  });
  return out;
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
