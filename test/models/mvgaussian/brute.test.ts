/**
 * Is each M-step's Q the maximum? In two dimensions every model is a handful of numbers —
 * Σ_k = λ_k R(θ_k) diag(e^{s_k}, e^{−s_k}) R(θ_k)ᵀ with the model's letters saying which of
 * log λ, s, θ are shared, free or fixed — so a brute-force search written here, sharing nothing
 * with src/ but the function under test, can look for a larger Q: a compass search from many
 * starts for every model, and for EVE and VVE a scan of the shared angle θ over [0, π) on a grid
 * of 3600 points refined by golden sections, with the scales profiled out in closed form. In four
 * dimensions (iris), EVE and VVE must satisfy the stationarity equations of common principal
 * components, and compass searches over the six angles of the shared axes find no larger Q.
 */
import { describe, expect, it } from 'vitest';
import { covarianceMStep, type ScatterStatistics } from '../../../src/models/mvgaussian/covariance.js';
import { eigenWorkLength, symmetricEigen } from '../../../src/models/mvgaussian/linalg.js';
import { COVARIANCE_MODELS, type CovarianceModel } from '../../../src/models/mvgaussian/models.js';
import { mulberry32 } from '../../helpers/mixture.js';
import { mclust, responsibilities, rows, scatterOf } from './fixture.js';
import { compass, count, q2, sigmas } from './two-by-two.js';

/** The largest Q that compass searches from `starts` seeded starting points find. */
function bruteForce(model: CovarianceModel, stats: ScatterStatistics, starts: number, seed: number): number {
  const k = stats.k;
  const length = count(model[0], k) + count(model[1], k) + count(model[2], k);
  const u = mulberry32(seed);
  let scale = 0;
  for (let c = 0; c < k; c++) scale += (stats.scatter[4 * c] + stats.scatter[4 * c + 3]) / (2 * stats.weight[c] * k);
  let best = -Infinity;
  for (let r = 0; r < starts; r++) {
    const start = Array.from({ length }, (_, i) => (i < count(model[0], k) ? Math.log(scale) : 0) + (r === 0 ? 0 : 3 * (u() - 0.5)));
    best = Math.max(best, compass((p) => q2(stats, sigmas(model, k, p)), start).value);
  }
  return best;
}

/**
 * EVE and VVE profiled over the scales for the axes (cos θ, sin θ), (−sin θ, cos θ): with
 * w_kj the scatter along axis j, VVE takes c_kj = w_kj/N_k, and EVE the equal-volume
 * solution c_kj = λ w_kj / g_k, g_k = √(w_k1 w_k2), λ = Σ_k g_k / n.
 */
function profiled(model: 'EVE' | 'VVE', stats: ScatterStatistics, theta: number): number {
  const [cs, sn] = [Math.cos(theta), Math.sin(theta)];
  const w = Array.from({ length: stats.k }, (_, c) => {
    const [w11, w12, , w22] = stats.scatter.subarray(4 * c, 4 * c + 4);
    return [cs * cs * w11 + 2 * cs * sn * w12 + sn * sn * w22, sn * sn * w11 - 2 * cs * sn * w12 + cs * cs * w22];
  });
  const total = stats.weight.reduce((a, b) => a + b, 0);
  const lambda = w.reduce((a, wk) => a + Math.sqrt(wk[0] * wk[1]), 0) / total;
  let q = 0;
  w.forEach((wk, c) => {
    const nk = stats.weight[c];
    for (const wj of wk) {
      const cj = model === 'VVE' ? wj / nk : (lambda * wj) / Math.sqrt(wk[0] * wk[1]);
      q -= 0.5 * (nk * Math.log(cj) + wj / cj);
    }
  });
  return q;
}

/** max over θ ∈ [0, π) of the profiled Q: a grid of 3600, then golden sections around the best. */
function angleScan(model: 'EVE' | 'VVE', stats: ScatterStatistics): number {
  const points = 3600;
  let best = 0;
  let bestQ = -Infinity;
  for (let i = 0; i < points; i++) {
    const q = profiled(model, stats, (Math.PI * i) / points);
    if (q > bestQ) [best, bestQ] = [i, q];
  }
  let [a, b] = [(Math.PI * (best - 1)) / points, (Math.PI * (best + 1)) / points];
  const golden = (Math.sqrt(5) - 1) / 2;
  while (b - a > 1e-13) {
    const x1 = b - golden * (b - a);
    const x2 = a + golden * (b - a);
    if (profiled(model, stats, x1) >= profiled(model, stats, x2)) b = x2;
    else a = x1;
  }
  return Math.max(bestQ, profiled(model, stats, (a + b) / 2));
}

/** 300 draws from three bivariate normals of different volume, shape and orientation, with a soft z. */
function synthetic(): ScatterStatistics {
  const u = mulberry32(2014);
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  const centres = [
    [0, 0],
    [6, 1],
    [2, 7],
  ];
  const axes = [
    [3, 0.5, 0.3],
    [1, 1.5, 1.2],
    [0.5, 2, -0.8],
  ];
  const x: number[][] = [];
  const tau: number[][] = [];
  for (let i = 0; i < 300; i++) {
    const c = i % 3;
    const [a1, a2, t] = axes[c];
    const [g1, g2] = [a1 * normal(), a2 * normal()];
    x.push([centres[c][0] + Math.cos(t) * g1 - Math.sin(t) * g2, centres[c][1] + Math.sin(t) * g1 + Math.cos(t) * g2]);
    const z = [u(), u(), u()];
    z[c] += 3;
    const s = z[0] + z[1] + z[2];
    tau.push(z.map((v) => v / s));
  }
  return scatterOf(x, tau);
}

const faithful = mclust.cases.find((c) => c.name === 'faithful-waiting68')!;
const datasets: [string, ScatterStatistics][] = [
  ['faithful from waiting > 68', scatterOf(rows('faithful'), responsibilities(faithful))],
  ['three bivariate normals, soft z', synthetic()],
];

describe.each(datasets)('no larger Q by brute force: %s', (_, stats) => {
  it.each(COVARIANCE_MODELS)('%s', (model) => {
    const mine = covarianceMStep(model, stats).objective;
    const brute = bruteForce(model, stats, 12, model.charCodeAt(0) + 7 * model.charCodeAt(2));
    expect(mine).toBeGreaterThanOrEqual(brute - 1e-11 * Math.abs(brute));
    // The search reaches the same maximum, so the comparison has teeth.
    expect(brute).toBeGreaterThanOrEqual(mine - 1e-9 * Math.abs(mine));
  });

  it.each(['EVE', 'VVE'] as const)('%s: the shared angle is the best of a scan over [0, π)', (model) => {
    const mine = covarianceMStep(model, stats).objective;
    const scan = angleScan(model, stats);
    expect(mine).toBeGreaterThanOrEqual(scan - 1e-12 * Math.abs(scan));
    expect(scan).toBeGreaterThanOrEqual(mine - 1e-12 * Math.abs(mine));
  });
});

it("the scan finds more than mclust's VVE M-step on faithful, so that one is not a maximum", () => {
  const stats = datasets[0][1];
  const scan = angleScan('VVE', stats);
  const theirs = faithful.models.VVE.mstep.objective;
  // −485.7887098918 against mclust's −485.7887316018.
  expect(scan - theirs).toBeGreaterThan(1e-5);
  expect(covarianceMStep('VVE', stats).objective).toBeCloseTo(scan, 11);
});

describe('EVE and VVE in four dimensions (iris from the species)', () => {
  const stats = scatterOf(rows('iris'), responsibilities(mclust.cases[0]));
  const { d, k } = stats;
  const dd = d * d;

  it.each(['EVE', 'VVE'] as const)('%s: stationary along every plane of rotation (Flury’s equations)', (model) => {
    const fit = covarianceMStep(model, stats);
    // The shared axes from the component with the most spread-out eigenvalues.
    const values = new Float64Array(d);
    const axes = new Float64Array(dd);
    symmetricEigen(d, fit.sigma, values, axes, new Float64Array(eigenWorkLength(d)), 0);
    const project = (m: Float64Array, off: number): number[][] =>
      Array.from({ length: d }, (_, p) =>
        Array.from({ length: d }, (_, q) => {
          let s = 0;
          for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) s += axes[i * d + p] * m[off + i * d + j] * axes[j * d + q];
          return s;
        }),
      );
    const c = Array.from({ length: k }, (_, h) => project(fit.sigma, h * dd));
    const w = Array.from({ length: k }, (_, h) => project(stats.scatter, h * dd));
    for (let h = 0; h < k; h++) for (let p = 0; p < d; p++) for (let q = 0; q < p; q++) expect(Math.abs(c[h][p][q])).toBeLessThan(1e-12 * c[h][p][p]);
    // The scale step: VVE c_kj = w_kj / N_k; EVE c_kj ∝ w_kj with a common Π_j c_kj.
    for (let h = 0; h < k; h++) {
      for (let j = 0; j < d; j++) {
        const ratio = c[h][j][j] / (w[h][j][j] / stats.weight[h]);
        if (model === 'VVE') expect(ratio).toBeCloseTo(1, 12);
        else expect(ratio / (c[h][0][0] / (w[h][0][0] / stats.weight[h]))).toBeCloseTo(1, 12);
      }
    }
    // The derivative of Q along a rotation in the plane (p, q): Σ_k (1/c_kp − 1/c_kq) (DᵀW_kD)_pq.
    for (let p = 0; p < d; p++) {
      for (let q = 0; q < p; q++) {
        let gradient = 0;
        let size = 0;
        for (let h = 0; h < k; h++) {
          const delta = 1 / c[h][p][p] - 1 / c[h][q][q];
          gradient += delta * w[h][p][q];
          size += Math.abs(delta) * Math.sqrt(w[h][p][p] * w[h][q][q]);
        }
        expect(Math.abs(gradient)).toBeLessThan(1e-10 * size);
      }
    }
  });

  it.each(['EVE', 'VVE'] as const)('%s: compass searches over the six angles of the axes, from random starts, find no larger Q', (model) => {
    const best = covarianceMStep(model, stats).objective;
    /** Q profiled over the scales (as `profiled` above, in d dimensions) for D = Π_{p<q} G(p, q, θ_pq). */
    const profile = (angles: number[]): number => {
      const axes = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j): number => (i === j ? 1 : 0)));
      let a = 0;
      for (let p = 0; p < d; p++) {
        for (let q = p + 1; q < d; q++) {
          const [cs, sn] = [Math.cos(angles[a]), Math.sin(angles[a++])];
          for (const row of axes) [row[p], row[q]] = [cs * row[p] + sn * row[q], -sn * row[p] + cs * row[q]];
        }
      }
      const w = Array.from({ length: k }, (_, h) =>
        Array.from({ length: d }, (_, j) => {
          let s = 0;
          for (let r = 0; r < d; r++) for (let m = 0; m < d; m++) s += axes[r][j] * stats.scatter[h * dd + r * d + m] * axes[m][j];
          return s;
        }),
      );
      const total = stats.weight.reduce((x, y) => x + y, 0);
      const geometric = w.map((wk) => Math.exp(wk.reduce((x, y) => x + Math.log(y), 0) / d));
      const lambda = geometric.reduce((x, y) => x + y, 0) / total;
      let q = 0;
      w.forEach((wk, h) => {
        for (const wj of wk) {
          const cj = model === 'VVE' ? wj / stats.weight[h] : (lambda * wj) / geometric[h];
          q -= 0.5 * (stats.weight[h] * Math.log(cj) + wj / cj);
        }
      });
      return q;
    };
    const u = mulberry32(model === 'EVE' ? 5 : 6);
    let found = -Infinity;
    for (let r = 0; r < 8; r++) {
      const start = Array.from({ length: (d * (d - 1)) / 2 }, () => Math.PI * (2 * u() - 1));
      found = Math.max(found, compass(profile, start).value);
    }
    expect(found).toBeLessThanOrEqual(best + 1e-12 * Math.abs(best));
    expect(found).toBeGreaterThanOrEqual(best - 1e-9 * Math.abs(best));
  });
});
