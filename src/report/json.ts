/**
 * The JSON report: one document, written incrementally. The small part comes from
 * JSON.stringify; the per-row arrays (responsibilities, classification) are streamed, one
 * row per line, so that ten million rows never form one string.
 *
 * Every document names its kind and version in `format` (FIT_FORMAT, PREDICT_FORMAT; model
 * files: MODEL_FORMAT in io/model-file.ts), and schemas/ holds a JSON Schema for each, which
 * the tests check real outputs against. The names are shared between the kinds: `column` is
 * the column fitted or scored (`columns`, an array, and `d` for several), `variance_model`
 * (equal, unequal), `df_model` (each, shared, a number) and `covariance_model` (mclust's
 * names, for several columns) the family's options, apart from each component's `variance`,
 * `df` and `covariance`.
 */
import { Worker } from 'node:worker_threads';
import { EmFitError, type ExitCode } from '../errors.js';
import { ByteText, type Sink } from '../io/sink.js';
import { describe, dimensionOf, mvParameters, type Structure } from '../models/registry.js';
import type { Fit } from '../select/fit.js';
import type { Note } from '../select/notes.js';
import { type ReportContext, finite } from './context.js';
import { iclMclust } from '../select/criteria.js';
import { numberText } from './format.js';
import { responsibilityLines, type RowStretch } from './row-text.js';
import { mapLoglik, recordNumbers, type RowSet, rowsIn } from './rows.js';
import type { StretchLines, StretchReply, StretchRequest } from './rows-worker.js';

/** The document kind and version of a fit's JSON report (schemas/fit.schema.json). */
export const FIT_FORMAT = 'em-fit.fit/2';

/** The document kind and version of predict's JSON report (schemas/predict.schema.json). */
export const PREDICT_FORMAT = 'em-fit.predict/2';

/** Everything in the report but the per-row arrays, as a plain object. */
export function fitSummary(ctx: ReportContext): Record<string, unknown> {
  const { fit } = ctx;
  const { theta } = fit;
  const se = ctx.standardErrors;
  const description = describe(fit.spec);
  return {
    format: FIT_FORMAT,
    ...(ctx.group === null ? {} : { group: ctx.group }),
    file: ctx.file,
    ...columnKeys(ctx.varNames),
    init: ctx.initName,
    n: fit.n,
    skipped: ctx.skipped,
    ...(ctx.zeroWeight === null ? {} : { zero_weight: ctx.zeroWeight }),
    ...(ctx.weightName === null ? {} : { weight: ctx.weightName }),
    total_weight: finite(fit.totalWeight, 'total weight'),
    k: fit.labels.length,
    family: description.name,
    ...structureKeys(fit.structure),
    converged: fit.converged,
    stop_reason: fit.stopReason,
    iterations: fit.iterations,
    accel: fit.accel,
    passes: fit.passes,
    rejected: fit.rejected,
    loglik: finite(fit.loglik, 'loglik'),
    n_params: fit.nParams,
    bic: finite(fit.bic, 'bic'),
    aic: finite(fit.aic, 'aic'),
    icl: finite(fit.icl, 'icl'),
    icl_mclust: finite(iclMclust(fit.bic, fit.mapLoglik ?? mapLoglik(fit, ctx.rows.x, ctx.weights)), 'icl_mclust'),
    entropy: finite(fit.entropy, 'entropy'),
    resolution: finite(fit.floor.resolution, 'resolution'),
    resolution_source: fit.floor.resolutionSource,
    variance_floor: finite(fit.floor.floor, 'variance floor'),
    ...(fit.spec.family === 'mvgaussian' ? { variance_floors: fit.spec.floor } : {}),
    variance_floor_source: fit.floor.source,
    guard: ctx.guard,
    penalty: fit.penalty === null ? null : { a_n: fit.penalty.strength, sample_variance: fit.penalty.scale },
    ...(fit.penalty === null ? {} : { penalized_loglik: finite(fit.objective, 'penalized loglik') }),
    likelihood: fit.groupedLoglik === null ? 'density' : 'grouped',
    ...(fit.groupedLoglik === null ? {} : { grouped_loglik: finite(fit.groupedLoglik, 'grouped loglik') }),
    heaping: ctx.selection?.heaping ?? null,
    rtol: ctx.settings.rtol,
    max_iter: ctx.settings.maxIter,
    ...(ctx.search ? { init_method: ctx.search.initMethod, n_init: ctx.search.nInit, seed: ctx.search.seed } : {}),
    ...(ctx.selection
      ? {
          criterion: ctx.selection.criterion,
          selection: ctx.selection.candidates.map((c) => {
            const searched = ctx.selection?.searched.find((s) => s.k === c.labels.length && sameStructure(s.structure, c.structure));
            return {
              k: c.labels.length,
              family: c.structure.family,
              ...structureKeys(c.structure),
              loglik: finite(c.loglik, 'candidate loglik'),
              ...(c.groupedLoglik === null ? {} : { grouped_loglik: finite(c.groupedLoglik, 'candidate grouped loglik') }),
              n_params: c.nParams,
              bic: finite(c.bic, 'candidate bic'),
              aic: finite(c.aic, 'candidate aic'),
              icl: finite(c.icl, 'candidate icl'),
              converged: c.converged,
              ...(searched === undefined ? {} : { starts: searched.starts, degenerate_starts: searched.degenerate }),
            };
          }),
        }
      : {}),
    components: fit.labels.map((label, k) => ({
      label,
      weight: finite(theta.weight[k], 'weight'),
      ...componentKeys(fit, k),
      ...(se !== null && typeof se !== 'string'
        ? { se_weight: finite(se.weight[k], 'se'), se_mean: finite(se.mean[k], 'se'), se_variance: finite(se.variance[k], 'se') }
        : {}),
    })),
    ...(typeof se === 'string' ? { se_unavailable: se } : {}),
    trace: fit.trace.map((t) => ({
      iteration: t.iteration,
      loglik: finite(t.loglik, 'trace loglik'),
      ...(fit.penalty === null ? {} : { penalized_loglik: finite(t.objective, 'trace penalized loglik') }),
      elbo: t.elbo === null ? null : finite(t.elbo, 'trace elbo'),
      step: t.step,
    })),
    warnings: ctx.warnings,
    notes: ctx.notes.map(noteJson),
  };
}

/** The columns fitted or scored: `column` for one, `columns` (in the order of --var) and `d` for several. */
export const columnKeys = (names: readonly string[]): Record<string, unknown> => (names.length > 1 ? { columns: names, d: names.length } : { column: names[0] });

/**
 * The family's options as JSON keys: the Gaussian's `variance_model`, the t's `df_model`, the
 * multivariate Gaussian's `covariance_model` (named apart from a component's variance, df and
 * covariance, and from predict's `model`, the model file).
 */
export function structureKeys(s: Structure): Record<string, unknown> {
  if (s.family === 'gaussian') return { variance_model: s.variance };
  if (s.family === 'mvgaussian') return { covariance_model: s.model };
  if (s.family === 't') return { df_model: s.df };
  return {};
}

/** A note as JSON: as the core gives it, a candidate's structure under the names of structureKeys. */
function noteJson(note: Note): object {
  if (note.code !== 'not-fitted' || note.structure === null) return note;
  const structure: Record<string, unknown> = { family: note.structure.family, ...structureKeys(note.structure) };
  return { ...note, structure };
}

const sameStructure = (a: Structure, b: Structure): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * A component's parameters under R's names, then its mean, variance and sd where they exist
 * (null where they do not: a t's mean for ν ≤ 1, its variance for ν ≤ 2). A Gaussian's
 * parameters are its mean and variance.
 */
export function componentKeys(fit: Pick<Fit, 'spec' | 'theta'>, k: number): Record<string, unknown> {
  if (fit.spec.family === 'mvgaussian') return mvComponentKeys(fit.spec.d, fit, k);
  const description = describe(fit.spec);
  const parameters = description.parameters(fit.theta, k);
  const { mean, variance } = description.moments(fit.theta, k);
  const out: Record<string, number | null> = {};
  for (const name of description.parameterNames) out[name] = finite(parameters[name], name);
  out.mean = Number.isFinite(mean) ? mean : null;
  out.variance = Number.isFinite(variance) ? variance : null;
  out.sd = Number.isFinite(variance) ? Math.sqrt(variance) : null;
  return out;
}

/**
 * A d-dimensional Gaussian component: `mean` (a vector in the order of --var), `covariance`
 * (d × d), and from it `sd` (the square roots of the diagonal) and `correlation` (d × d).
 */
function mvComponentKeys(d: number, fit: Pick<Fit, 'theta'>, k: number): Record<string, unknown> {
  const { mean, covariance } = mvParameters(d, fit.theta, k);
  const sd = covariance.map((row, p) => Math.sqrt(row[p]));
  return {
    mean: mean.map((v) => finite(v, 'mean')),
    covariance: covariance.map((row) => row.map((v) => finite(v, 'covariance'))),
    sd,
    correlation: covariance.map((row, p) => row.map((v, q) => (p === q ? 1 : v / (sd[p] * sd[q])))),
  };
}

/** The JSON report of a fit: pretty, or on one line (NDJSON, for --by). */
export async function writeJson(ctx: ReportContext, sink: Sink, pretty = true, threads = 1): Promise<void> {
  await writeJsonDocument(fitSummary(ctx), ctx.responsibilities ? ctx.rows : null, sink, pretty, threads);
}

/**
 * One JSON document: `head` (small, from JSON.stringify), then the per-row arrays of
 * `rows` streamed one row per line: responsibilities, classification, row (each row's
 * 1-based number among the input's data records, as CSV output's `row`) and, for predict,
 * log_density. The classification is kept from the responsibilities' pass, as one small
 * integer per row, and the log-densities likewise.
 *
 * The rows are written as bytes, straight from the typed array: no array or string per
 * row beside the numbers' own (a million rows of 3 components took 1.7 s with an array
 * and a join per row).
 */
export async function writeJsonDocument(head: Record<string, unknown>, rows: RowSet | null, sink: Sink, pretty = true, threads = 1): Promise<void> {
  // Pretty: two-space indent, a row per line. Not pretty: one line (NDJSON, for --by), with no space anywhere, as JSON.stringify writes it.
  const [nl, indent, comma] = pretty ? ['\n', '  ', ', '] : ['', '', ','];
  const text = pretty ? JSON.stringify(head, null, 2) : JSON.stringify(head);
  if (rows === null) {
    sink.push(`${text}\n`);
    return sink.flush();
  }
  sink.push(`${text.slice(0, pretty ? -2 : -1)},${nl}${indent}"responsibilities":${pretty ? ' ' : ''}[`);
  const n = rowsIn(rows);
  const { classes, densities } = await responsibilityText(rows, sink, pretty, threads);
  sink.push(`${n > 0 ? `${nl}${indent}` : ''}]`);
  const labels = rows.labels.map((l) => JSON.stringify(l));
  const ascii = labels.every((l) => /^[\x00-\x7f]*$/.test(l));
  await writeArray('classification', n, ascii ? (out, i) => out.latin1(labels[classes[i]]) : (out, i) => out.text(labels[classes[i]]), sink, nl, indent, comma);
  // The data row of each row, as CSV output's `row` numbers it: the key to join the arrays back to the input.
  const number = recordNumbers(rows);
  await writeArray('row', n, (out, i) => out.integer(number(i)), sink, nl, indent, comma);
  if (densities !== null) await writeArray('log_density', n, (out, i) => out.latin1(numberText(densities[i])), sink, nl, indent, comma);
  sink.push(`${nl}}\n`);
  await sink.flush();
}

/** Values of writeArray per line when pretty. */
const LINE = 32;

/**
 * Writes `, "name": [...]`, LINE values per line when pretty, as bytes, a block of lines at
 * a time; `put` writes value i (a number's text byte for character, an integer's digits,
 * a label as UTF-8).
 */
async function writeArray(name: string, n: number, put: (out: ByteText, i: number) => void, sink: Sink, nl: string, indent: string, comma: string): Promise<void> {
  const close = n > 0 ? `${nl}${indent}` : '';
  const first = `${nl}${indent}${indent}`;
  const next = `,${first}`;
  sink.push(`,${nl}${indent}"${name}":${nl === '' ? '' : ' '}[`);
  const out = new ByteText();
  for (let i = 0; i < n; i++) {
    out.latin1(i % LINE !== 0 ? comma : i === 0 ? first : next);
    put(out, i);
    if (out.length >= 1 << 16 && sink.pushBytes(out.take())) await sink.flush();
  }
  sink.pushBytes(out.take());
  sink.push(`${close}]`);
}

/**
 * Rows of the stretches that the main thread and a worker take turns at (see
 * responsibilityText). The worker's are a quarter longer: the main thread also writes every
 * stretch out (1M rows, three runs each in turn: 0.74–0.75 s against 0.76–0.77 s with equal
 * ones, and 0.78–0.88 s with half as long again; runs vary by ±0.05 s here).
 */
export const STRETCH_ROWS = 32_768;
export const WORKER_STRETCH_ROWS = 40_960;

/** Responsibilities (rows × K) from which they are formatted on two threads: below, starting a worker costs more than it saves. */
const PARALLEL_FROM_VALUES = 300_000;

/**
 * The responsibilities' lines of every row, pushed to the sink in row order; their classes
 * and log-densities. With `threads` > 1 and many rows, a worker (rows-worker.ts) formats
 * every other stretch of rows while this thread formats the one before it: the same bytes,
 * in about half the time on two cores.
 */
async function responsibilityText(rows: RowSet, sink: Sink, pretty: boolean, threads: number): Promise<RowStretch> {
  const n = rowsIn(rows);
  const k = rows.labels.length;
  const d = dimensionOf(rows.model.spec);
  const model = { spec: rows.model.spec, theta: rows.model.theta };
  const classes = new Int32Array(n);
  const densities = rows.logDensity ? new Float64Array(n) : null;
  const helper = threads > 1 && n * k >= PARALLEL_FROM_VALUES ? new StretchWorker() : null;
  const out = new ByteText(1 << 18);
  try {
    for (let start = 0; start < n; start += STRETCH_ROWS + WORKER_STRETCH_ROWS) {
      const end = Math.min(n, start + STRETCH_ROWS + WORKER_STRETCH_ROWS);
      const mid = helper === null ? end : Math.min(end, start + STRETCH_ROWS);
      const ahead = helper !== null && mid < end ? helper.format({ model, x: rows.x.slice(mid * d, end * d), firstRow: mid, pretty, withDensities: densities !== null }) : null;
      const mine = responsibilityLines(model, rows.x, start, mid, 0, pretty, densities !== null, out);
      classes.set(mine.classes, start);
      if (densities !== null && mine.densities !== null) densities.set(mine.densities, start);
      if (sink.pushBytes(out.take())) await sink.flush();
      if (ahead !== null) {
        const theirs = await ahead;
        classes.set(theirs.classes, mid);
        if (densities !== null && theirs.densities !== null) densities.set(theirs.densities, mid);
        if (sink.pushBytes(theirs.bytes)) await sink.flush();
      }
    }
  } finally {
    helper?.close();
  }
  return { classes, densities };
}

/** The worker of responsibilityText: a stretch of rows sent, its lines' bytes, classes and log-densities back. */
class StretchWorker {
  private readonly worker = new Worker(new URL('./rows-worker.js', import.meta.url));
  private readonly waiting = new Map<number, { resolve: (reply: StretchLines) => void; reject: (error: unknown) => void }>();
  private next = 0;

  constructor() {
    this.worker.on('message', (reply: StretchReply) => {
      const waiting = this.waiting.get(reply.id);
      if (waiting === undefined) return;
      this.waiting.delete(reply.id);
      if ('error' in reply) {
        const { message, exitCode } = reply.error;
        waiting.reject(exitCode === null ? new Error(message) : new EmFitError(message, exitCode as ExitCode));
      } else waiting.resolve(reply);
    });
    this.worker.on('error', (error) => this.failAll(error));
    // A worker that ends with stretches unanswered (it never does unless killed) must not leave the report waiting.
    this.worker.on('exit', (code) => this.failAll(new Error(`the worker formatting the JSON report's rows stopped (exit code ${code})`)));
  }

  format(request: Omit<StretchRequest, 'id'>): Promise<StretchLines> {
    const id = this.next++;
    const reply = new Promise<StretchLines>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
    // Not awaited when this thread's own stretch fails first: that failure is the one reported.
    reply.catch(() => {});
    this.worker.postMessage({ ...request, id }, [request.x.buffer as ArrayBuffer]);
    return reply;
  }

  private failAll(error: unknown): void {
    for (const w of this.waiting.values()) w.reject(error);
    this.waiting.clear();
  }

  close(): void {
    void this.worker.terminate();
  }
}
