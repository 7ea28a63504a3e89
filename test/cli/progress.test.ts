/**
 * The progress lines (issue 15, item 4): the read's bar on several threads, and the model
 * search's estimate of the time left, from the share of its work done (each K weighted by K).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { maxAbs, varianceFloor } from '../../src/models/floor.js';
import { fromDecimals } from '../../src/models/resolution.js';
import { readingText, timeLeft } from '../../src/cli/progress.js';
import { searchModels } from '../../src/select/search.js';
import { fixture } from '../helpers/cli.js';

describe('the progress line of a read', () => {
  it('shows the bar, the megabytes and the threads reading', () => {
    expect(readingText('big.csv', 5e7, 2e8, 2)).toBe('reading big.csv on 2 threads [######..................] 25% 50 of 200 MB');
    expect(readingText('-', 3e6, null)).toBe('reading -: 3 MB');
  });
});

describe('the time left of a search', () => {
  it('is the time so far times what is left over what is done, once a tenth is done', () => {
    expect(timeLeft(0.5, 10_000)).toBe('about 10 seconds left');
    expect(timeLeft(0.25, 60_000)).toBe('about 3 minutes left');
    expect(timeLeft(0.05, 10_000)).toBe('');
    expect(timeLeft(1, 10_000)).toBe('');
    expect(timeLeft(undefined, 10_000)).toBe('');
  });

  it('comes from the share of the K before the current one, each weighted by K', () => {
    const x = Float64Array.from(readFileSync(fixture('faithful.csv'), 'utf8').trim().split('\n').slice(1).map(Number));
    const steps = searchModels(
      { x, w: null },
      {
        ks: [1, 2, 3],
        structures: [{ family: 'gaussian', variance: 'equal' }],
        criterion: 'bic',
        initMethod: 'kmeans++',
        nInit: 3,
        seed: 0,
        maxIter: 1000,
        rtol: 1e-8,
        accel: 'squarem',
        floor: varianceFloor(fromDecimals(0), 96),
        largest: maxAbs(x),
        guard: 'none',
      },
    );
    const seen: number[] = [];
    for (let step = steps.next(); !step.done; step = steps.next()) if (seen.at(-1) !== step.value.done) seen.push(step.value.done as number);
    // K = 1, 2, 3 weigh 1, 2, 3 of 6: before K = 2 a sixth is done, before K = 3 a half; then the climb (1: no estimate).
    expect(seen).toEqual([0, 1 / 6, 3 / 6, 1]);
  });
});
