/**
 * Fitted models as files: `--save-model` writes one, `predict` and `--init-model` read it.
 *
 * The file is JSON with a format name and a version. Reading checks every field and every
 * invariant a saved model has (finite numbers, weights that add up to 1, variances at or above
 * the floor and all equal under the equal model, a floor and resolution that doubles hold,
 * distinct labels, at most MAX_MODEL_COMPONENTS components), so a file that was edited by
 * hand, truncated, or written by a newer em-fit is refused with a message that says which,
 * never half-used. It is read with a size limit: a model file is small, and a name such as
 * /dev/zero must not make em-fit read without end.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { TextDecoder } from 'node:util';
import { inputError } from '../errors.js';
import { fileProblem } from './files.js';
import { writeFileAtomic } from './output-file.js';
import { MAX_FLOOR, MIN_FLOOR } from '../models/floor.js';
import type { GaussianMixture, VarianceModel } from '../models/gaussian.js';
import { quote, short } from '../text.js';

export const MODEL_FORMAT = 'em-fit-model';
export const MODEL_VERSION = 1;

/** Largest model file read, in bytes: 1,000 components take about 150 KB. */
export const MAX_MODEL_BYTES = 4 << 20;

/** Most components a model file may have (as many as a fit may: see cli/limits.ts). */
export const MAX_MODEL_COMPONENTS = 1000;

export interface ModelComponent {
  label: string;
  weight: number;
  mean: number;
  variance: number;
}

export interface ModelFile {
  format: typeof MODEL_FORMAT;
  version: number;
  family: 'gaussian';
  variance: VarianceModel;
  /** The column the model was fitted to: predict's default --var. */
  column: string;
  variance_floor: number;
  resolution: number | null;
  components: ModelComponent[];
  /** How the model was fitted: for the record, not used when reading. */
  fit: Record<string, unknown>;
  created_by: string;
}

/** The model's parameters, in component order. */
export function modelParameters(model: ModelFile): GaussianMixture {
  return {
    weight: Float64Array.from(model.components, (c) => c.weight),
    mean: Float64Array.from(model.components, (c) => c.mean),
    variance: Float64Array.from(model.components, (c) => c.variance),
  };
}

export function writeModel(path: string, model: ModelFile): void {
  writeFileAtomic(path, `${JSON.stringify(model, null, 2)}\n`, 'the model file');
}

/** The file's bytes, at most MAX_MODEL_BYTES; throws an input error for a larger file or stream. */
function readBounded(path: string): Buffer {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw inputError(`${path}: ${fileProblem((error as NodeJS.ErrnoException).code, String(error))} (the model file)`);
  }
  const tooLarge = (): never => {
    throw inputError(`${path} is larger than ${MAX_MODEL_BYTES >> 20} MB, so not an em-fit model file (they take about 150 bytes per component)`);
  };
  try {
    const stats = fstatSync(fd);
    if (stats.isDirectory()) throw inputError(`${path} is a directory, not a model file`);
    if (stats.isFile() && stats.size > MAX_MODEL_BYTES) tooLarge();
    // A device or a pipe has no size: read at most one byte more than the limit.
    const buffer = Buffer.alloc(Math.min(MAX_MODEL_BYTES + 1, stats.isFile() ? stats.size + 1 : MAX_MODEL_BYTES + 1));
    let length = 0;
    for (;;) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
      if (length > MAX_MODEL_BYTES) tooLarge();
      if (length === buffer.length) break;
    }
    return buffer.subarray(0, length);
  } catch (error) {
    if ((error as { name?: string }).name === 'EmFitError') throw error;
    throw inputError(`${path}: ${fileProblem((error as NodeJS.ErrnoException).code, String(error))} (the model file)`);
  } finally {
    closeSync(fd);
  }
}

/** Two numbers equal to within rounding (a relative 1e-12). */
const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b));

/** Reads and checks a model file; throws an input error (exit 3) that says what is wrong. */
export function readModel(path: string): ModelFile {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(readBounded(path));
  } catch (error) {
    if ((error as { name?: string }).name === 'EmFitError') throw error;
    throw inputError(`${path} is not UTF-8 text, so not an em-fit model file`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw inputError(`${path} is not JSON, so not an em-fit model file`);
  }
  const bad = (what: string): never => {
    throw inputError(`${path}: ${what}; is it a model written by em-fit --save-model?`);
  };
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return bad('not a JSON object');
  const m = data as Record<string, unknown>;
  if (m.format !== MODEL_FORMAT) return bad(`"format" is ${quote(String(m.format))}, not "${MODEL_FORMAT}"`);
  if (typeof m.version !== 'number' || !Number.isInteger(m.version) || m.version < 1) return bad('"version" is not a whole number ≥ 1');
  if (m.version > MODEL_VERSION) {
    throw inputError(`${path} is a model file of version ${m.version}, newer than this em-fit reads (version ${MODEL_VERSION}); upgrade em-fit`);
  }
  if (m.family !== 'gaussian') return bad(`unknown component family ${quote(String(m.family))}`);
  if (m.variance !== 'equal' && m.variance !== 'unequal') return bad('"variance" is neither "equal" nor "unequal"');
  if (typeof m.column !== 'string') return bad('"column" is not a string');
  const floor = m.variance_floor;
  if (typeof floor !== 'number' || !(floor >= MIN_FLOOR && floor <= MAX_FLOOR)) {
    return bad(`"variance_floor" is not a number between ${short(MIN_FLOOR)} and ${short(MAX_FLOOR)}`);
  }
  const resolution = m.resolution ?? null;
  if (resolution !== null) {
    if (typeof resolution !== 'number' || !(resolution > 0) || !Number.isFinite(resolution)) return bad('"resolution" is neither null nor a positive number');
    if (!close((resolution * resolution) / 12, floor)) return bad(`"variance_floor" ${short(floor)} is not resolution²/12 = ${short((resolution * resolution) / 12)}`);
  }
  if (!Array.isArray(m.components) || m.components.length === 0) return bad('"components" is not a non-empty list');
  if (m.components.length > MAX_MODEL_COMPONENTS) return bad(`${m.components.length} components, more than the ${MAX_MODEL_COMPONENTS} em-fit fits`);
  let total = 0;
  const labels = new Set<string>();
  const components = m.components.map((c: unknown, i: number): ModelComponent => {
    const o = (typeof c === 'object' && c !== null ? c : {}) as Record<string, unknown>;
    const where = `component ${i + 1}`;
    if (typeof o.label !== 'string') return bad(`${where} has no string "label"`);
    if (labels.has(o.label)) return bad(`two components have the label ${quote(o.label)}`);
    labels.add(o.label);
    for (const key of ['weight', 'mean', 'variance'] as const) {
      if (typeof o[key] !== 'number' || !Number.isFinite(o[key])) return bad(`${where} has no finite "${key}"`);
    }
    const weight = o.weight as number;
    const variance = o.variance as number;
    if (weight < 0 || weight > 1) return bad(`${where} has a weight outside [0, 1]`);
    // em-fit holds every variance at or above the floor; a smaller one was edited in.
    if (variance < floor && !close(variance, floor)) return bad(`${where} has the variance ${short(variance)}, below the file's variance floor ${short(floor)}`);
    if (variance > MAX_FLOOR) return bad(`${where} has the variance ${short(variance)}, above ${short(MAX_FLOOR)}`);
    total += weight;
    return { label: o.label, weight, mean: o.mean as number, variance };
  });
  if (Math.abs(total - 1) > 1e-9) return bad(`the weights add up to ${total}, not 1`);
  if (m.variance === 'equal' && components.some((c) => !close(c.variance, components[0].variance))) {
    return bad('"variance" is "equal" but the components have different variances');
  }
  return {
    format: MODEL_FORMAT,
    version: m.version,
    family: 'gaussian',
    variance: m.variance,
    column: m.column,
    variance_floor: floor,
    resolution,
    components,
    fit: typeof m.fit === 'object' && m.fit !== null ? (m.fit as Record<string, unknown>) : {},
    created_by: typeof m.created_by === 'string' ? m.created_by : '',
  };
}
