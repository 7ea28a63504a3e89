/**
 * The data sets of test/models/families/fixtures/anchors.json (written by anchors.R beside
 * it) and one family of src/models/families for each, with the bounds a fit would derive
 * from the data's resolution (4 decimals): as a ComponentFamily built directly (`make`, for
 * the tests of a family's own parts), and as the spec a fit builds it from (`spec`, the
 * registry's familySpec of the case's structure, for runs through the engine).
 */
import { readFileSync } from 'node:fs';
import type { ComponentFamily, Data, MixtureParams } from '../../src/models/families/component.js';
import { exponentialFamily, rateBound } from '../../src/models/families/exponential.js';
import { gammaFamily, shapeBound } from '../../src/models/families/gamma.js';
import { lognormalFamily, sdlogBound } from '../../src/models/families/lognormal.js';
import { poissonFamily } from '../../src/models/families/poisson.js';
import { type DfModel, tFamily } from '../../src/models/families/t.js';
import { weibullFamily, weibullShapeBound } from '../../src/models/families/weibull.js';
import { type FamilySpec, familySpec, type Structure } from '../../src/models/registry.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const anchors: any = JSON.parse(readFileSync(new URL('../models/families/fixtures/anchors.json', import.meta.url), 'utf8'));

export const RESOLUTION = 1e-4;

export interface Case {
  name: string;
  x: number[];
  labels: number[];
  /** The family and its options, as a fit's candidate names them. */
  structure: Structure;
  make: (k: number) => ComponentFamily<MixtureParams>;
  /** The spec a fit of K components to x builds (bounds from δ = RESOLUTION and the largest |x|). */
  spec: (k: number) => FamilySpec;
}

const largest = (x: number[]): number => Math.max(...x.map(Math.abs));

/** Hasselblad's data as 1,096 rows. */
export const deathsExpanded: number[] = (anchors.poisson.data.deaths as number[]).flatMap((d, i) => Array(anchors.poisson.data.days[i]).fill(d));

export function tMaker(df: DfModel): (k: number) => ComponentFamily<MixtureParams> {
  return (k) => tFamily({ k, df, scaleFloor: RESOLUTION / Math.sqrt(12) }) as unknown as ComponentFamily<MixtureParams>;
}

/** The spec familySpec gives `structure` with K components for data x of resolution RESOLUTION. */
export const specFor =
  (structure: Structure, x: number[]) =>
  (k: number): FamilySpec =>
    familySpec(structure, k, { floor: RESOLUTION ** 2 / 12, resolution: RESOLUTION, largest: largest(x) });

const withSpec = (c: Omit<Case, 'spec'>): Case => ({ ...c, spec: specFor(c.structure, c.x) });

const families: Omit<Case, 'spec'>[] = [
  { name: 'poisson', x: deathsExpanded, labels: anchors.poisson.labels, structure: { family: 'poisson' }, make: (k) => poissonFamily({ k }) as unknown as ComponentFamily<MixtureParams> },
  {
    name: 'exponential',
    x: anchors.exponential.x,
    labels: anchors.exponential.labels,
    structure: { family: 'exponential' },
    make: (k) => exponentialFamily({ k, maxRate: rateBound(RESOLUTION) }) as unknown as ComponentFamily<MixtureParams>,
  },
  {
    name: 'lognormal',
    x: anchors.lognormal.x,
    labels: anchors.lognormal.labels,
    structure: { family: 'lognormal' },
    make: (k) => lognormalFamily({ k, sdlogFloor: sdlogBound(RESOLUTION, largest(anchors.lognormal.x)) }) as unknown as ComponentFamily<MixtureParams>,
  },
  {
    name: 'gamma',
    x: anchors.gamma.x,
    labels: anchors.gamma.labels,
    structure: { family: 'gamma' },
    make: (k) => gammaFamily({ k, maxShape: shapeBound(RESOLUTION, largest(anchors.gamma.x)) }) as unknown as ComponentFamily<MixtureParams>,
  },
  {
    name: 'weibull',
    x: anchors.weibull.x,
    labels: anchors.weibull.labels,
    structure: { family: 'weibull' },
    make: (k) => weibullFamily({ k, maxShape: weibullShapeBound(RESOLUTION, largest(anchors.weibull.x)) }) as unknown as ComponentFamily<MixtureParams>,
  },
  { name: 't', x: anchors.t.x, labels: anchors.t.labels, structure: { family: 't', df: 'each' }, make: tMaker('each') },
  { name: 't shared', x: anchors.t.x, labels: anchors.t.labels, structure: { family: 't', df: 'shared' }, make: tMaker('shared') },
];

export const cases: Case[] = families.map(withSpec);

export const dataOf = (x: number[], w?: number[]): Data => ({ x: Float64Array.from(x), w: w === undefined ? null : Float64Array.from(w) });
