/**
 * `em-fit <file> --var …`: read the table, fit it (whole, or each --by group), report.
 */
import { availableParallelism } from 'node:os';
import type { Writable } from 'node:stream';
import { PassPool } from '../em/pool.js';
import { EXIT, type ExitCode, fitError, inputError, usageError } from '../errors.js';
import { dataRecords, type LabelColumn, type Table } from '../io/csv.js';
import { sortLabels } from '../io/labels.js';
import { fileModel, type ModelFile, readModel, writeModel } from '../io/model-file.js';
import { Sink } from '../io/sink.js';
import { type Data, rowCount } from '../models/family.js';
import { COVARIANCE_MODELS } from '../models/mvgaussian/models.js';
import { maxAbs, type VarianceFloor, varianceFloor } from '../models/floor.js';
import { defaultPenalty, type GaussianMixture, type VarianceModel, type VariancePenalty } from '../models/gaussian.js';
import { type DfModel, describe, type FamilyName, type FamilySpec, familySpec, makeFamily, mvParameters, type Structure } from '../models/registry.js';
import { type Resolution, recordingResolution } from '../models/resolution.js';
import { compress, observationsPerWeight, sampleRows } from '../select/degenerate.js';
import { type StandardErrors, standardErrors } from '../models/gaussian-se.js';
import type { ReportContext } from '../report/context.js';
import { type ParamsFit, paramsCsv, writeCsv } from '../report/csv.js';
import { writeJson } from '../report/json.js';
import { firstUnscored, recordNumbers, type RowSet } from '../report/rows.js';
import { checkFittable, checkScale, type DegeneracyCheck, type Fit, fitFrom, fitSpec, partitionStart, totalWeight } from '../select/fit.js';
import { noteTexts } from '../report/notes.js';
import { JobPool } from '../select/job-pool.js';
import { bestBy, type Guard, SEARCH_ROWS, searchModels, type Selection, subsample } from '../select/search.js';
import { SAMPLE_ROWS, searchMultivariate } from '../select/mv-search.js';
import { plural, quote, short, shown } from '../text.js';
import { runGroups } from './groups.js';
import { about, announce, closeInput, colours, type Input, openInput, readInput, readOptions, readsTwice, say, textPlotWidth, textWidth, warn } from './io.js';
import { checkComponents, checkWeights, duration, LONG_SECONDS, passSeconds, sampleSizeNotes, searchSeconds } from './limits.js';
import { checkDirectories, checkOutputs, checkStdout, type Output, type ReadFile, readFileIdentity, stdoutFile } from './outputs.js';
import { writePlot } from './plot.js';
import { DEFAULT_K, type FitRequest } from './options.js';
import { drive } from './progress.js';

/** Rows from which `--threads auto` uses every core: below, starting workers costs more than it saves. */
const THREADS_FROM_ROWS = 200_000;

/** Rows from which a model search uses every core (see searchThreads). */
const SEARCH_THREADS_FROM_ROWS = 500;

/** Largest distance between a starting mean and the data, as checkScale allows between values. */
const MAX_SPREAD = 1e150;

/** The fit to report and, when candidates were compared, the comparison. */
export interface Outcome {
  fit: Fit;
  guard: Guard;
  selection: Selection | null;
  /** Passes over the data, over every candidate and start. */
  passes: number;
  /** Warnings about the request on these data (the sample size of the criteria). */
  notes: string[];
}

/** The cores available: --threads is held to them (more threads than cores only cost memory). */
export const cores = (): number => availableParallelism();

/** The threads asked for (--threads), held to the cores available. */
export function threadsAsked(request: FitRequest): number | null {
  return request.threads === null ? null : Math.min(request.threads, cores());
}

/** Threads for the passes over `rows` rows: --threads, or all cores from THREADS_FROM_ROWS rows up. */
export function threadCount(request: FitRequest, rows: number): number {
  return threadsAsked(request) ?? (rows >= THREADS_FROM_ROWS ? cores() : 1);
}

const emSettings = (request: FitRequest, accelDefault: 'none' | 'squarem') => ({
  maxIter: request.maxIter,
  rtol: request.rtol,
  accel: request.accel === 'auto' ? accelDefault : request.accel,
});

/**
 * How one data set is fitted, resolved once from the request and the data: the resolution
 * and floor, the guard against degenerate components (see select/search.ts) and its penalty,
 * and what the check for degenerate components looks at.
 */
interface Plan {
  /** The floor (d > 1: the smallest column's). */
  floor: VarianceFloor;
  /** d > 1: each column's floor, from its own resolution; null for one column. */
  floors: VarianceFloor[] | null;
  /** The largest |x|: with δ, the bounds of the families beyond the Gaussian. */
  largest: number;
  guard: Guard;
  penalty: VariancePenalty | null;
  /** For a fit from a partition or a model (a search makes its own, see searchModels). */
  check: DegeneracyCheck | undefined;
  /** The candidates' families and options, in the order they are fitted and listed. */
  structures: Structure[];
}

/** Where a fit starts: a model search, a partition column, or a saved model. */
type StartKind = 'search' | 'partition' | 'model';

/**
 * The defaults, resolved once for one data set: the resolution and floor, the guard and its
 * penalty, and the candidate structures (families with their options) the request and the
 * start call for. `rowOf(i)` names data row i in messages (a value outside a family's domain).
 */
function plan(request: FitRequest, data: Data, decimals: number | readonly number[], start: StartKind, model: ModelFile | null, rowOf: (i: number) => string): Plan {
  const d = data.d ?? 1;
  if (d > 1) return multivariatePlan(request, data, decimals as readonly number[], start, model);
  decimals = decimals as number;
  // The degeneracy check's sample (of a fit from a partition or a model): its distinct values
  // are the resolution's sample too (the same rows, sorted alike), sorted once for both.
  const check = start === 'search' ? undefined : { compact: compress(sampleRows(data)), perWeight: observationsPerWeight(data.x.length, totalWeight(data)) };
  const resolution: Resolution = request.resolution === undefined ? recordingResolution(data.x, data.w, decimals, check?.compact.x) : { value: request.resolution, source: 'user' };
  const largest = maxAbs(data.x);
  const floor = varianceFloor(resolution, largest, request.minVariance);
  // 'auto': degenerate fits rejected in a search, where starts are many and spikes are found;
  // nothing rejected from a partition or a model, which is the user's own start.
  const guard: Guard = request.guard === 'auto' ? (start === 'search' ? 'reject' : 'none') : request.guard;
  return {
    floor,
    floors: null,
    largest,
    guard,
    penalty: guard === 'penalty' ? defaultPenalty(data, floor.floor) : null,
    check,
    structures: structures(request, data, start, model, rowOf),
  };
}

/**
 * The plan for d > 1 columns: each column's floor from its own recording resolution (δ_j²/12,
 * or --resolution and --min-variance for every column), and the covariance models of --model
 * (VVV from a partition, a model file's own from it, all fourteen in a search, as mclust).
 */
function multivariatePlan(request: FitRequest, data: Data, decimals: readonly number[], start: StartKind, model: ModelFile | null): Plan {
  const d = data.d as number;
  const n = rowCount(data);
  const column = new Float64Array(n);
  const floors = decimals.map((written, j) => {
    for (let i = 0; i < n; i++) column[i] = data.x[i * d + j];
    const resolution: Resolution = request.resolution === undefined ? recordingResolution(column, data.w, written) : { value: request.resolution, source: 'user' };
    return varianceFloor(resolution, maxAbs(column), request.minVariance);
  });
  const smallest = floors.reduce((a, f) => (f.floor < a.floor ? f : a));
  const guard: Guard = request.guard === 'auto' ? (start === 'search' ? 'reject' : 'none') : request.guard;
  if (guard === 'penalty') throw usageError('--guard penalty applies to one --var column; for several use reject or none');
  const own = model?.structure.family === 'mvgaussian' ? model.structure.model : null;
  const models = request.models ?? (own !== null ? [own] : start === 'search' ? [...COVARIANCE_MODELS] : ['VVV']);
  // From a partition or a model, degenerate components are noted (not rejected), checked on a sample as in the search.
  const check = start === 'search' ? undefined : { compact: n > SAMPLE_ROWS ? subsample(data, SAMPLE_ROWS, request.seed) : data, perWeight: observationsPerWeight(n, totalWeight(data)) };
  return { floor: smallest, floors, largest: maxAbs(data.x), guard, penalty: null, check, structures: models.map((model) => ({ family: 'mvgaussian', model })) };
}

/** The density families --family auto compares: a count family needs --family poisson (see README). */
const AUTO_FAMILIES: readonly FamilyName[] = ['gaussian', 't', 'exponential', 'lognormal', 'gamma', 'weibull'];

/**
 * The candidate structures: each family asked for (--family; a model file's own; else the
 * Gaussian) with its options (--variance for the Gaussian, --df for the t). With auto, the
 * density families whose domain holds the data; with a list, each must hold them (else an
 * input error naming the first value outside), and all must be of one likelihood kind.
 */
function structures(request: FitRequest, data: Data, start: StartKind, model: ModelFile | null, rowOf: (i: number) => string): Structure[] {
  const auto = request.families === 'auto';
  let families: FamilyName[];
  if (auto) families = AUTO_FAMILIES.filter((f) => describe(familySpec(defaultStructure(f), 1, UNIT_BOUNDS)).checkDomain(data.x) === null);
  else families = (request.families as FamilyName[] | null) ?? (model !== null ? [model.family as FamilyName] : ['gaussian']);
  if (model !== null && !families.every((f) => f === model.family)) {
    throw usageError(`--family ${families.join(',')} contradicts --init-model ${request.initModel}, a ${model.family} model; fit without --init-model to change the family`);
  }
  if (!auto) {
    for (const family of families) {
      const problem = describe(familySpec(defaultStructure(family), 1, UNIT_BOUNDS)).checkDomain(data.x);
      if (problem !== null) {
        throw inputError(`${rowOf(problem.index)} has the value ${short(problem.value, 8)}, which the ${family} family cannot take (it ${problem.reason}); try --family ${problem.suggestion}`);
      }
    }
  }
  if (request.variances !== null && !families.includes('gaussian')) throw usageError(`--variance applies to the gaussian family, which --family ${families.join(',')} leaves out`);
  if (request.df !== null && !families.includes('t')) throw usageError(`--df applies to the t family, which --family ${request.families === 'auto' ? 'auto' : families.join(',')} leaves out`);
  const fromModel = model?.structure;
  const variances: VarianceModel[] =
    request.variances ?? (fromModel?.family === 'gaussian' ? [fromModel.variance] : start === 'partition' ? ['unequal'] : ['equal', 'unequal']);
  const df: DfModel = request.df ?? (fromModel?.family === 't' ? fromModel.df : 'each');
  return families.flatMap((family): Structure[] => {
    if (family === 'gaussian') return variances.map((variance) => ({ family, variance }));
    if (family === 't') return [{ family, df }];
    return [{ family }];
  });
}

/** Bounds that only the domain check and the parameter names are asked of. */
const UNIT_BOUNDS = { floor: 1, resolution: 1, largest: 1 };

/** A family's structure with its default options. */
function defaultStructure(family: FamilyName): Structure {
  if (family === 'gaussian') return { family, variance: 'unequal' };
  if (family === 't') return { family, df: 'each' };
  return { family };
}

/** Fits from θ(0) once per structure planned, and compares them when there are several. */
async function fitEachStructure(
  request: FitRequest,
  data: Data,
  names: string[],
  how: Plan,
  pool: PassPool | undefined,
  start: (spec: FamilySpec) => { theta: Fit['theta']; floored: Uint8Array },
): Promise<Outcome> {
  checkFittable(data, names.length);
  const fits: Fit[] = [];
  for (const structure of how.structures) {
    const settings = { ...emSettings(request, 'none'), structure, floor: how.floor, floors: how.floors?.map((f) => f.floor), largest: how.largest, penalty: how.penalty, degeneracy: how.check };
    const s = start(fitSpec(settings, names.length));
    fits.push(await drive(fitFrom(data, s.theta, names, settings, s.floored, pool)));
  }
  const passes = fits.reduce((a, f) => a + f.passes, 0);
  if (fits.length === 1) return { fit: fits[0], selection: null, passes, guard: how.guard, notes: [] };
  const best = bestBy(fits, request.criterion);
  const selection = { best, criterion: request.criterion, candidates: fits, searched: [], skipped: [], notes: [], passes, guard: how.guard, penalty: how.penalty, heaping: null };
  return { fit: best, guard: how.guard, selection, passes, notes: [] };
}

/** Fits from the partition column. */
function fromPartition(request: FitRequest, labels: LabelColumn, data: Data, how: Plan, pool: PassPool | undefined): Promise<Outcome> {
  checkComponents(labels.names.length, `--init ${request.init}`);
  // The column is renumbered in place, names and codes together: nothing reads its first
  // order again, and a copy of the codes cost 4 bytes a row (40 MB at 10M rows).
  const codes = labels.codes;
  const names = sortLabels(labels.names, codes);
  labels.names = names;
  if (request.k !== null && request.k[0] !== names.length) {
    throw usageError(`--k ${request.k[0]} contradicts --init ${request.init}, whose column has ${plural(names.length, 'label')}`);
  }
  return fitEachStructure(request, data, names, how, pool, (spec) => partitionStart(data, codes, names, spec));
}

/** Fits from a saved model's parameters (a warm start). */
function fromModel(request: FitRequest, model: ModelFile, data: Data, how: Plan, pool: PassPool | undefined): Promise<Outcome> {
  const { floor } = how;
  const k = model.components.length;
  if (request.k !== null && request.k[0] !== k) {
    throw usageError(`--k ${request.k[0]} contradicts --init-model ${request.initModel}, which has ${plural(k, 'component')}`);
  }
  const start = (spec: FamilySpec) => {
    const saved = fileModel(model);
    const theta = saved.theta;
    const floored = new Uint8Array(k);
    if (model.structure.family === 'mvgaussian') {
      // The saved Σ_k as they are: the first M-step applies this data's floors.
      const far = firstUnscored({ spec: saved.spec, theta }, data.x);
      if (far >= 0) throw fitError(`the model of --init-model ${request.initModel} gives data row ${far + 1} of the fit a density of 0 in double precision (it lies too far from every component), so it cannot start this fit; fit without --init-model`);
      return { theta, floored };
    }
    if (model.structure.family === 'gaussian') {
      // The model's variances, held at this data's floor.
      const { mean, variance } = theta as GaussianMixture;
      variance.forEach((v, j) => {
        floored[j] = v < floor.floor ? 1 : 0;
        variance[j] = Math.max(v, floor.floor);
      });
      // EM sums squared distances to the means: a mean farther from the data than a double's
      // square root overflows them (the data's own spread is held to the same bound by checkScale).
      const lo = data.x.reduce((a, v) => Math.min(a, v), Infinity);
      const hi = data.x.reduce((a, v) => Math.max(a, v), -Infinity);
      mean.forEach((m, j) => {
        if (!(Math.abs(m - lo) <= MAX_SPREAD && Math.abs(m - hi) <= MAX_SPREAD)) {
          throw fitError(`component ${quote(model.components[j].label)} of --init-model ${request.initModel} has its mean at ${short(m)}, too far from the data (${short(lo)} to ${short(hi)}) for the sums of EM; fit without --init-model`);
        }
      });
    }
    // A row no component reaches (density 0 in double precision) gives ℓ(θ0) = −∞.
    const far = firstUnscored({ spec, theta }, data.x);
    if (far >= 0) {
      throw fitError(`the model of --init-model ${request.initModel} gives the value ${short(data.x[far])} a density of 0 in double precision (it lies too far from every component), so it cannot start this fit; fit without --init-model`);
    }
    return { theta, floored };
  };
  return fitEachStructure(request, data, model.components.map((c) => c.label), how, pool, start);
}

/** Searches the candidate models, sharing the fits with `jobs`' threads. */
async function search(request: FitRequest, data: Data, how: Plan, jobs: JobPool | null): Promise<Outcome> {
  const settings = {
    ks: request.k ?? DEFAULT_K,
    structures: how.structures,
    criterion: request.criterion,
    initMethod: request.initMethod,
    nInit: request.nInit,
    seed: request.seed,
    ...emSettings(request, 'squarem'),
    floor: how.floor,
    floors: how.floors?.map((f) => f.floor),
    largest: how.largest,
    guard: how.guard,
  };
  if ((data.d ?? 1) > 1) {
    const selection = await drive(searchMultivariate(data, settings, jobs));
    return { fit: selection.best, selection, passes: selection.passes, guard: how.guard, notes: [] };
  }
  const selection = await drive(searchModels(data, settings, jobs));
  return { fit: selection.best, selection, passes: selection.passes, guard: how.guard, notes: [] };
}

/**
 * Threads for a model search on `rows` rows: --threads, or all cores from SEARCH_THREADS_FROM_ROWS
 * rows up. A search shares whole fits between threads (see select/search.ts), which pays from
 * far fewer rows than sharing the passes of one fit does.
 */
export function searchThreads(request: FitRequest, rows: number): number {
  return threadsAsked(request) ?? (rows >= SEARCH_THREADS_FROM_ROWS ? cores() : 1);
}

/** The models a request compares on these data, for the sample-size check of the criteria. */
function candidateModels(request: FitRequest, labels: LabelColumn | null, model: ModelFile | null, how: Plan) {
  const ks = model !== null ? [model.components.length] : labels !== null ? [labels.names.length] : (request.k ?? DEFAULT_K);
  return {
    models: ks.flatMap((k) => how.structures.map((structure) => ({ k, nParams: makeFamily(fitSpec({ structure, floor: how.floor, floors: how.floors?.map((f) => f.floor), largest: how.largest }, k)).nParams }))),
    criterion: request.criterion,
  };
}

/**
 * An estimate of the seconds a fit of `rows` rows will take, and what it is, for the warning
 * before work that would take long: from a partition or a model (`k` components; every
 * iteration up to --max-iter counted), or a model search (k null).
 */
export function workEstimate(request: FitRequest, rows: number, k: number | null, threads: number, structures: number): { seconds: number; what: string } {
  if (k !== null) {
    const fits = structures;
    return {
      seconds: fits * passSeconds(request.maxIter + 1, rows, k, threads),
      what: `${k} components, up to ${request.maxIter} iterations; lower --max-iter, use fewer components or more --threads if that is too long`,
    };
  }
  const ks = request.k ?? DEFAULT_K;
  return {
    seconds: searchSeconds(rows, SEARCH_ROWS, ks, structures, request.nInit, request.maxIter, threads),
    what: `a model search with K up to ${ks[ks.length - 1]}, ${request.nInit} starts per method and candidate; fewer K (--k), fewer starts (--n-init) or more --threads make it shorter`,
  };
}

/**
 * How many structures a request fits per K, before the data are read (for the estimate of
 * the work of --by): the families asked for (auto counts the six density families) times the
 * Gaussian's variance models.
 */
export function structureCount(request: FitRequest, model: ModelFile | null, partition: boolean): number {
  if (model !== null) return request.variances?.length ?? 1;
  const families = request.families === 'auto' ? AUTO_FAMILIES.length : (request.families?.length ?? 1);
  const gaussian = request.families === null || request.families === 'auto' || request.families.includes('gaussian');
  return families - (gaussian ? 1 : 0) + (gaussian ? (request.variances?.length ?? (partition ? 1 : 2)) : 0);
}

/** The labels of the components a model search can report: "1" to the largest K asked for. */
export function searchLabels(request: FitRequest): string[] {
  const ks = request.k ?? DEFAULT_K;
  return Array.from({ length: ks[ks.length - 1] }, (_, j) => String(j + 1));
}

/** Worker threads for one data set: a pool sharing passes (a fit) or whole fits (a search). */
export interface Pools {
  passes?: PassPool | null;
  jobs?: JobPool | null;
}

/**
 * Fits one data set (the file, or one group of it) the way the request asks. With `pools`
 * (shared by the groups of --by) the work uses them; without, a pool is started here when
 * threads pay: one sharing the passes of a fit from a partition or a model, one sharing the
 * fits of a model search.
 */
export async function fitData(
  request: FitRequest,
  data: Data,
  labels: LabelColumn | null,
  decimals: number | readonly number[],
  model: ModelFile | null,
  rowOf: (i: number) => string,
  pools: Pools = {},
  quietCost = false,
): Promise<Outcome> {
  checkScale(data);
  const total = checkWeights(data);
  const searching = model === null && labels === null;
  const d = data.d ?? 1;
  const modelColumns = model?.columns?.length ?? 1;
  if (model !== null && modelColumns !== d) {
    throw usageError(`--init-model ${request.initModel} is a model of ${modelColumns === 1 ? 'one column' : `${modelColumns} columns`} (${model.column}), which cannot start a fit of ${d === 1 ? 'one' : d} (--var ${request.var})`);
  }
  const n = rowCount(data);
  const threads = searching ? (pools.jobs?.threads ?? searchThreads(request, n)) : (pools.passes?.threads ?? threadCount(request, n));
  // The pools first: their threads start up (tens of ms) while this one plans the fit.
  const ownJobs = searching && pools.jobs == null && threads > 1 ? JobPool.create(threads) : null;
  const ownPasses = !searching && pools.passes == null && threads > 1 ? PassPool.create(data, threads) : null;
  const passes = pools.passes ?? ownPasses ?? undefined;
  let outcome: Outcome;
  let notes: Outcome['notes'];
  try {
    const how = plan(request, data, decimals, model !== null ? 'model' : labels !== null ? 'partition' : 'search', model, rowOf);
    notes = sampleSizeNotes(total, data.w !== null, candidateModels(request, labels, model, how));
    if (!quietCost) {
      const work = workEstimate(request, n, model?.components.length ?? labels?.names.length ?? null, threads, how.structures.length);
      if (work.seconds > LONG_SECONDS) warn(request, [`this fit of ${n} rows may take ${duration(work.seconds)} or so: ${work.what}`], about(request.file));
    }
    if (model !== null) outcome = await fromModel(request, model, data, how, passes);
    else if (labels !== null) outcome = await fromPartition(request, labels, data, how, passes);
    else outcome = await search(request, data, how, pools.jobs ?? ownJobs);
  } finally {
    await ownPasses?.close();
    await ownJobs?.close();
  }
  checkFinite(outcome);
  return { ...outcome, notes };
}

/**
 * Refuses (exit 4) a fit whose log-likelihood or parameters are not finite numbers: data or
 * weights at the edge of what doubles hold can take EM there, and such a fit has no meaning.
 */
function checkFinite(outcome: Outcome): void {
  for (const fit of outcome.selection?.candidates ?? [outcome.fit]) {
    const finite = (a: ArrayLike<number>): boolean => Array.prototype.every.call(a, Number.isFinite);
    if (!finite([fit.loglik, fit.bic, fit.aic, fit.icl]) || !Object.values(fit.theta).every(finite)) {
      throw fitError(
        `the fit with ${plural(fit.labels.length, 'component')} reached a log-likelihood or parameters that are not finite numbers (ℓ = ${fit.loglik}); the values or weights are beyond what doubles hold in this fit: rescale them`,
      );
    }
  }
}

/**
 * Standard errors of the fit, or why there are none. The information matrix has entries of
 * order 1/σ⁴, which underflow for data around 1e100; so it is computed on the data divided
 * by a power of two near the spread (exact: only the exponents change), and the errors
 * scaled back.
 */
function fitStandardErrors(fit: Fit, data: Data): StandardErrors | string {
  if (fit.structure.family === 'mvgaussian') return 'standard errors are not available for several --var columns (d > 1) yet: they are computed for one column of the gaussian family';
  if (fit.structure.family !== 'gaussian') return `standard errors are computed for the gaussian family only, not yet for the ${fit.structure.family} family`;
  if (fit.groupedLoglik !== null) return 'standard errors are not computed for a fit to grouped (heaped) data';
  if (!fit.converged) return 'the fit has not converged, so it is not at a maximum';
  const theta = fit.theta as GaussianMixture;
  const variance = fit.structure.variance;
  let pooled = 0;
  for (let k = 0; k < theta.weight.length; k++) pooled += theta.weight[k] * theta.variance[k];
  const scale = 2 ** Math.round(Math.log2(Math.sqrt(pooled)));
  const scaled = scale === 1 || !Number.isFinite(scale) || scale === 0;
  const x = scaled ? data.x : data.x.map((v) => v / scale);
  const at = scaled
    ? theta
    : { weight: theta.weight, mean: theta.mean.map((v) => v / scale), variance: theta.variance.map((v) => v / (scale * scale)) };
  const se = standardErrors({ x, w: data.w }, at, variance, fit.floor.floor / (scale * scale));
  if (typeof se === 'string') return se;
  const result = { weight: se.weight, mean: se.mean.map((v) => v * scale), variance: se.variance.map((v) => v * scale * scale) };
  if (![result.weight, result.mean, result.variance].every((a) => a.every(Number.isFinite))) {
    return 'the observed information matrix cannot be inverted in double precision (its entries are beyond the range of doubles)';
  }
  return result;
}

export const plotInput = (ctx: ReportContext) => ({ fit: ctx.fit, data: { x: ctx.rows.x, w: ctx.weights }, varName: ctx.varName, varNames: ctx.varNames, selection: ctx.selection });

export function modelFile(ctx: ReportContext, version: string): ModelFile {
  const { fit } = ctx;
  const description = describe(fit.spec);
  return {
    family: description.name,
    structure: fit.structure,
    column: ctx.varName,
    ...(fit.spec.family === 'mvgaussian' ? { columns: ctx.varNames, variance_floors: [...fit.spec.floor] } : {}),
    variance_floor: fit.floor.floor,
    resolution: fit.floor.resolution,
    largest: fit.largest,
    components: fit.labels.map((label, k) =>
      fit.spec.family === 'mvgaussian'
        ? { label, weight: fit.theta.weight[k], parameters: {}, vector: mvParameters(fit.spec.d, fit.theta, k) }
        : { label, weight: fit.theta.weight[k], parameters: description.parameters(fit.theta, k) },
    ),
    fit: { file: ctx.file, ...(ctx.group === null ? {} : { group: ctx.group }), n: fit.n, total_weight: fit.totalWeight, loglik: fit.loglik, bic: fit.bic, aic: fit.aic, icl: fit.icl, converged: fit.converged, iterations: fit.iterations },
    created_by: `em-fit ${version}`,
  };
}

/** The moments of each component of a fit, for the model file's record. */
export const fitMoments = (fit: Fit): { mean: number; variance: number }[] => fit.labels.map((_, k) => describe(fit.spec).moments(fit.theta, k));


/** Rows left out of one data set: for a missing value, and for weight 0 (null without --weight). */
export interface LeftOut {
  skipped: number;
  zeroWeight: number | null;
}

/** What a fit of one data set needs to be reported. */
export function context(
  request: FitRequest,
  table: Table,
  outcome: Outcome,
  data: Data,
  rows: Omit<RowSet, 'model' | 'labels' | 'logDensity'>,
  extra: LeftOut & { group: string | null; warnings: string[] },
): ReportContext {
  const { fit } = outcome;
  return {
    fit,
    file: request.file,
    varName: table.varName,
    varNames: table.varNames,
    initName: request.initModel ?? table.labels?.name ?? null,
    rows: { ...rows, model: fit, labels: fit.labels, logDensity: false },
    weights: data.w,
    textPlotWidth: textPlotWidth(request),
    textWidth: textWidth(),
    skipped: extra.skipped,
    zeroWeight: extra.zeroWeight,
    group: extra.group,
    warnings: [...extra.warnings, ...outcome.notes, ...noteTexts([...(outcome.selection?.skipped ?? []), ...fit.notes, ...(outcome.selection?.notes ?? [])])],
    notes: [...(outcome.selection?.skipped ?? []), ...fit.notes, ...(outcome.selection?.notes ?? [])],
    responsibilities: request.responsibilities,
    settings: { rtol: request.rtol, maxIter: request.maxIter },
    selection: outcome.selection,
    search: table.labels === null && request.initModel === undefined ? { initMethod: request.initMethod, nInit: request.nInit, seed: request.seed } : null,
    guard: outcome.guard,
    weightName: table.weightName,
    standardErrors: request.se ? fitStandardErrors(fit, data) : null,
  };
}

export function readWarnings(table: Table): string[] {
  const why = table.weightName === null ? 'skipped for missing values' : 'left out (a missing value or weight 0)';
  return table.labelsOnlyInSkipped.map((label) => `label ${quote(label)} occurs only on rows ${why}, so it has no component`);
}

/**
 * A fit refused by --strict: not converged. Its report is the summary alone (text; JSON
 * without the per-row arrays; no CSV lines), and no model file or picture is written.
 */
export const refused = (request: FitRequest, fit: Fit): boolean => request.strict && !fit.converged;

/** The exit code after a report: 4 with --strict when a fit has not converged, with the reason on stderr. */
export function strictCode(request: FitRequest, fits: number, open: number, iterations: number): ExitCode {
  if (!request.strict || open === 0) return EXIT.ok;
  const what = fits === 1 ? `not converged after ${plural(iterations, 'iteration')}` : `${plural(open, 'group')} not converged`;
  say(`em-fit: ${shown(about(request.file))}: ${what} (--strict); only the summary is written${fits === 1 ? '' : ' for those'}, and no model file or picture\n`);
  return EXIT.fit;
}

/** The files the run reads: the input (a file, or what standard input is) and a model file. */
export function readFiles(input: Input, model: { path: string; what: string } | null): ReadFile[] {
  const reads: ReadFile[] = [];
  if (input.identity !== null) reads.push({ what: input.description, dev: input.identity.dev, ino: input.identity.ino });
  const file = model === null ? null : readFileIdentity(model.path, model.what);
  if (file !== null) reads.push(file);
  return reads;
}

/** The outputs a fit writes, checked before anything is read: for --by, only their directories here (the files per group once the groups are known). */
export function fitOutputs(request: FitRequest): Output[] {
  return [
    ...(request.saveModel === undefined ? [] : [{ option: '--save-model', path: request.saveModel }]),
    ...(request.plot === undefined ? [] : [{ option: '--plot', path: request.plot }]),
  ];
}

/** Warns when threads beyond the cores were asked for. */
function warnOfThreads(request: FitRequest): void {
  if (request.threads !== null && request.threads > cores()) {
    warn(request, [`--threads ${request.threads} is more than the ${plural(cores(), 'core')} available; using ${cores()}`]);
  }
}

export async function runFit(request: FitRequest, version: string): Promise<ExitCode> {
  return request.files.length === 1 ? runFile(request, version, null) : (await import('./batch.js')).runBatch(request, version);
}

/**
 * What the fits of a batch share (see batch.ts): the parameter tables, written together at
 * the end (--format params), and where the reports go (standard output, or a worker's buffer).
 */
export interface Batch {
  params: ParamsFit[];
  out: Writable;
}

/** Fits one file and reports it; in a batch, as `batch` asks. */
export async function runFile(request: FitRequest, version: string, batch: Batch | null): Promise<ExitCode> {
  const input = openInput(request.file, readsTwice(request.format));
  try {
    const reads = readFiles(input, request.initModel === undefined ? null : { path: request.initModel, what: `the model file read by --init-model` });
    checkStdout(reads);
    const outputs = fitOutputs(request);
    const out = stdoutFile();
    if (request.by === undefined) checkOutputs(outputs, out === null ? reads : [...reads, out]);
    else checkDirectories(outputs);
    warnOfThreads(request);
    const model = request.initModel === undefined ? null : readModel(request.initModel);
    const options = readOptions(request, input.source, { var: request.vars[0], ...(request.vars.length > 1 ? { vars: request.vars } : {}), init: request.init, weight: request.weight, by: request.by, id: request.id });
    const clock = [performance.now()];
    // A search's worker threads take about as long to start as a 5,000-row file takes to
    // read: they start now, and whatever the rows turn out to be, they are closed below.
    const early = earlyJobs(request, input, model);
    try {
      const table = await readInput(input, options, threadsAsked(request) ?? cores(), request.fileGiven);
      clock.push(performance.now());
      if (table.groups !== null) return await runGroups(request, table, input, options, model, version, out === null ? reads : [...reads, out], clock);
      const jobs = early !== null && table.labels === null && searchThreads(request, table.values.length) === early.threads ? early : null;
      return await runOne(request, table, input, options, model, version, clock, jobs, batch);
    } finally {
      await early?.close();
    }
  } finally {
    closeInput(input);
  }
}

/** Bytes of input from which a search's threads are started before the rows are read (see searchThreads). */
const EARLY_JOBS_FROM_BYTES = SEARCH_THREADS_FROM_ROWS * 8;

/** The pool of a model search started ahead of reading, when the request and the file's size call for one. */
function earlyJobs(request: FitRequest, input: Input, model: ModelFile | null): JobPool | null {
  if (request.init !== undefined || model !== null || request.by !== undefined) return null;
  if (input.size === null || input.size < EARLY_JOBS_FROM_BYTES) return null;
  const threads = threadsAsked(request) ?? cores();
  return threads > 1 ? JobPool.create(threads) : null;
}

/** Fits the whole table and reports it. */
async function runOne(
  request: FitRequest,
  table: Table,
  input: Input,
  options: ReturnType<typeof readOptions>,
  model: ModelFile | null,
  version: string,
  clock: number[],
  jobs: JobPool | null,
  batch: Batch | null,
): Promise<ExitCode> {
  const data = { x: table.values, w: table.weights, d: table.d };
  announce('fitting');
  const outcome = await fitData(request, data, table.labels, table.d > 1 ? table.columnDecimals : table.decimals, model, (i) => `data row ${recordNumbers(table)(i)}`, { jobs });
  clock.push(performance.now());
  const leftOut = { skipped: table.skippedRecords.length - table.zeroWeight, zeroWeight: table.weightName === null ? null : table.zeroWeight };
  const ctx = context(request, table, outcome, data, { x: table.values, skippedRecords: table.skippedRecords }, { ...leftOut, group: null, warnings: readWarnings(table) });
  warn(request, [...ctx.warnings, ...(typeof ctx.standardErrors === 'string' ? [`no standard errors: ${ctx.standardErrors}`] : [])], about(request.file));
  announce('writing');
  const summaryOnly = refused(request, ctx.fit);
  if (request.saveModel !== undefined && !summaryOnly) writeModel(request.saveModel, modelFile(ctx, version), fitMoments(ctx.fit));
  if (request.plot !== undefined && !summaryOnly) await writePlot(request.plot, plotInput(ctx));
  const sink = new Sink(batch?.out ?? process.stdout);
  // A batch's files are written on its workers' own threads, one each.
  if (request.format === 'json') await writeJson(summaryOnly ? { ...ctx, responsibilities: false } : ctx, sink, batch === null, batch === null ? threadCount(request, data.x.length / table.d) : 1);
  else if (request.format === 'csv' || request.format === 'ndjson') {
    if (!summaryOnly) {
      await writeCsv(ctx.rows, table.header, dataRecords(input.again(), options), sink, input.source, { format: request.format, id: table.idColumn });
      input.checkUnchanged('while the CSV report read its rows again');
    }
  } else if (request.format === 'params') {
    const fit = { fit: ctx.fit, standardErrors: ctx.standardErrors, group: null, file: request.file };
    if (batch !== null) batch.params.push(fit);
    else {
      sink.push(paramsCsv([fit], false));
      await sink.flush();
    }
  } else await (await textReport()).writeText(ctx, colours((batch?.out ?? process.stdout) as NodeJS.WriteStream), request.rows, sink, summaryOnly);
  clock.push(performance.now());
  if (request.timings) say(`em-fit: ${timings(clock, outcome)}\n`);
  return strictCode(request, 1, outcome.fit.converged ? 0 : 1, outcome.fit.iterations);
}

/**
 * The text report's module, loaded when a run writes one: it brings cli-table3, which a run
 * writing JSON or CSV need not load (start-up counts when a shell loop fits many files).
 */
export const textReport = (): Promise<typeof import('../report/text.js')> => import('../report/text.js');

/** One line of timings from the clock readings before and after reading, fitting and writing. */
function timings(clock: number[], outcome: Outcome): string {
  const [read, fitted, written] = [1, 2, 3].map((i) => (clock[i] - clock[i - 1]) / 1000);
  const { fit, selection, passes } = outcome;
  const work = selection
    ? `${plural(selection.candidates.length, 'candidate')} compared in ${plural(passes, 'pass')}`
    : `${plural(fit.iterations, 'iteration')}, ${plural(passes, 'pass')} over ${fit.n} rows, ${((fitted * 1000) / passes).toFixed(2)} ms per pass`;
  return `timings: read ${read.toFixed(3)} s, fit ${fitted.toFixed(3)} s (${work}), write ${written.toFixed(3)} s, peak RSS ${peakRss()} MB`;
}

/** The peak resident memory of the process so far, in MB. */
export const peakRss = (): string => (process.resourceUsage().maxRSS / 1024).toFixed(0);
