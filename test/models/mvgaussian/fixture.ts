/**
 * The mclust reference values (mclust-reference.json, written by mclust-reference.R, which
 * says how to regenerate it) and the statistics of its starts, for the tests of the covariance
 * M-steps.
 */
import { readFileSync } from 'node:fs';
import type { ScatterStatistics } from '../../../src/models/mvgaussian/covariance.js';
import type { CovarianceModel } from '../../../src/models/mvgaussian/models.js';
import { naiveCholesky, naiveMvStatistics } from '../../helpers/naive-mv-em.js';

export interface McResult {
  sigma: number[];
  mean: number[];
  pro: number[];
  loglik: number;
}

export interface McModel {
  model: CovarianceModel;
  nVarParams: number;
  /** mclust's mstep(modelName, data, z): its Q computed in R, and ℓ at its parameters (estep). */
  mstep: McResult & { objective: number; innerIterations: number };
  /** mclust's me(modelName, data, z) at tolerance 1e-13. */
  me: McResult & { iterations: number; returnCode: number };
}

export interface McCase {
  name: string;
  data: 'iris' | 'faithful';
  G: number;
  /** z, n rows of G. */
  z: number[];
  models: Record<CovarianceModel, McModel>;
}

interface McReference {
  source: string;
  data: Record<'iris' | 'faithful', { columns: string[]; n: number; x: number[] }>;
  cases: McCase[];
}

export const mclust = JSON.parse(readFileSync(new URL('./mclust-reference.json', import.meta.url), 'utf8')) as McReference;

/** A data set's rows. */
export function rows(name: 'iris' | 'faithful'): number[][] {
  const { columns, n, x } = mclust.data[name];
  const d = columns.length;
  return Array.from({ length: n }, (_, i) => x.slice(i * d, (i + 1) * d));
}

/** z as n rows of G. */
export function responsibilities(c: McCase): number[][] {
  return Array.from({ length: c.z.length / c.G }, (_, i) => c.z.slice(i * c.G, (i + 1) * c.G));
}

/** The M-step's input from rows and responsibilities, by the plain two-pass helper. */
export function scatterOf(x: number[][], tau: number[][], w?: number[]): ScatterStatistics & { mean: number[][] } {
  const s = naiveMvStatistics(x, tau, w);
  const d = x[0].length;
  const k = tau[0].length;
  return {
    d,
    k,
    weight: Float64Array.from(s.n),
    scatter: Float64Array.from(s.scatter.flatMap((m) => m.flat())),
    mean: s.mean,
  };
}

/** Σ_k as K matrices of d rows, from the flat (K, d, d) layout. */
export function matrices(sigma: ArrayLike<number>, d: number, k: number): number[][][] {
  return Array.from({ length: k }, (_, c) => Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => sigma[c * d * d + i * d + j])));
}

/** max over k of max_ij |a_k,ij − b_k,ij| / max_ij |b_k,ij|: the error of each Σ_k relative to its size. */
export function matrixError(a: ArrayLike<number>, b: ArrayLike<number>, d: number, k: number): number {
  let worst = 0;
  for (let c = 0; c < k; c++) {
    let scale = 0;
    let err = 0;
    for (let e = c * d * d; e < (c + 1) * d * d; e++) {
      scale = Math.max(scale, Math.abs(b[e]));
      err = Math.max(err, Math.abs(a[e] - b[e]));
    }
    worst = Math.max(worst, err / scale);
  }
  return worst;
}

/** Q = Σ_k [−½ N_k log|Σ_k| − ½ tr(Σ_k⁻¹ W_k)], by the plain helper's Cholesky and column solves. */
export function naiveObjective(stats: ScatterStatistics, sigma: ArrayLike<number>): number {
  const { d, k } = stats;
  const s = matrices(sigma, d, k);
  const w = matrices(stats.scatter, d, k);
  let q = 0;
  for (let c = 0; c < k; c++) {
    if (!(stats.weight[c] > 0)) continue;
    const l = naiveCholesky(s[c]);
    let logDet = 0;
    for (let i = 0; i < d; i++) logDet += 2 * Math.log(l[i][i]);
    let trace = 0;
    for (let col = 0; col < d; col++) {
      // Σ⁻¹ w_col by L y = w_col, Lᵀ z = y; the trace takes z_col.
      const y: number[] = [];
      for (let i = 0; i < d; i++) {
        let t = w[c][i][col];
        for (let m = 0; m < i; m++) t -= l[i][m] * y[m];
        y.push(t / l[i][i]);
      }
      const z = new Array<number>(d).fill(0);
      for (let i = d - 1; i >= 0; i--) {
        let t = y[i];
        for (let m = i + 1; m < d; m++) t -= l[m][i] * z[m];
        z[i] = t / l[i][i];
      }
      trace += z[col];
    }
    q -= 0.5 * (stats.weight[c] * logDet + trace);
  }
  return q;
}

/** A B for d × d matrices as rows. */
const times = (a: number[][], b: number[][]): number[][] => a.map((row) => b[0].map((_, j) => row.reduce((s, v, m) => s + v * b[m][j], 0)));

/** |Σ|^{1/d} through the plain Cholesky factor. */
export function volume(s: number[][]): number {
  const l = naiveCholesky(s);
  return Math.exp((2 * l.reduce((t, row, i) => t + Math.log(row[i]), 0)) / s.length);
}

/**
 * How far the Σ_k are from the constraint of `model` (0 when they satisfy it exactly), each test
 * relative to the size of the matrices: equal volumes |Σ_k|^{1/d}; for the shape, equal spectra
 * of Σ_k/λ_k, compared through tr((Σ_k/λ_k)^m), m = 1 … d (equal power sums, equal spectra);
 * for the orientation, zero off-diagonals (I) or commuting Σ_k Σ_l = Σ_l Σ_k (E, shared axes).
 */
export function constraintError(model: CovarianceModel, sigma: ArrayLike<number>, d: number, k: number): number {
  const s = matrices(sigma, d, k);
  const lambda = s.map(volume);
  const shape = s.map((m, c) => m.map((row) => row.map((v) => v / lambda[c])));
  const spread = (values: number[]): number => (Math.max(...values) - Math.min(...values)) / Math.max(...values.map(Math.abs));
  let worst = 0;
  if (model[0] === 'E') worst = Math.max(worst, spread(lambda));
  if (model[1] === 'I') {
    for (const m of shape) for (let i = 0; i < d; i++) worst = Math.max(worst, Math.abs(m[i][i] - 1));
  } else if (model[1] === 'E') {
    let power = shape.map((m) => m);
    for (let p = 1; p <= d; p++) {
      worst = Math.max(worst, spread(power.map((m) => m.reduce((t, row, i) => t + row[i], 0))));
      power = power.map((m, c) => times(m, shape[c]));
    }
    // Along the coordinates the shared shape must also sit in the same order.
    if (model[2] === 'I') for (let i = 0; i < d; i++) worst = Math.max(worst, spread(shape.map((m) => m[i][i])));
  }
  if (model[2] === 'I') {
    for (const m of s) for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) if (i !== j) worst = Math.max(worst, Math.abs(m[i][j]) / Math.sqrt(m[i][i] * m[j][j]));
  } else if (model[2] === 'E') {
    for (let a = 0; a < k; a++) {
      for (let b = 0; b < a; b++) {
        const ab = times(shape[a], shape[b]);
        const ba = times(shape[b], shape[a]);
        const size = Math.max(...ab.flat().map(Math.abs));
        for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) worst = Math.max(worst, Math.abs(ab[i][j] - ba[i][j]) / size);
      }
    }
  }
  return worst;
}
