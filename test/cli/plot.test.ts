/** --plot and the text histogram through the CLI. */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emFit, fixture } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'em-fit-plot-'));
const faithful = fixture('faithful.csv');

describe('--plot', () => {
  it('writes a standalone SVG with the density, trace and model-search panels', () => {
    const path = join(dir, 'faithful.svg');
    const result = emFit([faithful, '--var', 'waiting', '--k', '1:3', '--plot', path, '--rows', '0']);
    expect(result.code, result.stderr).toBe(0);
    const svg = readFileSync(path, 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    for (const text of ['waiting', 'density', 'mixture', 'EM iterations', 'Models compared', 'chosen']) expect(svg).toContain(text);
  });

  it('writes the Vega-Lite specification for a .vl.json name', () => {
    const path = join(dir, 'seed.vl.json');
    expect(emFit([fixture('seed.csv'), '--var', 'Var', '--init', 'partition1', '--plot', path, '--json']).code).toBe(0);
    const spec = JSON.parse(readFileSync(path, 'utf8'));
    expect(spec.$schema).toContain('vega-lite');
    expect(spec.vconcat).toHaveLength(2);
  });

  it('writes one file per group with --by, the group in the name, and works with predict', () => {
    const model = join(dir, 'model.json');
    const path = join(dir, 'groups.svg');
    const result = emFit([fixture('seed.csv'), '--var', 'Var', '--by', 'partition1', '--k', '1', '--plot', path, '--save-model', model, '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(existsSync(join(dir, 'groups.1.svg'))).toBe(true);
    expect(existsSync(join(dir, 'groups.2.svg'))).toBe(true);
    const predicted = join(dir, 'predicted.svg');
    expect(emFit(['predict', join(dir, 'model.1.json'), faithful, '--var', 'waiting', '--plot', predicted, '--json']).code).toBe(0);
    expect(readFileSync(predicted, 'utf8')).toContain('mixture');
  });

  it('refuses a path in a directory that does not exist before fitting, with exit 2', () => {
    const result = emFit([fixture('seed.csv'), '--var', 'Var', '--init', 'partition1', '--plot', join(dir, 'no', 'such', 'dir.svg')]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`--plot ${join(dir, 'no', 'such', 'dir.svg')}: the directory ${join(dir, 'no', 'such')} does not exist; create it first`);
  });
});

describe('the text histogram', () => {
  it('is drawn under the parameter table, 80 columns wide off a terminal, and hidden by --no-plot', () => {
    const shown = emFit([faithful, '--var', 'waiting', '--k', '2', '--rows', '0']).stdout;
    const plot = shown.slice(shown.indexOf('Histogram and fitted density'));
    const lines = plot.split('\n').slice(1, 11);
    expect(lines).toHaveLength(10);
    for (const line of lines) expect([...line].length).toBeLessThanOrEqual(80);
    expect(plot).toMatch(/[▁▂▃▄▅▆▇█]/);
    expect(emFit([faithful, '--var', 'waiting', '--k', '2', '--rows', '0', '--no-plot']).stdout).not.toContain('Histogram');
  });
});
