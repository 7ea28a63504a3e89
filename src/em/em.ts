/**
 * The EM loop, written once for every component family.
 *
 * Notation: θ(t) are the parameters after t iterations, θ(0) the starting point;
 * q(t) the responsibilities computed at θ(t−1); ℓ(t) = ℓ(θ(t)) the log-likelihood;
 * ELBO(t) = L(q(t), θ(t)) = E_q(t)[log p(x, z | θ(t))] + H(q(t)).
 * EM guarantees ℓ(t−1) = L(q(t), θ(t−1)) ≤ ELBO(t) ≤ ℓ(t).
 *
 * With a penalty pen(θ) (a family's, see Family.penalty) EM maximises the objective
 * ℓ(θ) + pen(θ) instead, the M-step maximising E_q[log p(x, z | θ)] + pen(θ); the same chain
 * then holds for the objective, with pen(θ(t)) added to the ELBO, and ℓ alone may dip.
 * Convergence and the SQUAREM safeguard look at the objective.
 *
 * One pass over the data per iteration: the pass at θ(t) yields ℓ(t), the entropy of
 * q(t+1) and the sufficient statistics of θ(t+1) together. The ELBO follows from those
 * statistics without another pass. The loop is a generator so that a caller can yield to
 * the event loop between iterations (progress, Ctrl-C); `drain` runs it to the end at once.
 */
import { EmFitError, EXIT } from '../errors.js';
import { type Family, type MixtureParams, LOGLIK, RLOGR } from '../models/family.js';

export type Acceleration = 'none' | 'squarem';

export interface EmOptions {
  /** Maximum number of iterations; 0 reports θ(0). */
  maxIter: number;
  /** Stop when |ℓ(t) − ℓ(t−1)| ≤ rtol·|ℓ(t−1)|. */
  rtol: number;
  /** 'squarem' adds SQUAREM extrapolation steps between EM steps (see squaremStep). */
  accel?: Acceleration;
  /**
   * Stops the run early, with stopReason 'abandoned', once this returns true for θ(t): for a
   * search that will reject the fit anyway (e.g. a component with almost no weight left).
   */
  abandon?: (theta: MixtureParams) => boolean;
}

/** What produced θ(t): the start, an EM step, or an accepted SQUAREM extrapolation. */
export type StepKind = 'start' | 'em' | 'squarem';

export interface TraceEntry {
  iteration: number;
  loglik: number;
  /** ℓ(t) + pen(θ(t)): what EM maximises (= loglik without a penalty). */
  objective: number;
  /**
   * L(q, θ(t)) + pen(θ(t)) for the q of the previous pass: the ELBO after an EM step; after a
   * SQUAREM step still a lower bound on the objective, but not the EM chain's. null at iteration 0.
   */
  elbo: number | null;
  step: StepKind;
}

/**
 * Why a run stopped: converged; at --max-iter; given up by EmOptions.abandon; or 'numerical':
 * the next EM step could not be taken in floating point (its parameters not finite or no
 * component of positive weight, its M-step a fit error such as a covariance that is not
 * positive definite, or its likelihood not finite), as a component collapsing onto a point
 * can make it. The run then ends at the last θ that was valid.
 */
export type StopReason = 'converged' | 'max_iter' | 'abandoned' | 'numerical';

export interface EmRun<P> {
  theta: P;
  /** ℓ at the final θ. */
  loglik: number;
  /** ℓ + pen at the final θ. */
  objective: number;
  /** Σ_i w_i Σ_k r_ik log r_ik of the posterior at the final θ (minus its entropy). */
  rlogr: number;
  /** The statistics of the pass at the final θ. */
  stats: Float64Array;
  iterations: number;
  converged: boolean;
  stopReason: StopReason;
  trace: TraceEntry[];
  /** For each component, the number of M-steps that held its variance at the floor. */
  floorCount: Int32Array;
  /** Passes over the data, including those of rejected SQUAREM proposals. */
  passes: number;
  /** SQUAREM proposals rejected because ℓ would have dropped. */
  rejected: number;
}

/** Evaluates one pass over all the data at θ into `stats` (which it zeroes first). */
export interface PassRunner<P> {
  run(theta: P, stats: Float64Array): void;
  /** Frees what the runner holds (worker threads); it must not be used afterwards. */
  release(): void;
}

export interface Progress {
  iteration: number;
  /** The objective (ℓ, or ℓ + pen with a penalty). */
  loglik: number;
}

/**
 * SQUAREM (Varadhan and Roland, Scand. J. Statist. 35, 2008), scheme S3, with the step
 * length control and monotone safeguard of their R package: from θ0, θ1 = F(θ0) and
 * θ2 = F(θ1), with r = θ1 − θ0 and v = θ2 − θ1 − r (in unconstrained coordinates),
 *   α = −clamp(‖r‖/‖v‖, 1, stepMax),  θ' = θ0 − 2αr + α²v.
 * α = −1 gives θ' = θ2, plain EM. stepMax starts at 1, grows 4× whenever it binds and
 * shrinks 4× when a proposal is rejected: θ' is kept only if ℓ(θ') ≥ ℓ(θ1), so the trace
 * never goes down. The next EM step, F(θ'), is the scheme's stabilisation step.
 */
class Squarem<P extends MixtureParams> {
  private stepMax = 1;
  private readonly u0: Float64Array;
  private readonly u1: Float64Array;
  private readonly u2: Float64Array;
  /** θ0 of the step, F(θ1) (then θ' and the candidate's start), its statistics, and F(θ1)'s floors. */
  readonly before: P;
  readonly ahead: P;
  readonly aheadStats: Float64Array;
  readonly flooredEm: Uint8Array;

  constructor(family: Family<P>) {
    const length = family.paramsLength;
    this.u0 = new Float64Array(length);
    this.u1 = new Float64Array(length);
    this.u2 = new Float64Array(length);
    this.before = family.create();
    this.ahead = family.create();
    this.aheadStats = new Float64Array(family.statsLength);
    this.flooredEm = new Uint8Array(family.k);
  }

  /**
   * Writes the proposal from the free coordinates of θ0, θ1, θ2 into u0 and returns it, or
   * returns null when α = −1 (the proposal would be θ2, which plain EM reaches anyway).
   */
  propose(family: Pick<Family<P>, 'toFree'>, theta0: P, theta1: P, theta2: P): Float64Array | null {
    const { u0, u1, u2 } = this;
    // Straight into the scheme's arrays (closures made per step were garbage in every SQUAREM iteration).
    family.toFree(theta0, u0);
    family.toFree(theta1, u1);
    family.toFree(theta2, u2);
    let rr = 0;
    let vv = 0;
    for (let j = 0; j < u0.length; j++) {
      if (!Number.isFinite(u0[j] + u1[j] + u2[j])) continue;
      const r = u1[j] - u0[j];
      const v = u2[j] - 2 * u1[j] + u0[j];
      rr += r * r;
      vv += v * v;
    }
    const ratio = vv > 0 ? Math.sqrt(rr / vv) : Infinity;
    const step = Math.min(Math.max(ratio, 1), this.stepMax);
    if (ratio >= this.stepMax) this.stepMax *= 4;
    if (step === 1) return null;
    const alpha = -step;
    for (let j = 0; j < u0.length; j++) {
      if (!Number.isFinite(u0[j] + u1[j] + u2[j])) {
        u0[j] = u2[j];
        continue;
      }
      const r = u1[j] - u0[j];
      const v = u2[j] - 2 * u1[j] + u0[j];
      u0[j] = u0[j] - 2 * alpha * r + alpha * alpha * v;
    }
    return u0;
  }

  rejected(): void {
    this.stepMax = Math.max(1, this.stepMax / 4);
  }
}

/** True when a component held at a bound in `candidate` was not held in `em` (SQUAREM's step is then refused). */
function newlyFloored(candidate: Uint8Array, em: Uint8Array): boolean {
  for (let k = 0; k < candidate.length; k++) if (candidate[k] > em[k]) return true;
  return false;
}

export function* emSteps<P extends MixtureParams>(
  family: Family<P>,
  runner: PassRunner<P>,
  theta0: P,
  options: EmOptions,
): Generator<Progress, EmRun<P>> {
  const K = family.k;
  let theta = family.create();
  let next = family.create();
  family.copy(theta0, theta);
  let stats = new Float64Array(family.statsLength);
  let nextStats = new Float64Array(family.statsLength);
  const floored = new Uint8Array(K);
  const floorCount = new Int32Array(K);
  // Made only for SQUAREM, with its arrays (a search's screening makes hundreds of short plain-EM runs a file, which need none).
  const squarem = options.accel === 'squarem' ? new Squarem(family) : null;
  const vector = new Float64Array(family.paramsLength);
  /**
   * The M-step into `out`, false when it cannot be taken: a fit error (a covariance that no
   * floor keeps positive definite in floating point) or parameters that are not finite.
   */
  const mStep = (from: Float64Array, at: P, out: P, bounded: Uint8Array): boolean => {
    try {
      family.mStep(from, at, out, bounded);
    } catch (error) {
      if (error instanceof EmFitError && error.exitCode === EXIT.fit) return false;
      throw error;
    }
    return valid(out);
  };
  /** Whether θ is one a pass can take: finite parameters, weights ≥ 0 and not all 0. */
  const valid = (at: P): boolean => {
    family.toVector(at, vector);
    for (let i = 0; i < vector.length; i++) if (!Number.isFinite(vector[i])) return false;
    let total = 0;
    for (let k = 0; k < K; k++) {
      if (!(at.weight[k] >= 0)) return false;
      total += at.weight[k];
    }
    return total > 0;
  };

  runner.run(theta, stats);
  let passes = 1;
  let rejected = 0;
  let objective = stats[LOGLIK] + family.penalty(theta);
  const trace: TraceEntry[] = [{ iteration: 0, loglik: stats[LOGLIK], objective, elbo: null, step: 'start' }];
  let converged = false;
  let t = 0;

  /** Makes `next` (with nextStats from a pass at it, objective `reached`) the current θ, and tests convergence. */
  const advance = (reached: number, elbo: number, step: StepKind): void => {
    const previous = objective;
    objective = reached;
    trace.push({ iteration: ++t, loglik: nextStats[LOGLIK], objective, elbo, step });
    // Swapped through temporaries (a destructured swap makes an array, each iteration).
    const done = theta;
    theta = next;
    next = done;
    const used = stats;
    stats = nextStats;
    nextStats = used;
    converged = Math.abs(objective - previous) <= options.rtol * Math.abs(previous);
  };

  let abandoned = false;
  let broke = false;
  /** A SQUAREM proposal refused: its step shortened for the next. */
  const refuse = (): void => {
    rejected++;
    squarem?.rejected();
  };
  while (t < options.maxIter && !converged && !abandoned && !broke) {
    // The EM step: θ(t) = M-step on q(t), the posterior at θ(t−1).
    if (squarem !== null) family.copy(theta, squarem.before);
    if (!mStep(stats, theta, next, floored)) {
      broke = true;
      break;
    }
    // ELBO(t) = E_q(t)[log p(x, z | θ(t))] + H(q(t)) (+ pen(θ(t))), from the statistics of q(t).
    const penalty = family.penalty(next);
    const elbo = family.expectedLogJoint(stats, theta, next) - stats[RLOGR] + penalty;
    runner.run(next, nextStats);
    passes++;
    // A θ whose likelihood is not finite (a covariance singular in floating point, every
    // density of a row 0): the run ends at the θ before it.
    if (!Number.isFinite(nextStats[LOGLIK])) {
      broke = true;
      break;
    }
    for (let k = 0; k < K; k++) floorCount[k] += floored[k];
    advance(nextStats[LOGLIK] + penalty, elbo, 'em');
    yield { iteration: t, loglik: objective };
    if (!converged && options.abandon?.(theta)) abandoned = true;
    if (squarem === null || converged || abandoned || t >= options.maxIter) continue;
    const { before, ahead, aheadStats, flooredEm } = squarem;

    // The extrapolation from θ0 = before, θ1 = theta and θ2 = F(θ1), the M-step on stats.
    if (!mStep(stats, theta, ahead, flooredEm)) continue;
    const proposal = squarem.propose(family, before, theta, ahead);
    if (proposal === null) continue;
    // θ' itself may have a lower ℓ than θ1; its EM step θ'' = F(θ') is the candidate.
    family.fromFree(proposal, ahead);
    if (!valid(ahead)) {
      refuse();
      continue;
    }
    runner.run(ahead, aheadStats);
    passes++;
    if (!Number.isFinite(aheadStats[LOGLIK]) || !mStep(aheadStats, ahead, next, floored)) {
      refuse();
      continue;
    }
    runner.run(next, nextStats);
    passes++;
    const candidatePenalty = family.penalty(next);
    const reached = nextStats[LOGLIK] + candidatePenalty;
    if (!(reached >= objective) || !Number.isFinite(reached) || newlyFloored(floored, flooredEm)) {
      refuse();
      continue;
    }
    for (let k = 0; k < K; k++) floorCount[k] += floored[k];
    advance(reached, family.expectedLogJoint(aheadStats, ahead, next) - aheadStats[RLOGR] + candidatePenalty, 'squarem');
    yield { iteration: t, loglik: objective };
  }
  return {
    theta,
    loglik: stats[LOGLIK],
    objective,
    rlogr: stats[RLOGR],
    stats,
    iterations: t,
    converged,
    stopReason: converged ? 'converged' : abandoned ? 'abandoned' : broke ? 'numerical' : 'max_iter',
    trace,
    floorCount,
    passes,
    rejected,
  };
}

/** Runs a generator of the loop to its end and returns its result. */
export function drain<T>(steps: Generator<unknown, T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}
