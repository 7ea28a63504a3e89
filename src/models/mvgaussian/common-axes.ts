/**
 * M-steps of the two models with one orientation D shared by all components and a shape per
 * component, EVE (Σ_k = λ D A_k Dᵀ) and VVE (Σ_k = λ_k D A_k Dᵀ): common principal components
 * (Flury, JASA 79, 1984) inside EM. Neither has a closed form.
 *
 * Write C_k = λ_k A_k (diagonal) and M_k = Dᵀ W_k D, the scatter along the shared axes. Then
 *   Q = Σ_k −½ [N_k Σ_j log c_kj + Σ_j (M_k)_jj / c_kj],
 * and the method is block coordinate ascent over the scales and the axes:
 *
 * Scales for fixed D, in closed form:
 *   VVE  c_kj = (M_k)_jj / N_k                   (λ_k A_k is any positive diagonal)
 *   EVE  equal volumes, bounds.ts equalVolume with w_kj = (M_k)_jj
 *
 * Axes for fixed scales: Browne and McNicholas (ADAC 8, 217–226, 2014) minimise
 * Σ_k tr(D C_k⁻¹ Dᵀ W_k) over orthogonal D by majorisation, one SVD per step. Here the same
 * function is minimised one plane at a time, as Jacobi's method and Flury and Gautschi's
 * algorithm (SIAM J. Sci. Stat. Comput. 7, 1986) do: a rotation by θ in the plane of axes p
 * and q changes it by
 *   P (cos 2θ − 1) + Q sin 2θ,   P = Σ_k δ_k ((M_k)_pp − (M_k)_qq)/2,   Q = Σ_k δ_k (M_k)_pq,
 *   δ_k = 1/c_kp − 1/c_kq,
 * a sinusoid in 2θ whose minimum over all θ is exact, (cos 2θ, sin 2θ) = −(P, Q)/√(P² + Q²),
 * with no step size to choose and no SVD. The 1/c_kj weigh each component by 1/(λ_k a_kj):
 * mclust 6.0.0's VVE M-step (Fortran msvve and mevve) uses 1/a_kj alone, without the 1/λ_k,
 * so its update does not minimise this function and its Q can decrease. After each rotation
 * the scales are updated again, so each step maximises Q over its block and Q never decreases.
 * Sweeps over all planes repeat until no rotation exceeds the tolerance (|sin θ| ≤ tolerance);
 * a rotation is skipped when √(P² + Q²) is at the level of rounding in P and Q (at the optimum,
 * or with tied scales, along which Q does not depend on θ).
 *
 * The orientation problem is not convex, and different starts can reach different local
 * maxima. The start is the best, by Q after its scale step, of the eigenvectors of the pooled
 * scatter Σ_k W_k, of each W_k, and, when the previous Σ_k are given, of each of them and of
 * Σ_k N_k Σ_k / |Σ_k|^{1/d}, whose eigenvectors are the previous D: so Q ends at or above its
 * value at the previous Σ_k, and the outer EM never goes down.
 *
 * The floor F = diag(f) bounds the variance along each shared axis by the floor's variance
 * along it, c_kj ≥ g_j = d_jᵀ F d_j (as EEV and VEV do; general.ts says why this rather than
 * Σ_k ≽ F): the scale steps above take the bounds exactly (max with g_j for VVE, the bounded
 * equalVolume for EVE), and a rotation after which a bound binds and Q has dropped is undone.
 */
import { equalVolume } from './bounds.js';
import { congruence, eigenWorkLength, spectralCompose, symmetricEigen } from './linalg.js';
import { type Problem, type Solution, pooledScatter } from './problem.js';

type Shared = 'EVE' | 'VVE';

export const eve = (p: Problem): Solution => commonAxes(p, 'EVE');
export const vve = (p: Problem): Solution => commonAxes(p, 'VVE');

/**
 * Rotations within rounding are skipped: √(P² + Q²) ≤ NOISE · Σ_k |δ_k| tr M_k, for the entries
 * of M_k carry errors of order ε tr M_k from the rotations that produced them.
 */
const NOISE = 16 * Number.EPSILON;

function commonAxes(p: Problem, model: Shared): Solution {
  const { d, k, weight, scatter, floor, previous, tolerance, maxIterations, sigma, floored } = p;
  const dd = d * d;
  const axes = new Float64Array(dd);
  const m = new Float64Array(k * dd);
  const g = new Float64Array(dd);
  const c = new Float64Array(k * d);
  const saved = new Float64Array(k * d);
  const work = new Float64Array(dd);
  const diagonal = new Float64Array(k * d);
  const lower = floor === null ? null : new Float64Array(k * d);

  /** M_k = Dᵀ W_k D and G = Dᵀ F D from the current axes. */
  const project = (): void => {
    for (let h = 0; h < k; h++) congruence(d, scatter, axes, m, work, h * dd, 0, h * dd);
    if (floor === null) return;
    for (let i = 0; i < d; i++) {
      for (let j = 0; j <= i; j++) {
        let s = 0;
        for (let r = 0; r < d; r++) s += axes[r * d + i] * floor[r] * axes[r * d + j];
        g[i * d + j] = g[j * d + i] = s;
      }
    }
  };

  /** The exact scale step for the current M_k and bounds. */
  const scales = (): void => {
    for (let h = 0; h < k; h++) for (let j = 0; j < d; j++) diagonal[h * d + j] = m[h * dd + j * d + j];
    if (lower !== null) for (let h = 0; h < k; h++) for (let j = 0; j < d; j++) lower[h * d + j] = g[j * d + j];
    if (model === 'EVE') {
      equalVolume(k, d, weight, diagonal, lower, c, floored);
      return;
    }
    for (let h = 0; h < k; h++) {
      floored[h] = 0;
      for (let j = 0; j < d; j++) {
        const free = diagonal[h * d + j] / weight[h];
        if (lower !== null && !(free > lower[h * d + j])) {
          c[h * d + j] = lower[h * d + j];
          floored[h] = 1;
        } else c[h * d + j] = free;
      }
    }
  };

  const objective = (): number => {
    let q = 0;
    for (let h = 0; h < k; h++) for (let j = 0; j < d; j++) q -= 0.5 * (weight[h] * Math.log(c[h * d + j]) + m[h * dd + j * d + j] / c[h * d + j]);
    return q;
  };

  /** Rotates axes p and q by (cos θ, sin θ): D ← D J, M_k ← Jᵀ M_k J, G ← Jᵀ G J. */
  const rotate = (a: number, b: number, cs: number, sn: number): void => {
    for (let r = 0; r < d; r++) {
      const x = axes[r * d + a];
      const y = axes[r * d + b];
      axes[r * d + a] = cs * x + sn * y;
      axes[r * d + b] = -sn * x + cs * y;
    }
    for (let h = 0; h < k; h++) rotateSymmetric(m, h * dd, d, a, b, cs, sn);
    if (floor !== null) rotateSymmetric(g, 0, d, a, b, cs, sn);
  };

  // The start: the best of the candidate orientations after one scale step.
  const candidates: Float64Array[] = [pooledScatter(p)];
  for (let h = 0; h < k; h++) candidates.push(scatter.subarray(h * dd, (h + 1) * dd));
  if (previous !== null) {
    const combined = new Float64Array(dd);
    const values = new Float64Array(d);
    for (let h = 0; h < k; h++) {
      const one = previous.subarray(h * dd, (h + 1) * dd);
      candidates.push(one);
      symmetricEigen(d, one, values, work, new Float64Array(eigenWorkLength(d)));
      let logVolume = 0;
      for (let j = 0; j < d; j++) logVolume += Math.log(values[j]);
      const scale = weight[h] / Math.exp(logVolume / d);
      for (let e = 0; e < dd; e++) combined[e] += scale * one[e];
    }
    candidates.push(combined);
  }
  const best = new Float64Array(dd);
  let bestQ = -Infinity;
  const values = new Float64Array(d);
  const eigenWork = new Float64Array(eigenWorkLength(d));
  for (const candidate of candidates) {
    symmetricEigen(d, candidate, values, axes, eigenWork);
    project();
    scales();
    const q = objective();
    if (q > bestQ || bestQ === -Infinity) {
      bestQ = q;
      best.set(axes);
    }
  }
  axes.set(best);
  project();
  scales();

  let sweeps = 0;
  let converged = false;
  while (sweeps < maxIterations && !converged) {
    sweeps++;
    let largest = 0;
    for (let a = 0; a < d - 1; a++) {
      for (let b = a + 1; b < d; b++) {
        let bigP = 0;
        let bigQ = 0;
        let noise = 0;
        for (let h = 0; h < k; h++) {
          let trace = 0;
          for (let j = 0; j < d; j++) trace += m[h * dd + j * d + j];
          const delta = 1 / c[h * d + a] - 1 / c[h * d + b];
          const mpp = m[h * dd + a * d + a];
          const mqq = m[h * dd + b * d + b];
          bigP += (delta * (mpp - mqq)) / 2;
          bigQ += delta * m[h * dd + a * d + b];
          noise += Math.abs(delta) * trace;
        }
        const r = Math.hypot(bigP, bigQ);
        if (!(r > NOISE * noise)) continue;
        const cos2 = -bigP / r;
        const sin2 = -bigQ / r;
        let cs: number;
        let sn: number;
        // Half angles without cancellation: from cos 2θ when |θ| ≤ π/4, from sin θ beyond.
        if (cos2 >= 0) {
          cs = Math.sqrt((1 + cos2) / 2);
          sn = sin2 / (2 * cs);
        } else {
          sn = Math.sqrt((1 - cos2) / 2) * (sin2 < 0 ? -1 : 1);
          cs = sin2 / (2 * sn);
        }
        if (sn === 0) continue;
        const before = floor === null ? 0 : objective();
        if (floor !== null) saved.set(c);
        rotate(a, b, cs, sn);
        scales();
        // Without an active bound the scale step is the free maximum and Q cannot have
        // dropped; with one, the rotation may have moved a bound against Q.
        if (floor !== null && floored.some((b) => b === 1) && objective() < before) {
          rotate(a, b, cs, -sn);
          c.set(saved);
          continue;
        }
        largest = Math.max(largest, Math.abs(sn));
      }
    }
    converged = largest <= tolerance;
  }
  // Recompute M_k from the final axes so that rotations' rounding does not reach the scales.
  project();
  scales();
  for (let h = 0; h < k; h++) spectralCompose(d, axes, c, sigma, 0, h * d, h * dd);
  return { iterations: sweeps, converged };
}

/** M ← Jᵀ M J for the rotation J by (cos θ, sin θ) in the plane (a, b), kept exactly symmetric. */
function rotateSymmetric(m: Float64Array, off: number, d: number, a: number, b: number, cs: number, sn: number): void {
  const paa = m[off + a * d + a];
  const pbb = m[off + b * d + b];
  const pab = m[off + a * d + b];
  for (let i = 0; i < d; i++) {
    if (i === a || i === b) continue;
    const x = m[off + i * d + a];
    const y = m[off + i * d + b];
    const na = cs * x + sn * y;
    const nb = -sn * x + cs * y;
    m[off + i * d + a] = m[off + a * d + i] = na;
    m[off + i * d + b] = m[off + b * d + i] = nb;
  }
  m[off + a * d + a] = cs * cs * paa + 2 * cs * sn * pab + sn * sn * pbb;
  m[off + b * d + b] = sn * sn * paa - 2 * cs * sn * pab + cs * cs * pbb;
  m[off + a * d + b] = m[off + b * d + a] = cs * sn * (pbb - paa) + (cs * cs - sn * sn) * pab;
}
