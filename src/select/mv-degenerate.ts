/**
 * Degenerate components of a d-dimensional Gaussian mixture: the spikes that make its
 * likelihood unbounded, in d dimensions (see degenerate.ts for one).
 *
 * A component Σ_k needs d + 1 points in general position to be estimated at all: on fewer, or
 * on points that lie on a lower-dimensional set (a line in the plane, a plane in space), its
 * scatter is singular, Σ_k is held only by the variance floor and its density on those points
 * grows without bound as the floor shrinks. So a component is degenerate when
 * - its weight is under d + 1 observations' worth ('weight'), or its rows count for fewer than
 *   d + 1 distinct rows: the effective number (Σ_i r_ik)² / Σ_i r_ik² over the distinct rows
 *   ('weight', with that number);
 * - its variance along some direction is within the rounding noise of the data ('narrow'):
 *   the smallest eigenvalue of F^{-1/2} Σ_k F^{-1/2} (F = diag(f_j), f_j = δ_j²/12 the column's
 *   floor) under 12/(2π), which in one column is the one-dimensional rule sd < δ/√(2π);
 *   the value reported is that direction's sd on the scale of the finest column.
 */
import { type Data, rowCount } from '../models/family.js';
import { eigenWorkLength, symmetricEigen } from '../models/mvgaussian/linalg.js';
import type { MvGaussianMixture } from '../models/mvgaussian/family.js';
import { makeFamily, type FamilySpec } from '../models/registry.js';
import type { Degeneracy } from './degenerate.js';

/** Var/f along the narrowest whitened direction below which a component is 'narrow': 12/(2π). */
const NARROW = 12 / (2 * Math.PI);

const BLOCK = 4096;

/**
 * The degenerate components of θ (see the module comment) on the rows of `data` (the data,
 * or a sample), with `perWeight` observations per unit of weight and Σw = totalWeight.
 */
export function mvDegeneracies(spec: Extract<FamilySpec, { family: 'mvgaussian' }>, theta: MvGaussianMixture, data: Data, totalWeight: number, perWeight: number): Degeneracy[] {
  const { d, k: K } = spec;
  const family = makeFamily(spec);
  const n = rowCount(data);
  // Repeated rows count once: by their distinct values and total weight.
  const distinct = new Map<string, { row: number; weight: number }>();
  for (let i = 0; i < n; i++) {
    const wi = data.w === null ? 1 : data.w[i];
    if (!(wi > 0)) continue;
    const key = data.x.subarray(i * d, (i + 1) * d).join(',');
    const seen = distinct.get(key);
    if (seen === undefined) distinct.set(key, { row: i, weight: wi });
    else seen.weight += wi;
  }
  const rows = [...distinct.values()];
  const m = rows.length;
  const x = new Float64Array(m * d);
  rows.forEach((r, v) => x.set(data.x.subarray(r.row * d, (r.row + 1) * d), v * d));
  const sums = new Float64Array(K);
  const squares = new Float64Array(K);
  // Blocks of at most BLOCK rows, no larger than the data (a search checks many fits of few rows).
  const block = Math.min(BLOCK, m);
  const r = new Float64Array(block * K);
  const logDensity = new Float64Array(block);
  for (let start = 0; start < m; start += block) {
    const end = Math.min(m, start + block);
    family.posterior(x, theta, start, end, r, logDensity);
    for (let v = start; v < end; v++) {
      for (let k = 0; k < K; k++) {
        const nkv = rows[v].weight * r[(v - start) * K + k];
        sums[k] += nkv;
        squares[k] += nkv * nkv;
      }
    }
  }
  const found: Degeneracy[] = [];
  const scale = spec.floor.map((f) => 1 / Math.sqrt(f));
  const whitened = new Float64Array(d * d);
  const values = new Float64Array(d);
  const vectors = new Float64Array(d * d);
  const work = new Float64Array(eigenWorkLength(d));
  for (let k = 0; k < K; k++) {
    const worth = theta.weight[k] * totalWeight * perWeight;
    if (worth < d + 1) {
      found.push({ component: k, kind: 'weight', value: worth });
      continue;
    }
    const effective = squares[k] > 0 ? (sums[k] * sums[k]) / squares[k] : 0;
    if (effective < d + 1) {
      found.push({ component: k, kind: 'few-rows', value: effective });
      continue;
    }
    for (let p = 0; p < d; p++) for (let q = 0; q < d; q++) whitened[p * d + q] = theta.covariance[k * d * d + p * d + q] * scale[p] * scale[q];
    symmetricEigen(d, whitened, values, vectors, work);
    const smallest = Math.min(...values);
    // Reported on the scale of the finest column, whose δ the notes quote.
    if (smallest < NARROW) found.push({ component: k, kind: 'narrow', value: Math.sqrt(smallest * Math.min(...spec.floor)) });
  }
  return found;
}
