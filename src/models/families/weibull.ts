/**
 * The Weibull family, for positive data:
 *   f(x | κ, σ) = (κ/σ) (x/σ)^(κ−1) exp(−(x/σ)^κ),   x > 0
 * with shape κ and scale σ (R's dweibull(x, shape, scale)).
 *
 * The M-step. With v_i = w_i r_ik and N = Σ v_i, the weighted likelihood equations are
 *   σ^κ = Σ v x^κ / N,    g(κ) = Σ v x^κ log x / Σ v x^κ − 1/κ − Σ v log x / N = 0,
 * g increasing (g′ = a variance + 1/κ² > 0), from −∞ at 0 to max log x − mean log x > 0
 * unless the component sits on one value. So the profile log-likelihood in κ is concave
 * and has one maximum. Unlike the other families, Σ v x^κ is not a finite set of sums
 * fixed before κ is known. How it is made one here, to full precision:
 *
 * Taylor moments. Centre at the scale σ_t of the pass, y = log x − log σ_t, and pick an
 * expansion shape κ_e (the pass's own shape, unless re-expanded); with z = e^(κ_e y),
 *   T_m(κ) = Σ v y^m (x/σ_t)^κ = Σ v y^m z e^((κ − κ_e) y) = Σ_j (κ − κ_e)^j / j! · M_(j+m),
 * where M_j = Σ v z y^j,
 * so the pass accumulates M_0..M_J (J = 8) and T_0, T_1, T_2 (for g and g′) are
 * polynomials in δ = κ − κ_e. The remainder of the truncated series of e^(δy) is at most
 * |δy|^(J+1)/(J+1)! · e^ξ with ξ between 0 and δy; for |δ| ≤ κ_e/2, z e^ξ ≤ z^(3/2) when
 * y > 0 and ≤ z^(1/2) when y < 0, so one more sum, P = Σ v |y|^(J+1) z^(3/2 or 1/2), bounds
 * the remainder of T_m by |δ|^(J+1−m)/(J+1−m)! · P for every such δ. Within the radius
 * where that bound keeps the error of g below ε/κ (so the root's relative error below ε,
 * as g′ ≥ 1/κ²), the root found on the polynomials is the exact M-step to rounding.
 * Late in a fit the shape moves less than that radius (about 0.02 for typical data) and
 * the M-step costs nothing more. When the root lies outside it (early on), the M-step asks
 * the caller for a pass at the same θ_t (the same q) with the series re-expanded at a
 * Newton step from the radius's edge (an Expander), and repeats: a few extra passes early
 * in a fit, each shrinking a bracket on the root. Without an expander it stops at the
 * edge: a generalised EM step (Q increases, as the profile is concave and rises towards
 * the root), flagged by WEIBULL_BOUND.partial.
 *
 * Statistics after the header (K each, then K for each of the J + 1 moments):
 *   N_k = Σ v,  A_k = Σ v y,  E_k = κ_e N_k (the expansion shape, as a sum so that chunks add),
 *   P_k (above),  M_kj = Σ v z y^j for j = 0..J (at offset j·K + k of the moments' block).
 * The scale follows from the root: log σ = log σ_t + log(T_0(κ)/N)/κ.
 * E_q log p(x, z | θ) = Σ_k N_k (log π_k + log κ_k − κ_k log σ_k) + (κ_k − 1) Σ v log x
 * − (σ_t/σ_k)^κ_k T_0(κ_k): NaN when κ_k lies beyond the statistics' radius.
 */
import {
  type ComponentFamily,
  type Data,
  type Expander,
  HEADER,
  type MixtureParams,
  checkPartition,
  checkSupport,
  liveComponents,
  outsidePositive,
  parameterArrays,
  weightsFromCounts,
  weightsLogJoint,
} from './component.js';
import { expSource } from '../exp.js';
import { addKernelOutput, type KernelSpec, outLength, runKernel } from './kernel.js';
import { increasingRoot } from './solve.js';
import { lgamma } from './special.js';

export interface WeibullMixture extends MixtureParams {
  /** π_k, shape (K,). */
  readonly weight: Float64Array;
  /** κ_k > 0, shape (K,), dimensionless. */
  readonly shape: Float64Array;
  /** σ_k > 0, shape (K,), in the units of x. */
  readonly scale: Float64Array;
}

export interface WeibullOptions {
  k: number;
  /** Upper bound on every κ_k (see weibullShapeBound). */
  maxShape: number;
  /** Lower bound on every κ_k; default 0.01. */
  minShape?: number;
}

export interface WeibullFamily extends ComponentFamily<WeibullMixture> {
  /** The pass with the Taylor moments expanded at expansion[k] instead of θ's shapes (see the header). */
  passAt(data: Data, theta: WeibullMixture, expansion: Float64Array, stats: Float64Array, start: number, end: number): void;
}

/** Bits of bounded[k]: κ held at a bound, or a partial (generalised EM) shape step. */
export const WEIBULL_BOUND = { shapeMin: 1, shapeMax: 2, partial: 4 } as const;

/** Order J of the Taylor moments. */
export const ORDER = 8;
const FACTORIAL = [1, 1, 2, 6, 24, 120, 720, 5040, 40320, 362880, 3628800];
/** The error allowed in g, times κ: the root's relative error (2^-53). */
const TOLERANCE = Number.EPSILON / 2;
/** Re-expansions allowed in one M-step before it settles for a partial step. */
const MAX_EXPANSIONS = 40;

/**
 * The pass (kernel.ts), with y = log x − log σ (log x by exp.ts's table log, once per row),
 * z = e^(κy) (exp.ts's table exp, either sign), a = log π + log κ − log σ + (κ − 1) y − z;
 * statistics v, v y, M_j = v z_e y^j for j = 0..J, and P = v |y|^(J+1) z_e^(3/2 or 1/2),
 * where z_e = z, or e^(κ_e y) when `expanded` (passAt with another expansion shape κ_e).
 * Rows with v = 0 add nothing (z may have overflowed there). z_e^(3/2 or 1/2) is √z_e · max(z_e, 1),
 * as z_e > 1 exactly when y > 0, with max(z_e, 1) = (z_e + 1 + |z_e − 1|)/2: V8 compiles
 * Math.max (and a select) to a branch, which the sign of y mispredicts (measured: the pass
 * 68 → 60 ms per million rows at K = 3). The statistics run in a loop of their own
 * (statisticsLoop): twelve sums a component do not fit in registers beside the row's
 * (80 → 68 ms).
 */
function weibullKernel(expanded: boolean): KernelSpec {
  const moments = Array.from({ length: ORDER + 1 }, (_, j) => j);
  return {
    name: expanded ? 'weibullExpanded' : 'weibull',
    params: expanded ? ['c', 'kappa', 'shape1', 'logScale', 'kappaE'] : ['c', 'kappa', 'shape1', 'logScale'],
    logX: 'lx',
    row: '',
    rowSums: [],
    density: (n) => `const ${n.v('y')} = lx - ${n.p('logScale')};
      const ${n.v('ky')} = ${n.p('kappa')} * ${n.v('y')};
      let ${n.v('z')} = 0;
      ${expSource(n.v('ky'), n.v('z'))}
      const ${n.v('a')} = ${n.p('c')} + ${n.p('shape1')} * ${n.v('y')} - ${n.v('z')};`,
    carry: ['z'],
    statCount: 2 + moments.length + 1,
    statistics: (n) => {
      const [y, v, ze, p] = [n.v('y'), n.v('v'), n.v('ze'), n.v('p')];
      const yOf = `const ${y} = lx - ${n.p('logScale')};`;
      const zeOf = expanded ? `const ${n.v('kye')} = ${n.p('kappaE')} * ${y};\nlet ${ze} = 0;\n${expSource(n.v('kye'), ze)}` : `const ${ze} = ${n.v('z')};`;
      return `${yOf}
        ${n.add(0, v)}
        ${n.add(1, `${v} * ${y}`)}
        ${zeOf}
        let ${p} = ${v} * ${ze};
        ${moments.map((j) => (j === 0 ? n.add(2, p) : `${p} *= ${y};\n${n.add(2 + j, p)}`)).join('\n')}
        const ${n.v('yy')} = ${y} * ${y}, ${n.v('y4')} = ${n.v('yy')} * ${n.v('yy')}, ${n.v('root')} = Math.sqrt(${ze});
        ${n.add(3 + ORDER, `${v} * ${n.v('y4')} * ${n.v('y4')} * Math.abs(${y}) * (${n.v('root')} * (0.5 * (${ze} + 1 + Math.abs(${ze} - 1))))`)}`;
    },
    skipZero: true,
    statisticsLoop: true,
    wasm: {
      logX: 'input',
      statisticsLoop: { carry: ['z'], phases: true },
      density: (b, row, p) => {
        const y = b.let(b.sub(row.lx, p('logScale')));
        const z = b.exp(b.mul(p('kappa'), y));
        return { z, a: b.let(b.sub(b.add(p('c'), b.mul(p('shape1'), y)), z)) };
      },
      statistics: (b, row, p, v, { z }) => {
        const y = b.let(b.sub(row.lx, p('logScale')));
        const ze = expanded ? b.exp(b.mul(p('kappaE'), y)) : z;
        // v ze y^j from the even powers (v ze y^2k), each odd one an even one times y: not the
        // JavaScript kernel's chain of eight products one after another (20.8 → 20.2 ms per 1M rows).
        const yy = b.let(b.mul(y, y));
        const y4 = b.let(b.mul(yy, yy));
        const even = [b.let(b.mul(v, ze))];
        even.push(b.let(b.mul(even[0], yy)));
        for (let k = 2; 2 * k <= ORDER; k++) even.push(b.let(b.mul(even[k - 2], y4)));
        const powers = Array.from({ length: ORDER + 1 }, (_, j) => (j % 2 === 0 ? even[j / 2] : b.mul(even[(j - 1) / 2], y)));
        const atLeastOne = b.max(ze, b.k(1));
        // Multiplied from v on, so that a row of v = 0 adds 0 (the JavaScript kernel skips it),
        // never 0 · ∞ (√ze · max(ze, 1) overflows for ze beyond about 1e205).
        const bound = b.mul(b.mul(b.mul(b.mul(b.mul(v, y4), y4), b.abs(y)), b.sqrt(ze)), atLeastOne);
        return [v, b.mul(v, y), ...powers, bound];
      },
    },
  };
}
export const WEIBULL_KERNEL = weibullKernel(false);
export const WEIBULL_EXPANDED_KERNEL = weibullKernel(true);

/**
 * π√2 · max x / δ: for large κ a Weibull of scale σ has variance about (πσ/κ)²/6, which
 * stays at or above the Gaussian floor δ²/12 for data recorded to δ while κ ≤ π√2 σ/δ.
 */
export const weibullShapeBound = (resolution: number, largest: number): number => (Math.PI * Math.SQRT2 * largest) / resolution;

/**
 * The exact weighted M-step of one component over the data: κ, σ maximising
 * Σ v_i log f(x_i | κ, σ), by the same root finder on g with Σ v x^κ (log x)^m summed over
 * the rows at each trial κ (rows with v_i = 0 are skipped). Used for the start from a
 * partition, where there is no pass to expand from. Centred at the weighted mean of log x
 * and scaled by the largest term, so that no x^κ overflows.
 */
export function weibullFitWeighted(x: Float64Array, v: Float64Array, minShape: number, maxShape: number): { shape: number; scale: number } {
  let n = 0;
  let centre = 0;
  for (let i = 0; i < x.length; i++) {
    if (v[i] > 0) {
      n += v[i];
      centre += v[i] * Math.log(x[i]);
    }
  }
  centre /= n;
  let top = -Infinity;
  let spread = 0;
  for (let i = 0; i < x.length; i++) {
    if (!(v[i] > 0)) continue;
    const y = Math.log(x[i]) - centre;
    top = Math.max(top, y);
    spread += v[i] * y * y;
  }
  const sums = (kappa: number): [number, number, number] => {
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < x.length; i++) {
      if (!(v[i] > 0)) continue;
      const y = Math.log(x[i]) - centre;
      const e = v[i] * Math.exp(kappa * (y - top));
      s0 += e;
      s1 += e * y;
      s2 += e * y * y;
    }
    return [s0, s1, s2];
  };
  // Mean of y is 0 after centring, so g(κ) = S1/S0 − 1/κ.
  const g = (kappa: number): number => {
    const [s0, s1] = sums(kappa);
    return s1 / s0 - 1 / kappa;
  };
  const slope = (kappa: number): number => {
    const [s0, s1, s2] = sums(kappa);
    const m1 = s1 / s0;
    return s2 / s0 - m1 * m1 + 1 / (kappa * kappa);
  };
  // Var(log x) = π²/(6κ²) for a Weibull: the method-of-moments start.
  const guess = spread > 0 ? Math.PI / Math.sqrt((6 * spread) / n) : maxShape;
  const shape = top > 0 ? increasingRoot(g, slope, minShape, maxShape, guess) : maxShape;
  const [s0] = sums(shape);
  return { shape, scale: Math.exp(centre + top + Math.log(s0 / n) / shape) };
}

export function weibullFamily(options: WeibullOptions): WeibullFamily {
  const { k: K, maxShape } = options;
  const minShape = options.minShape ?? 0.01;
  if (!(minShape > 0 && maxShape > minShape)) throw new RangeError(`shape bounds must satisfy 0 < minShape < maxShape, got [${minShape}, ${maxShape}]`);
  const J = ORDER;
  const offN = HEADER;
  const offA = HEADER + K;
  const offE = HEADER + 2 * K;
  const offP = HEADER + 3 * K;
  const offM = HEADER + 4 * K;
  const live = new Int32Array(K);
  const packed = new Float64Array(5 * K);
  const out = new Float64Array(outLength(WEIBULL_KERNEL, K));
  // The kernel's statistics in order: N, A, M_0..M_J, P.
  const offsets = [offN, offA, ...Array.from({ length: J + 1 }, (_, j) => offM + j * K), offP];
  const t = new Float64Array(3);

  /** Adds row weight v (> 0) with y = log x − log σ_t and ze = e^(κ_e y) into component k's sums, as the kernel does. */
  function accumulate(stats: Float64Array, k: number, v: number, y: number, ze: number): void {
    stats[offN + k] += v;
    stats[offA + k] += v * y;
    let p = v * ze;
    stats[offM + k] += p;
    for (let j = 1; j <= J; j++) {
      p *= y;
      stats[offM + j * K + k] += p;
    }
    const y2 = y * y;
    const y4 = y2 * y2;
    const root = Math.sqrt(ze);
    stats[offP + k] += v * y4 * y4 * Math.abs(y) * (root * (0.5 * (ze + 1 + Math.abs(ze - 1))));
  }

  /** T_0, T_1, T_2 at κ from component k's moments, into t; returns δ = κ − κ_e. */
  function model(stats: Float64Array, k: number, kappaE: number, kap: number): number {
    const delta = kap - kappaE;
    for (let m = 0; m <= 2; m++) {
      let acc = stats[offM + J * K + k];
      for (let j = J - m - 1; j >= 0; j--) acc = stats[offM + (j + m) * K + k] + (acc * delta) / (j + 1);
      t[m] = acc;
    }
    return delta;
  }

  /** Bounds on the errors of T_0 and T_1 at |δ|: P |δ|^(J+1)/(J+1)!, P |δ|^J/J!. */
  const remainder0 = (p: number, delta: number): number => (p * Math.abs(delta) ** (J + 1)) / FACTORIAL[J + 1];
  const remainder1 = (p: number, delta: number): number => (p * Math.abs(delta) ** J) / FACTORIAL[J];

  /** Whether the polynomials resolve g at κ to TOLERANCE/κ (t holds the model at κ). */
  function resolved(p: number, delta: number, kap: number, kappaE: number): boolean {
    if (Math.abs(delta) > 0.5 * kappaE) return false;
    if (delta === 0) return true;
    const t0 = t[0];
    return t0 > 0 && remainder1(p, delta) / t0 + (Math.abs(t[1] / t0) * remainder0(p, delta)) / t0 <= TOLERANCE / kap;
  }

  const family: WeibullFamily = {
    name: 'weibull',
    k: K,
    parameterNames: ['shape', 'scale'],
    boundNames: ['shape-min', 'shape-max', 'partial'],
    statsLength: HEADER + 4 * K + K * (J + 1),
    nParams: 3 * K - 1,
    freeLength: 3 * K,

    ...parameterArrays<WeibullMixture>(K, [
      { name: 'shape', positive: true, min: minShape, max: maxShape },
      { name: 'scale', positive: true },
    ]),

    logDensity(x, theta, k) {
      const y = Math.log(x) - Math.log(theta.scale[k]);
      const kap = theta.shape[k];
      return Math.log(kap) - Math.log(theta.scale[k]) + (kap - 1) * y - Math.exp(kap * y);
    },

    pass(data, theta, stats, start, end) {
      family.passAt(data, theta, theta.shape, stats, start, end);
    },

    /**
     * a_ik = log π_k + log κ_k − log σ_k + (κ_k − 1) y_ik − z_ik with y_ik = log x_i − log σ_k
     * and z_ik = e^(κ_k y_ik): one log per row (the WebAssembly pass reads it from the data's
     * column of log x, log-column.ts), one exp per row and component (two when re-expanding),
     * and J + 2 multiply-adds for the moments (WEIBULL_KERNEL).
     */
    passAt(data, theta, expansion, stats, start, end) {
      const m = liveComponents(theta.weight, live);
      let expanded = false;
      for (let j = 0; j < m; j++) {
        const k = live[j];
        const kappa = theta.shape[k];
        const logScale = Math.log(theta.scale[k]);
        packed[j] = Math.log(theta.weight[k]) + Math.log(kappa) - logScale;
        packed[m + j] = kappa;
        packed[2 * m + j] = kappa - 1;
        packed[3 * m + j] = logScale;
        packed[4 * m + j] = expansion[k];
        if (expansion[k] !== kappa) expanded = true;
      }
      const spec = expanded ? WEIBULL_EXPANDED_KERNEL : WEIBULL_KERNEL;
      runKernel(spec, m, data.x, data.w, start, end, packed, out);
      addKernelOutput(spec, out, m, live, offsets, stats);
      // E_k = κ_e N_k, from this pass's N_k (out's first statistic).
      for (let j = 0; j < m; j++) stats[offE + live[j]] += expansion[live[j]] * out[3 + j];
    },

    partitionStats(data, labels, at, stats) {
      const { x, w } = data;
      for (let i = 0; i < x.length; i++) {
        const wi = w === null ? 1 : w[i];
        if (wi === 0) continue;
        const k = labels[i];
        const y = Math.log(x[i]) - Math.log(at.scale[k]);
        accumulate(stats, k, wi, y, Math.exp(at.shape[k] * y));
        stats[offE + k] += at.shape[k] * wi;
      }
    },

    mStep(stats, at, next, bounded, expander?: Expander<WeibullMixture>) {
      weightsFromCounts(stats, offN, next.weight);
      const lo = new Float64Array(K).fill(minShape);
      const hi = new Float64Array(K).fill(maxShape);
      const root = new Float64Array(K);
      const expansion = new Float64Array(K);
      let passes = 0;
      for (;;) {
        let pending = false;
        for (let k = 0; k < K; k++) {
          const n = stats[offN + k];
          bounded[k] = 0;
          if (!(n > 0)) continue;
          const kappaE = stats[offE + k] / n;
          const mean = stats[offA + k] / n;
          const p = stats[offP + k];
          expansion[k] = kappaE;
          const g = (kap: number): number => {
            model(stats, k, kappaE, kap);
            return t[1] / t[0] - 1 / kap - mean;
          };
          const slope = (kap: number): number => {
            model(stats, k, kappaE, kap);
            const m1 = t[1] / t[0];
            return t[2] / t[0] - m1 * m1 + 1 / (kap * kap);
          };
          // The radius where the bound holds, from T_0 ≈ M_0 and T_1/T_0 ≈ M_1/M_0, then checked at the root.
          const m0 = stats[offM + k];
          const ratio = Math.abs(stats[offM + K + k] / m0);
          let radius = Math.min(0.5 * kappaE, ((TOLERANCE * m0 * FACTORIAL[J]) / (p * 1.5 * kappaE * (1 + (0.5 * kappaE * ratio) / (J + 1)))) ** (1 / J));
          if (!(radius > 0)) radius = 0.5 * kappaE;
          for (;;) {
            const left = Math.max(lo[k], kappaE - radius);
            const right = Math.min(hi[k], kappaE + radius);
            const gLeft = g(left);
            const gRight = g(right);
            let found: number | null = null;
            let edge: number | null = null;
            if (gLeft >= 0) {
              if (left === minShape || gLeft === 0) found = left;
              else edge = left;
            } else if (gRight <= 0) {
              if (right === maxShape || gRight === 0) found = right;
              else edge = right;
            } else {
              found = increasingRoot(g, slope, left, right, Math.min(Math.max(kappaE, left), right));
            }
            if (found !== null) {
              const delta = model(stats, k, kappaE, found);
              if (!resolved(p, delta, found, kappaE) && found !== kappaE) {
                radius *= 0.5;
                continue;
              }
              root[k] = found;
              if (found === minShape) bounded[k] = WEIBULL_BOUND.shapeMin;
              if (found === maxShape) bounded[k] = WEIBULL_BOUND.shapeMax;
              break;
            }
            // The root lies beyond `edge`: narrow its bracket and re-expand at a Newton step from there.
            const e = edge as number;
            if (e === left) hi[k] = e;
            else lo[k] = e;
            root[k] = e;
            bounded[k] = WEIBULL_BOUND.partial;
            const newton = e - g(e) / slope(e);
            expansion[k] = newton > lo[k] && newton < hi[k] ? newton : Math.sqrt(lo[k] * hi[k]);
            pending = true;
            break;
          }
        }
        if (!pending || expander === undefined || passes >= MAX_EXPANSIONS) break;
        expander(at, expansion, stats);
        passes++;
      }
      for (let k = 0; k < K; k++) {
        const n = stats[offN + k];
        if (!(n > 0)) {
          next.shape[k] = at.shape[k];
          next.scale[k] = at.scale[k];
          continue;
        }
        const kappaE = stats[offE + k] / n;
        model(stats, k, kappaE, root[k]);
        next.scale[k] = at.scale[k] * Math.exp(Math.log(t[0] / n) / root[k]);
        next.shape[k] = root[k];
      }
      return passes;
    },

    expectedLogJoint(stats, at, theta) {
      let sum = weightsLogJoint(stats, offN, theta.weight);
      for (let k = 0; k < K; k++) {
        const n = stats[offN + k];
        if (!(n > 0)) continue;
        const kappaE = stats[offE + k] / n;
        const kap = theta.shape[k];
        const delta = model(stats, k, kappaE, kap);
        if (Math.abs(delta) > 0.5 * kappaE || remainder0(stats[offP + k], delta) > 1e-13 * t[0]) return NaN;
        const logRatio = Math.log(at.scale[k]) - Math.log(theta.scale[k]);
        const sumLog = stats[offA + k] + n * Math.log(at.scale[k]);
        sum += n * (Math.log(kap) - kap * Math.log(theta.scale[k])) + (kap - 1) * sumLog - Math.exp(kap * logRatio) * t[0];
      }
      return sum;
    },

    componentWeight: (stats, k) => stats[offN + k],

    checkDomain: (x) => checkSupport(x, 'weibull', outsidePositive),

    /** The exact M-step of each part over its rows (weibullFitWeighted). */
    start(data, labels, bounded = new Uint8Array(K)) {
      checkPartition(data, labels, K);
      const theta = family.create();
      const v = new Float64Array(data.x.length);
      let total = 0;
      const n = new Float64Array(K);
      for (let i = 0; i < data.x.length; i++) {
        n[labels[i]] += data.w === null ? 1 : data.w[i];
      }
      for (let k = 0; k < K; k++) total += n[k];
      for (let k = 0; k < K; k++) {
        for (let i = 0; i < data.x.length; i++) v[i] = labels[i] === k ? (data.w === null ? 1 : data.w[i]) : 0;
        const fit = weibullFitWeighted(data.x, v, minShape, maxShape);
        theta.weight[k] = n[k] / total;
        theta.shape[k] = fit.shape;
        theta.scale[k] = fit.scale;
        bounded[k] = fit.shape === minShape ? WEIBULL_BOUND.shapeMin : fit.shape === maxShape ? WEIBULL_BOUND.shapeMax : 0;
      }
      return theta;
    },

    moments(theta, k) {
      const kap = theta.shape[k];
      const s = theta.scale[k];
      const g1 = Math.exp(lgamma(1 + 1 / kap));
      const g2 = Math.exp(lgamma(1 + 2 / kap));
      return { mean: s * g1, variance: s * s * (g2 - g1 * g1) };
    },
    parameters: (theta, k) => ({ shape: theta.shape[k], scale: theta.scale[k] }),
  };
  return family;
}
