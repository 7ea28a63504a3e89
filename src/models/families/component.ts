/**
 * What a component family of the mixture engine supplies, for the families of this folder.
 *
 * It follows src/models/family.ts (the Gaussian's interface today) and adds what the other
 * families need: parameter names, bounds, the domain check, the start from a partition and
 * the moments of a component. The mixture p(x | θ) = Σ_k π_k f(x | θ_k) is the same for
 * every family: each pass evaluates a_ik = log π_k + log f(x_i | θ_k), the log-likelihood
 * ℓ = Σ_i w_i log Σ_k exp(a_ik), the responsibilities r_ik = exp(a_ik − log Σ_j exp(a_ij)),
 * Σ_i w_i Σ_k r_ik log r_ik (for the entropy term of the ELBO), and the family's
 * statistics, each a sum over rows weighted by w_i r_ik (kernel.ts generates the pass from
 * each family's log-density and statistics). A pass over rows [start, end) adds into
 * `stats`, so that chunks of rows evaluated apart (and in any thread) add up to the pass
 * over all rows.
 */
import type { Codes, Data, MixtureParams } from '../family.js';

export { type Data, HEADER, LOGLIK, RLOGR, type MixtureParams } from '../family.js';

export type FamilyName = 'gaussian' | 'poisson' | 'exponential' | 'lognormal' | 'gamma' | 'weibull' | 't';

/** The first value outside a family's support: x[index], why, and a family whose support holds the data. */
export interface DomainProblem {
  index: number;
  value: number;
  reason: string;
  suggestion: FamilyName;
}

/**
 * Runs a pass at θ over all the rows, into `stats` (zeroed first), with the family's series
 * expanded at `expansion` (one shape per component) instead of at θ: the Weibull M-step
 * asks for it when its shape moves too far for the statistics at hand (see weibull.ts).
 */
export type Expander<P> = (theta: P, expansion: Float64Array, stats: Float64Array) => void;

/** Mean and variance of one component; +∞ or NaN where they do not exist (t with ν ≤ 2 or ≤ 1). */
export interface Moments {
  mean: number;
  variance: number;
}

export interface ComponentFamily<P extends MixtureParams> {
  readonly name: FamilyName;
  /** Number of components K. */
  readonly k: number;
  /** Per-component parameter names, R's: e.g. ['shape', 'rate'] (dgamma). */
  readonly parameterNames: readonly string[];
  /** Names of the bounds: bit j of bounded[k] after an M-step is set when bound j holds θ_k there. */
  readonly boundNames: readonly string[];
  /** Length of the statistics array: the shared header, then the family's blocks. */
  readonly statsLength: number;
  /** Number of free parameters of the mixture, weights included (K − 1 of them): for the criteria. */
  readonly nParams: number;
  /** Length of the unconstrained vector of toFree/fromFree. */
  readonly freeLength: number;

  create(): P;
  copy(from: P, to: P): void;
  /** log f(x | θ_k), the component's log-density (or log-probability) at x. */
  logDensity(x: number, theta: P, k: number): number;
  /** The fused pass over rows [start, end) at θ, added into stats. No allocation. */
  pass(data: Data, theta: P, stats: Float64Array, start: number, end: number): void;
  /** The statistics of the hard partition labels (0..K−1), centred at `at`, added into stats. */
  partitionStats(data: Data, labels: Codes, at: P, stats: Float64Array): void;
  /**
   * M-step: θ that maximises E_q[log p(x, z | θ)] for the q of the pass that made `stats` at
   * `at`, into `next`, within the family's bounds; bounded[k] gets the bits of the bounds
   * that hold θ_k. Returns the number of extra passes it made through `expand` (0 but for
   * the Weibull family, which may rewrite `stats` with them).
   */
  mStep(stats: Float64Array, at: P, next: P, bounded: Uint8Array, expand?: Expander<P>): number;
  /** E_q[log p(x, z | θ)] for any θ, from the statistics of q made at `at` (NaN where they do not determine it). */
  expectedLogJoint(stats: Float64Array, at: P, theta: P): number;
  /** N_k = Σ_i w_i r_ik. */
  componentWeight(stats: Float64Array, k: number): number;
  /**
   * θ as it is (π, then each parameter's array; length freeLength), to share with worker
   * threads: read back by fromVector to the last bit, so a pass on any thread sees the same θ.
   */
  toVector(theta: P, out: Float64Array): void;
  fromVector(v: Float64Array, theta: P): void;
  /** θ in unconstrained coordinates (length freeLength); −∞ marks a vanished component's log-weight. */
  toFree(theta: P, out: Float64Array): void;
  /** θ from unconstrained coordinates, normalised and held within the bounds as the M-step would. */
  fromFree(u: Float64Array, theta: P): void;
  /** The first row outside the family's support, or null. */
  checkDomain(x: Float64Array): DomainProblem | null;
  /** The M-step on the hard partition `labels` (0..K−1): the start of a fit from a partition. */
  start(data: Data, labels: Codes, bounded?: Uint8Array): P;
  moments(theta: P, k: number): Moments;
  /** θ_k under R's names, for the JSON report. */
  parameters(theta: P, k: number): Record<string, number>;
}

/**
 * The live components of θ (π_k > 0) into `live`; returns their number m. A component of
 * weight 0 has log π_k = −∞ and must get r_ik = 0 at every row, however far from the rest.
 */
export function liveComponents(weight: Float64Array, live: Int32Array): number {
  let m = 0;
  for (let k = 0; k < weight.length; k++) if (weight[k] > 0) live[m++] = k;
  if (m === 0) throw new RangeError('internal error: a mixture with no component of positive weight');
  return m;
}

/** log π_k into out[0..K), −∞ for a vanished component. */
export function weightsToFree(weight: Float64Array, out: Float64Array): void {
  for (let k = 0; k < weight.length; k++) out[k] = Math.log(weight[k]);
}

/** π_k = exp(u_k) / Σ_j exp(u_j) from u[0..K), shifted by the largest u_j so that nothing overflows. */
export function weightsFromFree(u: Float64Array, weight: Float64Array): void {
  const K = weight.length;
  let top = -Infinity;
  for (let k = 0; k < K; k++) top = Math.max(top, u[k]);
  let sum = 0;
  for (let k = 0; k < K; k++) {
    weight[k] = Math.exp(u[k] - top);
    sum += weight[k];
  }
  for (let k = 0; k < K; k++) weight[k] /= sum;
}

/**
 * One parameter of a family, for the storage of θ and SQUAREM's free coordinates: a positive
 * one moves as its log and comes back held within [min, max] (the family's bounds, as its
 * M-step holds them); a real one moves as it is.
 */
export interface ParameterCoordinate {
  name: string;
  positive: boolean;
  min?: number;
  max?: number;
}

/**
 * θ's arrays for K components (`weight`, then one array per parameter), their copy, and the
 * free coordinates: log π_k in u[0..K), then parameter j's K coordinates in u[(j+1)K..).
 */
export function parameterArrays<P extends MixtureParams>(K: number, parameters: readonly ParameterCoordinate[]): Pick<ComponentFamily<P>, 'create' | 'copy' | 'toVector' | 'fromVector' | 'toFree' | 'fromFree'> {
  // Called once per EM iteration (SQUAREM's steps, copies of θ): loops over the parameters, no arrays or closures made.
  const array = (theta: P, j: number): Float64Array => (theta as unknown as Record<string, Float64Array>)[parameters[j].name];
  return {
    create: () => Object.fromEntries([['weight', new Float64Array(K)], ...parameters.map((p) => [p.name, new Float64Array(K)])]) as unknown as P,
    copy(from, to) {
      to.weight.set(from.weight);
      for (let j = 0; j < parameters.length; j++) array(to, j).set(array(from, j));
    },
    toVector(theta, out) {
      out.set(theta.weight, 0);
      for (let j = 0; j < parameters.length; j++) out.set(array(theta, j), (j + 1) * K);
    },
    fromVector(v, theta) {
      theta.weight.set(v.subarray(0, K));
      for (let j = 0; j < parameters.length; j++) array(theta, j).set(v.subarray((j + 1) * K, (j + 2) * K));
    },
    toFree(theta, out) {
      weightsToFree(theta.weight, out);
      for (let j = 0; j < parameters.length; j++) {
        const a = array(theta, j);
        const at = (j + 1) * K;
        for (let k = 0; k < K; k++) out[at + k] = parameters[j].positive ? Math.log(a[k]) : a[k];
      }
    },
    fromFree(u, theta) {
      weightsFromFree(u, theta.weight);
      for (let j = 0; j < parameters.length; j++) {
        const { positive, min = -Infinity, max = Infinity } = parameters[j];
        const a = array(theta, j);
        const at = (j + 1) * K;
        for (let k = 0; k < K; k++) a[k] = positive ? Math.min(max, Math.max(min, Math.exp(u[at + k]))) : u[at + k];
      }
    },
  };
}

/** π_k = N_k / Σ_j N_j; returns Σ_j N_j. */
export function weightsFromCounts(stats: Float64Array, offN: number, weight: Float64Array): number {
  let total = 0;
  for (let k = 0; k < weight.length; k++) total += stats[offN + k];
  for (let k = 0; k < weight.length; k++) weight[k] = stats[offN + k] > 0 ? stats[offN + k] / total : 0;
  return total;
}

/** Σ_k N_k log π_k for the weights of θ, skipping components with N_k = 0 (whose π_k may be 0). */
export function weightsLogJoint(stats: Float64Array, offN: number, weight: Float64Array): number {
  let sum = 0;
  for (let k = 0; k < weight.length; k++) if (stats[offN + k] > 0) sum += stats[offN + k] * Math.log(weight[k]);
  return sum;
}

/** Checks that the labels of a partition are in 0..K−1 and that each component has weight. */
export function checkPartition(data: Data, labels: Codes, K: number): void {
  if (labels.length !== data.x.length) throw new RangeError(`partition of ${labels.length} labels for ${data.x.length} rows`);
  const mass = new Float64Array(K);
  for (let i = 0; i < labels.length; i++) {
    const k = labels[i];
    if (!(k >= 0 && k < K)) throw new RangeError(`partition label ${k} at row ${i} is not in 0..${K - 1}`);
    mass[k] += data.w === null ? 1 : data.w[i];
  }
  mass.forEach((m, k) => {
    if (!(m > 0)) throw new RangeError(`partition component ${k} has no rows of positive weight`);
  });
}

/**
 * The first x[i] outside a family's support (`outside` names why, or returns null), as a
 * domain problem with a family whose support holds the whole column: the Gaussian when
 * there are negative values, the Poisson for non-negative integers, the exponential when
 * there are zeros (its support is [0, ∞)), else the gamma.
 */
export function checkSupport(x: Float64Array, self: FamilyName, outside: (v: number) => string | null): DomainProblem | null {
  for (let i = 0; i < x.length; i++) {
    const reason = Number.isFinite(x[i]) ? outside(x[i]) : 'is not a finite number';
    if (reason !== null) return { index: i, value: x[i], reason, suggestion: suggestFamily(x, self) };
  }
  return null;
}

/** What puts a value outside (0, ∞), the support of the log-normal, gamma and Weibull families. */
export const outsidePositive = (v: number): string | null => (v < 0 ? 'is negative' : v === 0 ? 'is zero' : null);

function suggestFamily(x: Float64Array, self: FamilyName): FamilyName {
  let negative = false;
  let integer = true;
  let zero = false;
  for (let i = 0; i < x.length; i++) {
    if (x[i] < 0) negative = true;
    if (x[i] === 0) zero = true;
    if (!Number.isInteger(x[i])) integer = false;
  }
  const order: FamilyName[] = negative ? ['gaussian'] : integer ? ['poisson', 'exponential', 'gaussian'] : zero ? ['exponential', 'gaussian'] : ['gamma', 'lognormal', 'gaussian'];
  return order.find((name) => name !== self) ?? 'gaussian';
}
