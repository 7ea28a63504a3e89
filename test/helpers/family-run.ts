/**
 * Runs a family of src/models/families through the EM loop of src/em/em.ts, unchanged: the
 * adapter below is all a ComponentFamily needs to be a Family of today's engine (the spec,
 * which only the worker pool reads, is left out, so runs here are single-threaded).
 */
import { drain, type EmOptions, type EmRun, emSteps } from '../../src/em/em.js';
import { serialRunner } from '../../src/em/chunks.js';
import type { Data, Family, MixtureParams } from '../../src/models/family.js';
import type { ComponentFamily } from '../../src/models/families/component.js';
import type { WeibullFamily, WeibullMixture } from '../../src/models/families/weibull.js';

/** Extra passes the M-steps made (the Weibull's re-expansions), counted per adapter. */
export interface Adapted<P extends MixtureParams> {
  family: Family<P>;
  extraPasses: () => number;
  /** The bound bits of the last M-step, per component. */
  lastBounded: Uint8Array;
}

export function adapt<P extends MixtureParams>(cf: ComponentFamily<P>, data: Data): Adapted<P> {
  const K = cf.k;
  const bounded = new Uint8Array(K);
  let extra = 0;
  const weibull = cf.name === 'weibull' ? (cf as unknown as WeibullFamily) : null;
  const expand =
    weibull === null
      ? undefined
      : (theta: P, expansion: Float64Array, stats: Float64Array): void => {
          stats.fill(0);
          weibull.passAt(data, theta as unknown as WeibullMixture, expansion, stats, 0, data.x.length);
        };
  const r = new Float64Array(K);
  const family: Family<P> = {
    name: cf.name,
    spec: undefined as never,
    k: K,
    statsLength: cf.statsLength,
    nParams: cf.nParams,
    paramsLength: cf.freeLength,
    create: () => cf.create(),
    copy: (from, to) => cf.copy(from, to),
    toVector: (theta, out) => cf.toFree(theta, out),
    fromVector: (v, theta) => cf.fromFree(v, theta),
    toFree: (theta, out) => cf.toFree(theta, out),
    fromFree: (u, theta) => cf.fromFree(u, theta),
    pass: (d, theta, stats, start, end) => cf.pass(d, theta, stats, start, end),
    partitionStats: (d, labels, at, stats) => cf.partitionStats(d, labels, at, stats),
    mStep(stats, at, next, floored) {
      extra += cf.mStep(stats, at, next, bounded, expand);
      for (let k = 0; k < K; k++) floored[k] = bounded[k] === 0 ? 0 : 1;
    },
    expectedLogJoint: (stats, at, theta) => cf.expectedLogJoint(stats, at, theta),
    componentWeight: (stats, k) => cf.componentWeight(stats, k),
    posterior(x, theta, start, end, resp, logDensity) {
      for (let i = start; i < end; i++) {
        let top = -Infinity;
        for (let k = 0; k < K; k++) {
          r[k] = Math.log(theta.weight[k]) + cf.logDensity(x[i], theta, k);
          top = Math.max(top, r[k]);
        }
        let s = 0;
        for (let k = 0; k < K; k++) s += Math.exp(r[k] - top);
        for (let k = 0; k < K; k++) resp[(i - start) * K + k] = Math.exp(r[k] - top) / s;
        logDensity[i - start] = top + Math.log(s);
      }
    },
  };
  return { family, extraPasses: () => extra, lastBounded: bounded };
}

export interface FamilyFit<P> extends EmRun<P> {
  start: P;
  extraPasses: number;
}

/** EM from the M-step on a hard partition (labels 0..K−1), through src/em/em.ts. */
export function fitFromPartition<P extends MixtureParams>(cf: ComponentFamily<P>, data: Data, labels: Int32Array, options: EmOptions): FamilyFit<P> {
  const start = cf.start(data, labels);
  const adapted = adapt(cf, data);
  const run = drain(emSteps(adapted.family, serialRunner(adapted.family, data), start, options));
  return { ...run, start, extraPasses: adapted.extraPasses() };
}

/** θ as plain arrays, keyed by parameter name. */
export const plain = (theta: MixtureParams): Record<string, number[]> => Object.fromEntries(Object.entries(theta).map(([k, v]) => [k, [...(v as Float64Array)]]));
