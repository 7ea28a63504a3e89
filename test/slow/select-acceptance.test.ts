/**
 * The model search's acceptance (the spurious-components issue), on data with known answers:
 * draws from ONE normal distribution written the way R and pandas write them, where the
 * answer is K = 1, and the real-data corpus of fixtures/real (51 columns of R's datasets,
 * MASS and mclust, written by R's write.csv; see scripts/real-corpus.R and corpus.json),
 * where no chosen component may be degenerate (see src/select/degenerate.ts).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { drain } from '../../src/em/em.js';
import { varianceFloor } from '../../src/models/floor.js';
import { recordingResolution } from '../../src/models/resolution.js';
import { compress, degeneracies, observationsPerWeight } from '../../src/select/degenerate.js';
import { searchModels } from '../../src/select/search.js';
import { emFitJson, fixture } from '../helpers/cli.js';
import { mulberry32 } from '../helpers/mixture.js';

/** What R's write.csv makes of a double: 15 significant digits, trailing zeros dropped. */
const r15 = (v: number): string => String(Number(v.toPrecision(15)));

/** The default search on values written as `strings`, in process, as the CLI runs it. */
function defaultSearch(strings: string[]) {
  const x = Float64Array.from(strings, Number);
  const decimals = Math.max(...strings.map((s) => (/e/i.test(s) ? 20 : s.includes('.') ? s.length - s.indexOf('.') - 1 : 0)));
  const largest = Math.max(...x.map(Math.abs));
  const floor = varianceFloor(recordingResolution(x, null, decimals), largest);
  const structures = [{ family: 'gaussian', variance: 'equal' } as const, { family: 'gaussian', variance: 'unequal' } as const];
  return drain(
    searchModels({ x, w: null }, { ks: [1, 2, 3, 4, 5, 6, 7, 8, 9], structures, criterion: 'bic', initMethod: 'kmeans++', nInit: 10, seed: 0, maxIter: 1000, rtol: 1e-8, accel: 'squarem', floor, largest, guard: 'reject' }),
  );
}

describe('200 draws from one normal distribution', () => {
  for (const [name, write] of [
    ['15 significant digits (R)', r15],
    ['17 significant digits (pandas)', String],
  ] as const) {
    it(`give K = 1 in at least 19 of 20 seeds, written with ${name}`, () => {
      const ks: number[] = [];
      for (let seed = 1; seed <= 20; seed++) {
        const random = mulberry32(1000 + seed);
        const strings = Array.from({ length: 200 }, () => write(5 + 1.3 * Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())));
        ks.push(defaultSearch(strings).best.labels.length);
      }
      expect(ks.filter((k) => k === 1).length, `K per seed: ${ks.join(' ')}`).toBeGreaterThanOrEqual(19);
    });
  }
});

interface CorpusEntry {
  file: string;
  column: string;
  mclust: { G: number; model: string };
}

describe('the real-data corpus (fixtures/real)', () => {
  const corpus = JSON.parse(readFileSync(fixture('real/corpus.json'), 'utf8')) as { files: CorpusEntry[] };

  it('has at least 25 columns, each chosen without a degenerate component', () => {
    expect(corpus.files.length).toBeGreaterThanOrEqual(25);
    const problems: string[] = [];
    for (const entry of corpus.files) {
      const out = emFitJson([fixture(`real/${entry.file}`), '--var', entry.column, '--missing', 'skip', '--threads', '1']);
      // The check of degenerate.ts on the chosen model, from the reported numbers and the values.
      const text = readFileSync(fixture(`real/${entry.file}`), 'utf8').split('\n').slice(1).filter((s) => s !== '' && s !== 'NA');
      const compact = compress({ x: Float64Array.from(text, Number), w: null });
      const theta = {
        weight: Float64Array.from(out.components, (c: any) => c.weight),
        mean: Float64Array.from(out.components, (c: any) => c.mean),
        variance: Float64Array.from(out.components, (c: any) => c.variance),
      };
      const spec = { family: 'gaussian', k: out.k, variance: out.variance_model, floor: out.variance_floor } as const;
      const found = out.k === 1 ? [] : degeneracies(spec, theta, compact, out.total_weight, observationsPerWeight(out.n, out.total_weight), out.resolution);
      if (found.length > 0) problems.push(`${entry.file}: ${JSON.stringify(found)}`);
    }
    expect(problems).toEqual([]);
  });
});
