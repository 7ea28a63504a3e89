/**
 * npm run bench:select: how often em-fit's default model search (K = 1..9, equal and
 * unequal variances, BIC) chooses the true number of components, beside mclust's default
 * Mclust(x), on a seeded simulation panel with known truth (bench/panel-data.mjs):
 * 8 scenarios (K = 1..4) × n ∈ {50, 200, 1000, 5000} × 5 recording conditions × replicates.
 *
 * First, a focused check: 200 draws from one N(0, 1), written with 15 and with 17
 * significant digits, 20 seeds: how often K = 1.
 *
 * Then, per recording × scenario × n and per recording condition: K = truth for each tool,
 * the choices with a degenerate component (sd below the true resolution: δ for b and d,
 * 1/60 for c; at full precision, a15 and a17, n·weight < 2), em-fit runs that failed or
 * timed out (counted as wrong), and the seconds. Full results go to a JSON file (path
 * printed; default bench/data/, which git ignores).
 *
 *   npm run bench:select                                  # all: 800 data sets + 40, slow
 *   npm run bench:select -- --reps 1 --only n=50,200      # a quick look
 *   npm run bench:select -- --only cond=b,c --only k=2    # filters AND, values within one OR
 *   npm run bench:select -- --markdown                    # compact tables for the README
 *   node bench/select-panel.mjs --from RESULTS.json --markdown   # print a saved run again
 *
 * Options: --reps R (5) · --only KEY=V[,V] (keys cond, scenario, k, n, rep) · --seed S (0) ·
 * --timeout SECONDS per em-fit run (300) · --jobs J em-fit processes at a time (2) ·
 * --heap M: condition d heaps a fifth of the values on M·δ (10) ·
 * --no-mclust · --no-focus · --focus-only · --markdown · --out FILE.json · --keep (leave the
 * generated CSVs in the temporary directory) · --from FILE.json (no run: the tables of a
 * saved one).
 *
 * Times: em-fit's are wall times of each CLI run (node start-up and reading included) and
 * the wall time of the whole pool; mclust's are Mclust(x) alone, per file (R's
 * system.time), and the wall time of the one R process (start-up and reading included).
 */
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { emFitRevision, ensureBuilt, hasMclust, mclustVersion, pool, root, runEmFit, runMclust } from './lib.mjs';
import { conditions, drawDataSet, formatR15, keyedRandom, normal, scenarios, sizes, writtenTruth } from './panel-data.mjs';

const { values: opts } = parseArgs({
  options: {
    reps: { type: 'string', default: '5' },
    only: { type: 'string', multiple: true, default: [] },
    seed: { type: 'string', default: '0' },
    timeout: { type: 'string', default: '300' },
    jobs: { type: 'string', default: '2' },
    'no-mclust': { type: 'boolean', default: false },
    'no-focus': { type: 'boolean', default: false },
    'focus-only': { type: 'boolean', default: false },
    markdown: { type: 'boolean', default: false },
    out: { type: 'string' },
    keep: { type: 'boolean', default: false },
    from: { type: 'string' },
    heap: { type: 'string', default: '10' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (opts.help) {
  const source = readFileSync(new URL(import.meta.url), 'utf8');
  process.stdout.write(source.slice(0, source.indexOf('*/') + 2) + '\n');
  process.exit(0);
}

function usage(message) {
  process.stderr.write(`select-panel: ${message} (--help for the options)\n`);
  process.exit(2);
}

const reps = Number(opts.reps);
const seed = Number(opts.seed);
const timeoutSeconds = Number(opts.timeout);
const jobs = Number(opts.jobs);
const heap = Number(opts.heap);
for (const [name, v] of [['--reps', reps], ['--seed', seed], ['--timeout', timeoutSeconds], ['--jobs', jobs], ['--heap', heap]]) {
  if (!Number.isFinite(v) || v < (name === '--jobs' || name === '--heap' ? 1 : 0) || (name === '--timeout' && v === 0) || (name !== '--timeout' && !Number.isInteger(v))) usage(`${name} ${opts[name.slice(2)]}: not a valid number`);
}

/** --only filters: {key: Set of values}; a data set is kept when every key matches. */
const filters = {};
for (const term of opts.only) {
  const m = term.match(/^(cond|scenario|k|n|rep)=(.+)$/);
  if (!m) usage(`--only ${term}: expected KEY=V[,V] with KEY one of cond, scenario, k, n, rep`);
  filters[m[1]] = new Set(m[2].split(','));
}
const keep = (fields) => Object.entries(filters).every(([key, allowed]) => allowed.has(String(fields[key])));

// ---- measure: generate the data sets (each written to a temporary name and renamed), run
// em-fit on them `jobs` at a time, then mclust once for all files. Or read a saved run.

const focusSeeds = 20;

async function measure() {
  const dir = mkdtempSync(join(tmpdir(), 'em-fit-panel-'));
  function writeColumn(name, strings) {
    const file = join(dir, name);
    writeFileSync(`${file}.tmp`, `x\n${strings.join('\n')}\n`);
    renameSync(`${file}.tmp`, file);
    return file;
  }

  const focus = [];
  if (!opts['no-focus'] || opts['focus-only']) {
    for (let s = 1; s <= focusSeeds; s++) {
      const random = keyedRandom(`${seed}/focus/${s}`);
      const values = Array.from({ length: 200 }, () => normal(random));
      focus.push({ group: 'focus', digits: 15, seed: s, file: writeColumn(`focus-15-s${s}.csv`, values.map(formatR15)) });
      focus.push({ group: 'focus', digits: 17, seed: s, file: writeColumn(`focus-17-s${s}.csv`, values.map(String)) });
    }
  }

  const panel = [];
  if (!opts['focus-only']) {
    for (const scenario of scenarios) {
      const k = scenario.weights.length;
      for (const n of sizes) {
        for (let rep = 1; rep <= reps; rep++) {
          const wanted = conditions.filter((c) => keep({ cond: c.id, scenario: scenario.id, k, n, rep }));
          if (wanted.length === 0) continue;
          const { ratio, phase, values } = drawDataSet(seed, scenario, n, rep);
          for (const condition of wanted) {
            const random = keyedRandom(`${seed}/record/${condition.id}/${scenario.id}/${n}/${rep}`);
            const { strings, scale, offset, resolution } = condition.record(values, { scenario, ratio, phase, random, heap });
            const file = writeColumn(`${condition.id}_${scenario.id}_n${n}_r${rep}.csv`, strings);
            panel.push({ group: 'panel', cond: condition.id, scenario: scenario.id, n, rep, ratio, phase, resolution, truth: writtenTruth(scenario, { scale, offset }), file });
          }
        }
      }
    }
    // Small data sets first: the first answers come quickly.
    panel.sort((a, b) => a.n - b.n);
  }
  const all = [...focus, ...panel];
  process.stderr.write(`${all.length} data sets in ${dir}\n`);
  if (all.length === 0) process.exit(0);

  // ---- em-fit, `jobs` at a time; then mclust, once for all files

  ensureBuilt();
  const started = performance.now();
  let done = 0;
  const name = (d) => relative(dir, d.file).replace(/\.csv$/, '');
  const emWallStart = performance.now();
  await pool(all, jobs, async (d) => {
    d.emfit = await runEmFit(d.file, 'x', { timeoutSeconds });
    done++;
    const what = d.emfit.status === 'ok' ? `K=${d.emfit.k} ${d.emfit.model}` : d.emfit.status;
    const elapsed = ((performance.now() - started) / 1000).toFixed(0);
    process.stderr.write(`[${String(done).padStart(String(all.length).length)}/${all.length}] ${elapsed} s  em-fit ${name(d)}: ${what} (${d.emfit.seconds.toFixed(1)} s)\n`);
  });
  const emWall = (performance.now() - emWallStart) / 1000;

  const withMclust = !opts['no-mclust'] && hasMclust();
  let mclustWall = null;
  if (withMclust) {
    process.stderr.write(`mclust: Mclust(x) on ${all.length} files in one R process\n`);
    const { wallSeconds, results } = await runMclust(
      all.map((d) => d.file),
      'x',
      join(dir, 'mclust-files.txt'),
      join(dir, 'mclust-results.tsv'),
      (i, total) => {
        if (i % 20 === 0 || i === total) process.stderr.write(`mclust ${i}/${total}\n`);
      },
    );
    mclustWall = wallSeconds;
    for (const d of all) d.mclust = results.get(d.file);
  } else if (!opts['no-mclust']) {
    process.stderr.write('mclust: Rscript with mclust not found; em-fit only\n');
  }

  const meta = {
    generated: new Date().toISOString(),
    emfit: emFitRevision(),
    mclust: withMclust ? mclustVersion() : null,
    node: process.version,
    seed,
    reps,
    only: opts.only,
    heap,
    timeoutSeconds,
    jobs,
    times: {
      emfitWallSeconds: emWall,
      emfitRunSeconds: all.reduce((sum, d) => sum + d.emfit.seconds, 0),
      emfitFitSeconds: all.reduce((sum, d) => sum + (d.emfit.fitSeconds ?? 0), 0),
      mclustWallSeconds: mclustWall,
      mclustSeconds: withMclust ? all.reduce((sum, d) => sum + (d.mclust?.seconds ?? 0), 0) : null,
    },
  };
  for (const d of all) d.file = relative(dir, d.file);
  if (!opts.keep) rmSync(dir, { recursive: true, force: true });
  else process.stderr.write(`data sets kept in ${dir}\n`);
  return { meta, focus, panel };
}

const saved = opts.from ? JSON.parse(readFileSync(opts.from, 'utf8')) : null;
const { meta, focus, panel } = saved ? { meta: saved.meta, focus: saved.focus.sets, panel: saved.panel } : await measure();
const withMclust = meta.mclust !== null;

// ---- scoring

/** The data set's verdicts for one tool's answer (undefined when the tool did not run). */
function judge(d, answer) {
  if (!answer) return undefined;
  const ok = answer.status === 'ok';
  const tiny = ok && answer.components.some((c) => c.nWeight < 2);
  const narrow = ok && d.resolution !== null && answer.components.some((c) => c.sd < d.resolution);
  return {
    ok,
    k: ok ? answer.k : null,
    kRight: ok && answer.k === d.truth.k,
    modelRight: ok && answer.k === d.truth.k && (d.truth.k === 1 || answer.model === d.truth.model),
    tiny,
    narrow,
    degenerate: d.resolution === null ? tiny : narrow,
    proper: ok && answer.k === d.truth.k && !(d.resolution === null ? tiny : narrow),
  };
}
for (const d of panel) {
  d.verdict = { emfit: judge(d, d.emfit), mclust: judge(d, d.mclust) };
}

function tally(list) {
  const count = (tool, field) => list.filter((d) => d.verdict[tool]?.[field]).length;
  return {
    sets: list.length,
    emfit: { kRight: count('emfit', 'kRight'), proper: count('emfit', 'proper'), modelRight: count('emfit', 'modelRight'), degenerate: count('emfit', 'degenerate'), tiny: count('emfit', 'tiny'), narrow: count('emfit', 'narrow'), failed: list.filter((d) => d.emfit.status !== 'ok').length, seconds: list.reduce((s, d) => s + d.emfit.seconds, 0) },
    mclust: withMclust
      ? { kRight: count('mclust', 'kRight'), proper: count('mclust', 'proper'), modelRight: count('mclust', 'modelRight'), degenerate: count('mclust', 'degenerate'), tiny: count('mclust', 'tiny'), narrow: count('mclust', 'narrow'), failed: list.filter((d) => d.mclust?.status !== 'ok').length, seconds: list.reduce((s, d) => s + (d.mclust?.seconds ?? 0), 0) }
      : null,
  };
}

const cells = [];
for (const condition of conditions) {
  for (const scenario of scenarios) {
    for (const n of sizes) {
      const list = panel.filter((d) => d.cond === condition.id && d.scenario === scenario.id && d.n === n);
      if (list.length) cells.push({ cond: condition.id, scenario: scenario.id, n, ...tally(list), emfitK: list.map((d) => kOf(d.emfit)), mclustK: withMclust ? list.map((d) => kOf(d.mclust)) : null });
    }
  }
}
const byCondition = conditions
  .map((c) => ({ cond: c.id, about: c.about, list: panel.filter((d) => d.cond === c.id) }))
  .filter((c) => c.list.length)
  .map(({ cond, about, list }) => ({ cond, about, ...tally(list) }));

function kOf(answer) {
  if (!answer) return '-';
  if (answer.status === 'ok') return String(answer.k);
  return answer.status === 'timeout' ? 'T' : answer.status === 'null' ? 'N' : 'E';
}

const focusRows = [15, 17].map((digits) => {
  const list = focus.filter((d) => d.digits === digits);
  return {
    digits,
    seeds: list.length,
    emfitK1: list.filter((d) => d.emfit.status === 'ok' && d.emfit.k === 1).length,
    mclustK1: withMclust ? list.filter((d) => d.mclust?.status === 'ok' && d.mclust.k === 1).length : null,
    emfitK: list.map((d) => kOf(d.emfit)),
    mclustK: withMclust ? list.map((d) => kOf(d.mclust)) : null,
    emfitSeconds: list.reduce((s, d) => s + d.emfit.seconds, 0),
    mclustSeconds: withMclust ? list.reduce((s, d) => s + (d.mclust?.seconds ?? 0), 0) : null,
  };
}).filter((r) => r.seeds > 0);

// ---- report

const frac = (a, b) => `${a}/${b}`;
const secs = (s) => (s === null ? '-' : s < 1 ? s.toFixed(2) : s < 10 ? s.toFixed(1) : s.toFixed(0));
const mc = (f) => (withMclust ? f() : '-');

function table(header, rows, markdown) {
  if (markdown) {
    const line = (cells) => `| ${cells.join(' | ')} |`;
    return [line(header), line(header.map((h, i) => (i === 0 || /^[a-z]/i.test(rows[0]?.[i] ?? '') ? '---' : '---:'))), ...rows.map(line)].join('\n');
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const pad = (cells) => cells.map((c, i) => (i < 3 && !/^\d/.test(c) ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [pad(header), ...rows.map(pad)].join('\n');
}

const md = opts.markdown;
const out = [];
out.push(`${md ? '### ' : ''}Model selection panel: em-fit ${meta.emfit} (default search) vs ${withMclust ? `mclust ${meta.mclust} Mclust(x)` : 'no mclust'}; seed ${meta.seed}, ${meta.reps} replicate${meta.reps === 1 ? '' : 's'}${(meta.heap ?? 10) === 10 ? '' : `, heaps on ${meta.heap}δ`}${meta.only.length ? `, only ${meta.only.join(' ')}` : ''}; ${meta.generated.slice(0, 10)}`);
out.push('');

if (focusRows.length) {
  out.push(`${md ? '#### ' : ''}Focused check: 200 draws from one N(0, 1), ${focusSeeds} seeds; times in seconds (em-fit: wall per CLI run; mclust: Mclust(x) alone)`);
  out.push('');
  out.push(
    table(
      ['written with', 'em-fit K = 1', 'mclust K = 1', 'em-fit K per seed', 'mclust K per seed', 'em-fit s', 'mclust s'],
      focusRows.map((r) => [`${r.digits} digits (${r.digits === 15 ? 'R' : 'pandas'})`, frac(r.emfitK1, r.seeds), mc(() => frac(r.mclustK1, r.seeds)), r.emfitK.join(' '), mc(() => r.mclustK.join(' ')), secs(r.emfitSeconds), mc(() => secs(r.mclustSeconds))]),
      md,
    ),
  );
  out.push('');
}

if (panel.length) {
  const legend = conditions.filter((c) => byCondition.some((b) => b.cond === c.id)).map((c) => `${c.id}: ${c.about}`);
  out.push(`${md ? '#### ' : ''}Per recording condition (degenerate: a component with sd below the true resolution, δ for b and d, 1/60 for c; for a15 and a17, n·weight < 2. proper: K right and no component degenerate)`);
  out.push('');
  out.push(
    table(
      ['recording', 'sets', 'em-fit K right', 'mclust K right', 'em-fit proper', 'mclust proper', 'em-fit degenerate', 'mclust degenerate', 'em-fit failed', 'em-fit s', 'mclust s'],
      byCondition.map((c) => [c.cond, String(c.sets), frac(c.emfit.kRight, c.sets), mc(() => frac(c.mclust.kRight, c.sets)), frac(c.emfit.proper, c.sets), mc(() => frac(c.mclust.proper, c.sets)), String(c.emfit.degenerate), mc(() => String(c.mclust.degenerate)), String(c.emfit.failed), secs(c.emfit.seconds), mc(() => secs(c.mclust.seconds))]),
      md,
    ),
  );
  out.push('');
  out.push(legend.map((l) => (md ? `- ${l}` : `  ${l}`)).join('\n'));
  out.push('');
  if (md) {
    // Compact: one row per scenario and n, one column per recording: em-fit/mclust right of R.
    const conds = byCondition.map((c) => c.cond);
    out.push(`#### K = truth per scenario and n: em-fit / mclust of ${meta.reps}${meta.only.length ? ' (filtered)' : ''}; ⚠d: em-fit chose a degenerate component in d of them`);
    out.push('');
    const rows = [];
    for (const scenario of scenarios) {
      for (const n of sizes) {
        const row = [scenario.id, String(n)];
        let any = false;
        for (const cond of conds) {
          const cell = cells.find((c) => c.cond === cond && c.scenario === scenario.id && c.n === n);
          if (!cell) {
            row.push('');
            continue;
          }
          any = true;
          row.push(`${cell.emfit.kRight} / ${mc(() => cell.mclust.kRight)}${cell.emfit.degenerate ? ` ⚠${cell.emfit.degenerate}` : ''}`);
        }
        if (any) rows.push(row);
      }
    }
    out.push(table(['scenario', 'n', ...conds], rows, true));
  } else {
    out.push('Per recording × scenario × n (K per replicate: T timeout, E error, N mclust returned NULL)');
    out.push('');
    out.push(
      table(
        ['rec', 'scenario', 'n', 'em-fit K right', 'mclust K right', 'em-fit proper', 'em-fit degenerate', 'em-fit K', 'mclust K', 'em-fit s', 'mclust s'],
        cells.map((c) => [c.cond, c.scenario, String(c.n), frac(c.emfit.kRight, c.sets), mc(() => frac(c.mclust.kRight, c.sets)), frac(c.emfit.proper, c.sets), String(c.emfit.degenerate), c.emfitK.join(' '), mc(() => c.mclustK.join(' ')), secs(c.emfit.seconds), mc(() => secs(c.mclust.seconds))]),
        false,
      ),
    );
  }
  out.push('');
}

const t = meta.times;
out.push(
  `Times for all ${focus.length + panel.length} data sets: em-fit ${secs(t.emfitWallSeconds)} s wall with ${meta.jobs} at a time (${secs(t.emfitRunSeconds)} s summed over runs, of which ${secs(t.emfitFitSeconds)} s fitting)` +
    (withMclust ? `; mclust ${secs(t.mclustWallSeconds)} s wall in one R process (${secs(t.mclustSeconds)} s in Mclust(x))` : ''),
);

// ---- full results as JSON (not when re-reading one), written to a temporary name and renamed

if (!saved) {
  const resultsFile = opts.out ?? join(root, 'bench', 'data', `select-panel-${meta.generated.replace(/[:.]/g, '-')}.json`);
  mkdirSync(join(resultsFile, '..'), { recursive: true });
  const results = { meta, conditions: conditions.map(({ id, about }) => ({ id, about })), scenarios, focus: { rows: focusRows, sets: focus }, byCondition, cells, panel };
  writeFileSync(`${resultsFile}.tmp`, JSON.stringify(results, null, 1) + '\n');
  renameSync(`${resultsFile}.tmp`, resultsFile);
  out.push(`Full results: ${resultsFile} (print again with --from)`);
}
console.log(out.join('\n'));
