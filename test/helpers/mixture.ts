/** Seeded synthetic mixtures for tests. */
import { mulberry32 } from '../../src/select/rng.js';

export { mulberry32 };

/** A standard normal draw from `random` (Box–Muller, one of the pair). */
export const normal = (random: () => number): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());

export interface Sample {
  x: number[];
  /** The component each value was drawn from, 1-based. */
  source: number[];
}

/** n draws from Σ_k weight_k N(mean_k, sd_k²), rounded to `decimals` places. */
export function sampleMixture(n: number, weight: number[], mean: number[], sd: number[], seed: number, decimals = 4): Sample {
  const random = mulberry32(seed);
  const x: number[] = [];
  const source: number[] = [];
  const scale = 10 ** decimals;
  for (let i = 0; i < n; i++) {
    let u = random();
    let k = 0;
    while (k < weight.length - 1 && u >= weight[k]) u -= weight[k++];
    x.push(Math.round((mean[k] + sd[k] * normal(random)) * scale) / scale);
    source.push(k + 1);
  }
  return { x, source };
}

/** The label of the nearest mean, with a share `noise` of labels replaced at random. */
export function roughPartition(x: number[], mean: number[], noise: number, seed: number): number[] {
  const random = mulberry32(seed);
  return x.map((v) => {
    if (random() < noise) return 1 + Math.floor(random() * mean.length);
    let best = 0;
    mean.forEach((m, k) => {
      if (Math.abs(v - m) < Math.abs(v - mean[best])) best = k;
    });
    return best + 1;
  });
}
