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
import { type Data, rowCount } from '../models/family.js';
import { plural } from '../text.js';
import type { Structure } from '../models/registry.js';
import { observationsPerWeight } from './degenerate.js';
import { continued, distinctCount, type Fit, fitSpec, givenUp, outOfIterations, partitionStart, remainingIterations, totalWeight } from './fit.js';
import { type FitJob, type JobData, type JobPool, runSerially } from './job-pool.js';
import { cutTree, kmeansPlusPlus, wardTree, whiten } from './mv-starts.js';
import type { Note } from './notes.js';
import { rng } from './rng.js';
import { bestBy, CONTENDING, REFINE, REFINE_LIMIT, REFINE_RTOL, remainingGain, SEARCH_RTOL, type SearchProgress, type SearchSettings, type Selection, subsample } from './search.js';

/** Rows the starts are made and refined on. */
export const SAMPLE_ROWS = 2000;

/** Plain EM iterations of every start before the best are refined. */
const SCREEN_ITERATIONS = 5;

/*
 * Starts are refined to convergence as in the one-column search (search.ts: REFINE, up to
 * REFINE_LIMIT while they end degenerate), on the sample to REFINE_RTOL; every candidate's fit
 * on all the rows first to SEARCH_RTOL, and then only the best and those within CONTENDING of
 * it (after the gain in ℓ still expected of them, see remainingGain) go on to --rtol. An
 * overfitted candidate can take hundreds of iterations from 1e-5 to 1e-8 and not change the
 * choice.
 */

const rejects = (fit: Fit): boolean => fit.labels.length > 1 && fit.degenerate.length > 0;

/** The search of the header, for d > 1 columns (settings.floors set); fits shared with `jobs`' threads. */
export function* searchMultivariate(data: Data, settings: SearchSettings, jobs: JobPool | null = null): Generator<SearchProgress, Selection> {
  const d = data.d as number;
  const n = rowCount(data);
  const sample = n > SAMPLE_ROWS ? subsample(data, SAMPLE_ROWS, settings.seed) : data;
  const m = rowCount(sample);
  const whitened = whiten(sample.x, m, d);
  const tree = wardTree(whitened.z, m, whitened.d);
  const perWeight = observationsPerWeight(n, totalWeight(data));
  const samplePerWeight = observationsPerWeight(m, totalWeight(sample));
  // The data sets of the jobs: the sample, and all the rows; the degeneracy check on the sample's rows.
  const SAMPLE = 0;
  const ALL = 1;
  const sets: JobData[] = [
    { rows: sample, compact: sample },
    { rows: data, compact: sample },
  ];
  const settingsOf = (structure: Structure, per: number, more: Partial<FitJob['settings']> = {}): FitJob['settings'] => ({
    maxIter: settings.maxIter,
    rtol: settings.rtol,
    accel: settings.accel,
    floor: settings.floor,
    floors: settings.floors,
    largest: settings.largest,
    structure,
    ...(settings.guard === 'none' ? {} : { degeneracy: { perWeight: per } }),
    abandonDegenerate: { perWeight: per },
    ...more,
  });
  const candidates: Fit[] = [];
  const searched: Selection['searched'] = [];
  const skipped: Note[] = [];
  let passes = 0;
  const batch = function* (list: FitJob[], context: string): Generator<SearchProgress, Fit[]> {
    const fits = jobs === null ? yield* runSerially(list, sets, context) : yield* jobs.run(list, context);
    for (const fit of fits) passes += fit.passes;
    return fits;
  };
  const name = (structure: Structure): string => (structure.family === 'mvgaussian' ? structure.model : structure.family);
  const improper = (fit: Fit): boolean => givenUp(fit) || (settings.guard !== 'none' && rejects(fit));
  jobs?.load(sets);
  try {
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
      // Screening: every start of every model, SCREEN_ITERATIONS plain EM iterations, in one batch.
      const models = settings.structures.map((structure) => ({ structure, screened: [] as { fit: Fit; index: number }[], refined: 0, proper: [] as Fit[], degenerate: 0 }));
      const screenJobs: FitJob[] = [];
      const owners: { model: number; index: number }[] = [];
      models.forEach((model, i) => {
        const spec = fitSpec(settingsOf(model.structure, samplePerWeight), k);
        partitions.forEach((p, index) => {
          let start;
          try {
            start = partitionStart(sample, p.codes, labels, spec);
          } catch (error) {
            // A group whose covariance this model cannot estimate (a singular scatter): no start,
            // given up as a run that breaks down is.
            if (error instanceof EmFitError) return;
            throw error;
          }
          screenJobs.push({ data: SAMPLE, theta: start.theta, labels, floored: start.floored, settings: settingsOf(model.structure, samplePerWeight, { accel: 'none', maxIter: Math.min(settings.maxIter, SCREEN_ITERATIONS), degeneracy: undefined }) });
          owners.push({ model: i, index });
        });
      });
      const screened = yield* batch(screenJobs, `K=${k}: screening ${plural(screenJobs.length, 'start')}`);
      screened.forEach((fit, j) => {
        if (!givenUp(fit)) models[owners[j].model].screened.push({ fit, index: owners[j].index });
      });
      // Best ℓ first; the hierarchical start (index 0) refined in any case.
      for (const model of models) model.screened.sort((a, b) => (a.index === 0 ? -1 : b.index === 0 ? 1 : b.fit.objective - a.fit.objective || a.index - b.index));
      // Refining on the sample, a round at a time: REFINE starts each, more while none is proper.
      for (;;) {
        const wanted = models.filter((x) => x.refined < x.screened.length && (x.refined < REFINE || (x.proper.length === 0 && x.refined < REFINE_LIMIT)));
        if (wanted.length === 0) break;
        const refineJobs = wanted.map((x): FitJob => ({ data: SAMPLE, theta: x.screened[x.refined].fit.theta, labels, floored: new Uint8Array(k), settings: settingsOf(x.structure, samplePerWeight, { lean: false, rtol: Math.max(settings.rtol, REFINE_RTOL) }) }));
        const refined = yield* batch(refineJobs, `K=${k}: refining ${plural(refineJobs.length, 'start')}`);
        wanted.forEach((x, i) => {
          x.refined++;
          if (improper(refined[i])) x.degenerate++;
          else x.proper.push(refined[i]);
        });
      }
      // All the rows, to SEARCH_RTOL: each model's best proper fit, the next when it turns degenerate there.
      const climb = models.map((x) => {
        x.proper.sort((a, b) => b.objective - a.objective);
        searched.push({ k, structure: x.structure, starts: partitions.length, degenerate: x.degenerate });
        return { model: x, next: 0, chosen: sample === data ? x.proper[0] : undefined };
      });
      for (;;) {
        const moving = sample === data ? [] : climb.filter((c) => c.chosen === undefined && c.next < c.model.proper.length);
        if (moving.length === 0) break;
        const upJobs = moving.map((c): FitJob => ({ data: ALL, theta: c.model.proper[c.next].theta, labels, floored: new Uint8Array(k), settings: settingsOf(c.model.structure, perWeight, { lean: false, rtol: Math.max(settings.rtol, SEARCH_RTOL) }) }));
        const up = yield* batch(upJobs, `K=${k}: ${plural(upJobs.length, 'model')} on all ${n} rows`);
        moving.forEach((c, i) => {
          if (improper(up[i])) c.next++;
          else c.chosen = up[i];
        });
      }
      for (const c of climb) {
        if (c.chosen !== undefined) candidates.push(c.chosen);
        else {
          const { degenerate } = c.model;
          // With partitions but nothing screened, every start was given up (or could not be made).
          const none = partitions.length > 0 && c.model.screened.length === 0 ? { why: 'given-up' as const, starts: partitions.length } : { why: 'no-partition' as const, attempts: partitions.length };
          skipped.push({ code: 'not-fitted', k, structure: c.model.structure, reason: degenerate > 0 || c.model.proper.length > 0 ? { why: 'degenerate-starts', refined: degenerate, starts: partitions.length, example: null } : none });
        }
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
    const onward = function* (list: Fit[]): Generator<SearchProgress, void> {
      if (list.length === 0) return;
      const more = yield* batch(
        // Within --max-iter with the run before it: what is left of it (none, for a run that
        // spent it: a pass that orders the components).
        list.map((fit): FitJob => ({ data: ALL, theta: fit.theta, labels: fit.labels, floored: new Uint8Array(fit.labels.length), settings: settingsOf(fit.structure, perWeight, { lean: false, orderByMean: true, maxIter: remainingIterations(fit, settings.maxIter) }) })),
        `${plural(list.length, 'candidate')} to --rtol on all ${n} rows`,
      );
      list.forEach((fit, i) => {
        const at = candidates.indexOf(fit);
        if (improper(more[i])) {
          candidates.splice(at, 1);
          skipped.push({ code: 'not-fitted', k: fit.labels.length, structure: fit.structure, reason: { why: 'degenerate-to-rtol' } });
          return;
        }
        const joined = outOfIterations(continued(fit, more[i]), settings.rtol);
        candidates[at] = joined;
        done.add(joined);
      });
    };
    for (let best = choose(); !done.has(best); best = choose()) yield* onward([best]);
    const leader = choose();
    yield* onward(candidates.filter((f) => !done.has(f) && f[criterion] - 2 * remainingGain(f) <= leader[criterion] + CONTENDING));
    for (let best = choose(); !done.has(best); best = choose()) yield* onward([best]);
    return { best: choose(), criterion, candidates, searched, skipped, notes: [], passes, guard: settings.guard, penalty: null, heaping: null };
  } finally {
    // The pool is the caller's; the data sets are let go.
    jobs?.load([]);
  }
}
