/**
 * Writes a seeded synthetic data set for the benchmark: a row id, n values from a
 * 3-component Gaussian mixture (weights 0.5, 0.3, 0.2; means 0, 6, 12; sds 1, 1.5, 2) with
 * 5 decimals, and a rough partition column: the label of the nearest mean (cuts at 3 and
 * 9), with 10% of labels replaced at random, so EM has work to do (about 45 iterations at
 * rtol 1e-8). About 17 bytes a row: 183 MB for 10M rows, near the 190 MB.
 *
 * The rows go to a temporary file in the same directory, renamed to `file` once complete:
 * an interrupted generation leaves no truncated file for the next run to take as data.
 *
 *   node bench/generate.mjs <rows> <file> [seed]
 */
import { createWriteStream, renameSync, rmSync } from 'node:fs';
import { mulberry32 } from '../dist/select/rng.js';

/**
 * Writes `header` and then line(i) for i = 0 … rows − 1 (each ending in a newline) to `file`,
 * 10,000 lines at a time, waiting for the stream to drain; through a temporary file in the
 * same directory, renamed to `file` once complete.
 */
export async function writeLines(file, header, rows, line) {
  const temporary = `${file}.${process.pid}.tmp`;
  const out = createWriteStream(temporary);
  out.write(header);
  let chunk = [];
  for (let i = 0; i < rows; i++) {
    chunk.push(line(i));
    if (chunk.length === 10000) {
      if (!out.write(chunk.join(''))) await new Promise((r) => out.once('drain', r));
      chunk = [];
    }
  }
  out.write(chunk.join(''));
  await new Promise((resolve, reject) => {
    out.on('error', reject);
    out.end(resolve);
  }).catch((error) => {
    rmSync(temporary, { force: true });
    throw error;
  });
  renameSync(temporary, file);
}

export async function generate(rows, file, seed = 42) {
  const random = mulberry32(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const weights = [0.5, 0.3, 0.2];
  const means = [0, 6, 12];
  const sds = [1, 1.5, 2];
  await writeLines(file, 'id,x,start\n', rows, (i) => {
    const u = random();
    const k = u < weights[0] ? 0 : u < weights[0] + weights[1] ? 1 : 2;
    const x = means[k] + sds[k] * normal();
    let label = x < 3 ? 1 : x < 9 ? 2 : 3;
    if (random() < 0.1) label = 1 + Math.floor(random() * 3);
    return `${i + 1},${x.toFixed(5)},${label}\n`;
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [rows, file, seed] = process.argv.slice(2);
  await generate(Number(rows), file, seed === undefined ? 42 : Number(seed));
}
