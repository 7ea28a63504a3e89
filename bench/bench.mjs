/**
 * npm run bench: the record of em-fit's speed, run as a user runs the built CLI, on seeded
 * synthetic data (a row id, a value from a 3-component mixture with 5 decimals, a rough
 * partition column; about 17 bytes a row; see generate.mjs). For each size, each case runs
 * BENCH_REPS times (default 5) and the median wall time is printed with the range, beside
 * the medians of what --timings says of the read, the fit and the write, and the peak RSS:
 *
 *   read           --max-iter 0: start-up, reading, one pass at the partition's parameters
 *   fit, 1 thread  the fit from the partition (--init start), --threads 1
 *   fit            the same with the default threads
 *   json           the fit and the JSON report with a responsibility row per data row
 *   csv            the fit and the CSV report (the input's columns, row and the responsibilities)
 *   ndjson         the fit and an NDJSON object per row
 *
 * Where R with data.table and mclust is installed, the same work runs in R in the same run,
 * taking turns with em-fit (bench/partition.R: fread; me() with unequal variances from the
 * partition for em-fit's number of iterations; fwrite or jsonlite), and em-fit's time is
 * printed as a share of R's. Where scikit-learn is installed (with numpy and pandas, for
 * PYTHON, by default Debian's /usr/bin/python3), the fit from the partition also runs in
 * Python (bench/sklearn-partition.py: pandas.read_csv, GaussianMixture from the partition's
 * M-step at the matched tolerance), taking turns with em-fit: the issue's ratio to it.
 *
 * Then the default model search beside R's Mclust(x) (search-speed.mjs), the memory of
 * --by on 20,000 groups of 3 rows (groups.mjs), and 500 files of 200 rows in one call
 * beside an R loop over Mclust and a 10-row fit beside `node -e 0` (batch.mjs), each
 * family's pass against the Gaussian's (families.mjs; BENCH_FAMILIES=0 leaves it out), and
 * the multivariate fit of 1M rows × 5 columns beside scikit-learn, with the cost per pass
 * against d (mv.mjs; BENCH_MV=0 leaves it out).
 *
 * The data are written once to bench/data/ (through a temporary file renamed when complete,
 * so an interrupted generation is never taken for data) and reused.
 *   BENCH_SIZES=1e5,1e6,1e7 npm run bench   # sizes (default 1e5,1e6; 1e7 is 183 MB)
 *   BENCH_REPS=3 npm run bench              # repetitions
 *   BENCH_R=0 npm run bench                 # without R
 *   BENCH_SEARCH=0 BENCH_GROUPS=0 BENCH_BATCH=0 npm run bench   # without the search, --by and batch parts
 * A benchmark, not a test: the machine may be shared, so compare figures of one run, and
 * read the load average printed before and after.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { generate } from './generate.mjs';
import { benchBatch } from './batch.mjs';
import { benchGroups } from './groups.mjs';
import { benchFamilies } from './families.mjs';
import { benchMultivariate } from './mv.mjs';
import { spread, timed } from './lib.mjs';
import { searchSpeed } from './search-speed.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const dataDir = fileURLToPath(new URL('./data/', import.meta.url));
const sizes = (process.env.BENCH_SIZES ?? '1e5,1e6').split(',').map(Number);
const reps = Number(process.env.BENCH_REPS ?? 5);
/** The Python that has scikit-learn: Debian's (the PATH's pyenv Python here has none); PYTHON to choose another. */
const python = process.env.PYTHON ?? '/usr/bin/python3';
const withSklearn = spawnSync(python, ['-c', 'import numpy, pandas, sklearn'], { stdio: 'ignore' }).status === 0;
const withR = process.env.BENCH_R !== '0' && spawnSync('Rscript', ['-e', 'quit(status = if (all(sapply(c("data.table", "mclust", "jsonlite"), requireNamespace, quietly = TRUE))) 0 else 1)'], { stdio: 'ignore' }).status === 0;

/** Targets of the issue (15) for 1M rows, in seconds: end to end, and the JSON and CSV writes. */
const TARGETS = { fit: ['total', 0.65], json: ['write', 0.8], csv: ['write', 1.5] };

const CASES = [
  { name: 'read', args: ['--init', 'start', '--max-iter', '0', '--json', '--no-responsibilities'], r: 'read' },
  { name: 'fit, 1 thread', args: ['--init', 'start', '--json', '--no-responsibilities', '--threads', '1'], r: null },
  { name: 'fit', args: ['--init', 'start', '--json', '--no-responsibilities'], r: 'fit' },
  { name: 'json', args: ['--init', 'start', '--json'], r: 'json' },
  { name: 'csv', args: ['--init', 'start', '--format', 'csv'], r: 'csv' },
  { name: 'ndjson', args: ['--init', 'start', '--format', 'ndjson'], r: null },
];

const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
const out = `${dataDir}out.tmp`;

/** em-fit on `file` with `args`, standard output to a file: its --timings, or the failure. */
function emFit(file, args) {
  const fd = openSync(out, 'w');
  try {
    const run = spawnSync(process.execPath, ['bin/em-fit.js', file, '--var', 'x', '--timings', '-q', ...args], { cwd: root, stdio: ['ignore', fd, 'pipe'] });
    const m = run.stderr.toString().match(/read ([\d.]+) s, fit ([\d.]+) s \((\d+) iterations?.*\), write ([\d.]+) s, peak RSS (\d+) MB/);
    if (run.status !== 0 || m === null) return { error: `exit ${run.status}: ${run.stderr.toString().trim().slice(0, 200)}` };
    return { read: Number(m[1]), fit: Number(m[2]), iterations: Number(m[3]), write: Number(m[4]), rss: Number(m[5]) };
  } finally {
    closeSync(fd);
  }
}

/** scikit-learn doing the work of the 'fit' case (see sklearn-partition.py), as a Python process run by a user; its iterations and ℓ. */
function inSklearn(file, perRow) {
  const run = spawnSync(python, [`${root}bench/sklearn-partition.py`, file, '1e-8', String(perRow), 'start', 'x'], { encoding: 'utf8' });
  if (run.status !== 0) return { error: `exit ${run.status}: ${run.stderr.trim().split('\n').slice(-2).join(' ')}` };
  return JSON.parse(run.stdout);
}

/** R doing the work of `mode` (see partition.R): its read, fit and write seconds, or the failure. */
function inR(file, iterations, mode) {
  const run = spawnSync('Rscript', [`${root}bench/partition.R`, file, String(iterations), mode, out], { encoding: 'utf8' });
  const m = run.stdout.match(/read ([\d.]+) fit ([\d.]+) write ([\d.]+)/);
  if (run.status !== 0 || m === null) return { error: `exit ${run.status}: ${run.stderr.trim().slice(0, 200)}` };
  return { read: Number(m[1]), fit: Number(m[2]), write: Number(m[3]) };
}

const s = (v) => v.toFixed(2);
const range = (t) => `${s(t.median)} [${s(t.min)}–${s(t.max)}]`;
const medianOf = (results, key) => spread(results.map((r) => r[key])).median;

mkdirSync(dataDir, { recursive: true });
console.log(`em-fit benchmark on ${cpus()[0]?.model ?? 'unknown CPU'} (${availableParallelism()} cores), Node ${process.version}, ${new Date().toISOString().slice(0, 10)}; load average ${load()}`);
if (!withSklearn) console.log(`scikit-learn (with numpy and pandas) not installed for ${python}: the issue's ratio to scikit-learn cannot be measured in this run.`);
console.log(`Median of ${reps} runs [min–max], wall seconds end to end; read, fit and write are the medians of --timings.${withR ? ' R: data.table + mclust, taking turns with em-fit.' : ' (R with data.table, mclust and jsonlite not found: no comparison.)'}`);
console.log('rows  case           em-fit s             read    fit  write  RSS MB  B/row  target      R s                  R read   R fit R write  em-fit/R');
for (const n of sizes) {
  const file = `${dataDir}${n.toExponential().replace('+', '')}.csv`;
  if (!existsSync(file)) await generate(n, file, 42);
  const probe = emFit(file, CASES[2].args);
  if (probe.error) {
    console.log(`${n.toExponential()}: em-fit failed: ${probe.error}`);
    continue;
  }
  // The probe's report (--json --no-responsibilities): ℓ and n, for scikit-learn's matched tolerance.
  Object.assign(probe, (({ loglik, n: rows }) => ({ loglik, n: rows }))(JSON.parse(readFileSync(out, 'utf8'))));
  const label = `${n.toExponential()} (${(statSync(file).size / 1e6).toFixed(0)} MB, ${probe.iterations} iterations)`;
  console.log(label);
  for (const c of CASES) {
    const runs = [() => emFit(file, c.args)];
    if (withR && c.r !== null) runs.push(() => inR(file, probe.iterations, c.r));
    const [em, r] = timed(reps, ...runs);
    const failed = [...em.results, ...(r?.results ?? [])].find((x) => x.error);
    if (failed) {
      console.log(`      ${c.name.padEnd(14)} failed: ${failed.error}`);
      continue;
    }
    const [read, fit, write, rss] = ['read', 'fit', 'write', 'rss'].map((k) => medianOf(em.results, k));
    // Peak resident bytes per row (node's own ~40 MB included), the issue's measure of memory.
    const perRow = (rss * 1024 * 1024) / n;
    let target = TARGETS[c.name] && n === 1e6 ? `${TARGETS[c.name][0]} ≤ ${TARGETS[c.name][1]}: ${(TARGETS[c.name][0] === 'total' ? em.median : write) <= TARGETS[c.name][1] ? 'yes' : 'no'}` : '';
    if (c.name === 'fit' && n === 1e7) target = `≤ 5 s, ≤ 20 B/row: ${em.median <= 5 && perRow <= 20 ? 'yes' : 'no'}`;
    const rText = r ? `${range(r).padEnd(20)} ${s(medianOf(r.results, 'read')).padStart(6)} ${s(medianOf(r.results, 'fit')).padStart(7)} ${s(medianOf(r.results, 'write')).padStart(7)} ${s(em.median / r.median).padStart(9)}` : '';
    console.log(`      ${c.name.padEnd(14)} ${range(em).padEnd(20)} ${s(read).padStart(5)} ${s(fit).padStart(6)} ${s(write).padStart(6)} ${String(rss).padStart(7)} ${perRow.toFixed(0).padStart(6)}  ${target.padEnd(11)} ${rText}`);
  }
  // The issue's ratio: the fit from the partition end to end against scikit-learn's, taking turns (pandas.read_csv and sklearn's import included).
  if (withSklearn) {
    const fitArgs = CASES.find((c) => c.name === 'fit').args;
    const [em, sk] = timed(reps, () => emFit(file, fitArgs), () => inSklearn(file, probe.loglik / probe.n));
    const failed = [...em.results, ...sk.results].find((x) => x.error);
    if (failed) console.log(`      scikit-learn   failed: ${failed.error}`);
    else {
      const last = sk.results.at(-1);
      const ratio = em.median / sk.median;
      console.log(`      scikit-learn   ${range(sk).padEnd(20)} ${s(medianOf(sk.results, 'read')).padStart(5)} ${s(medianOf(sk.results, 'fit')).padStart(6)}  (${last.iterations} iterations, ℓ ${last.loglik.toFixed(4)}; em-fit's fit ${range(em)})  em-fit / scikit-learn ${ratio.toFixed(2)}${n === 1e6 ? `  target ≤ 0.1: ${ratio <= 0.1 ? 'yes' : 'no'}` : ''}`);
    }
  }
}
rmSync(out, { force: true });
console.log(`load average ${load()}`);

if (process.env.BENCH_SEARCH !== '0') await searchSpeed();
if (process.env.BENCH_GROUPS !== '0') benchGroups();
if (process.env.BENCH_BATCH !== '0') benchBatch();
if (process.env.BENCH_FAMILIES !== '0') benchFamilies();
if (process.env.BENCH_MV !== '0') await benchMultivariate();
