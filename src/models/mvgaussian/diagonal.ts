/**
 * M-steps of the spherical and diagonal models (orientation I: Σ_k = λ_k A_k, diagonal), after
 * Celeux and Govaert (1995), §3 and Table 1. With w_kj = (W_k)_jj, W = Σ_k W_k and n = Σ_k N_k:
 *
 *   EII  Σ_k = λ I        λ = tr W / (n d)                                    closed form
 *   VII  Σ_k = λ_k I      λ_k = tr W_k / (N_k d)                              closed form
 *   EEI  Σ_k = Δ          δ_j = W_jj / n                                      closed form
 *   VVI  Σ_k = Δ_k        δ_kj = w_kj / N_k                                   closed form
 *   EVI  Σ_k = λ B_k      equal volumes: bounds.ts, equalVolume                closed form
 *   VEI  Σ_k = λ_k B      alternate λ_k = Σ_j w_kj/b_j / (d N_k) and
 *                         b_j = Σ_k (w_kj/λ_k) / n                            iterative
 *
 * The floor F = diag(f) holds every diagonal Σ_k ≽ F, i.e. (Σ_k)_jj ≥ f_j, and a spherical
 * λ I ≽ F, i.e. λ ≥ max_j f_j. Each closed form above is then the exact constrained maximum:
 * the objective separates into one convex problem per variance (in log σ), whose maximum under
 * σ ≥ f is max(unconstrained, f); EVI's bounded problem is solved exactly in equalVolume.
 */
import { equalVolume } from './bounds.js';
import { CLOSED_FORM, FLOOR_SLACK, type Problem, type Solution, pooledScatter, relativeChange, scatterDiagonal, setDiagonal } from './problem.js';

const largest = (f: Float64Array): number => f.reduce((a, b) => Math.max(a, b), 0);

function spherical(p: Problem, variance: (c: number) => number): Solution {
  const { d, k, floor, floored } = p;
  const values = new Float64Array(k * d);
  const top = floor === null ? 0 : largest(floor);
  for (let c = 0; c < k; c++) {
    const v = variance(c);
    const held = v < top;
    values.fill(held ? top : v, c * d, (c + 1) * d);
    floored[c] = held ? 1 : 0;
  }
  setDiagonal(p, values, false);
  return CLOSED_FORM;
}

const traceOf = (p: Problem, c: number): number => {
  let t = 0;
  for (let j = 0; j < p.d; j++) t += p.scatter[c * p.d * p.d + j * p.d + j];
  return t;
};

export function eii(p: Problem): Solution {
  let t = 0;
  for (let c = 0; c < p.k; c++) t += traceOf(p, c);
  const lambda = t / (p.total * p.d);
  return spherical(p, () => lambda);
}

export function vii(p: Problem): Solution {
  return spherical(p, (c) => traceOf(p, c) / (p.weight[c] * p.d));
}

export function eei(p: Problem): Solution {
  const { d, k, total, floor, floored } = p;
  const w = pooledScatter(p);
  const values = new Float64Array(d);
  let held = false;
  for (let j = 0; j < d; j++) {
    values[j] = w[j * d + j] / total;
    if (floor !== null && values[j] < floor[j]) {
      values[j] = floor[j];
      held = true;
    }
  }
  floored.fill(held ? 1 : 0, 0, k);
  setDiagonal(p, values, true);
  return CLOSED_FORM;
}

export function vvi(p: Problem): Solution {
  const { d, k, weight, floor, floored } = p;
  const values = scatterDiagonal(p);
  for (let c = 0; c < k; c++) {
    floored[c] = 0;
    for (let j = 0; j < d; j++) {
      values[c * d + j] /= weight[c];
      if (floor !== null && values[c * d + j] < floor[j]) {
        values[c * d + j] = floor[j];
        floored[c] = 1;
      }
    }
  }
  setDiagonal(p, values, false);
  return CLOSED_FORM;
}

export function evi(p: Problem): Solution {
  const { d, k, weight, floor, floored } = p;
  const values = new Float64Array(k * d);
  const lower = floor === null ? null : repeatRows(floor, k);
  equalVolume(k, d, weight, scatterDiagonal(p), lower, values, floored);
  setDiagonal(p, values, false);
  return CLOSED_FORM;
}

/**
 * VEI, Σ_k = λ_k B with B diagonal: block coordinate ascent, each block in closed form,
 *   λ_k = max( Σ_j (w_kj / b_j) / (d N_k),  max_j f_j / b_j )
 *   b_j = max( Σ_k (w_kj / λ_k) / n,        max_k f_j / λ_k )
 * (B is left unnormalised; the scale moves freely between λ and B and only λ_k b_j is
 * reported). Without a floor Q is strictly concave in (log λ_k, log b_j) modulo that scale, so
 * the iteration converges to the maximum from any start (Celeux and Govaert 1995 give the same
 * iteration). With a binding floor each step is still the exact maximiser of its block, so Q
 * never decreases, but the joint maximum under the floor is not guaranteed. The iteration starts
 * from the previous Σ_k when given (so Q ends at or above Q there), else from the VII volumes.
 */
export function vei(p: Problem): Solution {
  const { d, k, weight, total, floor, previous, tolerance, maxIterations, floored } = p;
  const w = scatterDiagonal(p);
  const lambda = new Float64Array(k);
  const b = new Float64Array(d);
  const sigma = new Float64Array(k * d);
  const before = new Float64Array(k * d);
  if (previous !== null) {
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += Math.log(previous[c * d * d + j * d + j]);
      lambda[c] = Math.exp(s / d);
    }
  } else {
    for (let c = 0; c < k; c++) lambda[c] = traceOf(p, c) / (weight[c] * d);
  }
  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations && !converged) {
    iterations++;
    let smallest = Infinity;
    for (let c = 0; c < k; c++) smallest = Math.min(smallest, lambda[c]);
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let c = 0; c < k; c++) s += w[c * d + j] / lambda[c];
      b[j] = s / total;
      if (floor !== null) b[j] = Math.max(b[j], floor[j] / smallest);
    }
    for (let c = 0; c < k; c++) {
      let s = 0;
      let low = 0;
      for (let j = 0; j < d; j++) {
        s += w[c * d + j] / b[j];
        if (floor !== null) low = Math.max(low, floor[j] / b[j]);
      }
      lambda[c] = Math.max(s / (d * weight[c]), low);
      for (let j = 0; j < d; j++) sigma[c * d + j] = lambda[c] * b[j];
    }
    converged = iterations > 1 && relativeChange(sigma, before) <= tolerance;
    before.set(sigma);
  }
  for (let c = 0; c < k; c++) {
    floored[c] = 0;
    if (floor !== null) for (let j = 0; j < d; j++) if (sigma[c * d + j] <= floor[j] * (1 + FLOOR_SLACK)) floored[c] = 1;
  }
  setDiagonal(p, sigma, false);
  return { iterations, converged };
}

/** `row` repeated `times` times. */
function repeatRows(row: Float64Array, times: number): Float64Array {
  const out = new Float64Array(row.length * times);
  for (let c = 0; c < times; c++) out.set(row, c * row.length);
  return out;
}
