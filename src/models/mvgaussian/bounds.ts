/**
 * Two constrained maximisations that several covariance models share, both exact (the
 * variance floor is what makes them constrained; see README.md, "The variance floor").
 *
 * Throughout, a component's part of the M-step objective is
 *   −½ N_k log|Σ_k| − ½ tr(Σ_k⁻¹ W_k),
 * with N_k = Σ_i w_i r_ik and W_k the weighted scatter about the component's mean.
 */
import { cholesky, eigenWorkLength, spectralCompose, symmetricEigen } from './linalg.js';

/**
 * The largest Σ-part of the objective over a covariance Σ ≽ F in the Loewner order, where
 * F = diag(f) ≻ 0 is the floor and S = W/N the scatter per unit weight: writes into `out`
 *   Σ = F^{1/2} U max(Λ, I) Uᵀ F^{1/2},   F^{−1/2} S F^{−1/2} = U Λ Uᵀ,
 * i.e. the eigenvalues of the whitened scatter clipped below at 1 (Ingrassia, Statistical
 * Methods & Applications 13, 151–166, 2004, clips eigenvalues the same way). Exact: in the
 * whitened coordinates Σ' = F^{−1/2} Σ F^{−1/2} the objective is −½N(log|Σ'| + tr(Σ'⁻¹Λ')) up
 * to a constant and the constraint Σ' ≽ I bears on the eigenvalues of Σ' only; for given
 * eigenvalues, tr(Σ'⁻¹ S') is smallest with the eigenvectors of S' in the same order (von
 * Neumann's trace inequality), and then each σ minimises log σ + s/σ over σ ≥ 1 at max(s, 1).
 *
 * When S − F is already positive definite (one Cholesky factorisation tells) S is copied
 * unchanged, so a floor that does not bind does not perturb the unconstrained estimate by
 * rounding. Returns true when the floor binds. `s` is read from its lower triangle.
 */
export function loewnerClip(d: number, s: Float64Array, f: Float64Array, out: Float64Array, sOff = 0, outOff = 0): boolean {
  const shifted = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j <= i; j++) shifted[i * d + j] = s[sOff + i * d + j] - (i === j ? f[i] : 0);
  if (cholesky(d, shifted, shifted)) {
    for (let i = 0; i < d; i++) {
      for (let j = 0; j <= i; j++) {
        out[outOff + i * d + j] = s[sOff + i * d + j];
        out[outOff + j * d + i] = s[sOff + i * d + j];
      }
    }
    return false;
  }
  const root = Float64Array.from(f, Math.sqrt);
  const whitened = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j <= i; j++) whitened[i * d + j] = s[sOff + i * d + j] / (root[i] * root[j]);
  const values = new Float64Array(d);
  const vectors = new Float64Array(d * d);
  symmetricEigen(d, whitened, values, vectors, new Float64Array(eigenWorkLength(d)));
  for (let j = 0; j < d; j++) values[j] = Math.max(values[j], 1);
  spectralCompose(d, vectors, values, out, 0, 0, outOff);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) out[outOff + i * d + j] *= root[i] * root[j];
  return true;
}

/**
 * The equal-volume problem of models EVI, EVV and EVE: over positive σ_kj (K rows of d),
 *   maximise  Σ_k Σ_j −½ (N_k log σ_kj + w_kj / σ_kj)
 *   subject to  Π_j σ_kj the same for every k   (a common volume λ = (Π_j σ_kj)^{1/d}),
 *               σ_kj ≥ l_kj                      (the floor, when `lower` is given).
 * w_kj ≥ 0 are the scatter's variances along the component's axes, N_k > 0 its weight.
 *
 * Without bounds (Celeux and Govaert 1995, model [λB_k]): with v_k = (Π_j w_kj)^{1/d},
 *   σ_kj = λ w_kj / v_k,   λ = Σ_k v_k / n,   n = Σ_k N_k.
 * With bounds, when that point violates one: in u_kj = log σ_kj the objective is convex and
 * the constraints are linear or bounds, so the KKT conditions characterise the maximum. With a
 * multiplier μ_k for each component's volume constraint (Σ_k μ_k = 0, the stationarity in the
 * common volume) they give
 *   σ_kj = max(l_kj, t_k w_kj),   t_k = 1/(N_k − μ_k) > 0,   Σ_k 1/t_k = n,
 * where t_k is fixed by the common log-volume V = Σ_j log σ_kj. Each t_k(V) is increasing in
 * V (Σ_j log max(l_kj, t w_kj) is increasing and piecewise linear in log t, solved exactly
 * between its breakpoints), so h(V) = Σ_k 1/t_k(V) is decreasing and h(V) = n is solved by
 * bisection on V to the last bit. If h ≥ n fails already at the smallest feasible volume
 * V_min = max_k Σ_j log l_kj, the maximum is there, with the component that attains V_min
 * entirely at its floor.
 *
 * Writes σ into `out` (K·d) and 1 into bound[k] when component k has an entry at its floor.
 * Returns true when the bounds bind. Every l_kj must be > 0.
 */
export function equalVolume(
  k: number,
  d: number,
  weight: Float64Array,
  w: Float64Array,
  lower: Float64Array | null,
  out: Float64Array,
  bound: Uint8Array,
): boolean {
  let total = 0;
  let sumVolume = 0;
  const logVolume = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    total += weight[c];
    let s = 0;
    for (let j = 0; j < d; j++) s += Math.log(w[c * d + j]);
    logVolume[c] = s / d;
    sumVolume += Math.exp(logVolume[c]);
  }
  const lambda = sumVolume / total;
  let feasible = true;
  for (let c = 0; c < k; c++) {
    for (let j = 0; j < d; j++) {
      const v = lambda * Math.exp(Math.log(w[c * d + j]) - logVolume[c]);
      out[c * d + j] = v;
      if (lower !== null && !(v >= lower[c * d + j])) feasible = false;
    }
  }
  bound.fill(0, 0, k);
  if (lower === null || feasible) return false;

  // Breakpoints log r_kj = log l_kj − log w_kj of each component in increasing order
  // (w_kj = 0 gives +∞: that entry stays at its floor).
  const order = new Int32Array(k * d);
  const logL = new Float64Array(k * d);
  const logW = new Float64Array(k * d);
  const logR = new Float64Array(k * d);
  let vMin = -Infinity;
  for (let c = 0; c < k; c++) {
    let floorVolume = 0;
    const row: number[] = [];
    for (let j = 0; j < d; j++) {
      const e = c * d + j;
      logL[e] = Math.log(lower[e]);
      logW[e] = Math.log(w[e]);
      logR[e] = logL[e] - logW[e];
      floorVolume += logL[e];
      row.push(j);
    }
    row.sort((a, b) => logR[c * d + a] - logR[c * d + b]);
    for (let j = 0; j < d; j++) order[c * d + j] = row[j];
    vMin = Math.max(vMin, floorVolume);
  }

  /** log t_k(V): the largest log t with Σ_j log max(l_kj, t w_kj) ≤ V. */
  const logT = (c: number, v: number): number => {
    let atFloor = 0;
    for (let j = 0; j < d; j++) atFloor += logL[c * d + j];
    let free = 0;
    let freeW = 0;
    for (let i = 0; i < d; i++) {
      const e = c * d + order[c * d + i];
      // On the segment below breakpoint e the entries before it are free.
      if (free === 0) {
        if (v <= atFloor) return logR[e];
      } else {
        const candidate = (v - atFloor - freeW) / free;
        if (candidate <= logR[e]) return candidate;
      }
      if (logR[e] === Infinity) return Infinity;
      atFloor -= logL[e];
      freeW += logW[e];
      free++;
    }
    return (v - atFloor - freeW) / free;
  };
  const h = (v: number): number => {
    let s = 0;
    for (let c = 0; c < k; c++) s += Math.exp(-logT(c, v));
    return s;
  };

  let volume = vMin;
  if (h(vMin) > total) {
    let lo = vMin;
    let step = 1;
    let hi = vMin + step;
    while (h(hi) > total) {
      lo = hi;
      step *= 2;
      hi = vMin + step;
    }
    for (;;) {
      const mid = 0.5 * (lo + hi);
      if (mid <= lo || mid >= hi) break;
      if (h(mid) > total) lo = mid;
      else hi = mid;
    }
    volume = hi;
  }
  for (let c = 0; c < k; c++) {
    const t = logT(c, volume);
    for (let j = 0; j < d; j++) {
      const e = c * d + j;
      const free = Math.exp(t + logW[e]);
      if (free > lower[e]) out[e] = free;
      else {
        out[e] = lower[e];
        bound[c] = 1;
      }
    }
  }
  return true;
}
