/**
 * Component families by name, so that a family can be rebuilt from a plain description: in
 * a worker thread, or from a saved model file. A new family adds its case here.
 */
import type { Family } from './family.js';
import { gaussianFamily, type GaussianMixture, type GaussianOptions } from './gaussian.js';
import { type GroupedOptions, groupedGaussianFamily } from './gaussian-grouped.js';

export type FamilySpec = ({ family: 'gaussian' } & GaussianOptions) | ({ family: 'gaussian-grouped' } & GroupedOptions);

export function makeFamily(spec: FamilySpec): Family<GaussianMixture> {
  return spec.family === 'gaussian-grouped' ? groupedGaussianFamily(spec) : gaussianFamily(spec);
}
