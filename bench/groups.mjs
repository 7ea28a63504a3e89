/**
 * The memory of --by: 20,000 groups of 3 rows (seeded; two values near 0, one near 6, so
 * that a search has something to choose), fitted with the default model search in JSON and
 * in CSV, as a user would run the built CLI. Prints the time and the peak RSS that --timings
 * reports. Each group's output is written as soon as it is fitted and nothing of it is
 * kept, so the peak stays far below the issue's bound of 300 MB (it was 1.3 GB when every
 * group's result was held to the end). Then the first 1,000 groups with --k 1:2 on one
 * thread and on two: one worker pool serves every group, so two threads cost no more than
 * one (a pool per group made it 27.6 s against 1.3 s).
 *
 *   node bench/groups.mjs            # also run by npm run bench
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from '../dist/select/rng.js';
import { writeFileAtomic } from './lib.mjs';

const GROUPS = 20_000;
const ROWS = 3;
const LIMIT_MB = 300;

const root = fileURLToPath(new URL('..', import.meta.url));
const dataDir = fileURLToPath(new URL('./data/', import.meta.url));

/** Writes the groups file once; returns its path. */
function groupsFile(groups = GROUPS) {
  const file = `${dataDir}groups-${groups}x${ROWS}.csv`;
  if (existsSync(file)) return file;
  mkdirSync(dataDir, { recursive: true });
  const random = mulberry32(20_000);
  const lines = ['group,x'];
  for (let g = 0; g < groups; g++) {
    for (let j = 0; j < ROWS; j++) lines.push(`g${g},${((j === ROWS - 1 ? 6 : 0) + random()).toFixed(3)}`);
  }
  writeFileAtomic(file, `${lines.join('\n')}\n`);
  return file;
}

export function benchGroups() {
  const file = groupsFile();
  console.log(`--by with ${GROUPS} groups of ${ROWS} rows (default model search)`);
  console.log('format  exit  read s  fit+write s  peak RSS MB  under 300 MB');
  for (const format of ['json', 'csv']) {
    const run = spawnSync(process.execPath, ['bin/em-fit.js', file, '--var', 'x', '--by', 'group', '--format', format, '--timings', '-q'], {
      cwd: root,
      maxBuffer: 1 << 30,
    });
    const line = run.stderr.toString().match(/read ([\d.]+) s, fit and write ([\d.]+) s \(.*\), peak RSS (\d+) MB/);
    if (!line) {
      console.log(`${format.padEnd(7)} failed (exit ${run.status}): ${run.stderr.toString().trim().slice(0, 300)}`);
      continue;
    }
    const [, read, work, rss] = line;
    console.log(`${format.padEnd(7)} ${String(run.status).padStart(4)} ${read.padStart(7)} ${work.padStart(12)} ${rss.padStart(12)}  ${Number(rss) < LIMIT_MB ? 'yes' : 'NO'}`);
  }
  const small = groupsFile(1000);
  console.log('1,000 groups of 3 rows, --k 1:2: threads  total s');
  for (const threads of ['1', '2']) {
    const start = performance.now();
    const run = spawnSync(process.execPath, ['bin/em-fit.js', small, '--var', 'x', '--by', 'group', '--k', '1:2', '--json', '-q', '--threads', threads], { cwd: root, maxBuffer: 1 << 30 });
    console.log(`${' '.repeat(33)}${threads.padStart(7)}  ${((performance.now() - start) / 1000).toFixed(2).padStart(7)}${run.status === 0 ? '' : ` (exit ${run.status})`}`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) benchGroups();
