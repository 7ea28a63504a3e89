/**
 * Each family's cost per pass per million rows against the Gaussian's (K = 3, one thread),
 * measured by the interleaved rounds of test/helpers/family-cost.ts (run through vitest, which
 * compiles that TypeScript helper; the test itself only measures when EMFIT_COST=1).
 *
 *   node bench/families.mjs
 */
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export function benchFamilies() {
  console.log("\nEach family's pass per million rows (K = 3, one thread; interleaved rounds, median)");
  const run = spawnSync(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', 'test/models/families/cost.test.ts', '--reporter=dot'], {
    cwd: root,
    env: { ...process.env, EMFIT_COST: '1', NO_COLOR: '1', FORCE_COLOR: '0' },
    maxBuffer: 1 << 26,
  });
  const lines = run.stdout.toString().split('\n').filter((l) => /ms per pass per 1M rows/.test(l));
  if (run.status !== 0 || lines.length === 0) {
    console.log(`failed (exit ${run.status}): ${run.stderr.toString().trim() || run.stdout.toString().trim().slice(-2000)}`);
    return;
  }
  for (const line of lines) console.log(line.trim());
}

if (process.argv[1] === fileURLToPath(import.meta.url)) benchFamilies();
