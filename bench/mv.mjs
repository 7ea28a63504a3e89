/**
 * The multivariate benchmark (issue 13): 1M rows × 5 columns, K = 3, VVV from a partition
 * column (mv-generate.mjs), em-fit end to end against scikit-learn's GaussianMixture
 * (covariance_type 'full') from the same start at a matched tolerance (sklearn-partition.py), and
 * em-fit's cost per pass against d (the first d columns of the same file).
 *
 * Each tool is timed end to end as a process (reading the CSV included): wall-clock seconds,
 * and CPU seconds (user + system, all threads), since the machine may be shared.
 *   BENCH_MV_ROWS=1e5 node bench/mv.mjs      # fewer rows
 *   PYTHON=/usr/bin/python3                  # the Python that has scikit-learn (default)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generateMv } from './mv-generate.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const dataDir = fileURLToPath(new URL('./data/', import.meta.url));
const RTOL = 1e-8;
const D = 5;

/** Runs a command, returning its output and its wall and CPU seconds (from /usr/bin/time). */
function timed(command, args) {
  const start = performance.now();
  const run = spawnSync('/usr/bin/time', ['-f', 'cpu %U %S', command, ...args], { cwd: root, maxBuffer: 1 << 30 });
  const wall = (performance.now() - start) / 1000;
  const stderr = run.stderr.toString();
  const cpu = stderr.match(/cpu ([\d.]+) ([\d.]+)\s*$/);
  return { status: run.status, stdout: run.stdout.toString(), stderr, wall, cpu: cpu ? Number(cpu[1]) + Number(cpu[2]) : NaN };
}

export async function benchMultivariate() {
  const rows = Number(process.env.BENCH_MV_ROWS ?? 1e6);
  const file = `${dataDir}mv-${rows.toExponential().replace('+', '')}x${D}.csv`;
  mkdirSync(dataDir, { recursive: true });
  if (!existsSync(file)) await generateMv(rows, D, file, 7);
  const vars = Array.from({ length: D }, (_, j) => `x${j + 1}`);
  console.log(`\nMultivariate: ${rows} rows × ${D} columns, K = 3, VVV from a partition, rtol ${RTOL}`);
  const ours = timed(process.execPath, ['bin/em-fit.js', file, '--var', vars.join(','), '--init', 'start', '--model', 'VVV', '--rtol', String(RTOL), '--json', '--no-responsibilities', '--timings', '-q']);
  if (ours.status !== 0) {
    console.log(`em-fit failed: ${ours.stderr.trim()}`);
    return;
  }
  const fit = JSON.parse(ours.stdout);
  const timing = ours.stderr.match(/read ([\d.]+) s, fit ([\d.]+) s \((\d+) iterations?, (\d+) pass(?:es)? over \d+ rows, ([\d.]+) ms per pass\)/);
  console.log('tool          wall s   cpu s   read s    fit s  iters  log-likelihood');
  console.log(`em-fit      ${ours.wall.toFixed(2).padStart(8)} ${ours.cpu.toFixed(2).padStart(7)} ${Number(timing?.[1]).toFixed(2).padStart(8)} ${Number(timing?.[2]).toFixed(2).padStart(8)} ${String(fit.iterations).padStart(6)}  ${fit.loglik.toFixed(4)}`);
  const python = process.env.PYTHON ?? '/usr/bin/python3';
  const columns = Array.from({ length: D }, (_, j) => `x${j + 1}`);
  const theirs = timed(python, ['bench/sklearn-partition.py', file, String(RTOL), String(fit.loglik / fit.n), 'start', ...columns]);
  if (theirs.status !== 0) {
    console.log(`scikit-learn failed or is missing (${python}): ${theirs.stderr.trim().split('\n').slice(-2).join(' ')}`);
  } else {
    const s = JSON.parse(theirs.stdout.trim().split('\n').at(-1));
    console.log(`scikit-learn${theirs.wall.toFixed(2).padStart(8)} ${theirs.cpu.toFixed(2).padStart(7)} ${s.read.toFixed(2).padStart(8)} ${s.fit.toFixed(2).padStart(8)} ${String(s.iterations).padStart(6)}  ${s.loglik.toFixed(4)}`);
    console.log(`em-fit / scikit-learn: ${(ours.wall / theirs.wall).toFixed(2)} of the wall-clock time, ${(ours.cpu / theirs.cpu).toFixed(2)} of the CPU time`);
  }
  console.log('\nem-fit per pass against d (the first d columns; d = 1 is the one-column Gaussian):');
  console.log('d   threads  ms/pass/1M rows  ms/pass/1M rows/d²');
  for (let d = 1; d <= D; d++) {
    for (const threads of ['1', 'auto']) {
      const args = ['bin/em-fit.js', file, '--var', vars.slice(0, d).join(','), '--init', 'start', '--max-iter', '10', '--rtol', '0', '--json', '--no-responsibilities', '--timings', '-q', ...(threads === '1' ? ['--threads', '1'] : [])];
      const run = timed(process.execPath, args);
      const perPass = Number(run.stderr.match(/([\d.]+) ms per pass/)?.[1]);
      const perMillion = perPass / (rows / 1e6);
      console.log(`${String(d).padEnd(3)} ${threads.padEnd(8)} ${perMillion.toFixed(1).padStart(16)} ${(perMillion / (d * d)).toFixed(1).padStart(19)}`);
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchMultivariate();
