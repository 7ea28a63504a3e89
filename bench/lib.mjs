/**
 * Shared by the selection benchmarks (select-panel.mjs, real-corpus.mjs): a build only when
 * dist/ is stale, em-fit's default search run as a user runs it (the built CLI, a child
 * process, with a timeout), a pool that keeps a fixed number of those children busy, and
 * mclust's default Mclust(x) on many files in ONE R process (bench/mclust-fit.R).
 */
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));

/** Every src/X.ts has a dist/X.js at least as new as it and as the tsconfig files; else `npm run build`. */
export function ensureBuilt() {
  const configTime = Math.max(...['tsconfig.json', 'tsconfig.build.json'].map((f) => statSync(join(root, f)).mtimeMs));
  const stale = (dir) =>
    readdirSync(join(root, 'src', dir), { withFileTypes: true }).some((entry) => {
      const rel = join(dir, entry.name);
      if (entry.isDirectory()) return stale(rel);
      if (!entry.name.endsWith('.ts') || entry.name.endsWith('.d.ts')) return false;
      const built = join(root, 'dist', rel.replace(/\.ts$/, '.js'));
      try {
        return statSync(built).mtimeMs < Math.max(configTime, statSync(join(root, 'src', rel)).mtimeMs);
      } catch {
        return true;
      }
    });
  if (!stale('.')) return;
  process.stderr.write('dist/ is older than src/: npm run build\n');
  const build = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (build.status !== 0) throw new Error(`npm run build failed (exit ${build.status})`);
}

/** The commit of the checkout whose em-fit is measured, with "+dirty" when src/ has changes. */
export function emFitRevision() {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' });
  if (head.status !== 0) return 'unknown';
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'src'], { cwd: root, encoding: 'utf8' });
  return head.stdout.trim() + (dirty.stdout.trim() ? '+dirty' : '');
}

/**
 * em-fit's default search on one column: `em-fit FILE --var COLUMN --json --no-responsibilities
 * -q --timings`, killed after `timeoutSeconds`. Returns {status: 'ok' | 'timeout' | 'error',
 * seconds (wall, node start-up included), fitSeconds (from --timings), k, model, bic, loglik,
 * n, resolution, floor, components [{nWeight = π_k · total weight, mean, sd}], error}.
 */
export function runEmFit(file, column, { timeoutSeconds = Infinity, extraArgs = [] } = {}) {
  return new Promise((resolve) => {
    const start = performance.now();
    const args = ['bin/em-fit.js', file, '--var', column, '--json', '--no-responsibilities', '-q', '--timings', ...extraArgs];
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    let timedOut = false;
    const timer = Number.isFinite(timeoutSeconds)
      ? setTimeout(() => {
          timedOut = true;
          child.kill('SIGKILL');
        }, timeoutSeconds * 1000)
      : null;
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      const seconds = (performance.now() - start) / 1000;
      const stderr = Buffer.concat(err).toString();
      if (timedOut) return resolve({ status: 'timeout', seconds, error: `no answer in ${timeoutSeconds} s` });
      if (code !== 0) return resolve({ status: 'error', seconds, error: `exit ${code}: ${stderr.trim().split('\n').pop()}` });
      const r = JSON.parse(Buffer.concat(out).toString());
      const fit = stderr.match(/fit ([\d.]+) s/);
      resolve({
        status: 'ok',
        seconds,
        fitSeconds: fit ? Number(fit[1]) : null,
        k: r.k,
        model: r.variance_model,
        bic: r.bic,
        loglik: r.loglik,
        n: r.n,
        resolution: r.resolution,
        floor: r.variance_floor,
        components: r.components.map((c) => ({ nWeight: c.weight * r.total_weight, mean: c.mean, sd: c.sd })),
      });
    });
  });
}

/** Runs `work(task)` for every task with at most `jobs` at a time; results in task order. */
export async function pool(tasks, jobs, work) {
  const results = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await work(tasks[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, tasks.length) }, worker));
  return results;
}

/** True when `Rscript` runs and loads mclust. */
export function hasMclust() {
  const probe = spawnSync('Rscript', ['-e', 'quit(status = if (requireNamespace("mclust", quietly = TRUE)) 0 else 1)'], { stdio: 'ignore' });
  return probe.status === 0;
}

/** mclust's version, as R's packageVersion prints it. */
export function mclustVersion() {
  const probe = spawnSync('Rscript', ['-e', 'cat(format(packageVersion("mclust")))'], { encoding: 'utf8' });
  return probe.status === 0 ? probe.stdout.trim() : null;
}

/**
 * mclust's default `Mclust(x)` (G = 1:9, models E and V) on column `column` of every file, in
 * one R process. `listFile` and `outFile` are scratch paths. Progress lines from R go to our
 * stderr through `onProgress`. Returns {wallSeconds, results: Map(file -> {status, seconds,
 * k, model, bic (mclust's, 2ℓ − p ln n), loglik, components [{nWeight, mean, sd}], error})}.
 */
export function runMclust(files, column, listFile, outFile, onProgress = () => {}) {
  writeFileSync(listFile, files.join('\n') + '\n');
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn('Rscript', [join(root, 'bench', 'mclust-fit.R'), listFile, outFile, column], { stdio: ['ignore', 'ignore', 'pipe'] });
    let pending = '';
    const messages = [];
    child.stderr.on('data', (d) => {
      pending += d;
      const lines = pending.split('\n');
      pending = lines.pop();
      for (const line of lines) {
        const progress = line.match(/^mclust (\d+)\/(\d+)$/);
        if (progress) onProgress(Number(progress[1]), Number(progress[2]));
        else messages.push(line);
      }
    });
    child.on('close', (code) => {
      const wallSeconds = (performance.now() - start) / 1000;
      if (code !== 0) return reject(new Error(`Rscript bench/mclust-fit.R failed (exit ${code}): ${messages.join('\n')}`));
      const results = new Map();
      for (const line of readFileSync(outFile, 'utf8').split('\n').slice(1)) {
        if (!line) continue;
        const [file, status, seconds, k, model, bic, loglik, n, weights, means, sds, error] = line.split('\t');
        if (status !== 'ok') {
          results.set(file, { status, seconds: Number(seconds), error });
          continue;
        }
        const nums = (s) => s.split(',').map(Number);
        const [w, m, s] = [nums(weights), nums(means), nums(sds)];
        results.set(file, {
          status,
          seconds: Number(seconds),
          k: Number(k),
          model: model === 'E' ? 'equal' : model === 'V' ? 'unequal' : model,
          bic: Number(bic),
          loglik: Number(loglik),
          components: w.map((weight, j) => ({ nWeight: weight * Number(n), mean: m[j], sd: s[j] })),
        });
      }
      resolve({ wallSeconds, results });
    });
  });
}
