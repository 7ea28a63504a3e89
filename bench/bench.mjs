/**
 * npm run bench: em-fit on seeded synthetic data of 1e5, 1e6 and 1e7 rows (3 components,
 * a rough partition column; see generate.mjs), run as a user would run the built CLI.
 * Prints, for each size and each configuration, the read time, the EM time, the
 * iterations and passes, the milliseconds per pass per million rows, and the peak RSS.
 *
 * Then the default model search beside R's Mclust(x) (search-speed.mjs), the memory of
 * --by on 20,000 groups of 3 rows (groups.mjs), each family's pass against the Gaussian's
 * (families.mjs; BENCH_FAMILIES=0 leaves it out), and the multivariate fit of 1M rows × 5
 * columns beside scikit-learn, with the cost per pass against d (mv.mjs).
 *
 * The data are written once to bench/data/ (about 200 MB for 1e7 rows) and reused.
 *   BENCH_SIZES=1e5,1e6 npm run bench     # fewer sizes
 *   BENCH_SEARCH_SIZES=5e3,1e5,1e6 BENCH_REPS=3 npm run bench   # the search's sizes and repetitions
 *   BENCH_GROUPS=0 npm run bench          # without the --by case
 *   BENCH_MV=0 npm run bench              # without the multivariate case
 * A benchmark, not a test: the machine is shared, so compare figures of one run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { generate } from './generate.mjs';
import { benchGroups } from './groups.mjs';
import { benchFamilies } from './families.mjs';
import { benchMultivariate } from './mv.mjs';
import { searchSpeed } from './search-speed.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const dataDir = fileURLToPath(new URL('./data/', import.meta.url));
const sizes = (process.env.BENCH_SIZES ?? '1e5,1e6,1e7').split(',').map(Number);
const configs = [
  { name: '1 thread', args: ['--threads', '1'] },
  { name: 'auto threads', args: [] },
  { name: 'auto + squarem', args: ['--accel', 'squarem'] },
];

mkdirSync(dataDir, { recursive: true });
console.log(`em-fit benchmark on ${cpus()[0]?.model ?? 'unknown CPU'} (${availableParallelism()} cores), Node ${process.version}`);
console.log('size      config           read s   EM s  iters passes  ms/pass/1M rows  peak RSS MB  total s');
for (const n of sizes) {
  const file = `${dataDir}${n.toExponential().replace('+', '')}.csv`;
  if (!existsSync(file)) await generate(n, file, 42);
  const mb = statSync(file).size / 1e6;
  for (const config of configs) {
    const start = performance.now();
    const run = spawnSync(process.execPath, ['bin/em-fit.js', file, '--var', 'x', '--init', 'start', '--json', '--no-responsibilities', '--timings', '-q', ...config.args], { cwd: root, maxBuffer: 1 << 30 });
    const total = (performance.now() - start) / 1000;
    const line = run.stderr.toString().match(/read ([\d.]+) s, fit ([\d.]+) s \((\d+) iterations?, (\d+) pass(?:es)? over \d+ rows, ([\d.]+) ms per pass\), write [\d.]+ s, peak RSS (\d+) MB/);
    if (run.status !== 0 || !line) {
      console.log(`${String(n).padEnd(9)} ${config.name.padEnd(16)} failed (exit ${run.status}): ${run.stderr.toString().trim()}`);
      continue;
    }
    const [, read, em, iters, passes, perPass, rss] = line;
    const perMillion = Number(perPass) / (n / 1e6);
    console.log(
      `${`${n.toExponential()} (${mb.toFixed(0)} MB)`.padEnd(9)} ${config.name.padEnd(16)} ${read.padStart(6)} ${Number(em).toFixed(3).padStart(6)} ${iters.padStart(6)} ${passes.padStart(6)} ${perMillion.toFixed(2).padStart(16)} ${rss.padStart(12)} ${total.toFixed(2).padStart(8)}`,
    );
  }
}

await searchSpeed();
if (process.env.BENCH_FAMILIES !== '0') benchFamilies();
if (process.env.BENCH_GROUPS !== '0') benchGroups();
if (process.env.BENCH_MV !== '0') await benchMultivariate();
