/**
 * The numbers behind the pictures (plot.ts, histogram.ts): a histogram of the data on the
 * density scale and the fitted densities on a grid. A few passes over the data reduce any
 * number of rows to at most MAX_BINS bars, so that no picture ever holds the rows themselves.
 *
 * Weights are frequency weights, as in the fit: a row of weight w counts as w rows, and the
 * sample size is W = Σ w_i. Rows of weight 0 are left out.
 */
import type { Data, MixtureParams } from '../models/family.js';
import type { GaussianMixture } from '../models/gaussian.js';
import { describe, type FamilySpec, familyName } from '../models/registry.js';

/** Most bins a histogram gets, however many rows there are. */
export const MAX_BINS = 200;

/** Buckets per round of the rank search (valueAtRank). */
const BUCKETS = 4096;
/** Rows of a bucket that are sorted outright instead of bucketed again. */
const SORT_ROWS = 1 << 16;

export interface Range {
  lo: number;
  hi: number;
  /** W = Σ w_i over the rows of positive weight. */
  total: number;
}

/** Smallest and largest value, and total weight, of the rows of positive weight. */
export function dataRange(data: Data): Range {
  const { x, w } = data;
  let lo = Infinity;
  let hi = -Infinity;
  let total = 0;
  for (let i = 0; i < x.length; i++) {
    const wi = w === null ? 1 : w[i];
    if (!(wi > 0)) continue;
    const v = x[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
    total += wi;
  }
  return { lo, hi, total };
}

/**
 * The value at weighted rank r (0 ≤ r < W) of the data sorted by value: the x_i whose
 * interval [S_i − w_i, S_i) of cumulative weight holds r. With unit weights, the r-th order
 * statistic counted from 0.
 *
 * Exact, without sorting all rows: each round spreads the candidate rows over BUCKETS equal
 * buckets of their range, keeps the bucket that holds rank r, and narrows the range to that
 * bucket's rows; a bucket of at most SORT_ROWS rows is sorted. The bucket index
 * ⌊(x − lo)·scale⌋ is non-decreasing in x, so the rows of one bucket are exactly those
 * between its smallest and largest value. A rank among ten million rows takes two or three
 * passes over the data.
 */
export function valueAtRank(data: Data, range: Range, r: number): number {
  const { x, w } = data;
  let { lo, hi } = range;
  let below = 0;
  const weight = new Float64Array(BUCKETS);
  const rows = new Int32Array(BUCKETS);
  while (lo < hi) {
    const scale = BUCKETS / (hi - lo);
    const bucket = (v: number): number => Math.min(BUCKETS - 1, Math.floor((v - lo) * scale));
    weight.fill(0);
    rows.fill(0);
    for (let i = 0; i < x.length; i++) {
      const wi = w === null ? 1 : w[i];
      const v = x[i];
      if (!(wi > 0) || v < lo || v > hi) continue;
      const b = bucket(v);
      weight[b] += wi;
      rows[b]++;
    }
    // The bucket holding r; the last non-empty one if rounding left r beyond them all.
    let b = 0;
    let last = 0;
    for (; b < BUCKETS; b++) {
      if (rows[b] === 0) continue;
      last = b;
      if (below + weight[b] > r) break;
      below += weight[b];
    }
    if (b === BUCKETS) {
      b = last;
      below -= weight[b];
    }
    if (rows[b] <= SORT_ROWS) return rankInBucket(data, lo, hi, bucket, b, rows[b], r - below);
    let first = Infinity;
    let end = -Infinity;
    for (let i = 0; i < x.length; i++) {
      const v = x[i];
      if (!((w === null ? 1 : w[i]) > 0) || v < lo || v > hi || bucket(v) !== b) continue;
      if (v < first) first = v;
      if (v > end) end = v;
    }
    lo = first;
    hi = end;
  }
  return lo;
}

/** The value at weighted rank `local` among the `count` rows of bucket b, by sorting them. */
function rankInBucket(data: Data, lo: number, hi: number, bucket: (v: number) => number, b: number, count: number, local: number): number {
  const { x, w } = data;
  const values = new Float64Array(count);
  const weights = new Float64Array(count);
  let m = 0;
  for (let i = 0; i < x.length; i++) {
    const wi = w === null ? 1 : w[i];
    const v = x[i];
    if (!(wi > 0) || v < lo || v > hi || bucket(v) !== b) continue;
    values[m] = v;
    weights[m++] = wi;
  }
  const order = Array.from(values, (_, j) => j).sort((p, q) => values[p] - values[q]);
  let cumulative = 0;
  for (const j of order) {
    cumulative += weights[j];
    if (cumulative > local) return values[j];
  }
  return values[order[count - 1]];
}

/**
 * The p-quantile of R's default type 7 (Hyndman and Fan 1996) on the data with each row
 * repeated w_i times: with h = p·(W − 1), x₍⌊h⌋₎ + (h − ⌊h⌋)(x₍⌊h⌋+1₎ − x₍⌊h⌋₎), order
 * statistics counted from 0. R's IQR() and nclass.FD() use this quantile. For W < 1
 * (fractional weights) h is 0: the smallest value.
 */
export function quantile(data: Data, range: Range, p: number): number {
  const h = Math.max(0, p * (range.total - 1));
  const floor = Math.floor(h);
  const low = valueAtRank(data, range, floor);
  if (h === floor) return low;
  return low + (h - floor) * (valueAtRank(data, range, Math.min(floor + 1, range.total - 1)) - low);
}

/** Interquartile range Q₃ − Q₁ (type-7 quantiles). */
export const interquartileRange = (data: Data, range: Range): number => quantile(data, range, 0.75) - quantile(data, range, 0.25);

/**
 * Freedman–Diaconis bin width h = 2·IQR·n^(−1/3) (Z. Wahrscheinlichkeitstheorie 57, 1981):
 * it minimises the integrated squared error of the histogram for smooth densities, and the
 * IQR makes it robust to outliers and long tails, where Scott's 3.5·s·n^(−1/3) is not.
 */
export const freedmanDiaconisWidth = (iqr: number, n: number): number => 2 * iqr * Math.cbrt(1 / n);

/** Sturges' number of bins, ⌈log₂ n⌉ + 1: R's default, and needs no estimate of spread. */
export const sturgesBins = (n: number): number => Math.max(1, Math.ceil(Math.log2(Math.max(1, n))) + 1);

export interface HistogramOptions {
  /** Cap on the number of bins (default MAX_BINS); the width grows to keep under it. */
  maxBins?: number;
  /**
   * The data resolution δ (values lie on a grid of step δ, e.g. 1 for integers), or null.
   * The width is then a whole number of steps and the edges fall halfway between recorded
   * values, so that no bin gets one value more than its neighbour by aliasing: integer data
   * with width 2.5 would alternate bins of 2 and 3 values.
   */
  resolution?: number | null;
  /** Width of the single bin when every value is the same and the data give no spread. */
  singleWidth?: number;
}

export interface Histogram {
  /** Left edge of bin 0; bin j is [start + j·width, start + (j + 1)·width), the last one closed. */
  start: number;
  width: number;
  /** Weight of the rows in each bin, shape (bins,). */
  counts: Float64Array;
  /** counts_j / (W·width), shape (bins,): the bars integrate to 1, like a density. */
  density: Float64Array;
  range: Range;
  /** The rule that gave the width before rounding and capping. */
  rule: 'freedman-diaconis' | 'sturges' | 'single';
}

/**
 * Histogram of the data on the density scale. The width is Freedman–Diaconis'; when the
 * IQR is 0 (over half the weight on one value) it is the range over Sturges' number of bins
 * instead. It is then rounded to the nearest whole number of resolution steps (at least one),
 * and widened if more than maxBins bins would be needed. Bins start at the smallest value
 * (less half a step).
 */
export function histogram(data: Data, options: HistogramOptions = {}): Histogram {
  const maxBins = options.maxBins ?? MAX_BINS;
  const step = options.resolution ?? 0;
  const range = dataRange(data);
  if (!(range.total > 0)) throw new RangeError('histogram of no data (every row has weight 0)');
  const span = range.hi - range.lo;
  let rule: Histogram['rule'];
  let start: number;
  let width: number;
  let bins: number;
  if (span === 0) {
    rule = 'single';
    width = options.singleWidth ?? 1;
    start = range.lo - width / 2;
    bins = 1;
  } else {
    const iqr = interquartileRange(data, range);
    rule = iqr > 0 ? 'freedman-diaconis' : 'sturges';
    const steps = (h: number, round: (v: number) => number): number => (step > 0 ? Math.max(1, round(h / step)) * step : h);
    start = range.lo - step / 2;
    width = steps(iqr > 0 ? freedmanDiaconisWidth(iqr, range.total) : span / sturgesBins(range.total), Math.round);
    if ((range.hi - start) / width > maxBins) width = steps((range.hi - start) / maxBins, Math.ceil);
    bins = Math.min(maxBins, Math.max(1, Math.ceil((range.hi - start) / width)));
  }
  const counts = new Float64Array(bins);
  const { x, w } = data;
  for (let i = 0; i < x.length; i++) {
    const wi = w === null ? 1 : w[i];
    if (wi > 0) counts[Math.min(bins - 1, Math.floor((x[i] - start) / width))] += wi;
  }
  const density = counts.map((c) => c / (range.total * width));
  return { start, width, counts, density, range, rule };
}

/**
 * A fitted mixture as the pictures draw it, whichever its family (see drawnMixture): each
 * component's weighted density, where it sits and how wide it is.
 */
export interface Drawn {
  k: number;
  /** π_k f_k(x); for counts, π_k times the probability of the whole number nearest x. */
  weighted(k: number, x: number): number;
  /** Where component k is labelled: its mean (a t's location where the mean does not exist). */
  centre: Float64Array;
  /** Its width: the sd (a t's scale where the sd is infinite). */
  spread: Float64Array;
  /** The support's lower end (0 for positive families, −∞ on the whole line). */
  lower: number;
}

/** The mixture of a fit or a model, for the pictures. */
export function drawnMixture(spec: FamilySpec, theta: MixtureParams): Drawn {
  const k = theta.weight.length;
  const name = familyName(spec);
  if (name === 'gaussian') {
    const { weight, mean, variance } = theta as GaussianMixture;
    return {
      k,
      // π_k N(x; μ_k, σ²_k) = π_k exp(−(x − μ_k)²/(2σ²_k)) / √(2πσ²_k).
      weighted: (j, x) => (weight[j] * Math.exp((-0.5 * (x - mean[j]) ** 2) / variance[j])) / Math.sqrt(2 * Math.PI * variance[j]),
      centre: mean,
      spread: variance.map(Math.sqrt),
      lower: -Infinity,
    };
  }
  const description = describe(spec);
  const centre = new Float64Array(k);
  const spread = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    const { mean, variance } = description.moments(theta, j);
    const parameters = description.parameters(theta, j);
    centre[j] = Number.isFinite(mean) ? mean : parameters.location;
    spread[j] = Number.isFinite(variance) ? Math.sqrt(variance) : parameters.scale;
  }
  const counts = description.kind === 'probability';
  return {
    k,
    weighted: (j, x) => theta.weight[j] * Math.exp(description.logDensity(counts ? Math.round(x) : x, theta, j)),
    centre,
    spread,
    lower: name === 't' ? -Infinity : 0,
  };
}

/**
 * Width of the single bin of a constant column, which has no spread to choose one from:
 * √(2π)·σ with σ the narrowest component's sd makes the bar, of height 1/width, as tall as
 * that component's peak 1/(√(2π)·σ), so that bar and curve agree.
 */
export const singleBinWidth = (m: Drawn): number => Math.sqrt(2 * Math.PI) * m.spread.reduce((a, v) => Math.min(a, v), Infinity);

/** π_k f_k(x). */
export const componentDensity = (m: Drawn, k: number, x: number): number => m.weighted(k, x);

/** The mixture density p(x | θ) = Σ_k π_k f_k(x). */
export function mixtureDensity(m: Drawn, x: number): number {
  let sum = 0;
  for (let k = 0; k < m.k; k++) sum += m.weighted(k, x);
  return sum;
}

/** How far beyond the histogram the curves are drawn: a component's mean ± SDS·σ_k... */
const SDS = 3;
/** ... but at most this share of the histogram's span on each side. */
const MAX_EXTEND = 0.25;

/**
 * The x interval of a picture: the histogram's, widened to μ_k ± 3σ_k so that the tails of
 * the components show, but by at most a quarter of the histogram's span on each side, so that
 * a broad component of small weight does not squeeze the bars, and not below the support.
 */
export function plotRange(hist: Histogram, m: Drawn): { lo: number; hi: number } {
  const lo = hist.start;
  const hi = hist.start + hist.width * hist.counts.length;
  const reach = MAX_EXTEND * (hi - lo);
  let left = lo;
  let right = hi;
  for (let k = 0; k < m.k; k++) {
    left = Math.min(left, m.centre[k] - SDS * m.spread[k]);
    right = Math.max(right, m.centre[k] + SDS * m.spread[k]);
  }
  return { lo: Math.max(left, lo - reach, Math.min(lo, m.lower)), hi: Math.min(right, hi + reach) };
}

/**
 * `points` evenly spaced values from lo to hi, with the component centres inside the interval
 * added, in increasing order: the centres are the peaks, which a grid coarser than a narrow
 * component would cut off.
 */
export function curveGrid(m: Drawn, lo: number, hi: number, points: number): Float64Array {
  const grid = Array.from({ length: points }, (_, j) => (points === 1 ? lo : lo + ((hi - lo) * j) / (points - 1)));
  for (const c of m.centre) if (c > lo && c < hi) grid.push(c);
  return Float64Array.from(grid).sort();
}
