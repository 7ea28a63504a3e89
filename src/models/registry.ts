/**
 * Component families by name, so that a family can be rebuilt from a plain description: in
 * a worker thread, or from a saved model file. A new family adds its case here.
 */
import type { Family } from './family.js';
import { gaussianFamily, type GaussianMixture, type GaussianOptions } from './gaussian.js';

export type FamilySpec = { family: 'gaussian' } & GaussianOptions;

export function makeFamily(spec: FamilySpec): Family<GaussianMixture> {
  return gaussianFamily(spec);
}
