/**
 * The fit as a picture: a Vega-Lite specification (plotSpec) and its SVG (renderSvg).
 *
 * Panels: the histogram of the data on the density scale with each weighted component
 * density π_k N(x; μ_k, σ²_k) and the mixture density p(x | θ) drawn over it; the
 * log-likelihood ℓ(t) and the ELBO by iteration; and, after a model search, the criterion
 * against K for each variance model, the chosen model marked.
 *
 * The data are binned here (bins.ts), so the specification holds at most MAX_BINS bars and a
 * few hundred curve points per component, whatever the number of rows: ten million rows give
 * the same small file as ten.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { Data } from '../models/family.js';
import type { Criterion } from '../select/criteria.js';
import type { Fit } from '../select/fit.js';
import { plural } from '../text.js';
import { structureName } from '../models/registry.js';
import { componentDensity, curveGrid, drawnMixture, histogram, mixtureDensity, plotRange, singleBinWidth } from './bins.js';

/** The parts of a fit that the pictures show; a Fit has them all. */
export type PlottedFit = Pick<Fit, 'labels' | 'structure' | 'spec' | 'theta' | 'trace'> & { floor: { resolution: number | null } };

/** One candidate of a model search: its K (the number of labels), structure and criteria. */
export type Candidate = Pick<Fit, 'labels' | 'structure' | Criterion>;

/** A structure's name in the pictures: "unequal" for a Gaussian alone, "gamma", "t, df each" among families. */
const seriesName = (c: Pick<Fit, 'structure'>, families: boolean): string => {
  const option = structureName(c.structure);
  if (!families) return option;
  return option === '' ? c.structure.family : `${c.structure.family}, ${option}`;
};

/** A model search (a Selection fits): the chosen candidate is `best`, compared by identity. */
export interface PlotSelection {
  best: Candidate;
  criterion: Criterion;
  candidates: readonly Candidate[];
}

export interface PlotInput {
  fit: PlottedFit;
  /** The data the fit was made on: values and frequency weights (null for none). */
  data: Data;
  /** The column's name: the title of the x axis. */
  varName: string;
  /** The model search; its panel is drawn when it compared two or more candidates. */
  selection?: PlotSelection | null;
}

/** One panel of the picture: a unit, layer or concatenated specification. */
type Panel = Extract<TopLevelSpec, { vconcat: unknown }>['vconcat'][number];

/** Points of each density curve across the picture (the component means are added). */
const CURVE_POINTS = 400;
/** Most trace entries drawn; longer traces are thinned evenly, keeping the last. */
const MAX_TRACE = 1000;
/** Components' colours (Tableau 10, Vega's default scheme), repeated past ten. */
const PALETTE = ['#4c78a8', '#f58518', '#e45756', '#72b7b2', '#54a24b', '#eeca3b', '#b279a2', '#ff9da6', '#9d755d', '#bab0ac'];
const MIXTURE_COLOUR = '#1a1a1a';
const BAR_COLOUR = '#cfd8e3';

/** The name of the mixture's curve in the legend: "mixture", unless a component has that label. */
function mixtureName(labels: readonly string[]): string {
  let name = 'mixture';
  while (labels.includes(name)) name += ' (total)';
  return name;
}

/** The histogram with the component and mixture densities over it. */
function densityPanel(input: PlotInput): Panel {
  const { fit, data, varName } = input;
  const { labels } = fit;
  const theta = drawnMixture(fit.spec, fit.theta);
  const k = labels.length;
  const hist = histogram(data, { resolution: fit.floor.resolution, singleWidth: singleBinWidth(theta) });
  const { lo, hi } = plotRange(hist, theta);
  const bars = Array.from(hist.density, (density, j) => ({ start: hist.start + j * hist.width, end: hist.start + (j + 1) * hist.width, density }));
  const mixture = mixtureName(labels);
  const grid = curveGrid(theta, lo, hi, CURVE_POINTS);
  const components: { x: number; density: number; curve: string }[] = [];
  const total: { x: number; density: number; curve: string }[] = [];
  for (let j = 0; j < k; j++) for (const x of grid) components.push({ x, density: componentDensity(theta, j, x), curve: labels[j] });
  for (const x of grid) total.push({ x, density: mixtureDensity(theta, x), curve: mixture });
  const xAxis = { type: 'quantitative' as const, title: varName, scale: { domain: [lo, hi], nice: false, zero: false } };
  const yAxis = { type: 'quantitative', title: 'density' } as const;
  // Colour and dash both by curve, under one title, so that the legend merges them and shows
  // the components dashed, as they are drawn.
  const names = [...labels, mixture];
  const colour = { field: 'curve', type: 'nominal' as const, title: 'density of', scale: { domain: names, range: [...labels.map((_, j) => PALETTE[j % PALETTE.length]), MIXTURE_COLOUR] } };
  const dash = { field: 'curve', type: 'nominal' as const, title: 'density of', scale: { domain: names, range: [...labels.map(() => [5, 3]), [1, 0]] } };
  return {
    title: fit.structure.family === 'gaussian' ? (k === 1 ? `${varName}: 1 component` : `${varName}: ${plural(k, 'component')}, ${fit.structure.variance} variances`) : `${varName}: ${plural(k, `${fit.structure.family} component`)}`,
    width: 680,
    height: 280,
    layer: [
      {
        data: { values: bars },
        mark: { type: 'rect', fill: BAR_COLOUR, stroke: 'white', strokeWidth: hist.density.length > 100 ? 0 : 0.5 },
        encoding: { x: { field: 'start', ...xAxis }, x2: { field: 'end' }, y: { field: 'density', ...yAxis }, y2: { datum: 0 } },
      },
      {
        data: { values: components },
        mark: { type: 'line', strokeWidth: 1.5 },
        encoding: { x: { field: 'x', ...xAxis }, y: { field: 'density', ...yAxis }, color: colour, strokeDash: dash },
      },
      {
        data: { values: total },
        mark: { type: 'line', strokeWidth: 2.5 },
        encoding: { x: { field: 'x', ...xAxis }, y: { field: 'density', ...yAxis }, color: colour, strokeDash: dash },
      },
    ],
  };
}

/** ℓ(t) and the ELBO by iteration; the ELBO is undefined at iteration 0 and left out there. */
function tracePanel(fit: PlottedFit): Panel {
  const stride = Math.ceil(fit.trace.length / MAX_TRACE);
  const kept = fit.trace.filter((_, i) => i % stride === 0 || i === fit.trace.length - 1);
  const values: { iteration: number; value: number; quantity: string }[] = [];
  for (const t of kept) {
    values.push({ iteration: t.iteration, value: t.loglik, quantity: 'log-likelihood' });
    if (t.elbo !== null) values.push({ iteration: t.iteration, value: t.elbo, quantity: 'ELBO' });
  }
  const quantities = ['log-likelihood', 'ELBO'];
  return {
    title: 'EM iterations',
    width: 250,
    height: 180,
    data: { values },
    mark: { type: 'line', point: kept.length <= 60 },
    encoding: {
      x: { field: 'iteration', type: 'quantitative', title: 'iteration', axis: { tickMinStep: 1, format: 'd' } },
      y: { field: 'value', type: 'quantitative', title: 'log-likelihood, ELBO', scale: { zero: false } },
      color: { field: 'quantity', type: 'nominal', title: null, scale: { domain: quantities, range: [MIXTURE_COLOUR, '#e45756'] }, legend: { symbolType: 'stroke' } },
      strokeDash: { field: 'quantity', type: 'nominal', title: null, scale: { domain: quantities, range: [[1, 0], [4, 2]] } },
    },
  };
}

/** The criterion against K, one line per variance model, the chosen model ringed and named. */
function selectionPanel(selection: PlotSelection): Panel {
  const { criterion } = selection;
  const families = new Set(selection.candidates.map((c) => c.structure.family)).size > 1 || selection.candidates.some((c) => c.structure.family !== 'gaussian');
  const row = (c: Candidate) => ({ k: c.labels.length, variance: seriesName(c, families), value: c[criterion] });
  const values = selection.candidates.map(row);
  const chosen = [row(selection.best)];
  const ks = values.map((v) => v.k);
  const x = {
    field: 'k',
    type: 'quantitative' as const,
    title: 'components K',
    scale: { domain: [ks.reduce((a, k) => Math.min(a, k), Infinity) - 0.5, ks.reduce((a, k) => Math.max(a, k), -Infinity) + 0.5], nice: false },
    axis: { tickMinStep: 1, format: 'd' },
  };
  // The padding leaves room under the chosen (lowest) model for its label.
  const y = { field: 'value', type: 'quantitative' as const, title: `${criterion.toUpperCase()} (lower is better)`, scale: { zero: false, padding: 28 } };
  return {
    title: 'Models compared',
    width: 250,
    height: 180,
    layer: [
      {
        data: { values },
        mark: { type: 'line', point: true },
        encoding: {
          x,
          y,
          color: families
            ? { field: 'variance', type: 'nominal', title: 'model', scale: { range: PALETTE } }
            : { field: 'variance', type: 'nominal', title: 'variances', scale: { domain: ['equal', 'unequal'], range: ['#4c78a8', '#f58518'] } },
        },
      },
      { data: { values: chosen }, mark: { type: 'point', shape: 'circle', size: 260, filled: false, strokeWidth: 2, color: MIXTURE_COLOUR }, encoding: { x, y } },
      { data: { values: chosen }, mark: { type: 'text', text: 'chosen', dy: 20, fontWeight: 'bold' }, encoding: { x, y } },
    ],
  };
}

/**
 * The Vega-Lite specification of the pictures: the density panel on top, the trace (and the
 * model search, when there was one) below. Every data value is inline and already reduced
 * (bins, curve points, trace), so the result is a standalone .vl.json file.
 */
export function plotSpec(input: PlotInput): TopLevelSpec {
  const { selection } = input;
  // No trace (a saved model scoring new data, in predict): the density panel alone.
  const lower = [...(input.fit.trace.length > 0 ? [tracePanel(input.fit)] : []), ...(selection && selection.candidates.length > 1 ? [selectionPanel(selection)] : [])];
  const independent = { scale: { color: 'independent', strokeDash: 'independent' }, legend: { color: 'independent', strokeDash: 'independent' } } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    config: { title: { anchor: 'start', fontSize: 14 }, axis: { titleFontSize: 12, labelFontSize: 11 }, legend: { titleFontSize: 12, labelFontSize: 11 } },
    spacing: 30,
    vconcat: [densityPanel(input), ...(lower.length > 0 ? [{ hconcat: lower, spacing: 40, resolve: independent }] : [])],
    resolve: independent,
  };
}

/**
 * The SVG of a Vega-Lite specification, rendered in Node: compiled to Vega, parsed and run
 * headless (renderer 'none': no DOM, no canvas; text widths are estimated).
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
