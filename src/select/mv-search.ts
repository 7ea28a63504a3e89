/**
 * The model search for d > 1 columns: every covariance model at every K (by default mclust's
 * fourteen at K = 1..9), each from several starts, the best proper fit kept, the candidates
 * ranked by the criterion.
 *
 * Starts, all on a seeded sample of at most SAMPLE_ROWS rows (mclust's hc, too, runs on a
 * sample of 2000):
 * - the hierarchical agglomeration of mclust's default (mv-starts.ts: Ward's method, which is
 *   the EII model's, on the SVD-whitened data), cut at K;
 * - `nInit` k-means++ partitions on the whitened data, each seeded by (seed, K, restart), so
 *   that a candidate's starts do not depend on which others are searched.
 * Each start runs SCREEN_ITERATIONS plain EM iterations; the best REFINE of them by ℓ (the
 * hierarchical start always among them) run to convergence on the sample, further ones
 * while those end degenerate (mv-degenerate.ts), up to REFINE_LIMIT. The best proper fit then
 * runs on all the rows (when the sample is not all of them); a fit degenerate there gives way
 * to the next. The candidates that could be chosen then run on to --rtol (see SEARCH_RTOL).
 * The same seed, data and options give the same result.
 */
import { EmFitError, EXIT } from '../errors.js';
import { type Data, type MixtureParams, rowCount } from '../models/family.js';
import type { Structure } from '../models/registry.js';
import { observationsPerWeight } from './degenerate.js';
import { continued, distinctCount, type Fit, fitFrom, type FitSettings, fitSpec, partitionStart, totalWeight } from './fit.js';
import { cutTree, kmeansPlusPlus, wardTree, whiten } from './mv-starts.js';
import type { Note } from './notes.js';
import { rng } from './rng.js';
import { bestBy, remainingGain, type SearchProgress, type SearchSettings, type Selection, subsample } from './search.js';

/** Rows the starts are made and refined on. */
export const SAMPLE_ROWS = 2000;

/** Plain EM iterations of every start before the best are refined. */
const SCREEN_ITERATIONS = 5;

/** Starts refined to convergence (more while those end degenerate, up to REFINE_LIMIT). */
const REFINE = 2;
const REFINE_LIMIT = 6;

/**
 * Tolerances short of --rtol, as in the one-column search (search.ts): starts are refined on
 * the sample to REFINE_RTOL, every candidate's fit on all the rows first to SEARCH_RTOL, and
 * then only the best and those within CONTENDING of it (after the gain in ℓ still expected
 * of them, see remainingGain) go on to --rtol. An overfitted candidate can take hundreds of
 * iterations from 1e-5 to 1e-8 and not change the choice.
 */
const REFINE_RTOL = 1e-6;
const SEARCH_RTOL = 1e-5;
const CONTENDING = 10;

const rejects = (fit: Fit): boolean => fit.labels.length > 1 && fit.degenerate.length > 0;

/** The search of the header, for d > 1 columns (settings.floors set). */
export function* searchMultivariate(data: Data, settings: SearchSettings): Generator<SearchProgress, Selection> {
  const d = data.d as number;
  const n = rowCount(data);
  const sample = n > SAMPLE_ROWS ? subsample(data, SAMPLE_ROWS, settings.seed) : data;
  const m = rowCount(sample);
  const whitened = whiten(sample.x, m, d);
  const tree = wardTree(whitened.z, m, whitened.d);
  const perWeight = observationsPerWeight(n, totalWeight(data));
  const samplePerWeight = observationsPerWeight(m, totalWeight(sample));
  const base = (structure: Structure, rows: Data, per: number): FitSettings => ({
    maxIter: settings.maxIter,
    rtol: settings.rtol,
    accel: settings.accel,
    floor: settings.floor,
    floors: settings.floors,
    largest: settings.largest,
    structure,
    degeneracy: settings.guard === 'none' ? undefined : { compact: rows, perWeight: per },
    abandonDegenerate: { perWeight: per },
    lean: true,
  });
  const candidates: Fit[] = [];
  const searched: Selection['searched'] = [];
  const skipped: Note[] = [];
  let passes = 0;
  const run = function* (rows: Data, theta: MixtureParams, labels: string[], settingsOf: FitSettings, floored: Uint8Array, context: string): Generator<SearchProgress, Fit> {
    const steps = fitFrom(rows, theta, labels, settingsOf, floored);
    for (;;) {
      const step = steps.next();
      if (step.done) {
        passes += step.value.passes;
        return step.value;
      }
      yield { ...step.value, context };
    }
  };
  for (const k of settings.ks) {
    const distinct = distinctCount(sample, k);
    if (distinct < k) {
      skipped.push({ code: 'not-fitted', k, structure: null, reason: { why: 'distinct-values', distinct } });
      continue;
    }
    const labels = Array.from({ length: k }, (_, j) => String(j + 1));
    const partitions: { name: string; codes: Int32Array }[] = [{ name: 'hierarchical agglomeration', codes: cutTree(tree, m, k) }];
    if (k > 1) {
      const seen = new Set([partitions[0].codes.join(',')]);
      for (let restart = 0; restart < settings.nInit; restart++) {
        const codes = kmeansPlusPlus(whitened.z, m, whitened.d, k, rng(settings.seed, k, restart));
        if (codes === null || seen.has(codes.join(','))) continue;
        seen.add(codes.join(','));
        partitions.push({ name: `k-means++ start ${restart + 1}/${settings.nInit}`, codes });
      }
    }
    for (const structure of settings.structures) {
      const context = `K=${k}, ${structure.family === 'mvgaussian' ? structure.model : structure.family}`;
      const onSample = base(structure, sample, samplePerWeight);
      const spec = fitSpec(onSample, k);
      const screened: { fit: Fit; index: number }[] = [];
      for (const [index, p] of partitions.entries()) {
        let start;
        try {
          start = partitionStart(sample, p.codes, labels, spec);
        } catch (error) {
          // A group whose covariance this model cannot estimate (a singular scatter): no start.
          if (error instanceof EmFitError) continue;
          throw error;
        }
        const fit = yield* run(sample, start.theta, labels, { ...onSample, accel: 'none', maxIter: Math.min(settings.maxIter, SCREEN_ITERATIONS), degeneracy: undefined }, start.floored, `${context}: ${p.name}`);
        if (fit.stopReason !== 'abandoned') screened.push({ fit, index });
      }
      // Best ℓ first; the hierarchical start (index 0) refined in any case.
      screened.sort((a, b) => (a.index === 0 ? -1 : b.index === 0 ? 1 : b.fit.objective - a.fit.objective || a.index - b.index));
      const proper: Fit[] = [];
      let degenerate = 0;
      for (let r = 0; r < screened.length && (r < REFINE || (proper.length === 0 && r < REFINE_LIMIT)); r++) {
        const fit = yield* run(sample, screened[r].fit.theta, labels, { ...onSample, lean: false, rtol: Math.max(settings.rtol, REFINE_RTOL) }, new Uint8Array(k), `${context}: refining`);
        if (fit.stopReason === 'abandoned' || (settings.guard !== 'none' && rejects(fit))) degenerate++;
        else proper.push(fit);
      }
      searched.push({ k, structure, starts: partitions.length, degenerate });
      proper.sort((a, b) => b.objective - a.objective);
      let chosen: Fit | undefined;
      for (const fit of proper) {
        if (sample === data) {
          chosen = fit;
          break;
        }
        const onAll = base(structure, sample, perWeight);
        const full = yield* run(data, fit.theta, labels, { ...onAll, lean: false, rtol: Math.max(settings.rtol, SEARCH_RTOL) }, new Uint8Array(k), `${context}: all ${n} rows`);
        if (settings.guard === 'none' || !rejects(full)) {
          chosen = full;
          break;
        }
      }
      if (chosen === undefined) {
        skipped.push({ code: 'not-fitted', k, structure, reason: degenerate > 0 ? { why: 'degenerate-starts', refined: degenerate, starts: partitions.length, example: null } : { why: 'no-partition', attempts: partitions.length } });
        continue;
      }
      candidates.push(chosen);
    }
  }
  const criterion = settings.criterion;
  // Models that coincide (at K = 1 every full covariance is the same) tie to rounding: the first
  // of them in mclust's order, with the fewest parameters, stands for them.
  const choose = (): Fit => {
    if (candidates.length === 0) throw new EmFitError('no candidate model could be fitted', EXIT.fit, skipped);
    const lowest = bestBy(candidates, criterion)[criterion];
    return candidates.filter((c) => c[criterion] <= lowest + 1e-10 * Math.abs(lowest)).reduce((a, c) => (c.nParams < a.nParams ? c : a));
  };
  // On to --rtol on all the rows, with the trace and notes, the components ordered by their
  // first column's mean; a candidate that turns degenerate on the way is dropped.
  const done = new Set<Fit>();
  const onward = function* (fit: Fit): Generator<SearchProgress, void> {
    const k = fit.labels.length;
    const more = yield* run(data, fit.theta, fit.labels, { ...base(fit.structure, sample, perWeight), lean: false, orderByMean: true }, new Uint8Array(k), `K=${k}, ${fit.structure.family === 'mvgaussian' ? fit.structure.model : ''}: to --rtol`);
    const at = candidates.indexOf(fit);
    if (more.stopReason === 'abandoned' || (settings.guard !== 'none' && rejects(more))) {
      candidates.splice(at, 1);
      skipped.push({ code: 'not-fitted', k, structure: fit.structure, reason: { why: 'degenerate-to-rtol' } });
      return;
    }
    const joined = continued(fit, more);
    candidates[at] = joined;
    done.add(joined);
  };
  for (let best = choose(); !done.has(best); best = choose()) yield* onward(best);
  const leader = choose();
  for (const c of candidates.filter((f) => !done.has(f) && f[criterion] - 2 * remainingGain(f) <= leader[criterion] + CONTENDING)) yield* onward(c);
  for (let best = choose(); !done.has(best); best = choose()) yield* onward(best);
  const best = choose();
  return { best, criterion, candidates, searched, skipped, notes: [], passes, guard: settings.guard, penalty: null, heaping: null };
}
