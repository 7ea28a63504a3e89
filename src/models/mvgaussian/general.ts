/**
 * M-steps of the models with a free or per-component orientation (Celeux and Govaert 1995,
 * §3–4). With W = Σ_k W_k, n = Σ_k N_k and W_k = L_k Ω_k L_kᵀ the eigen-decomposition of the
 * k-th scatter (eigenvalues ω_kj in decreasing order):
 *
 *   EEE  Σ_k = Σ                 Σ = W / n                                       closed form
 *   VVV  Σ_k free                Σ_k = W_k / N_k                                 closed form
 *   EVV  Σ_k = λ C_k, |C_k| = 1  Σ_k = λ W_k / |W_k|^{1/d}, λ = Σ_k |W_k|^{1/d} / n   closed form
 *   EEV  Σ_k = L_k Δ L_kᵀ        δ_j = Σ_k ω_kj / n                              closed form
 *   VEE  Σ_k = λ_k C             alternate C = Σ_k (W_k/λ_k) / n and
 *                                λ_k = tr(C⁻¹ W_k) / (d N_k)                     iterative
 *   VEV  Σ_k = λ_k L_k A L_kᵀ    alternate a_j = Σ_k (ω_kj/λ_k) / n and
 *                                λ_k = Σ_j (ω_kj/a_j) / (d N_k)                  iterative
 *
 * EEV's and VEV's orientation is L_k: for any shape with decreasing entries, tr(D A⁻¹ Dᵀ W_k)
 * is smallest over orthogonal D at D = L_k (von Neumann's trace inequality pairs the largest
 * ω with the largest a), and the shape updates keep the entries decreasing.
 *
 * The floor F = diag(f). EEE, VVV, EVV and VEE are invariant under Σ ↦ F^{−1/2} Σ F^{−1/2},
 * so the floor is the Loewner bound Σ_k ≽ F, and EEE, VVV and EVV reach the exact constrained
 * maximum (bounds.ts). EEV and VEV are not invariant (whitening changes which axes are shared),
 * and Σ_k ≽ F has no usable form on a shared shape; there the floor bounds the variance along
 * each of the component's own axes by the floor's variance along it,
 *   λ_k a_j ≥ g_kj = l_kjᵀ F l_kj,
 * which is weaker than Σ_k ≽ F but keeps |Σ_k| ≥ Π_j g_kj ≥ |F| (Hadamard's inequality on
 * L_kᵀ F L_k), so the likelihood stays bounded.
 */
import { equalVolume, loewnerClip } from './bounds.js';
import { cholesky, choleskyInverse, choleskyLogDet, eigenWorkLength, spectralCompose, symmetricEigen } from './linalg.js';
import { CLOSED_FORM, FLOOR_SLACK, type Problem, type Solution, heaviest, pooledScatter, relativeChange } from './problem.js';

export function eee(p: Problem): Solution {
  const { d, k, total, floor, sigma, floored } = p;
  const s = pooledScatter(p);
  for (let e = 0; e < d * d; e++) s[e] /= total;
  const held = floor !== null && loewnerClip(d, s, floor, sigma);
  if (floor === null) sigma.set(s);
  for (let c = 1; c < k; c++) sigma.copyWithin(c * d * d, 0, d * d);
  floored.fill(held ? 1 : 0, 0, k);
  return CLOSED_FORM;
}

export function vvv(p: Problem): Solution {
  const { d, k, weight, scatter, floor, sigma, floored } = p;
  const dd = d * d;
  for (let c = 0; c < k; c++) {
    for (let e = 0; e < dd; e++) sigma[c * dd + e] = scatter[c * dd + e] / weight[c];
    floored[c] = floor !== null && loewnerClip(d, sigma, floor, sigma, c * dd, c * dd) ? 1 : 0;
  }
  return CLOSED_FORM;
}

/**
 * EVV with a floor that binds: in whitened coordinates S'_k = F^{−1/2} W_k F^{−1/2} = U_k Ω'_k U_kᵀ
 * the constraint Σ'_k ≽ I and the equal volumes bear on the eigenvalues of Σ'_k alone, so (as in
 * loewnerClip) Σ'_k = U_k diag(σ'_k) U_kᵀ with σ' from equalVolume(ω', bounds 1), exactly.
 */
export function evv(p: Problem): Solution {
  const { d, k, weight, scatter, total, floor, sigma, floored } = p;
  const dd = d * d;
  const factor = new Float64Array(dd);
  const logVolume = new Float64Array(k);
  let sum = 0;
  for (let c = 0; c < k; c++) {
    logVolume[c] = cholesky(d, scatter, factor, c * dd) ? choleskyLogDet(d, factor) / d : -Infinity;
    sum += Math.exp(logVolume[c]);
  }
  const lambda = sum / total;
  let feasible = true;
  for (let c = 0; c < k; c++) {
    const ratio = lambda / Math.exp(logVolume[c]);
    for (let e = 0; e < dd; e++) sigma[c * dd + e] = ratio * scatter[c * dd + e];
    if (floor !== null) {
      for (let i = 0; i < d; i++) for (let j = 0; j <= i; j++) factor[i * d + j] = sigma[c * dd + i * d + j] - (i === j ? floor[i] : 0);
      if (!cholesky(d, factor, factor)) feasible = false;
    }
  }
  floored.fill(0, 0, k);
  if (floor === null || feasible) return CLOSED_FORM;

  const root = Float64Array.from(floor, Math.sqrt);
  const values = new Float64Array(k * d);
  const vectors = new Float64Array(k * dd);
  const whitened = new Float64Array(dd);
  const work = new Float64Array(eigenWorkLength(d));
  const eigen = new Float64Array(d);
  for (let c = 0; c < k; c++) {
    for (let i = 0; i < d; i++) for (let j = 0; j <= i; j++) whitened[i * d + j] = scatter[c * dd + i * d + j] / (root[i] * root[j]);
    symmetricEigen(d, whitened, eigen, vectors, work, 0, c * dd);
    for (let j = 0; j < d; j++) values[c * d + j] = Math.max(eigen[j], 0);
  }
  const clipped = new Float64Array(k * d);
  equalVolume(k, d, weight, values, new Float64Array(k * d).fill(1), clipped, floored);
  for (let c = 0; c < k; c++) {
    spectralCompose(d, vectors, clipped, sigma, c * dd, c * d, c * dd);
    for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) sigma[c * dd + i * d + j] *= root[i] * root[j];
  }
  return CLOSED_FORM;
}

/** The eigen-decomposition of every W_k: ω (K, d) decreasing, L (K, d, d) by columns. */
function scatterAxes(p: Problem): { omega: Float64Array; axes: Float64Array } {
  const { d, k, scatter } = p;
  const omega = new Float64Array(k * d);
  const axes = new Float64Array(k * d * d);
  const values = new Float64Array(d);
  const work = new Float64Array(eigenWorkLength(d));
  for (let c = 0; c < k; c++) {
    symmetricEigen(d, scatter, values, axes, work, c * d * d, c * d * d);
    // A PSD scatter's zero eigenvalues may come out as −1e-17.
    for (let j = 0; j < d; j++) omega[c * d + j] = Math.max(values[j], 0);
  }
  return { omega, axes };
}

/** g_kj = l_kjᵀ F l_kj, the floor's variance along each axis of each component, shape (K, d). */
function axisFloor(d: number, k: number, axes: Float64Array, floor: Float64Array): Float64Array {
  const g = new Float64Array(k * d);
  for (let c = 0; c < k; c++) {
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let i = 0; i < d; i++) s += floor[i] * axes[c * d * d + i * d + j] ** 2;
      g[c * d + j] = s;
    }
  }
  return g;
}

/**
 * EEV: δ_j = max(Σ_k ω_kj / n, max_k g_kj). Exact without a floor; with one it is the exact
 * maximum for the axes L_k (covariance.ts keeps the previous Σ_k if they score higher).
 */
export function eev(p: Problem): Solution {
  const { d, k, total, floor, sigma, floored } = p;
  const { omega, axes } = scatterAxes(p);
  const g = floor === null ? null : axisFloor(d, k, axes, floor);
  const delta = new Float64Array(d);
  floored.fill(0, 0, k);
  for (let j = 0; j < d; j++) {
    let s = 0;
    for (let c = 0; c < k; c++) s += omega[c * d + j];
    delta[j] = s / total;
    if (g === null) continue;
    for (let c = 0; c < k; c++) delta[j] = Math.max(delta[j], g[c * d + j]);
  }
  if (g !== null) for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) if (delta[j] <= g[c * d + j] * (1 + FLOOR_SLACK)) floored[c] = 1;
  for (let c = 0; c < k; c++) spectralCompose(d, axes, delta, sigma, c * d * d, 0, c * d * d);
  return CLOSED_FORM;
}

/**
 * VEV, Σ_k = λ_k L_k A L_kᵀ: block coordinate ascent, each block in closed form,
 *   a_j = max( Σ_k (ω_kj / λ_k) / n,          max_k g_kj / λ_k )
 *   λ_k = max( Σ_j (ω_kj / a_j) / (d N_k),    max_j g_kj / a_j )
 * with A unnormalised (only λ_k a_j is reported). Without a floor Q is strictly concave in
 * (log λ_k, log a_j) modulo the scale, so this converges to the maximum (Celeux and Govaert
 * 1995 iterate the same way); with one, each step is still exact for its block. Starts from the
 * volumes |Σ_k|^{1/d} of the previous Σ_k when given, else from the VII volumes.
 */
export function vev(p: Problem): Solution {
  const { d, k, weight, scatter, total, floor, previous, tolerance, maxIterations, sigma, floored } = p;
  const dd = d * d;
  const { omega, axes } = scatterAxes(p);
  const g = floor === null ? null : axisFloor(d, k, axes, floor);
  const lambda = new Float64Array(k);
  const a = new Float64Array(d);
  const product = new Float64Array(k * d);
  const before = new Float64Array(k * d);
  const factor = new Float64Array(dd);
  for (let c = 0; c < k; c++) {
    if (previous !== null && cholesky(d, previous, factor, c * dd)) lambda[c] = Math.exp(choleskyLogDet(d, factor) / d);
    else {
      let t = 0;
      for (let j = 0; j < d; j++) t += scatter[c * dd + j * d + j];
      lambda[c] = t / (d * weight[c]);
    }
  }
  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations && !converged) {
    iterations++;
    for (let j = 0; j < d; j++) {
      let s = 0;
      let low = 0;
      for (let c = 0; c < k; c++) {
        s += omega[c * d + j] / lambda[c];
        if (g !== null) low = Math.max(low, g[c * d + j] / lambda[c]);
      }
      a[j] = Math.max(s / total, low);
    }
    for (let c = 0; c < k; c++) {
      let s = 0;
      let low = 0;
      for (let j = 0; j < d; j++) {
        s += omega[c * d + j] / a[j];
        if (g !== null) low = Math.max(low, g[c * d + j] / a[j]);
      }
      lambda[c] = Math.max(s / (d * weight[c]), low);
      for (let j = 0; j < d; j++) product[c * d + j] = lambda[c] * a[j];
    }
    converged = iterations > 1 && relativeChange(product, before) <= tolerance;
    before.set(product);
  }
  floored.fill(0, 0, k);
  for (let c = 0; c < k; c++) {
    spectralCompose(d, axes, product, sigma, c * dd, c * d, c * dd);
    if (g !== null) for (let j = 0; j < d; j++) if (product[c * d + j] <= g[c * d + j] * (1 + FLOOR_SLACK)) floored[c] = 1;
  }
  return { iterations, converged };
}

/**
 * VEE, Σ_k = λ_k C: block coordinate ascent, each block in closed form,
 *   C   = Loewner clip of Σ_k (W_k / λ_k) / n  above F / min_k λ_k      (bounds.ts)
 *   λ_k = max( tr(C⁻¹ W_k) / (d N_k),  1 / λ_min(F^{−1/2} C F^{−1/2}) )
 * with C unnormalised. The second bound is the smallest λ with λ C ≽ F. Without a floor, Q
 * profiled over the λ_k is −½ d Σ_k N_k log tr(C⁻¹ W_k) − ½ n log|C| up to a constant; along
 * any geodesic C^{1/2} e^{tH} C^{1/2} of the positive-definite cone log|C| is linear in t and
 * log tr(C⁻¹ W_k) convex (the log of a sum of exponentials), so every fixed point of the
 * iteration is the maximum, and the iteration (Celeux and Govaert 1995 give the same) climbs to
 * it. With a floor each step is still exact for its block. Starts from the previous Σ_k
 * (C = the heaviest one's Σ, λ_k = tr(C⁻¹ Σ_k)/d) when given, else from λ_k = 1, whose first C
 * is the EEE estimate.
 */
export function vee(p: Problem): Solution {
  const { d, k, weight, scatter, total, floor, previous, tolerance, maxIterations, sigma, floored } = p;
  const dd = d * d;
  const lambda = new Float64Array(k).fill(1);
  const c0 = new Float64Array(dd);
  const factor = new Float64Array(dd);
  const inverse = new Float64Array(dd);
  const s = new Float64Array(dd);
  const before = new Float64Array(k * dd);
  const shiftedFloor = floor === null ? null : new Float64Array(d);
  const traceWith = (m: Float64Array, mOff: number): number => {
    let t = 0;
    for (let e = 0; e < dd; e++) t += inverse[e] * m[mOff + e];
    return t;
  };
  if (previous !== null) {
    const top = heaviest(weight, k);
    if (cholesky(d, previous, factor, top * dd)) {
      choleskyInverse(d, factor, inverse);
      for (let c = 0; c < k; c++) lambda[c] = traceWith(previous, c * dd) / d;
    }
  }
  let iterations = 0;
  let converged = false;
  const clippedC = new Uint8Array(1);
  const clippedL = new Uint8Array(k);
  while (iterations < maxIterations && !converged) {
    iterations++;
    s.fill(0);
    let smallest = Infinity;
    for (let c = 0; c < k; c++) {
      smallest = Math.min(smallest, lambda[c]);
      for (let e = 0; e < dd; e++) s[e] += scatter[c * dd + e] / lambda[c];
    }
    for (let e = 0; e < dd; e++) s[e] /= total;
    if (floor !== null && shiftedFloor !== null) {
      for (let j = 0; j < d; j++) shiftedFloor[j] = floor[j] / smallest;
      clippedC[0] = loewnerClip(d, s, shiftedFloor, c0) ? 1 : 0;
    } else c0.set(s);
    if (!cholesky(d, c0, factor)) break;
    choleskyInverse(d, factor, inverse);
    let least = Infinity;
    for (let c = 0; c < k; c++) {
      lambda[c] = traceWith(scatter, c * dd) / (d * weight[c]);
      least = Math.min(least, lambda[c]);
    }
    const low = floor === null ? 0 : smallestScale(d, c0, floor, least);
    for (let c = 0; c < k; c++) {
      clippedL[c] = lambda[c] < low ? 1 : 0;
      lambda[c] = Math.max(lambda[c], low);
    }
    for (let c = 0; c < k; c++) for (let e = 0; e < dd; e++) sigma[c * dd + e] = lambda[c] * c0[e];
    converged = iterations > 1 && relativeMatrixChange(d, k, sigma, before) <= tolerance;
    before.set(sigma.subarray(0, k * dd));
  }
  let smallest = Infinity;
  for (let c = 0; c < k; c++) smallest = Math.min(smallest, lambda[c]);
  for (let c = 0; c < k; c++) floored[c] = clippedL[c] || (clippedC[0] && lambda[c] <= smallest * (1 + FLOOR_SLACK)) ? 1 : 0;
  return { iterations, converged };
}

/**
 * The smallest λ with λ C ≽ F, 1 / λ_min(F^{−1/2} C F^{−1/2}); 0 when even the smallest of the
 * `free` volumes satisfies it (one Cholesky factorisation of (min free) C − F tells), so that
 * the eigen-decomposition is needed only when the floor binds.
 */
function smallestScale(d: number, c: Float64Array, floor: Float64Array, free: number): number {
  const shifted = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j <= i; j++) shifted[i * d + j] = free * c[i * d + j] - (i === j ? floor[i] : 0);
  if (cholesky(d, shifted, shifted)) return 0;
  const root = Float64Array.from(floor, Math.sqrt);
  const whitened = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j <= i; j++) whitened[i * d + j] = c[i * d + j] / (root[i] * root[j]);
  const values = new Float64Array(d);
  symmetricEigen(d, whitened, values, new Float64Array(d * d), new Float64Array(eigenWorkLength(d)));
  return 1 / values[d - 1];
}

/** max_k max_ij |a_k,ij − b_k,ij| / (tr b_k / d): a scale-free change of K covariances. */
function relativeMatrixChange(d: number, k: number, a: Float64Array, b: Float64Array): number {
  let worst = 0;
  for (let c = 0; c < k; c++) {
    let t = 0;
    for (let j = 0; j < d; j++) t += b[c * d * d + j * d + j];
    const scale = t / d;
    for (let e = 0; e < d * d; e++) {
      const change = Math.abs(a[c * d * d + e] - b[c * d * d + e]) / scale;
      if (!(change <= worst)) worst = Number.isNaN(change) ? Infinity : change;
    }
  }
  return worst;
}
