/** Text measured and fitted as a terminal shows it (src/report/width.ts). */
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { abbreviate, type Column, displayWidth, fittedTable, truncate, wrap } from '../../src/report/width.js';

const plain = { head: (s: string) => s, bold: (s: string) => s };

describe('widths as displayed', () => {
  it('counts a CJK character as two columns, a combining mark as none', () => {
    expect(displayWidth('東京')).toBe(4);
    expect(displayWidth('e\u0301')).toBe(1);
    expect(displayWidth('\x1b[1mK\x1b[22m')).toBe(1);
  });

  it('truncate cuts whole characters and ends in …', () => {
    expect(truncate('waiting', 10)).toBe('waiting');
    expect(truncate('waiting', 5)).toBe('wait…');
    expect(truncate('北海道の長い名前', 6)).toBe('北海…');
    expect(truncate('北海道の長い名前', 5)).toBe('北海…');
  });

  it('abbreviate keeps labels apart: the end cut, else the middle, else numbers', () => {
    expect(abbreviate(['alpha', 'beta'], 10)).toEqual(['alpha', 'beta']);
    expect(abbreviate(['treatment', 'control'], 5)).toEqual(['trea…', 'cont…']);
    expect(abbreviate(['condition-a', 'condition-b'], 5)).toEqual(['co…-a', 'co…-b']);
    expect(abbreviate(['aaaaaaa1x', 'aaaaaaa2x'], 3)).toEqual(['1', '2']);
  });

  it('wrap breaks at spaces within the width, indents the lines after the first, keeps a leading indent', () => {
    expect(wrap('  status          converged after 36 iterations (SQUAREM)', 40, 18)).toBe('  status          converged after 36\n                  iterations (SQUAREM)');
    for (const line of wrap('a '.repeat(50) + 'averyveryverylongword', 12, 2).split('\n')) expect(stringWidth(line)).toBeLessThanOrEqual(12);
  });
});

describe('fittedTable', () => {
  const columns: Column[] = [
    { head: 'name', align: 'left', wrapTo: 4 },
    { head: 'value', align: 'right' },
    { head: 'extra', align: 'right', drop: 2 },
    { head: 'more', align: 'right', drop: 1 },
    { head: 'converged', short: 'conv.', shortAt: 1, align: 'left' },
  ];
  const rows = [{ cells: ['a long label here', '1.5', '2.5', '3.5', 'yes'] }];
  const width = (text: string): number => Math.max(...text.split('\n').map((l) => stringWidth(l)));

  it('keeps every column when they fit', () => {
    const fitted = fittedTable(columns, rows, 200, plain);
    expect(fitted.dropped).toEqual([]);
    expect(fitted.text).toContain('converged');
  });

  it('shortens, then drops in order, then wraps the label column, within the width', () => {
    const all = width(fittedTable(columns, rows, 200, plain).text);
    const fitted = fittedTable(columns, rows, all - 1, plain);
    expect(fitted.dropped).toEqual([]);
    expect(fitted.text).toContain('conv.');
    const narrower = fittedTable(columns, rows, all - 8, plain);
    expect(narrower.dropped).toEqual(['more']);
    expect(width(narrower.text)).toBeLessThanOrEqual(all - 8);
    const narrowest = fittedTable(columns, rows, 30, plain);
    expect(narrowest.dropped).toEqual(['extra', 'more']);
    expect(width(narrowest.text)).toBeLessThanOrEqual(30);
    expect(narrowest.text).toContain('│ a long ');
  });
});
