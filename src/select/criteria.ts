/**
 * Information criteria; lower is better for all three.
 * ℓ is the maximised log-likelihood, p the number of free parameters, n the sample size
 * (the total weight with frequency weights).
 */

/** Bayesian information criterion (Schwarz 1978): BIC = −2ℓ + p ln n. */
export const bic = (loglik: number, p: number, n: number): number => -2 * loglik + p * Math.log(n);

/** Akaike information criterion: AIC = −2ℓ + 2p. */
export const aic = (loglik: number, p: number): number => -2 * loglik + 2 * p;

/**
 * Integrated completed likelihood, BIC form (Biernacki, Celeux and Govaert 2000):
 * ICL = BIC + 2·H(q), with H(q) = −Σ_i Σ_k r_ik log r_ik the entropy of the responsibilities.
 * It penalises components that overlap so much that the classification is uncertain.
 */
export const icl = (loglik: number, p: number, n: number, entropy: number): number => bic(loglik, p, n) + 2 * entropy;

/**
 * ICL as mclust's icl() computes it (Biernacki, Celeux and Govaert 2000, with the MAP
 * classification ẑ in place of the responsibilities): ICL = BIC − 2·Σ_i w_i log max_k r_ik,
 * on our scale (lower is better; mclust's is −1 times this). Each row's −log max_k r_ik is at
 * most its entropy, so this ICL is at most the entropy form above: on Old Faithful's waiting
 * times, K = 2 with equal variances, mclust's icl() gives 2099.58 where the entropy form gives 2112.77.
 */
export const iclMclust = (bicValue: number, mapLoglik: number): number => bicValue - 2 * mapLoglik;

export type Criterion = 'bic' | 'aic' | 'icl';
