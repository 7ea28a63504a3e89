/**
 * Many groups and much work: --by writes each group's output as soon as it is fitted (in
 * input order for CSV), one worker pool serves every group (the numbers do not depend on
 * the threads), and work that would take very long is announced by a warning before it
 * starts. The memory bound of --by (20,000 groups of 3 rows) is measured by the benchmark
 * (bench/bench.mjs), not here.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, ROOT } from '../helpers/cli.js';
import { mulberry32 } from '../helpers/mixture.js';
import { emFitAsync } from '../helpers/run.js';

const dir = mkdtempSync(join(tmpdir(), 'em-fit-groups-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `groups` groups of `rows` rows, two clusters each, interleaved (row i belongs to group i mod groups). */
function groupsFile(name: string, groups: number, rows: number): string {
  const random = mulberry32(groups * 7 + rows);
  const lines = ['g,x'];
  for (let i = 0; i < groups * rows; i++) {
    const g = i % groups;
    lines.push(`g${g},${((Math.floor(i / groups) % 2) * 6 + g / 10 + random()).toFixed(3)}`);
  }
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

/**
 * Runs em-fit and sends SIGINT as soon as `until` matches what it has written (stdout, then
 * stderr); resolves with what it wrote and its exit code.
 */
function interruptWhen(args: string[], until: RegExp): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '' } });
    let stdout = '';
    let stderr = '';
    let sent = false;
    const check = (): void => {
      if (!sent && (until.test(stdout) || until.test(stderr))) {
        sent = true;
        child.kill('SIGINT');
      }
    };
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
      check();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
      check();
    });
    const guard = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('--by', () => {
  it('writes the first group\'s JSON line while later groups are still being fitted', async () => {
    const path = groupsFile('many.csv', 20_000, 3);
    const result = await interruptWhen([path, '--var', 'x', '--by', 'g', '--json', '--no-responsibilities'], /^\{"format":"em-fit\.fit\/2","group":"g0"[^\n]*\n/);
    // Interrupted in the middle: the first lines came out long before the end.
    expect(result.code, result.stderr).toBe(130);
    const first = JSON.parse(result.stdout.split('\n')[0]);
    expect(first.group).toBe('g0');
    expect(first.n).toBe(3);
  }, 150_000);

  it('writes CSV lines in input order, each with its own group\'s fit', async () => {
    const path = groupsFile('interleaved.csv', 3, 40);
    const csv = await emFitAsync([path, '--var', 'x', '--by', 'g', '--k', '2', '--format', 'csv']);
    expect(csv.code, csv.stderr).toBe(0);
    const lines = csv.stdout.trim().split('\n');
    expect(lines[0]).toBe('g,x,row,group,p_1,p_2,component');
    expect(lines).toHaveLength(121);
    const json = await emFitAsync([path, '--var', 'x', '--by', 'g', '--k', '2', '--json']);
    const fits = new Map(json.stdout.trim().split('\n').map((l) => JSON.parse(l)).map((f) => [f.group, f]));
    const seen = new Map<string, number>();
    lines.slice(1).forEach((line, i) => {
      const [g, , number, group, p1, p2, component] = line.split(',');
      expect(g).toBe(`g${i % 3}`);
      expect(number).toBe(String(i + 1));
      expect(group).toBe(g);
      const fit = fits.get(g);
      const row = seen.get(g) ?? 0;
      seen.set(g, row + 1);
      expect([Number(p1), Number(p2)]).toEqual(fit.responsibilities[row]);
      expect(component).toBe(fit.classification[row]);
    });
  });

  it('gives the same numbers on one thread and on a pool shared by all groups', async () => {
    const path = groupsFile('threads.csv', 30, 20);
    const one = await emFitAsync([path, '--var', 'x', '--by', 'g', '--k', '1:2', '--json', '--threads', '1']);
    const two = await emFitAsync([path, '--var', 'x', '--by', 'g', '--k', '1:2', '--json', '--threads', '2']);
    expect(one.code, one.stderr).toBe(0);
    expect(two.code, two.stderr).toBe(0);
    expect(two.stdout).toBe(one.stdout);
  });

  it('warns before drawing a picture for each of thousands of groups', async () => {
    const path = groupsFile('pictures.csv', 6_100, 2);
    const result = await interruptWhen([path, '--var', 'x', '--by', 'g', '--k', '1', '--plot', join(dir, 'p.svg'), '--json'], /one picture per group: 6100 pictures/);
    expect(result.code).toBe(130);
    expect(result.stderr).toContain(`em-fit: warning: ${path}: --plot with --by draws one picture per group: 6100 pictures at about 0.1 s each, 10 minutes in all`);
  }, 150_000);
});

describe('work that would take long', () => {
  it('a search over K up to 100 on 200,000 rows is announced before it starts', async () => {
    const random = mulberry32(5);
    const path = join(dir, 'wide.csv');
    writeFileSync(path, `x\n${Array.from({ length: 200_000 }, () => (random() * 100).toFixed(3)).join('\n')}\n`);
    const result = await interruptWhen([path, '--var', 'x', '--k', '1:100', '--json'], /may take/);
    expect(result.code).toBe(130);
    expect(result.stderr).toMatch(/em-fit: warning: \S*wide\.csv: this fit of 200000 rows may take \d+ (hours|days) or so: a model search with K up to 100, 10 starts/);
  }, 150_000);

  it('a fit of 300 components on 50,000 rows is announced before it starts', async () => {
    const path = join(dir, 'labels.csv');
    writeFileSync(path, `x,g\n${Array.from({ length: 50_000 }, (_, i) => `${i % 300}.${i % 7},${i % 300}`).join('\n')}\n`);
    const result = await interruptWhen([path, '--var', 'x', '--init', 'g', '--json'], /may take/);
    expect(result.code).toBe(130);
    expect(result.stderr).toMatch(/em-fit: warning: \S*labels\.csv: this fit of 50000 rows may take \d+ (minutes|hours) or so: 300 components, up to 1000 iterations/);
  }, 150_000);
});

describe('--by with several columns', () => {
  it('writes each NDJSON line\'s value as its row\'s values', async () => {
    // They were read from the flattened data, a column at a time: row 2's "value" was row 1's
    // second column (second QA pass).
    const file = join(ROOT, 'fixtures', 'faithful-groups.csv');
    const result = await emFitAsync([file, '--var', 'eruptions,waiting', '--by', 'group', '--k', '1', '--format', 'ndjson', '-q'], { timeoutMs: 120_000 });
    expect(result.code, result.stderr).toBe(0);
    const rows = readFileSync(file, 'utf8').trim().split('\n').slice(1).map((line) => line.split(',').slice(0, 2).map(Number));
    const lines = result.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(lines).toHaveLength(rows.length);
    for (const line of lines) expect(line.value).toEqual(rows[line.row - 1]);
  });
});
