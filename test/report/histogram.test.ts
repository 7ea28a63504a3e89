import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { GaussianMixture } from '../../src/models/gaussian.js';
import { drawnMixture } from '../../src/report/bins.js';
import { MIN_WIDTH, terminalHistogram } from '../../src/report/histogram.js';
import { mulberry32 } from '../helpers/mixture.js';

const column = (file: string, index: number) =>
  Float64Array.from(
    readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => Number(line.split(',')[index])),
  );
/** A Gaussian mixture as the plots draw it. */
const theta = (weight: number[], mean: number[], variance: number[]) =>
  drawnMixture(
    { family: 'gaussian', k: weight.length, variance: 'unequal', floor: Math.min(...variance) },
    {
      weight: Float64Array.from(weight),
      mean: Float64Array.from(mean),
      variance: Float64Array.from(variance),
    } as GaussianMixture,
  );

/** Three pictures: the seed's fit (em-fit on partition1), the faithful fit of the README, a million rows. */
const cases = (() => {
  const u = mulberry32(21);
  const big = new Float64Array(1_000_000);
  for (let i = 0; i < big.length; i++) {
    const k = u() < 0.4 ? 0 : 1;
    big[i] = [-2, 3][k] + [1, 1.5][k] * Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  }
  return [
    { name: 'seed', x: column('fixtures/seed.csv', 0), resolution: 0.1, theta: theta([0.72018, 0.27982], [-1.28513, 3.02167], [3.30733, 0.120834]), labels: ['1', '2'] },
    { name: 'faithful', x: column('fixtures/faithful.csv', 0), resolution: 1, theta: theta([0.36085, 0.63915], [54.6136, 80.0903], [34.446, 34.446]), labels: ['1', '2'] },
    { name: '1M rows', x: big, resolution: null, theta: theta([0.4, 0.6], [-2, 3], [1, 2.25]), labels: ['low', 'high'] },
  ];
})();

const draw = (c: (typeof cases)[number], width: number, height?: number) =>
  terminalHistogram({ x: c.x, w: null }, c.theta, c.labels, width, { resolution: c.resolution, height });
const codePoints = (line: string) => [...line].length;
const BLOCK = /[▁▂▃▄▅▆▇█]/u;
const BRAILLE = /[\u2801-\u28ff]/u;

describe('terminal histogram', () => {
  for (const c of cases) {
    it(`${c.name}: no line wider than asked, always height + 2 lines, bars and curve drawn`, () => {
      for (const width of [MIN_WIDTH, 40, 61, 80, 132]) {
        for (const height of [4, 8, 12]) {
          const lines = draw(c, width, height).split('\n');
          expect(lines).toHaveLength(height + 2);
          for (const line of lines) expect(codePoints(line)).toBeLessThanOrEqual(width);
          const plot = lines.slice(0, height).join('\n');
          expect(plot).toMatch(BLOCK);
          expect(plot).toMatch(BRAILLE);
        }
      }
    });
  }

  it('is deterministic', () => {
    for (const c of cases) expect(draw(c, 72)).toBe(draw(c, 72));
  });

  it('puts the plot rows at full width, the labels in the axis and the extremes under it', () => {
    const [seed, faithful] = cases;
    const lines = draw(faithful, 72).split('\n');
    for (const line of lines.slice(0, 9)) expect(codePoints(line)).toBe(72);
    expect(lines[0]).toMatch(/^0\.043 ┤/);
    const axis = lines[8];
    expect(axis).toMatch(/^ {4}0 ┼─+1─+2─+$/);
    // The labels sit under the means, 54.6 and 80.1, on the axis from 37.0 to 98.5.
    const at = (label: string) => (axis.indexOf(label) - 7 + 0.5) / 65;
    expect(37 + at('1') * (98.5 - 37)).toBeCloseTo(54.6, -0.5);
    expect(37 + at('2') * (98.5 - 37)).toBeCloseTo(80.1, -0.5);
    expect(lines[9].trim()).toMatch(/^43 +96$/);
    expect(draw(seed, 72).split('\n')[9].trim()).toMatch(/^-4\.4 +3\.3$/);
  });

  it('draws the curve over the bars: where the density peaks, braille sits in the top line', () => {
    const [, faithful] = cases;
    const lines = draw(faithful, 72).split('\n');
    // The mixture's peak near 80 (0.0435) is the tallest thing drawn: the top line holds braille there.
    const peakColumn = 7 + Math.floor(((80.09 - 37.0) / (98.5 - 37.0)) * 65);
    expect(lines[0].slice(peakColumn - 3, peakColumn + 4)).toMatch(BRAILLE);
  });

  it('paints runs of bars, curve and axis with the functions given, and nothing else changes', () => {
    const [, faithful] = cases;
    const paint = { bar: (s: string) => `<${s}>`, curve: (s: string) => `{${s}}`, axis: (s: string) => `[${s}]` };
    const painted = terminalHistogram({ x: faithful.x, w: null }, faithful.theta, faithful.labels, 72, { resolution: 1, paint });
    expect(painted.replace(/[<>{}[\]]/g, '')).toBe(draw(faithful, 72));
    expect(painted).toMatch(/\{[\u2800-\u28ff]+\}/u);
    expect(painted).toMatch(/<[ ▁▂▃▄▅▆▇█]+>/u);
  });

  it('refuses a size it cannot draw in', () => {
    expect(() => draw(cases[0], MIN_WIDTH - 1)).toThrow(RangeError);
    expect(() => draw(cases[0], 72, 3)).toThrow(RangeError);
  });
});
