/**
 * Degenerate components: parts of a fitted mixture that describe no region of the data.
 *
 * The Gaussian mixture likelihood is unbounded: a component on one value, or on a few tied
 * or nearly equal values, gains without limit as its variance shrinks, so a higher likelihood
 * (and a lower BIC) can come from a component that is not a genuine part of the mixture.
 * A component is degenerate when it
 *
 * - rests on fewer than MIN_OBSERVATIONS observations' worth of weight, N_k = Σ_i w_i r_ik;
 * - sits on a single recorded value: its weight spread over the distinct values v,
 *   N_kv = Σ_{i: x_i = v} w_i r_ik, has an effective number of values
 *   (Σ_v N_kv)² / Σ_v N_kv² below MIN_VALUES (1 when it all sits on one value, 2 when it is
 *   split evenly between two; the inverse Simpson index of its weights). Fitted to heaped
 *   data (a grouped fit with a heap grid Δ, see models/gaussian-grouped.ts), a value g on the
 *   heap grid stands, with the component's probability of having been heaped there, for the
 *   interval g ± Δ/2 rather than for g: that share of N_kg is counted on the values of
 *   resolution δ in g ± Δ/2, in proportion to the component's probability of each (the
 *   E-step's distribution of the value it stands for). A genuine component whose values pile
 *   up on a heap point is spread over many values that way; a spike on the point is not;
 * - is narrower than the recording resolution δ allows: its peak density 1/(√(2π) σ_k)
 *   exceeds 1/δ, the most a recorded value can honestly carry (all of a component's
 *   probability on one value of width δ), so that ties alone raise its likelihood;
 *   σ_k < δ/√(2π) ≈ 0.4δ. (At the floor δ²/12 the peak density is 1.38/δ.)
 * - rests on fewer than FEW_POINTS observations and is narrower, in the same sense, than the
 *   typical gap g between neighbouring distinct values (their median): a tight cluster of a
 *   few points, of which continuous data hold many by chance (two values 10⁻⁴ apart in 50
 *   draws from one normal distribution), not a feature the sample can resolve. A narrow
 *   component on many points (a genuine cluster) passes.
 *
 * The search rejects starts that end this way and keeps the best proper one (mclust stops
 * such a run with a singular covariance); a fit from a partition or a model is reported with
 * a warning instead.
 */
import type { Data, MixtureParams } from '../models/family.js';
import type { GaussianMixture } from '../models/gaussian.js';
import type { Coarsening, GroupedMixture } from '../models/gaussian-grouped.js';
import { onGrid } from '../models/heaping.js';
import { logInterval } from '../models/normal.js';
import { type Description, describe, type FamilySpec, makeFamily } from '../models/registry.js';
import { short } from '../text.js';

/**
 * Observations' worth of weight a component needs: a pair of observations (N_k a little
 * under 2, as the responsibilities of its two rows are a little under 1) is a component, one
 * observation with shares of its neighbours is not.
 */
export const MIN_OBSERVATIONS = 1.5;
/** Effective number of distinct values a component needs. */
export const MIN_VALUES = 2;

const SQRT_2PI = Math.sqrt(2 * Math.PI);

/** 'few-rows': several columns, a component on fewer distinct rows than d + 1 (see mv-degenerate.ts). */
export type DegeneracyKind = 'weight' | 'single-value' | 'narrow' | 'tight' | 'few-rows';

export interface Degeneracy {
  /** The component, in component order. */
  component: number;
  kind: DegeneracyKind;
  /** Observations' worth (weight), the effective number of values (single-value) or of distinct rows (few-rows), or σ_k (narrow, tight). */
  value: number;
  /** single-value: the value holding most of its weight. */
  at?: number;
  /** tight: the median gap between neighbouring distinct values. */
  spacing?: number;
}

/** Observations a component needs to be narrower than the gaps between the values (see the header). */
export const FEW_POINTS = 5;

const spacings = new WeakMap<Float64Array, number>();

/** The median gap between neighbouring distinct values of `compact` (sorted, see compress); computed once per array. */
export function spacing(compact: Data): number {
  const x = compact.x;
  let g = spacings.get(x);
  if (g === undefined) {
    const gaps = new Float64Array(Math.max(0, x.length - 1));
    for (let i = 1; i < x.length; i++) gaps[i - 1] = x[i] - x[i - 1];
    gaps.sort();
    g = gaps.length === 0 ? 0 : gaps[gaps.length >> 1];
    spacings.set(x, g);
  }
  return g;
}

/**
 * The data as distinct values with their total weights (rows of weight 0 dropped), sorted:
 * the same likelihood (frequency weights), and a pass costs one row per distinct value.
 * Without ties or weights, the weights are all 1 and left out (null).
 */
export function compress(data: Data): Data {
  const { x, w } = data;
  if (w === null) {
    // Without weights, the values alone sorted (natively, several times faster than by index).
    const sorted = Float64Array.from(x).sort();
    let distinct = sorted.length > 0 ? 1 : 0;
    for (let i = 1; i < sorted.length; i++) if (sorted[i] !== sorted[i - 1]) distinct++;
    if (distinct === sorted.length) return { x: sorted, w: null };
    const values = new Float64Array(distinct);
    const weights = new Float64Array(distinct);
    let at = -1;
    for (let i = 0; i < sorted.length; i++) {
      if (at < 0 || sorted[i] !== values[at]) values[++at] = sorted[i];
      weights[at]++;
    }
    return { x: values, w: weights };
  }
  const order = Uint32Array.from(x.keys());
  order.sort((a, b) => x[a] - x[b] || a - b);
  const values: number[] = [];
  const weights: number[] = [];
  for (const i of order) {
    const wi = w[i];
    if (!(wi > 0)) continue;
    if (values.length > 0 && values[values.length - 1] === x[i]) weights[weights.length - 1] += wi;
    else {
      values.push(x[i]);
      weights.push(wi);
    }
  }
  return { x: Float64Array.from(values), w: Float64Array.from(weights) };
}

/** Rows of the sample the degeneracy check of a large data set looks at (see sampleRows). */
const CHECK_ROWS = 100_000;

/**
 * At most CHECK_ROWS evenly spaced rows of the data: enough to tell whether a component
 * sits on one value, without sorting millions of rows for it.
 */
export function sampleRows(data: Data, rows = CHECK_ROWS): Data {
  const n = data.x.length;
  if (n <= rows) return data;
  const stride = Math.ceil(n / rows);
  const m = Math.ceil(n / stride);
  const x = new Float64Array(m);
  const w = data.w === null ? null : new Float64Array(m);
  for (let j = 0; j < m; j++) {
    x[j] = data.x[j * stride];
    if (w !== null && data.w !== null) w[j] = data.w[j * stride];
  }
  return { x, w };
}

/**
 * How many observations a unit of weight stands for: 1 for unit or frequency weights
 * (Σw ≥ n), n/Σw for fractional weights that sum to less than the row count.
 */
export const observationsPerWeight = (rows: number, totalWeight: number): number => Math.max(1, rows / totalWeight);

/** "1 observation's worth", "2.5 observations' worth". */
export const worth = (observations: number): string => {
  const text = short(observations, 3);
  return text === '1' ? "1 observation's worth" : `${text} observations' worth`;
};

const BLOCK = 4096;

/**
 * The degenerate components of θ: their weight N_k = π_k Σw (in observations' worth, with
 * `perWeight` observations per unit of weight), their spread over the distinct values of
 * `compact` (see compress: the data, or a sample of them) and their width (sd) against δ.
 * A family whose likelihood is a probability (counts) is bounded: only the weight counts.
 * `spec` is the density's (see registry.ts densitySpec); `coarsening`, a grouped fit's, whose
 * θ then carries the heap share p: with a heap grid, the heaped share of a value on it is
 * counted over the values it stands for (see the header).
 */
export function degeneracies(spec: FamilySpec, theta: MixtureParams, compact: Data, totalWeight: number, perWeight: number, resolution: number, coarsening: Coarsening | null = null): Degeneracy[] {
  const K = theta.weight.length;
  const family = makeFamily(spec);
  const description = describe(spec);
  const bounded = description.kind === 'probability';
  const n = new Float64Array(K);
  const squares = new Float64Array(K);
  const top = new Float64Array(K);
  const at = new Float64Array(K);
  const m = compact.x.length;
  const cells = !bounded && coarsening !== null && coarsening.grid !== null ? new HeapCells(coarsening, theta as GroupedMixture) : null;
  if (!bounded) {
    // Blocks of at most BLOCK values, no larger than the data (a search checks many fits of few values).
    const block = Math.min(BLOCK, m);
    const r = new Float64Array(block * K);
    const logDensity = new Float64Array(block);
    for (let start = 0; start < m; start += block) {
      const end = Math.min(m, start + block);
      family.posterior(compact.x, theta, start, end, r, logDensity);
      for (let v = start; v < end; v++) {
        const wv = compact.w === null ? 1 : compact.w[v];
        for (let k = 0; k < K; k++) {
          const nkv = wv * r[(v - start) * K + k];
          n[k] += nkv;
          if (cells !== null) cells.add(k, compact.x[v], nkv);
          else squares[k] += nkv * nkv;
          if (nkv > top[k]) {
            top[k] = nkv;
            at[k] = compact.x[v];
          }
        }
      }
    }
  }
  if (cells !== null) for (let k = 0; k < K; k++) squares[k] = cells.squares(k);
  const found: Degeneracy[] = [];
  // The median gap (a sort of the values' gaps) only for a component of fewer than FEW_POINTS observations.
  let gap = -1;
  for (let k = 0; k < K; k++) {
    const worth = theta.weight[k] * totalWeight * perWeight;
    if (worth < MIN_OBSERVATIONS) {
      found.push({ component: k, kind: 'weight', value: worth });
      continue;
    }
    if (bounded) continue;
    const sd = spread(description, theta, k);
    if ((n[k] * n[k]) / squares[k] < MIN_VALUES) found.push({ component: k, kind: 'single-value', value: (n[k] * n[k]) / squares[k], at: at[k] });
    else if (sd < resolution / SQRT_2PI) found.push({ component: k, kind: 'narrow', value: sd });
    else if (worth < FEW_POINTS) {
      if (gap < 0) gap = spacing(compact);
      if (sd < gap / SQRT_2PI) found.push({ component: k, kind: 'tight', value: sd, spacing: gap });
    }
  }
  return found;
}

/**
 * A component's width in the units of x: its standard deviation, or where that is infinite
 * (a t with ν ≤ 2) its scale parameter.
 */
function spread(description: Description, theta: MixtureParams, k: number): number {
  const { variance } = description.moments(theta, k);
  if (Number.isFinite(variance)) return Math.sqrt(variance);
  return description.parameters(theta, k).scale ?? Infinity;
}

/**
 * The weights N_kv of each component on the values of resolution δ, with the heaped share of
 * a value on the heap grid spread over the values it stands for (see the header).
 */
class HeapCells {
  private readonly byComponent: Map<number, number>[] = [];
  private readonly step: number;
  private readonly grid: number;
  /** Values of resolution δ on each side of a heap point that g ± Δ/2 reaches. */
  private readonly reach: number;

  constructor(
    coarsening: Coarsening,
    private readonly theta: GroupedMixture,
  ) {
    this.step = coarsening.step;
    this.grid = coarsening.grid as number;
    this.reach = Math.ceil(this.grid / (2 * this.step) - 1e-9);
    for (let k = 0; k < theta.weight.length; k++) this.byComponent.push(new Map());
  }

  private put(k: number, index: number, weight: number): void {
    const cells = this.byComponent[k];
    cells.set(index, (cells.get(index) ?? 0) + weight);
  }

  /** Adds N_kv, the weight of component k on the recorded value v. */
  add(k: number, v: number, nkv: number): void {
    const { step, grid, theta } = this;
    const index = Math.round(v / step);
    const p = theta.heap[0];
    if (!(nkv > 0) || !(p > 0) || !onGrid(v, grid, step)) {
      this.put(k, index, nkv);
      return;
    }
    const mu = (theta as GaussianMixture).mean[k];
    const sd = Math.sqrt((theta as GaussianMixture).variance[k]);
    const logP = (lo: number, hi: number): number => logInterval((lo - mu) / sd, (hi - mu) / sd);
    const logCoarse = logP(v - grid / 2, v + grid / 2);
    const logHeap = Math.log(p) + logCoarse;
    const logFine = Math.log1p(-p) + logP(v - step / 2, v + step / 2);
    // Recorded on the heap grid, given the component: p P(g ± Δ/2) / (p P(g ± Δ/2) + (1 − p) P(g ± δ/2)).
    const share = logHeap === -Infinity ? 0 : 1 / (1 + Math.exp(logFine - logHeap));
    this.put(k, index, nkv * (1 - share));
    const heaped = nkv * share;
    if (!(heaped > 0)) return;
    // Over the values of resolution δ in g ± Δ/2, in proportion to the component's probability of each.
    for (let j = -this.reach; j <= this.reach; j++) {
      const lo = Math.max(v - grid / 2, v + (j - 0.5) * step);
      const hi = Math.min(v + grid / 2, v + (j + 0.5) * step);
      if (hi > lo) this.put(k, index + j, heaped * Math.exp(logP(lo, hi) - logCoarse));
    }
  }

  /** Σ_v N_kv² over the values of resolution δ. */
  squares(k: number): number {
    let s = 0;
    for (const nkv of this.byComponent[k].values()) s += nkv * nkv;
    return s;
  }
}
