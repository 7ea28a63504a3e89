/**
 * Messages (issue 14, item 5): warnings in the text report as well as on stderr, where each
 * names the file (and the --by group) it concerns; --strict refusing a fit that did not
 * converge prints the summary and the reason only; options that do nothing are warned of.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emFit, fixture } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'em-fit-messages-'));
const seed = fixture('seed.csv');
const NOT_CONVERGED = [seed, '--var', 'Var', '--init', 'partition1', '--max-iter', '5'];

describe('warnings', () => {
  it('are in the text report, in a block under the summary, and on stderr naming the file', () => {
    const result = emFit(NOT_CONVERGED);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe(`em-fit: warning: ${seed}: not converged after 5 iterations${result.stderr.slice(result.stderr.indexOf(' iterations') + ' iterations'.length)}`);
    const lines = result.stdout.split('\n');
    const block = lines.indexOf('Warnings');
    expect(block).toBeGreaterThan(0);
    expect(lines[block + 1]).toMatch(/^ {2}- not converged after 5 iterations/);
    // Under the summary, before the iteration table.
    expect(block).toBeLessThan(lines.indexOf('Iterations'));
    for (const line of lines) expect([...line].length, line).toBeLessThanOrEqual(80);
  });

  it('no block when there is nothing to say', () => {
    const result = emFit([seed, '--var', 'Var', '--init', 'partition1']);
    expect(result.stderr).toBe('');
    expect(result.stdout).not.toContain('Warnings');
  });

  it('from standard input name it', () => {
    const result = emFit(['-', '--var', 'Var', '--init', 'partition1', '--max-iter', '5', '--json'], { input: readFileSync(seed) });
    expect(result.stderr).toContain('em-fit: warning: standard input: not converged after 5 iterations');
  });

  it('with --by name the file and the group', () => {
    const path = join(dir, 'groups.csv');
    writeFileSync(path, 'g,x\na,1.5\na,2.5\na,7.5\na,8.5\nb,4\n');
    const result = emFit([path, '--var', 'x', '--by', 'g', '--k', '2', '--json', '--no-responsibilities']);
    expect(result.code).toBe(4);
    expect(result.stderr).toContain(`em-fit: warning: ${path}, group "b": not fitted: `);
  });

  it('predict: a model saved from a fit that had not converged, named by its file', () => {
    const model = join(dir, 'not-converged.json');
    expect(emFit([...NOT_CONVERGED, '--save-model', model, '--json', '-q']).code).toBe(0);
    const text = emFit(['predict', model, seed]);
    expect(text.code).toBe(0);
    expect(text.stderr).toBe(`em-fit: warning: ${model}: the model was saved from a fit that had not converged after 5 iterations; refit it with a larger --max-iter\n`);
    expect(text.stdout).toMatch(/\nWarnings\n {2}- the model was saved from a fit that had not converged/);
    const json = JSON.parse(emFit(['predict', model, seed, '--json', '-q']).stdout);
    expect(json.warnings).toEqual([expect.stringContaining('had not converged after 5 iterations')]);
  });

  it('about the options alone name no file', () => {
    const result = emFit([seed, '--var', 'Var', '--init', 'partition1', '--n-init', '5', '--json']);
    expect(result.stderr).toMatch(/^em-fit: warning: --n-init applies to a model search only/);
  });
});

describe('--strict', () => {
  it('refuses a fit that did not converge: the summary and its warnings, the reason on stderr, exit 4', () => {
    const model = join(dir, 'strict-model.json');
    const result = emFit([...NOT_CONVERGED, '--strict', '--save-model', model]);
    expect(result.code).toBe(4);
    expect(result.stdout).toContain('NOT converged after 5 iterations');
    expect(result.stdout).toContain('Warnings');
    for (const table of ['Iterations', 'Components', 'Histogram', 'Responsibilities']) expect(result.stdout).not.toContain(table);
    expect(result.stderr).toContain(`em-fit: ${seed}: not converged after 5 iterations (--strict); only the summary is written, and no model file or picture`);
    expect(existsSync(model)).toBe(false);
  });

  it('JSON: the document without the per-row arrays; CSV: no lines', () => {
    const json = emFit([...NOT_CONVERGED, '--strict', '--json']);
    expect(json.code).toBe(4);
    const doc = JSON.parse(json.stdout);
    expect(doc.converged).toBe(false);
    expect(doc.responsibilities).toBeUndefined();
    expect(doc.classification).toBeUndefined();
    const csv = emFit([...NOT_CONVERGED, '--strict', '--format', 'csv']);
    expect(csv.code).toBe(4);
    expect(csv.stdout).toBe('');
  });

  it('--by: the groups that did not converge get their summary alone, the others their whole report', () => {
    const path = join(dir, 'strict-groups.csv');
    const rows = readFileSync(seed, 'utf8').trim().split('\n').slice(1);
    // Group a: the seed rows (not converged in 5 iterations); group b: two well-separated pairs (converged at once).
    writeFileSync(path, `g,Var,partition1\n${rows.map((r) => `a,${r.split(',').slice(0, 2).join(',')}`).join('\n')}\nb,0,1\nb,0.1,1\nb,10,2\nb,10.1,2\n`);
    const args = [path, '--var', 'Var', '--init', 'partition1', '--by', 'g', '--max-iter', '5', '--strict'];
    const json = emFit([...args, '--json']);
    expect(json.code).toBe(4);
    const [a, b] = json.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect([a.group, a.converged, 'responsibilities' in a]).toEqual(['a', false, false]);
    expect([b.group, b.converged, 'responsibilities' in b]).toEqual(['b', true, true]);
    expect(json.stderr).toContain(`em-fit: ${path}: 1 group not converged (--strict); only the summary is written for those, and no model file or picture`);
    const csv = emFit([...args, '--format', 'csv']).stdout.trim().split('\n');
    expect(csv).toHaveLength(rows.length + 5);
    expect(csv[1]).toMatch(/^a,[^,]*,[^,]*,a,,,$/);
    expect(csv[csv.length - 1]).toMatch(/^b,10\.1,2,b,[\d.e-]+,[\d.e-]+,2$/);
  });

  it('a fit that converged is reported whole, exit 0', () => {
    const result = emFit([seed, '--var', 'Var', '--init', 'partition1', '--strict']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Responsibilities');
  });
});

describe('options that do nothing', () => {
  it('--criterion with one candidate (one K, one family, one variance model) is a warning', () => {
    const faithful = fixture('faithful.csv');
    const one = emFit([faithful, '--var', 'waiting', '--k', '2', '--variance', 'equal', '--criterion', 'aic', '--json', '--no-responsibilities']);
    expect(one.stderr).toContain('em-fit: warning: --criterion ranks candidate models, but --k 2 with one family and one variance model is one candidate; ignored');
    const two = emFit([faithful, '--var', 'waiting', '--k', '2', '--criterion', 'aic', '--json', '--no-responsibilities']);
    expect(two.stderr).toBe('');
  });
});
