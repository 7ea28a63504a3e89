/**
 * Every covariance model in two dimensions as a handful of numbers, for brute-force searches
 * written apart from src/: Σ_k = λ_k R(θ_k) diag(e^{s_k}, e^{−s_k}) R(θ_k)ᵀ, the model's
 * letters saying which of log λ, s and θ are shared (E), one per component (V) or fixed (I).
 */
import type { ScatterStatistics } from '../../../src/models/mvgaussian/covariance.js';
import type { CovarianceModel } from '../../../src/models/mvgaussian/models.js';

/** Number of shared-or-free values of each letter: E one, V one per component, I none. */
export const count = (letter: string, k: number): number => (letter === 'E' ? 1 : letter === 'V' ? k : 0);

/** Σ_k from the parameter vector [log λ…, s…, θ…] of `model`. */
export function sigmas(model: CovarianceModel, k: number, p: number[]): number[][][] {
  const nv = count(model[0], k);
  const ns = count(model[1], k);
  const pick = (letter: string, offset: number, c: number): number => (letter === 'E' ? p[offset] : letter === 'V' ? p[offset + c] : 0);
  return Array.from({ length: k }, (_, c) => {
    const lambda = Math.exp(pick(model[0], 0, c));
    const s = pick(model[1], nv, c);
    const t = pick(model[2], nv + ns, c);
    const [a1, a2] = [lambda * Math.exp(s), lambda * Math.exp(-s)];
    const [cs, sn] = [Math.cos(t), Math.sin(t)];
    return [
      [a1 * cs * cs + a2 * sn * sn, (a1 - a2) * cs * sn],
      [(a1 - a2) * cs * sn, a1 * sn * sn + a2 * cs * cs],
    ];
  });
}

/** Q for 2 × 2 matrices: |Σ| = ad − b², tr(Σ⁻¹W) = (d w11 − 2 b w12 + a w22) / |Σ|. */
export function q2(stats: ScatterStatistics, s: number[][][]): number {
  let q = 0;
  for (let c = 0; c < stats.k; c++) {
    const [[a, b], [, e]] = s[c];
    const det = a * e - b * b;
    if (!(det > 0 && a > 0)) return -Infinity;
    const w = stats.scatter.subarray(4 * c, 4 * c + 4);
    q -= 0.5 * (stats.weight[c] * Math.log(det) + (e * w[0] - 2 * b * w[1] + a * w[3]) / det);
  }
  return q;
}

/** Compass search (Kolda, Lewis and Torczon, SIAM Review 45, 2003): ± step on each coordinate, halving when none improves. */
export function compass(f: (p: number[]) => number, start: number[]): { p: number[]; value: number } {
  const p = [...start];
  let value = f(p);
  for (let step = 1; step > 1e-11; ) {
    let improved = false;
    for (let i = 0; i < p.length; i++) {
      for (const sign of [1, -1]) {
        const old = p[i];
        p[i] = old + sign * step;
        const v = f(p);
        if (v > value) {
          value = v;
          improved = true;
        } else p[i] = old;
      }
    }
    if (!improved) step /= 2;
  }
  return { p, value };
}

