/**
 * npm run bench:real: em-fit's default model search (`--missing skip`) on every column of
 * fixtures/real/ (written by R, see scripts/real-corpus.R), beside mclust's default Mclust(x)
 * stored in fixtures/real/corpus.json. One row per file:
 *
 *   n, distinct values; dec: the most decimals written; grid: the coarsest grid that 95% of
 *   the values sit on within their written rounding (1/60: whole seconds written as minutes;
 *   10 on integers: recorded to tens), shown when it is coarser than the written decimals
 *   say, with the share of the values written finely enough to tell;
 *   em-fit's resolution δ (from its JSON), K and model (X for K = 1, E equal, V unequal),
 *   BIC, the smallest component's n·weight and sd; mclust's K, model and −1 × its BIC (so
 *   that lower is better for both); ΔBIC = em-fit − mclust; and the disagreements:
 *   K (another K), model (same K, other variance model), spike (an em-fit component with
 *   n·weight < 2 or sd below the grid: a component on single or tied values), mclust-spike
 *   (the same in mclust's choice).
 *
 *   npm run bench:real                         # all files
 *   npm run bench:real -- --only faithful,iris # files whose name contains one of these
 *   npm run bench:real -- --markdown           # the table in markdown, for the README
 *
 * Options: --only NAME[,NAME] · --timeout SECONDS per em-fit run (300) · --jobs J (2) ·
 * --markdown · --out FILE.json (default bench/data/real-corpus-<time>.json).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { emFitRevision, ensureBuilt, pool, root, runEmFit } from './lib.mjs';

const { values: opts } = parseArgs({
  options: {
    only: { type: 'string', default: '' },
    timeout: { type: 'string', default: '300' },
    jobs: { type: 'string', default: '2' },
    markdown: { type: 'boolean', default: false },
    out: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help) {
  const source = readFileSync(new URL(import.meta.url), 'utf8');
  process.stdout.write(source.slice(0, source.indexOf('*/') + 2) + '\n');
  process.exit(0);
}

const dir = join(root, 'fixtures', 'real');
const corpus = JSON.parse(readFileSync(join(dir, 'corpus.json'), 'utf8'));
const names = opts.only ? opts.only.split(',') : [];
const files = corpus.files.filter((f) => names.length === 0 || names.some((s) => f.file.includes(s)));

/** The column's written values (R's write.csv: a quoted header, then one value a line; NA skipped). */
function writtenValues(file) {
  return readFileSync(join(dir, file), 'utf8').split('\n').slice(1).filter((s) => s !== '' && s !== 'NA');
}

/** Decimals written in a value: "4.35" → 2, "12" → 0, "1.5e-05" → 6. */
function decimals(text) {
  const m = text.match(/^-?\d*(?:\.(\d*))?(?:e([+-]?\d+))?$/i);
  if (!m) return 0;
  return Math.max(0, (m[1]?.length ?? 0) - Number(m[2] ?? 0));
}

/**
 * Candidate grids: {1, 2, 2.5, 5} × 10^e, and a power of ten over 3, 12 and 60 (thirds,
 * five-second steps and seconds written as decimal minutes or hours).
 */
const grids = [];
for (let e = 6; e >= -16; e--) {
  for (const m of [5, 2.5, 2, 1]) grids.push({ size: m * 10 ** e, label: formatNumber(m * 10 ** e) });
  if (e <= 2 && e >= -2) for (const d of [3, 12, 60]) grids.push({ size: 10 ** e / d, label: `${formatNumber(10 ** e)}/${d}` });
}
grids.sort((a, b) => b.size - a.size);

/**
 * The coarsest grid that at least 95% of the values sit on, counting only the values written
 * with a finer unit than the grid (a value written as 3.6 says nothing about a grid of 1/60;
 * R drops trailing zeros) and asking that they be at least half of all: x is on the grid
 * when it is within its written rounding (half a unit of its last decimal, plus a few ulps)
 * of a multiple. The 5% spare lets a few stray values (three of faithful$eruptions' 272) not
 * hide the grid of the rest. Never finer than the most decimals written.
 */
function detectGrid(texts) {
  const values = texts.map(Number);
  const units = texts.map((t) => 10 ** -decimals(t));
  const tolerance = values.map((v, i) => 0.5 * units[i] + 8 * Number.EPSILON * Math.abs(v));
  const finest = Math.min(...units);
  for (const grid of grids) {
    if (grid.size <= finest * (1 + 1e-9)) break;
    let informative = 0;
    let on = 0;
    for (let i = 0; i < values.length; i++) {
      if (units[i] >= grid.size * (1 - 1e-9)) continue;
      informative++;
      if (Math.abs(values[i] - Math.round(values[i] / grid.size) * grid.size) <= tolerance[i]) on++;
    }
    if (informative >= 0.5 * values.length && on >= 0.95 * informative) return { ...grid, share: on / informative };
  }
  return { size: finest, label: formatNumber(finest), share: 1 };
}

function formatNumber(v) {
  return Number(v.toPrecision(6)).toString();
}

// ---- run em-fit on every file

ensureBuilt();
const timeoutSeconds = Number(opts.timeout);
const jobs = Number(opts.jobs);
if (!(timeoutSeconds > 0) || !Number.isInteger(jobs) || jobs < 1) {
  process.stderr.write('real-corpus: --timeout wants seconds > 0 and --jobs a whole number from 1 (--help for the options)\n');
  process.exit(2);
}
const started = performance.now();
let done = 0;
const rows = await pool(files, jobs, async (entry) => {
  const texts = writtenValues(entry.file);
  const grid = detectGrid(texts);
  const dec = Math.max(...texts.map(decimals));
  const emfit = await runEmFit(join(dir, entry.file), entry.column, { timeoutSeconds, extraArgs: ['--missing', 'skip'] });
  done++;
  process.stderr.write(`[${String(done).padStart(2)}/${files.length}] ${((performance.now() - started) / 1000).toFixed(0)} s  ${entry.file}: ${emfit.status === 'ok' ? `K=${emfit.k} ${emfit.model}` : emfit.status} (${emfit.seconds.toFixed(1)} s)\n`);
  return { entry, dec, grid, emfit };
});
const wall = (performance.now() - started) / 1000;

// ---- compare

const letter = (k, model) => (k === 1 ? 'X' : model === 'equal' || model === 'E' ? 'E' : 'V');
const results = rows.map(({ entry, dec, grid, emfit }) => {
  const m = entry.mclust;
  const ok = emfit.status === 'ok';
  const minNw = ok ? Math.min(...emfit.components.map((c) => c.nWeight)) : null;
  const minSd = ok ? Math.min(...emfit.components.map((c) => c.sd)) : null;
  const flags = [];
  if (!ok) flags.push(emfit.status);
  else {
    if (!m || emfit.k !== m.G) flags.push('K');
    else if (letter(emfit.k, emfit.model) !== letter(m.G, m.model)) flags.push('model');
    if (minNw < 2 || minSd < grid.size) flags.push('spike');
  }
  if (m && m.components.some((c) => c.weight * entry.n < 2 || c.sd < grid.size)) flags.push('mclust-spike');
  return {
    file: entry.file,
    source: entry.source,
    n: entry.n,
    distinct: entry.distinct,
    decimals: dec,
    grid,
    emfit: ok ? { k: emfit.k, model: letter(emfit.k, emfit.model), bic: emfit.bic, loglik: emfit.loglik, resolution: emfit.resolution, floor: emfit.floor, minNWeight: minNw, minSd, components: emfit.components, seconds: emfit.seconds, fitSeconds: emfit.fitSeconds } : { status: emfit.status, error: emfit.error, seconds: emfit.seconds },
    mclust: m ? { k: m.G, model: m.model, bic: m.bic_lower_better, loglik: m.loglik, minNWeight: Math.min(...m.components.map((c) => c.weight * entry.n)), minSd: Math.min(...m.components.map((c) => c.sd)) } : null,
    flags,
  };
});

// ---- report

const g4 = (v) => (v === null || v === undefined ? '-' : Math.abs(v) >= 1e5 || (v !== 0 && Math.abs(v) < 1e-3) ? v.toExponential(2) : Number(v.toPrecision(4)).toString());
const header = ['file', 'n', 'distinct', 'dec', 'grid', 'em-fit δ', 'em-fit K', 'em-fit BIC', 'min n·w', 'min sd', 'mclust K', 'mclust −BIC', 'ΔBIC', 'differ'];
const body = results.map((r) => {
  const e = r.emfit;
  const ok = e.k !== undefined;
  const coarser = r.grid.size > 10 ** -r.decimals * (1 + 1e-9);
  return [
    r.file.replace(/\.csv$/, ''),
    String(r.n),
    String(r.distinct),
    String(r.decimals),
    coarser ? `${r.grid.label} (${Math.round(100 * r.grid.share)}%)` : '',
    ok ? g4(e.resolution) : '-',
    ok ? `${e.k} ${e.model}` : e.status,
    ok ? e.bic.toFixed(2) : '-',
    ok ? e.minNWeight.toFixed(1) : '-',
    ok ? g4(e.minSd) : '-',
    r.mclust ? `${r.mclust.k} ${r.mclust.model}` : 'NULL',
    r.mclust ? r.mclust.bic.toFixed(2) : '-',
    ok && r.mclust ? (e.bic - r.mclust.bic).toFixed(2) : '-',
    r.flags.join(' '),
  ];
});

const out = [];
const md = opts.markdown;
out.push(`${md ? '### ' : ''}Real corpus: em-fit ${emFitRevision()} default search (--missing skip) vs mclust ${corpus.made_with.mclust} Mclust(x) (from corpus.json); BIC lower is better for both`);
out.push('');
if (md) {
  const line = (cells) => `| ${cells.join(' | ')} |`;
  out.push(line(header), line(header.map((h, i) => (i === 0 || i === 4 || i === header.length - 1 || h.endsWith(' K') ? '---' : '---:'))), ...body.map(line));
} else {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const left = new Set([0, 4, 6, 10, header.length - 1]);
  const pad = (cells) => cells.map((c, i) => (left.has(i) ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd();
  out.push(pad(header), ...body.map(pad));
}
out.push('');
const count = (flag) => results.filter((r) => r.flags.includes(flag)).length;
const sameK = results.filter((r) => r.emfit.k !== undefined && r.mclust && r.emfit.k === r.mclust.k).length;
const runSum = results.reduce((s, r) => s + r.emfit.seconds, 0);
out.push(`${results.length} files: same K as mclust on ${sameK}; another K on ${count('K')}, same K but another variance model on ${count('model')}; em-fit chose a spike (n·w < 2 or sd below the grid) on ${count('spike')}, mclust on ${count('mclust-spike')}; em-fit failed on ${results.length - results.filter((r) => r.emfit.k !== undefined).length}.`);
out.push(`em-fit: ${wall.toFixed(1)} s wall with ${jobs} at a time (${runSum.toFixed(1)} s summed over runs).`);

const resultsFile = opts.out ?? join(root, 'bench', 'data', `real-corpus-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
mkdirSync(join(resultsFile, '..'), { recursive: true });
writeFileSync(`${resultsFile}.tmp`, JSON.stringify({ generated: new Date().toISOString(), emfit: emFitRevision(), mclust: corpus.made_with.mclust, wallSeconds: wall, results }, null, 1) + '\n');
renameSync(`${resultsFile}.tmp`, resultsFile);
out.push(`Full results: ${resultsFile}`);
console.log(out.join('\n'));
