/**
 * Runs a family through the EM loop of src/em/em.ts the way a fit does: the family from its
 * spec by the registry's makeFamily (the one adapter from a ComponentFamily to the loop's
 * Family that the CLI, the search and the worker threads use), θ(0) from the registry's
 * M-step on the partition. Single-threaded: one serial runner over all the rows.
 */
import { drain, type EmOptions, type EmRun, emSteps } from '../../src/em/em.js';
import { serialRunner } from '../../src/em/chunks.js';
import type { Data, MixtureParams } from '../../src/models/family.js';
import { type FamilySpec, makeFamily, startFromPartition } from '../../src/models/registry.js';

export interface FamilyFit<P> extends EmRun<P> {
  /** θ(0): the M-step on the partition. */
  start: P;
  /** The components the family's bounds held at the start. */
  floored: Uint8Array;
}

/** EM from the M-step on a hard partition (labels 0..K−1) for the family of `spec`, through src/em/em.ts. */
export function fitFromPartition(spec: FamilySpec, data: Data, labels: Int32Array, options: EmOptions): FamilyFit<MixtureParams> {
  const { theta: start, floored } = startFromPartition(spec, data, labels);
  const family = makeFamily(spec, data);
  const run = drain(emSteps(family, serialRunner(family, data), start, options));
  return { ...run, start, floored };
}

/** θ as plain arrays, keyed by parameter name. */
export const plain = (theta: MixtureParams): Record<string, number[]> => Object.fromEntries(Object.entries(theta).map(([k, v]) => [k, [...(v as Float64Array)]]));
