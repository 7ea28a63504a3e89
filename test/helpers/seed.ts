/**
 * The notebook's 10 rows (fixtures/seed.csv), and a helper that runs the core from a
 * partition the way the CLI does.
 */
import { type Acceleration, drain } from '../../src/em/em.js';
import { maxAbs, varianceFloor } from '../../src/models/floor.js';
import { fromDecimals } from '../../src/models/resolution.js';
import type { GaussianMixture, VarianceModel } from '../../src/models/gaussian.js';
import type { Structure } from '../../src/models/registry.js';
import { type Fit, fitFrom, fitSpec, partitionStart } from '../../src/select/fit.js';

export const VAR = [-3.3, -4.4, -1.9, 3.3, 2.5, 3.2, 0.3, 0.1, -0.1, -0.5];
export const PARTITION1 = [1, 1, 1, 2, 2, 2, 2, 2, 1, 1];
export const PARTITION2 = [1, 3, 2, 1, 3, 2, 1, 3, 2, 1];

export interface CoreFitOptions {
  maxIter?: number;
  rtol?: number;
  variance?: VarianceModel;
  floor?: number;
  accel?: Acceleration;
  w?: number[];
}

/** Fits x from integer labels 1..K (components in label order). */
export function fitPartition(x: number[], labels: number[], options: CoreFitOptions = {}): Fit<GaussianMixture> {
  const names = [...new Set(labels)].sort((a, b) => a - b);
  const codes = Int32Array.from(labels, (l) => names.indexOf(l));
  const data = { x: Float64Array.from(x), w: options.w ? Float64Array.from(options.w) : null };
  const floor = options.floor === undefined ? varianceFloor(fromDecimals(1), 10) : varianceFloor(fromDecimals(1), 10, options.floor);
  const structure: Structure = { family: 'gaussian', variance: options.variance ?? 'unequal' };
  const largest = maxAbs(data.x);
  const start = partitionStart(data, codes, names.map(String), fitSpec({ structure, floor, largest }, names.length));
  const settings = { maxIter: options.maxIter ?? 1000, rtol: options.rtol ?? 1e-8, accel: options.accel, structure, floor, largest };
  return drain(fitFrom(data, start.theta, names.map(String), settings, start.floored)) as Fit<GaussianMixture>;
}
