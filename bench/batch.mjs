/**
 * The batch and the start-up of issue 15 (item 3), end to end as a user runs them:
 *  - 500 files of 200 rows fitted with `--k 1:4 --json` in ONE call of em-fit, beside one R
 *    process looping over the same files with fread and Mclust(x, G = 1:4) (bench/batch.R),
 *    taking turns, BENCH_REPS times (default 5): the medians, the spread and the ratio;
 *    the R figure is the whole Rscript run, its start-up and loading of mclust included;
 *  - a fit of 10 rows (`--k 2 --json`) beside `node -e 0`, 3 × BENCH_REPS times each: the
 *    medians and their difference, node's own start-up apart.
 * The files are written once to bench/data/batch-500x200/ (into a temporary directory
 * renamed when complete, so an interrupted generation is never taken for data).
 *
 *   node bench/batch.mjs          # also run by npm run bench (BENCH_BATCH=0 leaves it out)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from '../dist/select/rng.js';
import { timed } from './lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const dataDir = fileURLToPath(new URL('./data/', import.meta.url));
const reps = Number(process.env.BENCH_REPS ?? 5);
const FILES = 500;
const ROWS = 200;

/** The batch's files, written once: 200 rows each of two seeded normal components (60% N(0, 1), 40% N(4, 1.5²)). */
function batchFiles() {
  const dir = `${dataDir}batch-${FILES}x${ROWS}`;
  if (!existsSync(dir)) {
    const temporary = `${dir}.${process.pid}.tmp`;
    rmSync(temporary, { recursive: true, force: true });
    mkdirSync(temporary, { recursive: true });
    const random = mulberry32(15);
    const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    for (let f = 0; f < FILES; f++) {
      const lines = ['x'];
      for (let i = 0; i < ROWS; i++) lines.push((random() < 0.6 ? normal() : 4 + 1.5 * normal()).toFixed(3));
      writeFileSync(`${temporary}/run${String(f).padStart(3, '0')}.csv`, `${lines.join('\n')}\n`);
    }
    renameSync(temporary, dir);
  }
  return readdirSync(dir)
    .sort()
    .map((name) => `${dir}/${name}`);
}

const s = (v) => v.toFixed(3);
const range = (t) => `${s(t.median)} [${s(t.min)}–${s(t.max)}]`;

export function benchBatch() {
  const files = batchFiles();
  const list = `${dataDir}batch-files.txt`;
  writeFileSync(list, `${files.join('\n')}\n`);
  const hasR = spawnSync('Rscript', ['-e', 'quit(status = if (all(sapply(c("data.table", "mclust"), requireNamespace, quietly = TRUE))) 0 else 1)'], { stdio: 'ignore' }).status === 0;
  const emRun = () => spawnSync(process.execPath, ['bin/em-fit.js', ...files, '--var', 'x', '--k', '1:4', '--json', '-q'], { cwd: root, maxBuffer: 1 << 30 });
  const rRun = () => spawnSync('Rscript', [`${root}bench/batch.R`, list], { encoding: 'utf8' });
  console.log(`\nBatch: ${FILES} files of ${ROWS} rows, --k 1:4 --json in one call; median of ${reps} runs [min–max] in s`);
  const [em, r] = hasR ? timed(reps, emRun, rRun) : timed(reps, emRun);
  const lines = em.results.at(-1).stdout.toString().trimEnd().split('\n').length;
  const status = em.results.at(-1).status;
  console.log(`  em-fit  ${range(em)}  (exit ${status}, ${lines} lines)`);
  if (hasR) console.log(`  R loop  ${range(r)}  (fread + Mclust(x, G = 1:4) per file, Rscript start included)   em-fit / R ${(em.median / r.median).toFixed(2)}  target ≤ 1: ${em.median <= r.median ? 'yes' : 'no'}`);
  else console.log('  (R with data.table and mclust not installed: no comparison)');

  const ten = `${dataDir}ten.csv`;
  writeFileSync(ten, 'x\n1\n2\n3\n4\n5\n10\n11\n12\n13\n14\n');
  const [node, fit] = timed(3 * reps, () => spawnSync(process.execPath, ['-e', '0']), () => spawnSync(process.execPath, ['bin/em-fit.js', ten, '--var', 'x', '--k', '2', '--json', '-q'], { cwd: root }));
  const over = (fit.median - node.median) * 1000;
  console.log(`\nStart-up: a 10-row fit (--k 2 --json) ${range(fit)} s, node -e 0 ${range(node)} s: ${over.toFixed(0)} ms over node's own start (target ≤ 50: ${over <= 50 ? 'yes' : 'no'}); median of ${3 * reps}`);
}

if (import.meta.url === `file://${process.argv[1]}`) benchBatch();
