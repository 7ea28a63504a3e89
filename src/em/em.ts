/**
 * The EM loop, written once for every component family.
 *
 * Notation: θ(t) are the parameters after t iterations, θ(0) the starting point;
 * q(t) the responsibilities computed at θ(t−1); ℓ(t) = ℓ(θ(t)) the log-likelihood;
 * ELBO(t) = L(q(t), θ(t)) = E_q(t)[log p(x, z | θ(t))] + H(q(t)).
 * EM guarantees ℓ(t−1) = L(q(t), θ(t−1)) ≤ ELBO(t) ≤ ℓ(t).
 *
 * One pass over the data per iteration: the pass at θ(t) yields ℓ(t), the entropy of
 * q(t+1) and the sufficient statistics of θ(t+1) together. The ELBO follows from those
 * statistics without another pass. The loop is a generator so that a caller can yield to
 * the event loop between iterations (progress, Ctrl-C); `runEm` drives it to the end.
 */
import { type Data, type Family, type MixtureParams, LOGLIK, RLOGR } from '../models/family.js';

export interface EmOptions {
  /** Maximum number of iterations; 0 reports θ(0). */
  maxIter: number;
  /** Stop when |ℓ(t) − ℓ(t−1)| ≤ rtol·|ℓ(t−1)|. */
  rtol: number;
}

export interface TraceEntry {
  iteration: number;
  loglik: number;
  /** null at iteration 0, where there are no responsibilities yet. */
  elbo: number | null;
}

export type StopReason = 'converged' | 'max_iter';

export interface EmRun<P> {
  theta: P;
  /** ℓ at the final θ. */
  loglik: number;
  /** Σ_i w_i Σ_k r_ik log r_ik of the posterior at the final θ (minus its entropy). */
  rlogr: number;
  iterations: number;
  converged: boolean;
  stopReason: StopReason;
  trace: TraceEntry[];
  /** For each component, the number of iterations whose M-step held its variance at the floor. */
  floorCount: Int32Array;
  /** 1 where the final θ has the variance at the floor. */
  flooredAtEnd: Uint8Array;
  /** Passes over the data. */
  passes: number;
}

/** Evaluates one pass over all the data at θ into `stats` (which it zeroes first). */
export interface PassRunner<P> {
  run(theta: P, stats: Float64Array): void;
}

/** The plain pass: one call of the family kernel over every row. */
export function serialRunner<P extends MixtureParams>(family: Family<P>, data: Data): PassRunner<P> {
  const n = data.x.length;
  return {
    run(theta, stats) {
      stats.fill(0);
      family.pass(data, theta, stats, 0, n);
    },
  };
}

export interface Progress {
  iteration: number;
  loglik: number;
}

export function* emSteps<P extends MixtureParams>(
  family: Family<P>,
  runner: PassRunner<P>,
  theta0: P,
  options: EmOptions,
  initialFloored?: Uint8Array,
): Generator<Progress, EmRun<P>> {
  const K = family.k;
  let theta = family.create();
  let next = family.create();
  family.copy(theta0, theta);
  let stats = new Float64Array(family.statsLength);
  let nextStats = new Float64Array(family.statsLength);
  const floored = new Uint8Array(K);
  const floorCount = new Int32Array(K);
  const flooredAtEnd = new Uint8Array(K);
  if (initialFloored) flooredAtEnd.set(initialFloored);

  runner.run(theta, stats);
  let passes = 1;
  let loglik = stats[LOGLIK];
  const trace: TraceEntry[] = [{ iteration: 0, loglik, elbo: null }];
  let converged = false;
  let t = 0;
  while (t < options.maxIter) {
    t++;
    family.mStep(stats, theta, next, floored);
    // ELBO(t) = E_q(t)[log p(x, z | θ(t))] + H(q(t)), both from the statistics of q(t).
    const elbo = family.expectedLogJoint(stats, theta, next) - stats[RLOGR];
    runner.run(next, nextStats);
    passes++;
    const previous = loglik;
    loglik = nextStats[LOGLIK];
    trace.push({ iteration: t, loglik, elbo });
    for (let k = 0; k < K; k++) floorCount[k] += floored[k];
    flooredAtEnd.set(floored);
    [theta, next] = [next, theta];
    [stats, nextStats] = [nextStats, stats];
    yield { iteration: t, loglik };
    if (Math.abs(loglik - previous) <= options.rtol * Math.abs(previous)) {
      converged = true;
      break;
    }
  }
  return {
    theta,
    loglik,
    rlogr: stats[RLOGR],
    iterations: t,
    converged,
    stopReason: converged ? 'converged' : 'max_iter',
    trace,
    floorCount,
    flooredAtEnd,
    passes,
  };
}

/** Runs a generator of the loop to its end and returns its result. */
export function drain<T>(steps: Generator<unknown, T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

export function runEm<P extends MixtureParams>(
  family: Family<P>,
  data: Data,
  theta0: P,
  options: EmOptions,
  initialFloored?: Uint8Array,
): EmRun<P> {
  return drain(emSteps(family, serialRunner(family, data), theta0, options, initialFloored));
}
