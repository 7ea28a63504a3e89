/**
 * The fourteen covariance models of a d-dimensional Gaussian mixture, by mclust's names.
 *
 * Every Σ_k is written Σ_k = λ_k D_k A_k D_kᵀ (Banfield and Raftery, Biometrics 49, 1993;
 * Celeux and Govaert, Pattern Recognition 28, 781–793, 1995): the volume λ_k = |Σ_k|^{1/d},
 * the orientation D_k (orthogonal, the axes of the ellipsoid) and the shape A_k (diagonal,
 * |A_k| = 1, the relative variances along the axes). A model's three letters say, in the
 * order volume, shape, orientation, whether each is Equal across components, Variable, or
 * the Identity (shape I: spherical; orientation I: axes along the coordinates, diagonal Σ_k).
 */

export const COVARIANCE_MODELS = ['EII', 'VII', 'EEI', 'VEI', 'EVI', 'VVI', 'EEE', 'VEE', 'EVE', 'VVE', 'EEV', 'VEV', 'EVV', 'VVV'] as const;

export type CovarianceModel = (typeof COVARIANCE_MODELS)[number];

export const isCovarianceModel = (name: string): name is CovarianceModel => (COVARIANCE_MODELS as readonly string[]).includes(name);

/**
 * Number of free parameters in Σ_1 … Σ_K of `model` for K components in d dimensions, for the
 * information criteria: mclust's nVarParams. With a = d(d − 1)/2 angles in an orientation:
 *   volume  E: 1,  V: K
 *   shape   I: 0,  E: d − 1,  V: K(d − 1)
 *   orientation  I: 0,  E: a,  V: K a
 * summed, except that a Variable volume and a Variable shape together are K·d (λ_k A_k is any
 * positive diagonal), which the sum already gives: K + K(d − 1) = K d.
 */
export function covarianceParameters(model: CovarianceModel, d: number, k: number): number {
  const angles = (d * (d - 1)) / 2;
  const count = (letter: string, equal: number, variable: number): number => (letter === 'E' ? equal : letter === 'V' ? variable : 0);
  return count(model[0], 1, k) + count(model[1], d - 1, k * (d - 1)) + count(model[2], angles, k * angles);
}
