/**
 * Text output fits the terminal: 80 columns off a terminal, the terminal's width on one;
 * widths measured as displayed, so that labels in CJK characters line up.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { BIN, emFit, fixture, ROOT } from '../helpers/cli.js';
import { statusText } from '../../src/cli/progress.js';

const dir = mkdtempSync(join(tmpdir(), 'em-fit-width-'));
const faithful = fixture('faithful.csv');

/** Lines wider than `width` columns as a terminal shows them. */
const tooWide = (text: string, width: number): string[] => text.split('\n').filter((line) => stringWidth(line) > width);

/** Columns at which a table line has its vertical rules (│ ┼ ┬ ┴ ├ ┤ ┌ ┐ └ ┘), as displayed. */
function rules(line: string): number[] {
  const at: number[] = [];
  let column = 0;
  for (const ch of line) {
    if ('│┼┬┴├┤┌┐└┘'.includes(ch)) at.push(column);
    column += stringWidth(ch);
  }
  return at;
}

/** Each table of the text (lines starting with a box character) as its lines. */
function tables(text: string): string[][] {
  const out: string[][] = [];
  let current: string[] = [];
  for (const line of text.split('\n')) {
    if (/^[┌│├└]/.test(line)) current.push(line);
    else if (current.length > 0) {
      out.push(current);
      current = [];
    }
  }
  if (current.length > 0) out.push(current);
  return out;
}

function expectAligned(text: string): void {
  for (const table of tables(text)) {
    const first = rules(table[0]);
    for (const line of table) if (!line.includes('not shown')) expect(rules(line), `${line}\nin\n${table.join('\n')}`).toEqual(first);
  }
}

describe('off a terminal: 80 columns', () => {
  it('no line of the Old Faithful search exceeds 80 columns, and the dropped columns are named', () => {
    const result = emFit([faithful, '--var', 'waiting']);
    expect(result.code, result.stderr).toBe(0);
    expect(tooWide(result.stdout, 80)).toEqual([]);
    expect(result.stdout).toContain('AIC and ICL not shown, to fit 80 columns; --json has them all');
    expect(result.stdout).toMatch(/│ 2 │ equal +│ +-1034\.001760 │ +4 │ 2090\.4267 │/);
    expectAligned(result.stdout);
  });

  it('with standard errors, AIC as the criterion, all rows, predict, the families: no line over 80', () => {
    const model = join(dir, 'faithful.json');
    for (const args of [
      [faithful, '--var', 'waiting', '--k', '2', '--se', '--criterion', 'aic', '--save-model', model],
      [faithful, '--var', 'waiting', '--k', '1:3', '--rows', 'all', '--criterion', 'icl'],
      ['predict', model, faithful],
      // The families: their parameter tables, and the models compared across families.
      [faithful, '--var', 'waiting', '--family', 'auto', '--k', '1:3', '--rows', '3'],
      [faithful, '--var', 'waiting', '--family', 't', '--k', '2', '--rows', '3'],
    ]) {
      const result = emFit(args);
      expect(result.code, result.stderr).toBe(0);
      expect(tooWide(result.stdout, 80), args.join(' ')).toEqual([]);
      expectAligned(result.stdout);
    }
  });

  it('K = 9 components from a partition: the responsibility columns that do not fit are left out and named', () => {
    const rows = Array.from({ length: 90 }, (_, i) => `${(i % 9) * 10 + (i % 7) / 10},${'component-' + String.fromCharCode(97 + (i % 9))}`);
    const path = join(dir, 'nine.csv');
    writeFileSync(path, `x,g\n${rows.join('\n')}\n`);
    const result = emFit([path, '--var', 'x', '--init', 'g', '--rows', '3', '-q']);
    expect(result.code, result.stderr).toBe(0);
    expect(tooWide(result.stdout, 80)).toEqual([]);
    expect(result.stdout.replace(/\n/g, ' ')).toMatch(/p\(\S+\) to p\(\S+\) not shown, to fit 80 columns; --format csv and --json have them all\./);
    expect(result.stdout).toContain('│ component-a '); // whole in the parameter table
    expectAligned(result.stdout);
  });

  it('a label in CJK characters lines up, and long labels are wrapped or shortened within 80 columns', () => {
    const groups = ['東京都', '大阪府', '北海道の長い名前のグループ、さらに長くなる名前'];
    const rows = Array.from({ length: 30 }, (_, i) => `${[10, 20, 30][i % 3] + (i % 5) / 10},${groups[i % 3]}`);
    const path = join(dir, 'cjk.csv');
    writeFileSync(path, `x,g\n${rows.join('\n')}\n`);
    const result = emFit([path, '--var', 'x', '--init', 'g', '--rows', '6', '-q']);
    expect(result.code, result.stderr).toBe(0);
    expect(tooWide(result.stdout, 80)).toEqual([]);
    expect(result.stdout).toContain('│ 東京都 ');
    expectAligned(result.stdout);
    // The responsibility table: the columns of the CJK labels line up with their heads.
    const table = tables(result.stdout).find((t) => t.some((l) => l.includes('p(東京都)')));
    expect(table).toBeDefined();
  });

  it('several columns: the models compared, the tables of the components and the responsibilities fit 80 columns, as does predict', () => {
    const iris = fixture('iris.csv');
    const model = join(dir, 'iris.json');
    const vars = 'Sepal.Length,Sepal.Width,Petal.Length,Petal.Width';
    for (const args of [
      [iris, '--var', vars, '--k', '1:3', '--model', 'EII,VEV,VVV', '--rows', '3', '--save-model', model],
      ['predict', model, iris, '--rows', '3'],
    ]) {
      const result = emFit([...args, '-q']);
      expect(result.code, result.stderr).toBe(0);
      expect(tooWide(result.stdout, 80), args.join(' ')).toEqual([]);
      expect(result.stdout).toMatch(/component 1, weight 0\.\d+\n┌/);
      expectAligned(result.stdout);
    }
  });

  it('six columns with long names: the table of every component has the same columns, the correlations left out named', () => {
    const names = ['temperature_celsius', 'relative_humidity', 'wind_speed_kmh', 'pressure_hpa', 'rainfall_mm', 'sunshine_hours'];
    const rows = Array.from({ length: 60 }, (_, i) => [...names.map((_, j) => ((i % 2) * 10 + ((i * (j + 3)) % 7) / 2 + j).toFixed(1)), i % 2 === 0 ? 'a' : 'b'].join(','));
    const path = join(dir, 'weather.csv');
    writeFileSync(path, `${names.join(',')},g\n${rows.join('\n')}\n`);
    const result = emFit([path, '--var', names.join(','), '--init', 'g', '--model', 'VVI', '--rows', '2', '-q']);
    expect(result.code, result.stderr).toBe(0);
    expect(tooWide(result.stdout, 80)).toEqual([]);
    expectAligned(result.stdout);
    const components = tables(result.stdout).filter((t) => t[1].includes(' column '));
    expect(components).toHaveLength(2);
    expect(components[1][1]).toBe(components[0][1]);
    expect(result.stdout.replace(/\n/g, ' ')).toMatch(/cor \S+ .*not shown, to fit 80 columns; --json has them all/);
    expect(result.stdout).toContain('│ temperature_celsius'.slice(0, 10));
  });

  it('--by: the heading of a group with a long value is cut within 80 columns', () => {
    const long = `group-${'ä'.repeat(120)}`;
    const path = join(dir, 'groups.csv');
    writeFileSync(path, `x,g\n${[1, 2, 3, 7, 8, 9].map((x, i) => `${x},${i < 3 ? long : '東京'}`).join('\n')}\n`);
    const result = emFit([path, '--var', 'x', '--by', 'g', '--k', '1', '--rows', '2', '-q']);
    expect(result.code, result.stderr).toBe(0);
    expect(tooWide(result.stdout, 80)).toEqual([]);
    expect(result.stdout).toContain(' group group-ää');
    expect(result.stdout).toContain(' group 東京 ');
  });
});

describe('on a terminal', () => {
  const hasScript = spawnSync('sh', ['-c', 'command -v script']).status === 0;

  it.skipIf(!hasScript)('tables and the summary fit a 60-column terminal', () => {
    const quoted = [process.execPath, BIN, faithful, '--var', 'waiting', '--se', '--rows', '3'].map((a) => `'${a}'`).join(' ');
    const run = spawnSync('script', ['-qec', `stty cols 60; ${quoted}`, '/dev/null'], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '' },
      encoding: 'utf8',
      input: '',
    });
    const out = run.stdout.replace(/\r\n/g, '\n');
    expect(out).toContain('Models compared');
    expect(tooWide(out, 60)).toEqual([]);
    expectAligned(out);
  });

  it.skipIf(!hasScript)('the models compared fit 40 columns, down to K, the variance model and the criterion', () => {
    // They were 47 wide there: log-likelihood is now dropped after the rest (QA pass).
    const quoted = [process.execPath, BIN, faithful, '--var', 'waiting', '--k', '1:3', '--rows', '0', '--no-plot'].map((a) => `'${a}'`).join(' ');
    const run = spawnSync('script', ['-qec', `stty cols 40; ${quoted}`, '/dev/null'], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '' }, encoding: 'utf8', input: '' });
    const out = run.stdout.replace(/\r\n/g, '\n');
    const models = out.slice(out.indexOf('Models compared'), out.indexOf('\n\n', out.indexOf('Models compared')));
    expect(models).toMatch(/│ +BIC │/);
    expect(models).not.toContain('loglik');
    expect(tooWide(models, 40)).toEqual([]);
    expect(models).toMatch(/log-likelihood[^]*not shown, to fit 40 columns/);
  });
});

describe('the progress line', () => {
  const parts = ['K=3: screening 12 starts: iteration 120', 'log-likelihood -1034.001760', 'relative change 3.2e-9'];

  it('keeps whole parts that fit, never a piece of a number', () => {
    expect(statusText(parts, 200)).toBe(parts.join(', '));
    expect(statusText(parts, 70)).toBe(`${parts[0]}, ${parts[1]}`);
    expect(statusText(parts, 60)).toBe(parts[0]);
    for (let width = 1; width <= 110; width++) {
      const text = statusText(parts, width);
      expect(stringWidth(text)).toBeLessThanOrEqual(width);
      // Every number shown is one of the numbers given, whole.
      const numbers = (s: string): string[] => s.match(/-?\d[\d.]*(e-?\d+)?/g) ?? [];
      for (const number of numbers(text)) expect(numbers(parts.join(' '))).toContain(number);
    }
  });

  it('cuts the first part between words when nothing else fits, and measures wide characters as two', () => {
    expect(statusText(parts, 20)).toBe('K=3: screening 12…');
    expect(statusText(['reading 東京都.csv', '50%'], 20)).toBe('reading 東京都.csv');
    expect(statusText(['reading 東京都.csv', '50%'], 17)).toBe('reading…');
  });
});
