/**
 * Component families by name: how a family is built from a plain, serialisable description
 * (a FamilySpec: in a worker thread, from a saved model file, for each candidate of a
 * search), and what the rest of the program needs to know about a fitted family without
 * knowing which one it is (its parameters by name, the moments of a component, its
 * density, its domain). A new family adds its case here, and nothing in src/em changes.
 *
 * The families beyond the Gaussian (src/models/families) implement ComponentFamily; they
 * become the EM loop's Family through `asFamily` below, which is all the loop needs.
 */
import type { Codes, Data, Family, MixtureParams } from './family.js';
import { LOG_2PI } from './exp.js';
import { type ComponentFamily, type DomainProblem, type FamilyName, type Moments, checkSupport } from './families/component.js';
import { exponentialFamily, type ExponentialOptions, rateBound } from './families/exponential.js';
import { gammaFamily, type GammaOptions, shapeBound } from './families/gamma.js';
import { lognormalFamily, type LognormalOptions, sdlogBound } from './families/lognormal.js';
import { poissonFamily } from './families/poisson.js';
import { type DfModel, tFamily, type TOptions } from './families/t.js';
import { type WeibullFamily, weibullFamily, type WeibullMixture, type WeibullOptions, weibullShapeBound } from './families/weibull.js';
import { gaussianFamily, type GaussianMixture, type GaussianOptions, type VarianceModel } from './gaussian.js';
import { type GroupedOptions, groupedGaussianFamily } from './gaussian-grouped.js';
import { factorize, mvGaussianFamily, type MvGaussianMixture, type MvGaussianOptions, mvStartFromPartition } from './mvgaussian/family.js';
import type { CovarianceModel } from './mvgaussian/models.js';

export type { DfModel, DomainProblem, FamilyName, Moments };

/** Every family's name: the one-column families' (--family) and the d-column Gaussian's (--var a,b). */
export type AnyFamilyName = FamilyName | 'mvgaussian';

/** Every family, in the order the help and the reports list them. */
export const FAMILY_NAMES: readonly FamilyName[] = ['gaussian', 'poisson', 'exponential', 'lognormal', 'gamma', 'weibull', 't'];

/**
 * What a family's likelihood is of: the density of x (these compare with one another, the
 * log-normal's with its Jacobian), or the probability of a count (comparable only with other
 * count families: a probability is not on the scale of a density).
 */
export type LikelihoodKind = 'density' | 'probability';

export const likelihoodKind = (family: FamilyName): LikelihoodKind => (family === 'poisson' ? 'probability' : 'density');

/**
 * A candidate's structure besides K: the family, and the options that change its number of
 * parameters (the Gaussian's variance model, the t's degrees of freedom).
 */
export type Structure =
  | { family: 'gaussian'; variance: VarianceModel }
  | { family: 'mvgaussian'; model: CovarianceModel }
  | { family: 't'; df: DfModel } | { family: 'poisson' | 'exponential' | 'lognormal' | 'gamma' | 'weibull' };

/** The structure in words for tables: "unequal", "equal", "df each", "" for a family with no option. */
export function structureName(s: Structure): string {
  if (s.family === 'gaussian') return s.variance;
  if (s.family === 'mvgaussian') return s.model;
  if (s.family === 't') return typeof s.df === 'number' ? `df ${s.df}` : `df ${s.df}`;
  return '';
}

export type FamilySpec =
  | ({ family: 'gaussian' } & GaussianOptions)
  | ({ family: 'gaussian-grouped' } & GroupedOptions)
  | ({ family: 'mvgaussian' } & MvGaussianOptions)
  | { family: 'poisson'; k: number }
  | ({ family: 'exponential' } & ExponentialOptions)
  | ({ family: 'lognormal' } & LognormalOptions)
  | ({ family: 'gamma' } & GammaOptions)
  | ({ family: 'weibull' } & WeibullOptions)
  | ({ family: 't' } & TOptions);

/**
 * What bounds the parameters of every family, from the data (see README, "The recording
 * resolution and the variance floor"): the Gaussian's variance floor, and δ and the largest
 * |x|, from which the other families' bounds follow (each family's module says how).
 */
export interface Bounds {
  /** The floor on a Gaussian variance (δ²/12, or --min-variance). */
  floor: number;
  /** δ, the recording resolution. */
  resolution: number;
  /** The largest |x| of the data. */
  largest: number;
  /** For d > 1 columns: the floor f_j of each column (δ_j²/12), length d. */
  floors?: readonly number[];
}

/** The spec of `structure` with k components and the data's bounds (the Gaussian's extras apart). */
export function familySpec(structure: Structure, k: number, bounds: Bounds): FamilySpec {
  const { floor, resolution, largest } = bounds;
  switch (structure.family) {
    case 'gaussian':
      return { family: 'gaussian', k, variance: structure.variance, floor };
    case 'mvgaussian': {
      const floors = bounds.floors ?? [floor];
      return { family: 'mvgaussian', k, d: floors.length, model: structure.model, floor: floors };
    }
    case 'poisson':
      return { family: 'poisson', k };
    case 'exponential':
      return { family: 'exponential', k, maxRate: rateBound(resolution) };
    case 'lognormal':
      return { family: 'lognormal', k, sdlogFloor: sdlogBound(resolution, largest) };
    case 'gamma':
      return { family: 'gamma', k, maxShape: shapeBound(resolution, largest) };
    case 'weibull':
      return { family: 'weibull', k, maxShape: weibullShapeBound(resolution, largest) };
    case 't':
      // The scale's floor is the Gaussian variance floor's square root (δ/√12).
      return { family: 't', k, df: structure.df, scaleFloor: Math.sqrt(floor) };
  }
}

/** The family a spec names, as the reports know it ("gaussian-grouped" is a Gaussian fitted to coarsened data). */
export const familyName = (spec: FamilySpec): AnyFamilyName => (spec.family === 'gaussian-grouped' ? 'gaussian' : spec.family);

/** The ComponentFamily of a spec beyond the Gaussian. */
function componentFamily(spec: Exclude<FamilySpec, { family: 'gaussian' | 'gaussian-grouped' | 'mvgaussian' }>): ComponentFamily<MixtureParams> {
  switch (spec.family) {
    case 'poisson':
      return poissonFamily(spec) as unknown as ComponentFamily<MixtureParams>;
    case 'exponential':
      return exponentialFamily(spec) as unknown as ComponentFamily<MixtureParams>;
    case 'lognormal':
      return lognormalFamily(spec) as unknown as ComponentFamily<MixtureParams>;
    case 'gamma':
      return gammaFamily(spec) as unknown as ComponentFamily<MixtureParams>;
    case 'weibull':
      return weibullFamily(spec) as unknown as ComponentFamily<MixtureParams>;
    case 't':
      return tFamily(spec) as unknown as ComponentFamily<MixtureParams>;
  }
}

/**
 * The EM loop's Family for a spec. `data`, when given, is what the Weibull M-step may pass
 * over again when its shape moves far (see weibull.ts); without it (a worker thread, which
 * only runs passes) the M-step takes a partial, still monotone step instead.
 */
export function makeFamily(spec: FamilySpec, data?: Data): Family<MixtureParams> {
  if (spec.family === 'gaussian-grouped') return groupedGaussianFamily(spec) as unknown as Family<MixtureParams>;
  if (spec.family === 'gaussian') return cachedGaussian(spec);
  if (spec.family === 'mvgaussian') return mvGaussianFamily(spec) as unknown as Family<MixtureParams>;
  return asFamily(componentFamily(spec), spec, data);
}

/**
 * The Gaussian families made, by their options: a search makes one per fit, hundreds a file
 * (of a batch's many small files, their allocation was an eighth of the run's). A Gaussian
 * family keeps nothing from one call to the next (its arrays are scratch within a call), so
 * one serves every fit of its options.
 */
const gaussians: { options: GaussianOptions; family: Family<MixtureParams> }[] = [];
const GAUSSIANS_KEPT = 64;

function cachedGaussian(options: GaussianOptions): Family<MixtureParams> {
  // Found by comparing the options' numbers (a key made of their text cost more than the lookup saves).
  const penalty = options.penalty ?? null;
  for (const kept of gaussians) {
    const o = kept.options;
    const p = o.penalty ?? null;
    if (o.k === options.k && o.variance === options.variance && o.floor === options.floor && (p === penalty || (p !== null && penalty !== null && p.strength === penalty.strength && p.scale === penalty.scale))) return kept.family;
  }
  if (gaussians.length >= GAUSSIANS_KEPT) gaussians.length = 0;
  const own = { k: options.k, variance: options.variance, floor: options.floor, penalty };
  const family = gaussianFamily(own) as unknown as Family<MixtureParams>;
  gaussians.push({ options: own, family });
  return family;
}

/**
 * A ComponentFamily as the EM loop's Family: the same pass, statistics and M-step; the
 * bounds' bits become the "held at a bound" flags the loop counts; the posterior comes from
 * the components' log-densities (for the reports, not inside the loop).
 */
function asFamily(cf: ComponentFamily<MixtureParams>, spec: FamilySpec, data?: Data): Family<MixtureParams> {
  const K = cf.k;
  const bounded = new Uint8Array(K);
  const weibull = cf.name === 'weibull' ? (cf as unknown as WeibullFamily) : null;
  const expand =
    weibull === null || data === undefined
      ? undefined
      : (theta: MixtureParams, expansion: Float64Array, stats: Float64Array): void => {
          stats.fill(0);
          weibull.passAt(data, theta as WeibullMixture, expansion, stats, 0, data.x.length);
        };
  const a = new Float64Array(K);
  return {
    name: cf.name,
    spec,
    k: K,
    statsLength: cf.statsLength,
    nParams: cf.nParams,
    paramsLength: cf.freeLength,
    create: () => cf.create(),
    copy: (from, to) => cf.copy(from, to),
    // θ itself, not its free coordinates: exp(log a) is not always a, and worker threads
    // evaluating their chunks at a θ rounded so made a fit depend on the number of threads.
    toVector: (theta, out) => cf.toVector(theta, out),
    fromVector: (v, theta) => cf.fromVector(v, theta),
    toFree: (theta, out) => cf.toFree(theta, out),
    fromFree: (u, theta) => cf.fromFree(u, theta),
    pass: (d, theta, stats, start, end) => cf.pass(d, theta, stats, start, end),
    partitionStats: (d, labels, at, stats) => cf.partitionStats(d, labels, at, stats),
    mStep(stats, at, next, floored) {
      cf.mStep(stats, at, next, bounded, expand);
      for (let k = 0; k < K; k++) floored[k] = bounded[k] === 0 ? 0 : 1;
    },
    expectedLogJoint: (stats, at, theta) => cf.expectedLogJoint(stats, at, theta),
    penalty: () => 0,
    componentWeight: (stats, k) => cf.componentWeight(stats, k),
    posterior(x, theta, start, end, r, logDensity) {
      for (let i = start; i < end; i++) {
        let top = -Infinity;
        for (let k = 0; k < K; k++) {
          a[k] = theta.weight[k] > 0 ? Math.log(theta.weight[k]) + cf.logDensity(x[i], theta, k) : -Infinity;
          if (a[k] > top) top = a[k];
        }
        const row = (i - start) * K;
        if (top === -Infinity) {
          // Outside every live component's support (predict on new data): no density here.
          for (let k = 0; k < K; k++) r[row + k] = NaN;
          logDensity[i - start] = -Infinity;
          continue;
        }
        let s = 0;
        for (let k = 0; k < K; k++) s += a[k] === -Infinity ? 0 : Math.exp(a[k] - top);
        for (let k = 0; k < K; k++) r[row + k] = a[k] === -Infinity ? 0 : Math.exp(a[k] - top) / s;
        logDensity[i - start] = top + Math.log(s);
      }
    },
  };
}

/** What the reports, model files and predict need of a family, whichever it is. */
export interface Description {
  name: AnyFamilyName;
  kind: LikelihoodKind;
  /** Per-component parameters by R's names, in order (the Gaussian's: mean, variance). */
  parameterNames: readonly string[];
  parameters(theta: MixtureParams, k: number): Record<string, number>;
  moments(theta: MixtureParams, k: number): Moments;
  /** log f(x | θ_k): the component's log-density (or log-probability of a count). */
  logDensity(x: number, theta: MixtureParams, k: number): number;
  /** The first value outside the family's support, or null. */
  checkDomain(x: Float64Array): DomainProblem | null;
  /** θ with K components from their weights and parameters by name (as model files hold them). */
  fromParameters(weights: readonly number[], parameters: readonly Record<string, number>[]): MixtureParams;
}

export function describe(spec: FamilySpec): Description {
  if (spec.family === 'gaussian' || spec.family === 'gaussian-grouped') return gaussianDescription;
  if (spec.family === 'mvgaussian') return mvDescription(spec.d);
  const cf = componentFamily(spec);
  return {
    name: cf.name,
    kind: likelihoodKind(cf.name),
    parameterNames: cf.parameterNames,
    parameters: (theta, k) => cf.parameters(theta, k),
    moments: (theta, k) => cf.moments(theta, k),
    logDensity: (x, theta, k) => cf.logDensity(x, theta, k),
    checkDomain: (x) => cf.checkDomain(x),
    fromParameters: (weights, parameters) => fromParameters(cf.create(), cf.parameterNames, weights, parameters),
  };
}

/** θ from weights and named parameters, into the arrays of `theta` of the same names. */
function fromParameters(theta: MixtureParams, names: readonly string[], weights: readonly number[], parameters: readonly Record<string, number>[]): MixtureParams {
  const arrays = theta as unknown as Record<string, Float64Array>;
  weights.forEach((w, k) => {
    theta.weight[k] = w;
    for (const name of names) arrays[name][k] = parameters[k][name];
  });
  return theta;
}

const gaussianDescription: Description = {
  name: 'gaussian',
  kind: 'density',
  parameterNames: ['mean', 'variance'],
  parameters: (theta, k) => ({ mean: (theta as GaussianMixture).mean[k], variance: (theta as GaussianMixture).variance[k] }),
  moments: (theta, k) => ({ mean: (theta as GaussianMixture).mean[k], variance: (theta as GaussianMixture).variance[k] }),
  logDensity(x, theta, k) {
    const { mean, variance } = theta as GaussianMixture;
    const d = x - mean[k];
    return -0.5 * (LOG_2PI + Math.log(variance[k]) + (d * d) / variance[k]);
  },
  checkDomain: (x) => checkSupport(x, 'gaussian', () => null),
  fromParameters(weights, parameters) {
    const k = weights.length;
    return fromParameters({ weight: new Float64Array(k), mean: new Float64Array(k), variance: new Float64Array(k) } as GaussianMixture, ['mean', 'variance'], weights, parameters);
  },
};

/**
 * The d-dimensional Gaussian's scalar view (reports that draw one column, the order by mean):
 * the first column's mean and variance; `logDensity` of a one-column value is not defined.
 * Its parameters by name are the vectors and matrices of `mvParameters`.
 */
function mvDescription(d: number): Description {
  const first = (theta: MixtureParams, k: number): Moments => {
    const m = theta as MvGaussianMixture;
    return { mean: m.mean[k * d], variance: m.covariance[k * d * d] };
  };
  return {
    name: 'mvgaussian',
    kind: 'density',
    parameterNames: ['mean', 'covariance'],
    parameters: (theta, k) => ({ ...first(theta, k) }),
    moments: first,
    logDensity: () => NaN,
    checkDomain: () => null,
    fromParameters(weights) {
      throw new RangeError(`a ${d}-column model is read by mvFromParameters, not from ${weights.length} scalar parameter sets`);
    },
  };
}

/** A d-dimensional Gaussian component's parameters: μ_k (d) and Σ_k (d rows of d). */
export function mvParameters(d: number, theta: MixtureParams, k: number): { mean: number[]; covariance: number[][] } {
  const m = theta as MvGaussianMixture;
  return {
    mean: Array.from(m.mean.subarray(k * d, (k + 1) * d)),
    covariance: Array.from({ length: d }, (_, p) => Array.from(m.covariance.subarray(k * d * d + p * d, k * d * d + (p + 1) * d))),
  };
}

/** θ of a d-dimensional Gaussian mixture from weights, means and covariances (as model files hold them); null if a Σ_k is not positive definite. */
export function mvFromParameters(d: number, weights: readonly number[], parameters: readonly { mean: number[]; covariance: number[][] }[]): MvGaussianMixture | null {
  const K = weights.length;
  const theta = mvGaussianFamily({ k: K, d, model: 'VVV', floor: new Array<number>(d).fill(1) }).create();
  weights.forEach((w, k) => {
    theta.weight[k] = w;
    theta.mean.set(parameters[k].mean, k * d);
    parameters[k].covariance.forEach((row, p) => theta.covariance.set(row, k * d * d + p * d));
  });
  return factorize(d, theta) ? theta : null;
}

/** Columns of the data a spec's family fits: d for the multivariate Gaussian, else 1. */
export const dimensionOf = (spec: FamilySpec): number => (spec.family === 'mvgaussian' ? spec.d : 1);

/**
 * θ(0) from a hard partition (codes[i] the component of row i, every component with rows
 * of positive weight): the M-step on it, so that a partition's starting ℓ is that M-step's;
 * floored[k] = 1 where a bound holds component k.
 */
export function startFromPartition(spec: FamilySpec, data: Data, codes: Codes): { theta: MixtureParams; floored: Uint8Array } {
  const floored = new Uint8Array(spec.k);
  if (spec.family === 'mvgaussian') return mvStartFromPartition(spec, data, codes);
  if (spec.family === 'gaussian' || spec.family === 'gaussian-grouped') {
    // The Gaussian M-step on its statistics (the grouped fit starts from the density's).
    const family = cachedGaussian(spec) as unknown as Family<GaussianMixture>;
    // Centre each label's sums at its first value: the shifted-data algorithm, exact enough
    // for the variance even when the data sit far from zero.
    const centre = family.create();
    const seen = new Uint8Array(spec.k);
    for (let i = 0; i < codes.length; i++) {
      if (!seen[codes[i]]) {
        seen[codes[i]] = 1;
        centre.mean[codes[i]] = data.x[i];
      }
    }
    centre.variance.fill(spec.floor);
    const stats = new Float64Array(family.statsLength);
    family.partitionStats(data, codes, centre, stats);
    const theta = family.create();
    family.mStep(stats, centre, theta, floored);
    return { theta, floored };
  }
  const bounded = new Uint8Array(spec.k);
  const theta = componentFamily(spec).start(data, codes, bounded);
  for (let k = 0; k < spec.k; k++) floored[k] = bounded[k] === 0 ? 0 : 1;
  return { theta, floored };
}

/** The spec whose density a fit's θ describes: a grouped fit's is its Gaussian's (the number mclust gives). */
export function densitySpec(spec: FamilySpec): FamilySpec {
  if (spec.family !== 'gaussian-grouped') return spec;
  const { coarsening: _, ...gaussian } = spec;
  return { ...gaussian, family: 'gaussian' };
}

/** The names of the bounds a family's M-step may hold its components at (the Gaussian's: the variance floor). */
export function boundNamesOf(spec: FamilySpec): readonly string[] {
  return spec.family === 'gaussian' || spec.family === 'gaussian-grouped' || spec.family === 'mvgaussian' ? ['variance-floor'] : componentFamily(spec).boundNames;
}
