/**
 * Per-row quantities of a fitted model, computed on the fly in blocks so that no n × K
 * array is ever held: responsibilities r_ik at the final θ, the most likely component and
 * the row's number in the input.
 */
import type { MixtureParams } from '../models/family.js';
import { densitySpec, dimensionOf, type FamilySpec, makeFamily } from '../models/registry.js';

/** Rows per block. */
const BLOCK = 4096;

/**
 * A fitted model as everything after the fit sees it (reports, model files, predict): the
 * family as built, with its K and options, and the parameters. A Fit is one.
 */
export interface Model {
  spec: FamilySpec;
  theta: MixtureParams;
}

/** The rows a report lists: the model that scores them and where they came from. */
export interface RowSet {
  model: Model;
  /** Component labels, in component order. */
  labels: string[];
  /** The values of the rows in use, shape (n, d) row-major (d from the model's spec). */
  x: Float64Array;
  /** Sorted 0-based indices of the data records skipped for missing values. */
  skippedRecords: Int32Array;
  /** The 0-based data record of each row, when the rows are not all the file's (--by). */
  recordIndex?: Int32Array;
  /** Also list each row's log-density log p(x_i | θ) (for predict). */
  logDensity: boolean;
}

export interface RowBlock {
  start: number;
  end: number;
  /** r[(i − start)·K + k] = r_ik. */
  r: Float64Array;
  /** log p(x_i | θ) for i in [start, end). */
  logDensity: Float64Array;
}

/** Responsibilities and log-densities of rows [from, limit) of x under the model, a block of rows at a time. */
export function* rowBlocks(model: Model, x: Float64Array, limit = x.length / dimensionOf(model.spec), from = 0): Generator<RowBlock> {
  const k = model.theta.weight.length;
  // The density's responsibilities, also for a fit to coarsened data (as mclust gives them).
  const family = makeFamily(densitySpec(model.spec));
  // Blocks of at most BLOCK rows, no larger than the data (a batch writes many small files).
  const block = Math.max(1, Math.min(BLOCK, limit - from));
  const r = new Float64Array(block * k);
  const logDensity = new Float64Array(block);
  for (let start = from; start < limit; start += block) {
    const end = Math.min(limit, start + block);
    family.posterior(x, model.theta, start, end, r, logDensity);
    yield { start, end, r, logDensity };
  }
}

/** n, the rows of a row set. */
export const rowsIn = (rows: Pick<RowSet, 'x' | 'model'>): number => rows.x.length / dimensionOf(rows.model.spec);

/** Row i's values as written in reports: the value, or d values separated by spaces. */
export function rowText(rows: Pick<RowSet, 'x' | 'model'>, i: number): string {
  const d = dimensionOf(rows.model.spec);
  return d === 1 ? String(rows.x[i]) : Array.from(rows.x.subarray(i * d, (i + 1) * d), String).join(' ');
}

/** Index of the largest of r[offset .. offset + k), the first one on ties. */
export function argmax(r: Float64Array, offset: number, k: number): number {
  let best = 0;
  for (let j = 1; j < k; j++) if (r[offset + j] > r[offset + best]) best = j;
  return best;
}

/**
 * Σ_i w_i log max_k r_ik: the log-likelihood of the MAP classification's labels given the data
 * (≤ 0), which mclust's form of ICL adds to BIC (see iclMclust in select/criteria.ts).
 */
export function mapLoglik(model: Model, x: Float64Array, w: Float64Array | null): number {
  const k = model.theta.weight.length;
  // The density's responsibilities (also for a fit to coarsened data), from its kernel when it has one.
  const family = makeFamily(densitySpec(model.spec));
  if (family.mapLoglik !== undefined) return family.mapLoglik({ x, w }, model.theta, 0, x.length / dimensionOf(model.spec));
  let sum = 0;
  for (const block of rowBlocks(model, x)) {
    for (let i = block.start; i < block.end; i++) {
      const r = block.r[(i - block.start) * k + argmax(block.r, (i - block.start) * k, k)];
      sum += (w === null ? 1 : w[i]) * Math.log(r);
    }
  }
  return sum;
}

/**
 * 1-based record numbers of the rows of a RowSet, visited in order: from recordIndex when
 * given, else from the sorted 0-based indices of the skipped records, with a cursor.
 */
export function recordNumbers(rows: Pick<RowSet, 'skippedRecords' | 'recordIndex'>): (row: number) => number {
  const { skippedRecords, recordIndex } = rows;
  if (recordIndex !== undefined) return (row) => recordIndex[row] + 1;
  let cursor = 0;
  return (row) => {
    // Record of used row `row` is row + (skipped records before it); advance past those.
    while (cursor < skippedRecords.length && skippedRecords[cursor] <= row + cursor) cursor++;
    return row + cursor + 1;
  };
}

/**
 * The first row whose log-density under the model is not a finite number, or −1: a value so
 * far from every component that its density is 0 in double precision (log-density −∞).
 */
export function firstUnscored(model: Model, x: Float64Array): number {
  for (const block of rowBlocks(model, x)) {
    for (let i = block.start; i < block.end; i++) if (!Number.isFinite(block.logDensity[i - block.start])) return i;
  }
  return -1;
}
