/**
 * Fitted models as files: `--save-model` writes one, `predict` and `--init-model` read it.
 *
 * The file is JSON with a format name and a version. Reading checks every field, so a file
 * that was edited by hand, truncated, or written by a newer em-fit is refused with a
 * message that says which, never half-used.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { inputError } from '../errors.js';
import { fileProblem } from './files.js';
import type { GaussianMixture, VarianceModel } from '../models/gaussian.js';
import { quote } from '../text.js';

export const MODEL_FORMAT = 'em-fit-model';
export const MODEL_VERSION = 1;

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
  try {
    writeFileSync(path, `${JSON.stringify(model, null, 2)}\n`);
  } catch (error) {
    throw inputError(`cannot write the model file ${path}: ${fileProblem((error as NodeJS.ErrnoException).code, String(error))}`);
  }
}

/** Reads and checks a model file; throws an input error (exit 3) that says what is wrong. */
export function readModel(path: string): ModelFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw inputError(`${path}: ${fileProblem((error as NodeJS.ErrnoException).code, String(error))} (the model file)`);
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
  if (typeof m.variance_floor !== 'number' || !(m.variance_floor > 0) || !Number.isFinite(m.variance_floor)) return bad('"variance_floor" is not a positive number');
  if (!Array.isArray(m.components) || m.components.length === 0) return bad('"components" is not a non-empty list');
  let total = 0;
  const components = m.components.map((c: unknown, i: number): ModelComponent => {
    const o = (typeof c === 'object' && c !== null ? c : {}) as Record<string, unknown>;
    const where = `component ${i + 1}`;
    if (typeof o.label !== 'string') return bad(`${where} has no string "label"`);
    for (const key of ['weight', 'mean', 'variance'] as const) {
      if (typeof o[key] !== 'number' || !Number.isFinite(o[key])) return bad(`${where} has no finite "${key}"`);
    }
    if ((o.weight as number) < 0) return bad(`${where} has a negative weight`);
    if (!((o.variance as number) > 0)) return bad(`${where} has a variance that is not positive`);
    total += o.weight as number;
    return { label: o.label, weight: o.weight as number, mean: o.mean as number, variance: o.variance as number };
  });
  if (Math.abs(total - 1) > 1e-9) return bad(`the weights add up to ${total}, not 1`);
  if (new Set(components.map((c) => c.label)).size !== components.length) return bad('two components have the same label');
  return {
    format: MODEL_FORMAT,
    version: m.version,
    family: 'gaussian',
    variance: m.variance,
    column: m.column,
    variance_floor: m.variance_floor,
    resolution: typeof m.resolution === 'number' ? m.resolution : null,
    components,
    fit: typeof m.fit === 'object' && m.fit !== null ? (m.fit as Record<string, unknown>) : {},
    created_by: typeof m.created_by === 'string' ? m.created_by : '',
  };
}
