/**
 * Writes a seeded synthetic data set of d columns for the multivariate benchmark (mv.mjs): n rows
 * from a 3-component Gaussian mixture in d dimensions (weights 0.5, 0.3, 0.2; means 0, 3 and 6
 * along every column; each component's covariance with unit variances and correlation 0.3,
 * 0.5, −0.2 between neighbouring columns), 4 decimals, and a rough partition column `start`:
 * the true component, with 20% of labels replaced at random, so that EM has work to do.
 *
 *   node bench/mv-generate.mjs <rows> <d> <file> [seed]
 */
import { mulberry32 } from '../dist/select/rng.js';
import { writeLines } from './generate.mjs';

export async function generateMv(rows, d, file, seed = 7) {
  const random = mulberry32(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const weights = [0.5, 0.3, 0.2];
  const rho = [0.3, 0.5, -0.2];
  const names = Array.from({ length: d }, (_, j) => `x${j + 1}`);
  const z = new Float64Array(d);
  await writeLines(file, `${names.join(',')},start\n`, rows, () => {
    const u = random();
    const k = u < weights[0] ? 0 : u < weights[0] + weights[1] ? 1 : 2;
    // An AR(1) chain across the columns: unit variances, correlation rho[k] between neighbours.
    const cells = [];
    for (let j = 0; j < d; j++) {
      z[j] = j === 0 ? normal() : rho[k] * z[j - 1] + Math.sqrt(1 - rho[k] * rho[k]) * normal();
      cells.push((3 * k + z[j]).toFixed(4));
    }
    const label = random() < 0.2 ? 1 + Math.floor(random() * 3) : k + 1;
    return `${cells.join(',')},${label}\n`;
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [rows, d, file, seed] = process.argv.slice(2);
  await generateMv(Number(rows), Number(d), file, seed === undefined ? 7 : Number(seed));
}
