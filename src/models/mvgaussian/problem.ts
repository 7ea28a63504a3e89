/**
 * What every covariance M-step solves, in the form the model solvers receive it.
 *
 *   maximise  Q(Σ_1 … Σ_K) = Σ_k [−½ N_k log|Σ_k| − ½ tr(Σ_k⁻¹ W_k)]
 *
 * under the model's constraint on the Σ_k and the variance floor, where N_k = Σ_i w_i r_ik and
 * W_k = Σ_i w_i r_ik (x_i − μ_k)(x_i − μ_k)ᵀ about the new means. Q is the part of the
 * expected complete-data log-likelihood that depends on the covariances (the rest is
 * −½ n d log 2π and the mixing weights), so an M-step that does not decrease Q does not
 * decrease the EM log-likelihood.
 *
 * Solvers see only components with N_k > 0 (covariance.ts removes the others and restores
 * them afterwards) and write every Σ_k in full (both triangles).
 */
export interface Problem {
  /** Dimension d. */
  readonly d: number;
  /** Number of components K, every one with N_k > 0. */
  readonly k: number;
  /** N_k, shape (K,). */
  readonly weight: Float64Array;
  /** W_k, shape (K, d, d), row-major. */
  readonly scatter: Float64Array;
  /** n = Σ_k N_k. */
  readonly total: number;
  /** The floor f_j > 0 on each column's variance, shape (d,), or null for none. */
  readonly floor: Float64Array | null;
  /** The covariances Σ_k before this M-step, shape (K, d, d), or null: where iterations start. */
  readonly previous: Float64Array | null;
  /** Inner iterations stop when no parameter moves by more than this, relatively. */
  readonly tolerance: number;
  /** Inner iterations stop after this many, unconverged. */
  readonly maxIterations: number;
  /** Output: Σ_k, shape (K, d, d). */
  readonly sigma: Float64Array;
  /** Output: 1 where the floor binds on component k, shape (K,). */
  readonly floored: Uint8Array;
}

/** What a solver reports: inner iterations (0 for a closed form) and whether they converged. */
export interface Solution {
  iterations: number;
  converged: boolean;
}

export const CLOSED_FORM: Solution = { iterations: 0, converged: true };

/** Σ_k = diag(values_k) for every k, from `values` of shape (K, d) (or (d,) when `shared`). */
export function setDiagonal(p: Problem, values: Float64Array, shared: boolean): void {
  const { d, k, sigma } = p;
  sigma.fill(0, 0, k * d * d);
  for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) sigma[c * d * d + j * d + j] = values[(shared ? 0 : c * d) + j];
}

/** The diagonal of every W_k, shape (K, d). */
export function scatterDiagonal(p: Problem): Float64Array {
  const { d, k, scatter } = p;
  const out = new Float64Array(k * d);
  for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) out[c * d + j] = scatter[c * d * d + j * d + j];
  return out;
}

/** W = Σ_k W_k, shape (d, d). */
export function pooledScatter(p: Problem): Float64Array {
  const { d, k, scatter } = p;
  const out = new Float64Array(d * d);
  for (let c = 0; c < k; c++) for (let e = 0; e < d * d; e++) out[e] += scatter[c * d * d + e];
  return out;
}

/** The component with the largest N_k: its Σ fills in for components with none. */
export function heaviest(weight: Float64Array, k: number): number {
  let top = 0;
  for (let c = 1; c < k; c++) if (weight[c] > weight[top]) top = c;
  return top;
}

/** Largest relative change between two positive vectors, max_i |a_i − b_i| / |b_i|. */
export function relativeChange(a: Float64Array, b: Float64Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const change = Math.abs(a[i] - b[i]) / Math.abs(b[i]);
    if (!(change <= worst)) worst = Number.isNaN(change) ? Infinity : change;
  }
  return worst;
}

/** Floors bind to rounding: σ ≤ f (1 + FLOOR_SLACK) counts as at the floor. */
export const FLOOR_SLACK = 1e-12;
