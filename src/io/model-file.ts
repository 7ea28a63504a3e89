/**
 * Fitted models as files: `--save-model` writes one, `predict` and `--init-model` read it.
 *
 * The file is JSON whose `format` names the kind and version, "em-fit.model/2", as the JSON
 * reports name theirs (schemas/model.schema.json). Version 2 (this em-fit writes it) holds
 * any family: `family`, its options (`variance_model` for the Gaussian, `df_model` for the t), the
 * bounds' inputs (`resolution`, `variance_floor`, `largest`) and per component the label,
 * the weight and the family's parameters under R's names (with the component's `mean` and
 * `variance` for the record where they exist). Files of the earlier form, `"format":
 * "em-fit-model"` with a `version` (1: Gaussian only; 2) and the options under `variance` and
 * `df`, still read. Reading checks every field and every
 * invariant a saved model has (finite numbers, weights that add up to 1, variances at or above
 * the floor and all equal under the equal model, a floor and resolution that doubles hold,
 * distinct labels, at most MAX_MODEL_COMPONENTS components), so a file that was edited by
 * hand, truncated, or written by a newer em-fit is refused with a message that says which,
 * never half-used.
 *
 * A multivariate Gaussian model (family "mvgaussian", several --var columns) holds its
 * `covariance_model`, its `columns` in order (instead of `column`), each column's
 * `variance_floors` (`variance_floor` is the smallest), and per component the label,
 * the weight, the `mean` vector and the `covariance` matrix (d rows of d); reading checks the
 * shapes, symmetry and positive definiteness. It is read with a size limit: a model file is small, and a name such as
 * /dev/zero must not make em-fit read without end.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { TextDecoder } from 'node:util';
import { inputError } from '../errors.js';
import { fileProblem } from './files.js';
import { writeFileAtomic } from './output-file.js';
import { MAX_FLOOR, MIN_FLOOR } from '../models/floor.js';
import { type AnyFamilyName, describe, FAMILY_NAMES, type FamilyName, familySpec, mvFromParameters, type Structure } from '../models/registry.js';
import { isCovarianceModel } from '../models/mvgaussian/models.js';
import type { Model } from '../report/rows.js';
import { quote, short } from '../text.js';

/** The kind of document a model file is, and the version this em-fit writes: `format` is "em-fit.model/2". */
export const MODEL_KIND = 'em-fit.model';
export const MODEL_VERSION = 2;
export const MODEL_FORMAT = `${MODEL_KIND}/${MODEL_VERSION}`;

/** The format name of model files before version 2's names, with the version in its own key. */
const LEGACY_FORMAT = 'em-fit-model';

/** Largest model file read, in bytes: 1,000 components take about 150 KB. */
export const MAX_MODEL_BYTES = 4 << 20;

/** Most components a model file may have (as many as a fit may: see cli/limits.ts). */
export const MAX_MODEL_COMPONENTS = 1000;

export interface ModelComponent {
  label: string;
  weight: number;
  /** The family's parameters by name (the Gaussian's: mean, variance); empty for d columns. */
  parameters: Record<string, number>;
  /** d columns: μ_k (d) and Σ_k (d rows of d). */
  vector?: { mean: number[]; covariance: number[][] };
}

/** A model file as read (any version) or about to be written. */
export interface ModelFile {
  family: AnyFamilyName;
  structure: Structure;
  /** The column the model was fitted to: predict's default --var (d columns: their names joined by commas). */
  column: string;
  /** d columns: their names in order, and each one's variance floor. */
  columns?: string[];
  variance_floors?: number[];
  variance_floor: number;
  resolution: number | null;
  /** The largest |x| of the data fitted, which bounds some families' parameters; null in version 1. */
  largest: number | null;
  components: ModelComponent[];
  /** How the model was fitted: for the record, not used when reading. */
  fit: Record<string, unknown>;
  created_by: string;
}

/** The fitted model a file holds: its family rebuilt with the file's bounds, and its parameters. */
export function fileModel(model: ModelFile): Model {
  const k = model.components.length;
  const resolution = model.resolution ?? Math.sqrt(12 * model.variance_floor);
  const largest = model.largest ?? 0;
  if (model.structure.family === 'mvgaussian') {
    const floors = model.variance_floors as number[];
    const spec = familySpec(model.structure, k, { floor: model.variance_floor, resolution, largest, floors });
    const theta = mvFromParameters(floors.length, model.components.map((c) => c.weight), model.components.map((c) => c.vector as { mean: number[]; covariance: number[][] }));
    if (theta === null) throw new RangeError('a covariance of the model is not positive definite');
    return { spec, theta };
  }
  const spec = familySpec(model.structure, k, { floor: model.variance_floor, resolution, largest });
  const theta = describe(spec).fromParameters(
    model.components.map((c) => c.weight),
    model.components.map((c) => c.parameters),
  );
  return { spec, theta };
}

/** The file's JSON: version 2, the family's options and the components' parameters by name. */
export function modelJson(model: ModelFile, moments: { mean: number; variance: number }[]): Record<string, unknown> {
  const s = model.structure;
  return {
    format: MODEL_FORMAT,
    family: model.family,
    ...(s.family === 'gaussian' ? { variance_model: s.variance } : {}),
    ...(s.family === 't' ? { df_model: s.df } : {}),
    ...(s.family === 'mvgaussian' ? { covariance_model: s.model, columns: model.columns, variance_floors: model.variance_floors } : { column: model.column }),
    variance_floor: model.variance_floor,
    resolution: model.resolution,
    largest: model.largest,
    components: model.components.map((c, k) => ({
      label: c.label,
      weight: c.weight,
      ...c.parameters,
      ...(c.vector ?? {}),
      // The component's moments, for the record (the Gaussian's are its parameters).
      ...(s.family === 'gaussian' || s.family === 'mvgaussian' ? {} : finiteOrNull(moments[k])),
    })),
    fit: model.fit,
    created_by: model.created_by,
  };
}

const finiteOrNull = (m: { mean: number; variance: number }) => ({ mean: Number.isFinite(m.mean) ? m.mean : null, variance: Number.isFinite(m.variance) ? m.variance : null });

export function writeModel(path: string, model: ModelFile, moments: { mean: number; variance: number }[]): void {
  writeFileAtomic(path, `${JSON.stringify(modelJson(model, moments), null, 2)}\n`, 'the model file');
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
  const version = formatVersion(m, bad, path);
  const legacy = m.format === LEGACY_FORMAT;
  const family = version === 1 && m.family === undefined ? 'gaussian' : m.family;
  if (family === 'mvgaussian' && !legacy) return readMvModel(m, bad);
  if (!FAMILY_NAMES.includes(family as FamilyName)) return bad(`unknown component family ${quote(String(m.family))}`);
  const structure = structureOf(family as FamilyName, legacy ? { variance: m.variance, df: m.df } : { variance: m.variance_model, df: m.df_model }, legacy ? '' : '_model', bad);
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
  const largest = m.largest ?? null;
  if (largest !== null && (typeof largest !== 'number' || !(largest >= 0) || !Number.isFinite(largest))) return bad('"largest" is neither null nor a finite number ≥ 0');
  const names = describe(familySpec(structure, 1, { floor, resolution: 1, largest: 1 })).parameterNames;
  let total = 0;
  const components = eachComponent(m, bad, (o, where, label): ModelComponent => {
    for (const key of ['weight', ...names]) {
      if (typeof o[key] !== 'number' || !Number.isFinite(o[key])) return bad(`${where} has no finite "${key}"`);
    }
    const weight = o.weight as number;
    if (weight < 0 || weight > 1) return bad(`${where} has a weight outside [0, 1]`);
    const parameters: Record<string, number> = {};
    for (const key of names) {
      const v = o[key] as number;
      // Locations may be anything; every other parameter (a variance, rate, scale, shape, df) is positive.
      if (!LOCATIONS.has(key) && !(v > 0)) return bad(`${where} has the ${key} ${short(v)}, not positive`);
      parameters[key] = v;
    }
    if (structure.family === 'gaussian') {
      const variance = parameters.variance;
      // em-fit holds every variance at or above the floor; a smaller one was edited in.
      if (variance < floor && !close(variance, floor)) return bad(`${where} has the variance ${short(variance)}, below the file's variance floor ${short(floor)}`);
      if (variance > MAX_FLOOR) return bad(`${where} has the variance ${short(variance)}, above ${short(MAX_FLOOR)}`);
    }
    total += weight;
    return { label, weight, parameters };
  });
  if (Math.abs(total - 1) > 1e-9) return bad(`the weights add up to ${total}, not 1`);
  if (structure.family === 'gaussian' && structure.variance === 'equal' && components.some((c) => !close(c.parameters.variance, components[0].parameters.variance))) {
    return bad(`"${legacy ? 'variance' : 'variance_model'}" is "equal" but the components have different variances`);
  }
  return {
    family: family as FamilyName,
    structure,
    column: m.column,
    variance_floor: floor,
    resolution,
    largest,
    components,
    fit: typeof m.fit === 'object' && m.fit !== null ? (m.fit as Record<string, unknown>) : {},
    created_by: typeof m.created_by === 'string' ? m.created_by : '',
  };
}

/**
 * The file's components, each checked by `read` after the checks every family shares: a
 * non-empty list of at most MAX_MODEL_COMPONENTS objects with distinct string labels.
 */
function eachComponent(m: Record<string, unknown>, bad: (what: string) => never, read: (o: Record<string, unknown>, where: string, label: string) => ModelComponent): ModelComponent[] {
  if (!Array.isArray(m.components) || m.components.length === 0) return bad('"components" is not a non-empty list');
  if (m.components.length > MAX_MODEL_COMPONENTS) return bad(`${m.components.length} components, more than the ${MAX_MODEL_COMPONENTS} em-fit fits`);
  const labels = new Set<string>();
  return m.components.map((c: unknown, i: number): ModelComponent => {
    const o = (typeof c === 'object' && c !== null ? c : {}) as Record<string, unknown>;
    const where = `component ${i + 1}`;
    if (typeof o.label !== 'string') return bad(`${where} has no string "label"`);
    if (labels.has(o.label)) return bad(`two components have the label ${quote(o.label)}`);
    labels.add(o.label);
    return read(o, where, o.label);
  });
}

/** The fields of a d-column model (see the module comment), checked. */
function readMvModel(m: Record<string, unknown>, bad: (what: string) => never): ModelFile {
  const model = m.covariance_model;
  if (typeof model !== 'string' || !isCovarianceModel(model)) return bad('"covariance_model" is not one of the fourteen covariance models');
  const columns = m.columns;
  if (!Array.isArray(columns) || columns.length < 2 || !columns.every((c) => typeof c === 'string')) return bad('"columns" is not a list of at least two column names');
  const d = columns.length;
  const floors = m.variance_floors;
  if (!Array.isArray(floors) || floors.length !== d || !floors.every((f) => typeof f === 'number' && f >= MIN_FLOOR && f <= MAX_FLOOR)) {
    return bad(`"variance_floors" is not a list of ${d} numbers between ${short(MIN_FLOOR)} and ${short(MAX_FLOOR)}`);
  }
  const largest = m.largest ?? null;
  if (largest !== null && (typeof largest !== 'number' || !(largest >= 0) || !Number.isFinite(largest))) return bad('"largest" is neither null nor a finite number ≥ 0');
  const finiteList = (v: unknown, n: number): v is number[] => Array.isArray(v) && v.length === n && v.every((x) => typeof x === 'number' && Number.isFinite(x));
  let total = 0;
  const components = eachComponent(m, bad, (o, where, label): ModelComponent => {
    if (typeof o.weight !== 'number' || !(o.weight >= 0 && o.weight <= 1)) return bad(`${where} has no "weight" in [0, 1]`);
    if (!finiteList(o.mean, d)) return bad(`${where} has no "mean" of ${d} finite numbers`);
    const covariance = o.covariance;
    if (!Array.isArray(covariance) || covariance.length !== d || !covariance.every((row) => finiteList(row, d))) return bad(`${where} has no "covariance" of ${d} rows of ${d} finite numbers`);
    const rows = covariance as number[][];
    if (rows.some((row, p) => row.some((v, q) => !close(v, rows[q][p]) && v !== rows[q][p]))) return bad(`${where} has a "covariance" that is not symmetric`);
    total += o.weight;
    return { label, weight: o.weight, parameters: {}, vector: { mean: o.mean, covariance: rows } };
  });
  if (Math.abs(total - 1) > 1e-9) return bad(`the weights add up to ${total}, not 1`);
  const vectors = components.map((c) => c.vector as { mean: number[]; covariance: number[][] });
  if (mvFromParameters(d, components.map((c) => c.weight), vectors) === null) return bad('a "covariance" is not positive definite');
  const smallest = Math.min(...(floors as number[]));
  return {
    family: 'mvgaussian',
    structure: { family: 'mvgaussian', model },
    column: columns.join(','),
    columns: columns as string[],
    variance_floors: floors as number[],
    variance_floor: smallest,
    resolution: null,
    largest,
    components,
    fit: typeof m.fit === 'object' && m.fit !== null ? (m.fit as Record<string, unknown>) : {},
    created_by: typeof m.created_by === 'string' ? m.created_by : '',
  };
}

/** Parameters that are locations, free in sign; the others must be positive. */
const LOCATIONS = new Set(['mean', 'location', 'meanlog']);

/**
 * The version of a model file: N of `"format": "em-fit.model/N"`, or of the earlier
 * `"format": "em-fit-model", "version": N`. Throws for another format or a newer version.
 */
function formatVersion(m: Record<string, unknown>, bad: (what: string) => never, path: string): number {
  let version: unknown;
  if (m.format === LEGACY_FORMAT) {
    version = m.version;
    if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) return bad('"version" is not a whole number ≥ 1');
  } else {
    const match = typeof m.format === 'string' ? /^em-fit\.model\/([1-9]\d*)$/.exec(m.format) : null;
    if (match === null) return bad(`"format" is ${quote(String(m.format))}, not "${MODEL_FORMAT}"`);
    version = Number(match[1]);
  }
  if ((version as number) > MODEL_VERSION) {
    throw inputError(`${path} is a model file of version ${version}, newer than this em-fit reads (version ${MODEL_VERSION}); upgrade em-fit`);
  }
  return version as number;
}

/** The family's options from the file: the Gaussian's variance model, the t's df (under `variance` and `df` in the earlier form, `suffix` ''). */
function structureOf(family: FamilyName, m: { variance: unknown; df: unknown }, suffix: string, bad: (what: string) => never): Structure {
  if (family === 'gaussian') {
    if (m.variance !== 'equal' && m.variance !== 'unequal') return bad(`"variance${suffix}" is neither "equal" nor "unequal"`);
    return { family, variance: m.variance };
  }
  if (family === 't') {
    const df = m.df;
    if (df !== 'each' && df !== 'shared' && !(typeof df === 'number' && df > 0 && Number.isFinite(df))) return bad(`"df${suffix}" is neither "each", "shared" nor a positive number`);
    return { family, df };
  }
  return { family };
}
