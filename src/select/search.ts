/**
 * Model search without a partition: every candidate (K, variance model) is fitted from
 * several starts, the best proper fit is kept, and the candidates are ranked by an
 * information criterion.
 *
 * EM finds local maxima only, so the search is only as good as its starts: each candidate
 * is started from Ward's hierarchical partition, the quantile partition, `nInit` starts of
 * the chosen method (see starts.ts) and each split of the best fit with one component fewer.
 * The starts are screened and few are refined (Biernacki, Celeux and Govaert 2003, "Choosing
 * starting values for the EM algorithm", CSDA 41): every start runs SCREEN_FIRST iterations,
 * the best half of them SCREEN_ITERATIONS in all, and only the best REFINE of those, by the
 * objective reached, run to convergence.
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
import { EmFitError, EXIT } from '../errors.js';
import { type Data, type MixtureParams, rowCount } from '../models/family.js';
import { defaultPenalty, type GaussianMixture, type VariancePenalty } from '../models/gaussian.js';
import { describe, type FamilySpec, makeFamily, type Structure } from '../models/registry.js';
import { detectHeaping, type Heaping } from '../models/heaping.js';
import { plural, quote, short } from '../text.js';
import type { Criterion } from './criteria.js';
import { compress, FEW_POINTS, observationsPerWeight, worth } from './degenerate.js';
import { continued, distinctCount, type Fit, type FitSettings, fitSpec, givenUp, outOfIterations, partitionStart, remainingIterations, totalWeight } from './fit.js';
import type { DegenerateExample, Note } from './notes.js';
import { type FitJob, type JobData, JobPool, runSerially } from './job-pool.js';
import { rng } from './rng.js';
import { type InitMethod, partitionByCuts, startingPartition, wardCuts } from './starts.js';

/** Offset of the restart keys of the random starts that complement k-means++. */
const RANDOM_STREAM = 1 << 20;

/** Rows of the sample the starts are screened and refined on (see searchModels). */
const SCREEN_ROWS = 1000;

/** Rows of the sample the best proper start of each candidate is then run on. */
export const SEARCH_ROWS = 50_000;

/** Plain EM iterations of every start in screening's first round, and in all for those kept. */
const SCREEN_FIRST = 3;
const SCREEN_ITERATIONS = 8;

/** Components of the best fit with one component fewer that are split into starts. */
const SPLIT_COMPONENTS = 4;

/**
 * The tolerance starts are refined to on the screening sample, when --rtol asks for less: the
 * refined fits only rank the starts (and their optimum moves on more rows anyway), and an
 * overfitted candidate can take hundreds of iterations more to 1e-8 (measured: K = 5, unequal
 * variances, 297 iterations to 1e-8, under 30 to 1e-6). Fits on all the rows use --rtol.
 */
export const REFINE_RTOL = 1e-6;

/**
 * The tolerance every candidate is first converged to on all the rows (when --rtol asks for
 * less), as mclust's EM. Then the candidates that more precision could make the best go on
 * to --rtol: those whose criterion, less twice the gain in ℓ still expected of them (see
 * remainingGain), lies within CONTENDING of the best.
 */
export const SEARCH_RTOL = 1e-5;
export const CONTENDING = 10;

/** Starts refined to convergence (more when those end degenerate, up to REFINE_LIMIT). */
export const REFINE = 2;
export const REFINE_LIMIT = 6;


/** How degenerate fits are kept out of the search (see the header). */
export type Guard = 'penalty' | 'reject' | 'none';

export interface SearchSettings extends Omit<FitSettings, 'structure' | 'orderByMean' | 'penalty' | 'degeneracy'> {
  ks: number[];
  /** The families and their options to compare, each at every K (see registry.ts). */
  structures: Structure[];
  criterion: Criterion;
  initMethod: InitMethod;
  nInit: number;
  seed: number;
  guard: Guard;
}

/** One candidate's search: its fit, or why there is none, and the starts it rejected. */
export interface CandidateSearch {
  k: number;
  structure: Structure;
  /** Starts tried (after removing duplicates). */
  starts: number;
  /** Refined starts rejected because they ended with a degenerate component. */
  degenerate: number;
}

export interface Selection {
  best: Fit;
  criterion: Criterion;
  /** The best fit of every candidate that could be fitted, by K, then structure. */
  candidates: Fit[];
  /** The starts of every candidate tried, fitted or not. */
  searched: CandidateSearch[];
  /** Candidates left out, and why (e.g. more components than distinct values). */
  skipped: Note[];
  /** About the chosen model: the largest K searched, components on few observations. */
  notes: Note[];
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
  /**
   * The share of the search's work done before the current K, each K weighted by K (a
   * pass costs about K times a component's work), for an estimate of the time left; 1
   * in the climb to all the rows after the last K, whose share is not known ahead.
   */
  done?: number;
}

const criterionOf = (fit: Fit, criterion: Criterion): number => fit[criterion];

/** A seeded subsample of m rows (without replacement, d columns kept together), in the original order. */
export function subsample(data: Data, m: number, seed: number): Data {
  const d = data.d ?? 1;
  const n = rowCount(data);
  const random = rng(seed, 0x5ab5);
  // Selection sampling (Knuth's algorithm S): keeps row i with probability needed/left.
  const x = new Float64Array(m * d);
  const w = data.w === null ? null : new Float64Array(m);
  let taken = 0;
  for (let i = 0; i < n && taken < m; i++) {
    if (random() * (n - i) < m - taken) {
      if (d === 1) x[taken] = data.x[i];
      else x.set(data.x.subarray(i * d, (i + 1) * d), taken * d);
      if (w !== null && data.w !== null) w[taken] = data.w[i];
      taken++;
    }
  }
  return d === 1 ? { x, w } : { x, w, d };
}

interface Start {
  /** Where the start came from, for the progress line. */
  name: string;
  theta: MixtureParams;
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

/** A key for the structure, for maps by (structure, K). */
const structureKey = (s: Structure): string => JSON.stringify(s);

/**
 * The (K−1)-component fit's rows split into K groups: each row to the component most
 * responsible for it, then component j's rows cut in two, at their median (`apart`: groups
 * side by side) or into the half nearest the median and the rest (`nested`: a core in wide
 * tails). The generic counterpart of the Gaussian's split of θ, for every family.
 */
function splitPartition(data: Data, previous: Fit, j: number, how: keyof typeof SPLITS): Int32Array | null {
  const K = previous.labels.length;
  const n = data.x.length;
  const family = makeFamily(previous.spec);
  const r = new Float64Array(n * K);
  const logDensity = new Float64Array(n);
  family.posterior(data.x, previous.theta, 0, n, r, logDensity);
  const codes = new Int32Array(n);
  const mine: number[] = [];
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let k = 1; k < K; k++) if (r[i * K + k] > r[i * K + best]) best = k;
    codes[i] = best;
    if (best === j) mine.push(i);
  }
  if (mine.length < 2) return null;
  const values = Float64Array.from(mine, (i) => data.x[i]).sort();
  const median = values[values.length >> 1];
  const distances = Float64Array.from(mine, (i) => Math.abs(data.x[i] - median)).sort();
  const inner = distances[(distances.length - 1) >> 1];
  // Components after j move up one; j's rows go to j or j + 1.
  for (let i = 0; i < n; i++) {
    if (codes[i] > j) codes[i]++;
    else if (codes[i] === j) {
      const upper = how === 'apart' ? data.x[i] >= median : Math.abs(data.x[i] - median) > inner;
      if (upper) codes[i] = j + 1;
    }
  }
  const used = new Uint8Array(K + 1);
  for (let i = 0; i < n; i++) if (data.w === null || data.w[i] > 0) used[codes[i]] = 1;
  return used.every((u) => u === 1) ? codes : null;
}

/**
 * The starts of one candidate: Ward's partition (mclust's kind of start), the quantile
 * partition, `nInit` starts of the chosen method, and the two splits of each component of
 * the best fit with one component fewer (of θ for the Gaussian, see SPLITS; of its rows for
 * the other families, see splitPartition).
 */
function* candidateStarts(
  data: Data,
  sorted: Float64Array,
  ward: Map<number, Float64Array>,
  k: number,
  spec: FamilySpec,
  settings: SearchSettings,
  fewer: Fit | undefined,
  drawn: Map<string, Int32Array | null>,
): Generator<Start> {
  const labels = Array.from({ length: k }, (_, j) => String(j + 1));
  const fromCodes = (name: string, codes: Int32Array | null): Start | null => (codes === null ? null : { name, ...partitionStart(data, codes, labels, spec) });
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
      // The same partitions for every structure at this K: drawn once, kept in `drawn`.
      const key = `${method}:${stream + restart}`;
      let codes = drawn.get(key);
      if (codes === undefined) drawn.set(key, (codes = startingPartition(data, sorted, k, method, restart, rng(settings.seed, k, stream + restart))));
      const start = fromCodes(`${method} start ${restart + 1}/${count}`, codes);
      if (start !== null) yield start;
    }
  };
  yield* partitions(settings.initMethod, settings.nInit, 0);
  // Lloyd's iterations pull k-means++ starts to a few partitions by location; half as many
  // starts from random data values reach optima that none of them start from.
  if (settings.initMethod === 'kmeans++') yield* partitions('random', Math.ceil(settings.nInit / 2), RANDOM_STREAM);
  if (fewer !== undefined) {
    // The components with the most weighted spread π_j σ_j first, at most SPLIT_COMPONENTS of them:
    // a small, narrow component is the last one that hides two.
    const description = describe(fewer.spec);
    const spread = Array.from(fewer.theta.weight, (w, j) => w * Math.sqrt(description.moments(fewer.theta, j).variance));
    const order = Array.from(spread, (_, j) => j).sort((a, b) => (spread[b] > spread[a] ? 1 : spread[b] < spread[a] ? -1 : a - b));
    for (const j of order.slice(0, SPLIT_COMPONENTS)) {
      for (const how of ['apart', 'nested'] as const) {
        const name = `${how} split of component ${j + 1} of the K=${k - 1} fit`;
        if (spec.family === 'gaussian' || spec.family === 'gaussian-grouped') {
          yield { name, theta: split(fewer.theta as GaussianMixture, j, how, spec.floor), floored: new Uint8Array(k) };
        } else {
          const start = fromCodes(name, splitPartition(data, fewer, j, how));
          if (start !== null) yield start;
        }
      }
    }
  }
}

/**
 * The starts without repeats: k-means++ and Lloyd often reach the same partition. Two starts
 * repeat when their parameters are equal numbers (−0 equal to 0), compared value by value
 * with the starts kept so far (a few dozen: no key is built).
 */
function distinct(starts: Iterable<Start>): Start[] {
  const out: Start[] = [];
  const kept: Float64Array[][] = [];
  for (const start of starts) {
    const arrays = Object.values(start.theta as unknown as Record<string, Float64Array>);
    if (kept.some((other) => sameValues(other, arrays))) continue;
    kept.push(arrays);
    out.push(start);
  }
  return out;
}

/** True when the arrays hold the same numbers, array by array. */
function sameValues(a: readonly Float64Array[], b: readonly Float64Array[]): boolean {
  if (a.length !== b.length) return false;
  for (let j = 0; j < a.length; j++) {
    if (a[j].length !== b[j].length) return false;
    for (let i = 0; i < a[j].length; i++) if (a[j][i] !== b[j][i]) return false;
  }
  return true;
}

/**
 * Data the search runs on: rows (a sample, or all of them), the same compressed to distinct
 * values for the passes (see compress), and the penalty for their size.
 */
interface Tier {
  rows: Data;
  compact: Data;
  /** What the passes run on: the compact form when it saves work, else the rows (see tier). */
  passes: Data;
  penalty: VariancePenalty | null;
  /** For messages: "a sample of 2000 rows", "all 272 rows". */
  name: string;
}

/**
 * The compact form's share of the rows above which passes run on the rows instead: a pass
 * with weights takes a log per row that one without them avoids (a log of a running
 * product per block, see gaussian-kernel.ts), so a few ties do not pay for the weights
 * (measured on 5,000 rows with 12 ties: 22 against 11 ns a row and component).
 */
const COMPACT_SHARE = 0.75;

function tier(rows: Data, all: number, guard: Guard, floor: number): Tier {
  const n = rows.x.length;
  const compact = compress(rows);
  // Sorted, as the compact form is: neighbouring rows then take the same branches in a pass (20% faster, measured).
  const passes = rows.w === null && compact.x.length > COMPACT_SHARE * n ? { x: Float64Array.from(rows.x).sort(), w: null } : compact;
  return { rows, compact, passes, penalty: guard === 'penalty' ? defaultPenalty(rows, floor) : null, name: n === all ? `all ${n} rows` : `a sample of ${n} rows` };
}

/** One structure's search at one K: its starts, then what they gave. */
interface Candidate {
  structure: Structure;
  /** The family as the starts were made for it (the screening sample's penalty, if any). */
  spec: FamilySpec;
  starts: Start[];
  /** Screened fits, best objective first (ties: the earlier start). */
  ranked: Fit[];
  /** Refined fits that are proper, best first. */
  proper: Fit[];
  refined: number;
  degenerate: number;
  /** The best degenerate refined fit, to say why when none was proper. */
  rejectedBest: Fit | null;
  /** Set when two refined starts ended at the same degenerate optimum: its basin holds the rest too. */
  stuck: boolean;
}

/** True when the guard rejects `fit` (only a mixture can be degenerate). */
const rejects = (fit: Fit, guard: Guard): boolean => guard !== 'none' && fit.labels.length > 1 && fit.degenerate.length > 0;

/**
 * Screened fits, best first: those already degenerate after every proper one, whatever
 * their objective, and those given up on (a component all but gone) left out; ties go to
 * the earlier start.
 */
function rank(fits: Fit[], guard: Guard): Fit[] {
  const own = fits.map((fit, index) => ({ fit, index, bad: rejects(fit, guard) ? 1 : 0 })).filter((o) => !givenUp(o.fit));
  own.sort((a, b) => a.bad - b.bad || b.fit.objective - a.fit.objective || a.index - b.index);
  return own.map((o) => o.fit);
}

/** Why a candidate has no fit: every refined start ended degenerate, or its fits turned degenerate on more rows. */
function degenerateReason(k: number, c: Candidate): Note {
  if (c.proper.length > 0) return { code: 'not-fitted', k, structure: c.structure, reason: { why: 'degenerate-on-more-rows' } };
  const d = c.rejectedBest?.degenerate[0];
  const example: DegenerateExample | null =
    d === undefined
      ? null
      : d.kind === 'weight'
        ? { kind: 'weight', observations: d.value }
        : d.kind === 'single-value'
          ? { kind: 'single-value', at: d.at ?? 0 }
          : d.kind === 'few-rows'
            ? { kind: 'few-rows', rows: d.value }
            : { kind: d.kind, sd: d.value };
  return { code: 'not-fitted', k, structure: c.structure, reason: { why: 'degenerate-starts', refined: c.degenerate, starts: c.starts.length, example } };
}

/**
 * Fits and ranks every candidate. The data's scale must have passed checkScale (as the floor needs).
 *
 * Three tiers of data: the starts are screened and refined on a sample of SCREEN_ROWS rows
 * (mclust, too, starts from a sample of 2000), the best proper fit is then run to
 * convergence on a sample of SEARCH_ROWS rows, and from there on all the rows (with the
 * threads); a tier as large as the data is the data. A fit that turns degenerate on a
 * larger tier gives way to the next proper one. For each K, the work of every variance model
 * is done in batches of independent fits (screening, refining, each tier), shared between
 * the threads of `jobs`; the choices depend on the fits alone, so not on the threads.
 */
export function* searchModels(data: Data, settings: SearchSettings, jobs: JobPool | null = null): Generator<SearchProgress, Selection> {
  const n = data.x.length;
  const floor = settings.floor.floor;
  const screenRows = n > SCREEN_ROWS ? subsample(data, SCREEN_ROWS, settings.seed) : data;
  const searchRows = n > SEARCH_ROWS ? subsample(data, SEARCH_ROWS, settings.seed) : data;
  const tiers = [tier(screenRows, n, settings.guard, floor)];
  if (searchRows !== screenRows) tiers.push(tier(searchRows, n, settings.guard, floor));
  const top = tiers[tiers.length - 1];
  const full = searchRows === data ? top : tier(data, n, settings.guard, floor);
  const sorted = Float64Array.from(screenRows.x).sort();
  const ward = wardCuts(sorted, settings.ks);
  const perWeight = observationsPerWeight(n, totalWeight(data));
  // Values heaped on a coarse grid stand for intervals of it (see heaping.ts), unless the user asked for plain ML.
  // Only a Gaussian has the grouped likelihood that takes them so, and its ℓ_g is not on the
  // density's scale: when other families are compared, every family is fitted by its density
  // (a note says the heap was left as it is).
  const gaussian = settings.structures.some((s) => s.family === 'gaussian');
  const heap = settings.guard === 'none' || !gaussian ? null : detectHeaping(top.compact, settings.floor.resolution);
  const families = new Set(settings.structures.map((s) => s.family)).size;
  const heaping = families > 1 ? null : heap;
  // p starts at the heap's excess over what the neighbours make expected.
  const coarsening = heaping === null ? null : { step: settings.floor.resolution, grid: heaping.grid, startHeap: Math.min(0.9, Math.max(0.01, (heaping.share - heaping.expected) / (1 - heaping.expected))) };
  // The tiers' data for the passes, then all the rows, with the top tier's distinct values for the degeneracy check.
  const sets: JobData[] = [...tiers.map((t) => ({ rows: t.passes, compact: t.compact })), { rows: data, compact: top.compact }];
  const FULL = tiers.length;
  jobs?.load(sets);
  const totalWork = settings.ks.reduce((a, k) => a + k, 0);
  let done = 0;
  function* batch(list: FitJob[], context: string): Generator<SearchProgress, Fit[]> {
    const fits = jobs === null ? runSerially(list, sets, context) : jobs.run(list, context);
    for (;;) {
      const step = fits.next();
      if (step.done) return step.value;
      // The batch's own progress object, given the share done in place (no copy per iteration).
      const progress = step.value as SearchProgress;
      progress.done = done;
      yield progress;
    }
  }
  const { maxIter, rtol, accel } = settings;
  const loose = Math.max(rtol, SEARCH_RTOL);
  const fitSettings = (structure: Structure, t: number, k: number): FitJob['settings'] => ({
    maxIter,
    rtol,
    accel,
    floor: settings.floor,
    largest: settings.largest,
    structure,
    penalty: tiers[t].penalty,
    degeneracy: { perWeight },
    coarsening,
    // A run heading for a rejected fit stops there (see FitSettings.abandonDegenerate).
    ...(k > 1 && settings.guard !== 'none' ? { abandonDegenerate: { perWeight } } : {}),
  });
  const labelsOf = (k: number): string[] => Array.from({ length: k }, (_, j) => String(j + 1));
  // The best fit on the screening sample for each (structure, K), for the split starts.
  const found = new Map<string, Fit>();
  const tried: { k: number; labels: string[]; m: Candidate }[] = [];
  const candidates: { fit: Fit; from: { k: number; labels: string[]; m: Candidate } }[] = [];
  const searched: CandidateSearch[] = [];
  const skipped: Note[] = [];
  let passes = 0;
  const count = (list: Fit[]): Fit[] => {
    for (const fit of list) passes += fit.passes;
    return list;
  };
  try {
    for (const k of settings.ks) {
      done = settings.ks.slice(0, settings.ks.indexOf(k)).reduce((a, j) => a + j, 0) / totalWork;
      const distinctValues = distinctCount(data, k);
      if (distinctValues < k) {
        skipped.push({ code: 'not-fitted', k, structure: null, reason: { why: 'distinct-values', distinct: distinctValues } });
        continue;
      }
      const labels = labelsOf(k);
      const partitions = new Map<string, Int32Array | null>();
      const models: Candidate[] = settings.structures.map((structure) => {
        const spec = fitSpec(fitSettings(structure, 0, k), k);
        return {
          structure,
          spec,
          starts: distinct(candidateStarts(screenRows, sorted, ward, k, spec, settings, found.get(`${structureKey(structure)}:${k - 1}`), partitions)),
          ranked: [],
          proper: [],
          refined: 0,
          degenerate: 0,
          rejectedBest: null,
          stuck: false,
        };
      });
      // Screening in two rounds: SCREEN_FIRST plain EM iterations of every start, then up to
      // SCREEN_ITERATIONS for the best half of each model's (at least 2·REFINE of them).
      const firstJobs = models.flatMap((m) =>
        m.starts.map((start): FitJob => ({ data: 0, theta: start.theta, labels, floored: start.floored, settings: { ...fitSettings(m.structure, 0, k), accel: 'none', maxIter: Math.min(settings.maxIter, SCREEN_FIRST), degeneracy: undefined } })),
      );
      const first = count(yield* batch(firstJobs, `K=${k}: screening ${plural(firstJobs.length, 'start')}`));
      let at = 0;
      const kept = models.map((m) => {
        const ranked = rank(first.slice(at, (at += m.starts.length)), settings.guard);
        return ranked.slice(0, Math.max(2 * REFINE, Math.ceil(ranked.length / 2)));
      });
      const secondJobs = kept.flatMap((fits, i) =>
        fits.map((fit): FitJob => ({ data: 0, theta: fit.theta, labels, floored: new Uint8Array(k), settings: { ...fitSettings(models[i].structure, 0, k), accel: 'none', maxIter: Math.min(settings.maxIter, SCREEN_ITERATIONS - SCREEN_FIRST), degeneracy: undefined } })),
      );
      const second = count(yield* batch(secondJobs, `K=${k}: screening the best ${plural(secondJobs.length, 'start')}`));
      at = 0;
      models.forEach((m, i) => {
        m.ranked = rank(second.slice(at, (at += kept[i].length)), settings.guard);
      });
      // Refining: the best screened fits to convergence, until REFINE are refined and one is proper.
      for (;;) {
        const wanted = models.filter((m) => m.refined < m.ranked.length && (m.refined < REFINE || (m.proper.length === 0 && !m.stuck && m.refined < REFINE_LIMIT)));
        if (wanted.length === 0) break;
        const refineJobs = wanted.map((m): FitJob => ({ data: 0, theta: m.ranked[m.refined].theta, labels, floored: new Uint8Array(k), settings: { ...fitSettings(m.structure, 0, k), rtol: Math.max(rtol, REFINE_RTOL) } }));
        const refined = count(yield* batch(refineJobs, `K=${k}: refining`));
        wanted.forEach((m, i) => {
          m.refined++;
          const fit = refined[i];
          if (rejects(fit, settings.guard)) {
            m.degenerate++;
            if (m.rejectedBest !== null && Math.abs(fit.objective - m.rejectedBest.objective) <= 1e-7 * Math.abs(fit.objective)) m.stuck = true;
            if (m.rejectedBest === null || fit.objective > m.rejectedBest.objective) m.rejectedBest = fit;
          } else if (givenUp(fit)) {
            // Broken down with no degenerate component to show: not proper either.
            m.degenerate++;
          } else {
            m.proper.push(fit);
          }
        });
      }
      for (const m of models) {
        m.proper.sort((a, b) => b.objective - a.objective);
        if (m.proper.length > 0) found.set(`${structureKey(m.structure)}:${k}`, m.proper[0]);
        searched.push({ k, structure: m.structure, starts: m.starts.length, degenerate: m.degenerate });
      }
      for (const m of models) tried.push({ k, labels, m });
    }
    // The climb's share of the work is not known ahead (it depends on the candidates left): no estimate for it.
    done = 1;
    // Up the tiers to all the rows, all candidates in the same batches (they no longer depend
    // on one another): each one's best proper fit, the next one when it turns degenerate. A
    // tier whose passes are the rows themselves is left to the last step, on all the rows,
    // which gives the fits reported.
    const levels = [...tiers.keys()].filter((t) => t > 0 && tiers[t].rows !== data);
    levels.push(FULL);
    const finalJob = (c: { k: number; labels: string[]; m: Candidate }, theta: MixtureParams, tolerance: number, maxIter = settings.maxIter): FitJob => ({
      data: FULL,
      theta,
      labels: c.labels,
      floored: new Uint8Array(c.k),
      settings: { ...fitSettings(c.m.structure, 0, c.k), penalty: full.penalty, orderByMean: true, lean: false, rtol: tolerance, maxIter },
    });
    const climb = tried.map((t) => ({ ...t, next: 0, level: 0, current: t.m.proper[0] as Fit | undefined }));
    for (;;) {
      const moving = climb.filter((c) => c.current !== undefined && c.level < levels.length);
      if (moving.length === 0) break;
      const upJobs = moving.map((c): FitJob => {
        const t = levels[c.level];
        const theta = (c.current as Fit).theta;
        return t === FULL ? finalJob(c, theta, loose) : { data: t, theta, labels: c.labels, floored: new Uint8Array(c.k), settings: { ...fitSettings(c.m.structure, t, c.k), rtol: loose } };
      });
      const where = moving.map((c) => levels[c.level]);
      const name = where.every((t) => t === FULL) ? `all ${n} rows` : where.every((t) => t === where[0]) ? tiers[where[0]].name : 'more rows';
      const up = count(yield* batch(upJobs, `${plural(moving.length, 'candidate')} on ${name}`));
      moving.forEach((c, i) => {
        if (rejects(up[i], settings.guard) || givenUp(up[i])) {
          c.next++;
          c.level = 0;
          c.current = c.m.proper[c.next];
        } else {
          c.level++;
          c.current = up[i];
        }
      });
    }
    for (const c of climb) {
      const { k, m } = c;
      if (c.current === undefined) {
        // With starts but none ranked, every one was given up in screening (rank drops only those).
        const reason = m.starts.length > 0 ? { why: 'given-up' as const, starts: m.starts.length } : { why: 'no-partition' as const, attempts: settings.nInit };
        skipped.push(m.degenerate > 0 || m.proper.length > 0 ? degenerateReason(k, m) : { code: 'not-fitted', k, structure: m.structure, reason });
        continue;
      }
      candidates.push({ fit: c.current, from: c });
    }
    if (candidates.length === 0) {
      throw new EmFitError('no candidate model could be fitted', EXIT.fit, skipped);
    }
    // To --rtol: first the best, until one stays proper (a candidate that goes on to turn
    // degenerate, a component sliding onto a few values as it converges, is rejected as at
    // every other step); then the rest that more precision could make better than it.
    // The run on all the rows and its continuation are one fit, within --max-iter together
    // (see fit.ts remainingIterations and outOfIterations, as the multivariate search does).
    const onward = function* (list: typeof candidates): Generator<SearchProgress, void> {
      if (list.length === 0) return;
      const more = count(yield* batch(list.map((c) => finalJob(c.from, c.fit.theta, rtol, remainingIterations(c.fit, settings.maxIter))), `${plural(list.length, 'candidate')} to --rtol on all ${n} rows`));
      list.forEach((c, i) => {
        if (rejects(more[i], settings.guard) || givenUp(more[i])) {
          candidates.splice(candidates.indexOf(c), 1);
          skipped.push({ code: 'not-fitted', k: c.from.k, structure: c.from.m.structure, reason: { why: 'degenerate-to-rtol' } });
        } else c.fit = outOfIterations(continued(c.fit, more[i]), rtol);
      });
    };
    if (loose !== rtol) {
      const done = new Set<(typeof candidates)[number]>();
      for (;;) {
        if (candidates.length === 0) throw new EmFitError('no candidate model could be fitted', EXIT.fit, skipped);
        const first = candidates.find((c) => c.fit === bestBy(candidates.map((d) => d.fit), settings.criterion)) as (typeof candidates)[number];
        if (done.has(first)) break;
        done.add(first);
        yield* onward([first]);
      }
      const best = bestBy(candidates.map((c) => c.fit), settings.criterion);
      yield* onward(candidates.filter((c) => !done.has(c) && criterionOf(c.fit, settings.criterion) - 2 * remainingGain(c.fit) <= criterionOf(best, settings.criterion) + CONTENDING));
      if (candidates.length === 0) throw new EmFitError('no candidate model could be fitted', EXIT.fit, skipped);
    }
  } finally {
    // The pool is the caller's; the data sets are let go.
    jobs?.load([]);
  }
  const fits = candidates.map((c) => c.fit);
  const best = bestBy(fits, settings.criterion);
  return { best, criterion: settings.criterion, candidates: fits, searched, skipped, notes: [...(heap !== null && heaping === null ? [{ code: 'heap-not-grouped', grid: heap.grid, share: heap.share, expected: heap.expected } as const] : []), ...selectionNotes(best, settings, data, perWeight)], passes, guard: settings.guard, penalty: full.penalty, heaping };
}

/**
 * Notes about the chosen model: K at the top of the range searched (a larger K might be
 * better still), and components resting on few observations.
 */
function selectionNotes(best: Fit, settings: SearchSettings, data: Data, perWeight: number): Note[] {
  const out: Note[] = [];
  const k = best.labels.length;
  const top = settings.ks[settings.ks.length - 1];
  if (k === top && settings.ks.length > 1 && distinctCount(data, k + 1) > k) out.push({ code: 'largest-k', k, from: settings.ks[0] });
  // One component is the data themselves: few rows are the user's to see, not a mixture's artefact.
  if (k === 1) return out;
  best.labels.forEach((label, j) => {
    const observations = best.theta.weight[j] * best.totalWeight * perWeight;
    if (observations < FEW_POINTS) out.push({ code: 'few-points', component: label, observations, least: FEW_POINTS });
  });
  return out;
}

/**
 * How much more a run's objective could still rise, by Aitken's extrapolation of its last
 * two gains d₁, d₂ (Böhning et al. 1994, AISM 46, 373–388; McNicholas et al. 2010 for its
 * use in stopping EM): with a = d₂/d₁ the gains shrink geometrically, leaving d₂·a/(1 − a).
 * Where the last gains do not shrink geometrically at a rate below 0.99 (SQUAREM's
 * extrapolations, or a crawl), the rate is taken to be 0.999: 999 more gains like the last.
 * Infinite for a run that has not converged.
 */
export function remainingGain(fit: Fit): number {
  const t = fit.trace;
  if (!fit.converged) return Infinity;
  if (t.length < 2) return 0;
  const d2 = t[t.length - 1].objective - t[t.length - 2].objective;
  if (!(d2 > 0)) return 0;
  // One gain only (a fit that arrived converged): no rate to read, so the slow one.
  const a = t.length < 3 ? SLOW : d2 / (t[t.length - 2].objective - t[t.length - 3].objective);
  // Outside the geometric regime (SQUAREM's steps, or a crawl), the gain of a rate of SLOW.
  const rate = a > 0 && a < MAX_RATE ? a : SLOW;
  return (d2 * rate) / (1 - rate);
}

/** The largest rate of convergence whose extrapolation remainingGain trusts... */
const MAX_RATE = 0.99;
/** ... and the rate it assumes otherwise: 999 more gains like the last. */
const SLOW = 0.999;

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
