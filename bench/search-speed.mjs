/**
 * The default model search (K = 1..9, equal and unequal variances, BIC) beside R's Mclust(x),
 * end to end as a user runs each (start-up, reading the file, the search), on the benchmark's
 * seeded data (generate.mjs) of BENCH_SEARCH_SIZES rows (default 5e3,1e5). Each is run
 * BENCH_REPS times (default 5), em-fit and mclust taking turns, and the median wall time printed, with the spread, the chosen
 * model, and em-fit's time as a share of mclust's. Called by bench.mjs; alone:
 *   node bench/search-speed.mjs
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generate } from './generate.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const dataDir = fileURLToPath(new URL('./data/', import.meta.url));
const sizes = (process.env.BENCH_SEARCH_SIZES ?? '5e3,1e5').split(',').map(Number);
const reps = Number(process.env.BENCH_REPS ?? 5);
const hasR = spawnSync('Rscript', ['-e', 'suppressMessages(library(mclust))'], { stdio: 'ignore' }).status === 0;

/**
 * Median and range of `reps` wall times of each of `runs`, with each one's last output. The
 * runs take turns (a, b, a, b, ...), so that a change in the machine's load falls on both.
 */
function timed(...runs) {
  const times = runs.map(() => []);
  const last = runs.map(() => null);
  for (let i = 0; i < reps; i++) {
    runs.forEach((run, r) => {
      const start = performance.now();
      last[r] = run();
      times[r].push((performance.now() - start) / 1000);
    });
  }
  return times.map((t, r) => {
    t.sort((a, b) => a - b);
    return { median: t[Math.floor(t.length / 2)], min: t[0], max: t[t.length - 1], last: last[r] };
  });
}

export function searchSpeed() {
  mkdirSync(dataDir, { recursive: true });
  return (async () => {
    console.log(`\nModel search (default: K = 1..9, E and V, BIC), end to end; median of ${reps} runs [min–max] in s${hasR ? '' : ' (R with mclust not installed: no comparison)'}`);
    console.log('rows      em-fit s              em-fit choice   mclust s              mclust choice   em-fit / mclust');
    for (const n of sizes) {
      const file = `${dataDir}${n.toExponential().replace('+', '')}.csv`;
      if (!existsSync(file)) await generate(n, file, 42);
      const emRun = () => spawnSync(process.execPath, ['bin/em-fit.js', file, '--var', 'x', '--json', '--no-responsibilities', '-q'], { cwd: root, maxBuffer: 1 << 30 });
      const script = `suppressMessages(library(mclust)); x <- read.csv("${file}")$x; m <- Mclust(x, verbose = FALSE); cat(m$G, m$modelName)`;
      const [em, mc] = hasR ? timed(emRun, () => spawnSync('Rscript', ['-e', script], { maxBuffer: 1 << 30 })) : timed(emRun);
      const emOut = em.last.status === 0 ? JSON.parse(em.last.stdout.toString()) : null;
      const emChoice = emOut ? `${emOut.k} ${emOut.variance_model === 'equal' ? 'E' : 'V'}` : `failed (${em.last.status})`;
      let mcText = '-'.padEnd(21);
      let mcChoice = '-';
      let ratio = '-';
      if (hasR) {
        mcText = `${mc.median.toFixed(2)} [${mc.min.toFixed(2)}–${mc.max.toFixed(2)}]`.padEnd(21);
        mcChoice = mc.last.stdout.toString().trim();
        ratio = (em.median / mc.median).toFixed(2);
      }
      const emText = `${em.median.toFixed(2)} [${em.min.toFixed(2)}–${em.max.toFixed(2)}]`.padEnd(21);
      console.log(`${n.toExponential().padEnd(9)} ${emText} ${emChoice.padEnd(15)} ${mcText} ${mcChoice.padEnd(15)} ${ratio}`);
    }
  })();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await searchSpeed();
