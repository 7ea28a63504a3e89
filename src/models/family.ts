/**
 * What the EM loop needs from a component family, and nothing more.
 *
 * The loop (src/em/em.ts) never looks inside the parameters or the statistics: a family
 * evaluates one fused pass over the data (E-step, log-likelihood, entropy and sufficient
 * statistics together), turns the statistics into the next parameters (M-step), and scores
 * parameters against statistics (the expected complete-data log-likelihood of the ELBO).
 * Adding a family means implementing this interface; the loop does not change.
 */

import type { FamilySpec } from './registry.js';

/**
 * A partition's labels as codes 0..K−1, one per row: one byte a row as the reader keeps a
 * column of at most 256 labels, or four.
 */
export type Codes = Uint8Array | Int32Array;

/**
 * The observations as the core sees them: n rows × d columns, row-major (x_ij at x[i·d + j]),
 * so that a row's values are adjacent for the E-step. d = 1 is the one-column case every
 * univariate family fits, where x is simply the column.
 */
export interface Data {
  /**
   * x, shape (n, d), row-major. Never changed once it is data: kernels keep values derived
   * from it by the array (families/log-column.ts), so new rows need a new array or view (as
   * --by's groups, copied into one buffer, get in every thread: em/pool.ts, Job.dataSet).
   */
  readonly x: Float64Array;
  /** Frequency weights w_i ≥ 0, shape (n,); null means every w_i = 1. */
  readonly w: Float64Array | null;
  /** Columns d ≥ 1; absent means 1. */
  readonly d?: number;
}

/** n, the rows of the data. */
export const rowCount = (data: Data): number => (data.d === undefined || data.d === 1 ? data.x.length : data.x.length / data.d);

/** Parameters common to every mixture: the mixing weights π_k, shape (K,), summing to 1. */
export interface MixtureParams {
  readonly weight: Float64Array;
}

/**
 * Layout of the statistics array shared by every family: two scalars, then the family's
 * per-component block. A pass at θ writes
 *   stats[LOGLIK] = Σ_i w_i log p(x_i | θ)                 (the log-likelihood ℓ(θ))
 *   stats[RLOGR]  = Σ_i w_i Σ_k r_ik log r_ik               (minus the entropy of q)
 * where r_ik = p(z_i = k | x_i, θ) are the responsibilities.
 */
export const LOGLIK = 0;
export const RLOGR = 1;
export const HEADER = 2;

export interface Family<P extends MixtureParams> {
  /** Name used in reports and model files, e.g. "gaussian". */
  readonly name: string;
  /** The description the family is built from (see registry.ts): a worker rebuilds it from this. */
  readonly spec: FamilySpec;
  /** Number of components K. */
  readonly k: number;
  /** Length of the statistics array for this K. */
  readonly statsLength: number;
  /** Number of free parameters, for the information criteria. */
  readonly nParams: number;

  /** Length of the flat parameter vector (see toVector). */
  readonly paramsLength: number;

  /** A fresh parameter object for K components (contents unspecified). */
  create(): P;
  /** Copies every parameter of `from` into `to`. */
  copy(from: P, to: P): void;
  /**
   * Writes θ as a flat vector, to share it with worker threads: fromVector must read back the
   * same θ to the last bit, or a fit would depend on the number of threads. (SQUAREM
   * extrapolates in toFree's coordinates.)
   */
  toVector(theta: P, out: Float64Array): void;
  /** Reads θ back from a flat vector. */
  fromVector(v: Float64Array, theta: P): void;
  /**
   * Writes θ in unconstrained coordinates (length paramsLength), where any vector is a valid
   * θ after `fromFree`: for extrapolating θ (SQUAREM). −Infinity marks what must stay fixed
   * (the log-weight of a component that has vanished).
   */
  toFree(theta: P, out: Float64Array): void;
  /** Reads θ back from unconstrained coordinates, normalising and flooring as the M-step would. */
  fromFree(u: Float64Array, theta: P): void;

  /**
   * One fused pass over rows [start, end) at parameters θ: adds the two scalars and the
   * family's sufficient statistics into `stats` (the caller zeroes it). No allocation.
   */
  pass(data: Data, theta: P, stats: Float64Array, start: number, end: number): void;

  /**
   * The statistics of a hard partition (r_ik = 1 when label_i = k, else 0) centred at `at`,
   * added into `stats`; the M-step on them gives the partition's own parameters.
   */
  partitionStats(data: Data, labels: Codes, at: P, stats: Float64Array): void;

  /**
   * M-step: the parameters that maximise E_q[log p(x, z | θ)] for the q of the pass that
   * produced `stats` at `at`, written into `next`. Sets floored[k] = 1 for each component
   * whose variance was held at the floor (else 0), for the warnings.
   */
  mStep(stats: Float64Array, at: P, next: P, floored: Uint8Array): void;

  /**
   * E_q[log p(x, z | θ)] for any θ, where q is the posterior of the pass that produced
   * `stats` at `at`. With θ = the M-step's output this makes the ELBO cost no extra pass.
   */
  expectedLogJoint(stats: Float64Array, at: P, theta: P): number;

  /**
   * The log-penalty pen(θ) ≤ 0 added to ℓ: EM maximises the objective ℓ(θ) + pen(θ), and the
   * M-step includes it. 0 for plain maximum likelihood.
   */
  penalty(theta: P): number;

  /** Total weight of component k in `stats`: N_k = Σ_i w_i r_ik. */
  componentWeight(stats: Float64Array, k: number): number;

  /**
   * Responsibilities and log-density of rows [start, end): r[(i - start)·K + k] = r_ik and
   * logDensity[i - start] = log p(x_i | θ). Used to report and predict, not inside the loop.
   */
  posterior(
    x: Float64Array,
    theta: P,
    start: number,
    end: number,
    r: Float64Array,
    logDensity: Float64Array,
  ): void;

  /**
   * Optionally, Σ_i w_i log max_k r_ik over rows [start, end) in one pass of the family's
   * kernel (mclust's ICL adds it to BIC): the same number as from `posterior`, to rounding,
   * for a fraction of the work.
   */
  mapLoglik?(data: Data, theta: P, start: number, end: number): number;

  /**
   * Optionally, the same Σ_i w_i log max_k r_ik from the statistics of a pass at θ (`pass`
   * sums it among them): a fit's last pass then gives it without another pass over the rows.
   */
  mapFromStats?(stats: Float64Array): number;
}
