/**
 * The fit as a picture: a Vega-Lite specification (plotSpec) and its SVG (renderSvg).
 *
 * Panels: the histogram of the data on the density scale with each weighted component
 * density π_k N(x; μ_k, σ²_k) and the mixture density p(x | θ) drawn over it; the
 * log-likelihood ℓ(t) and the ELBO by iteration; and, after a model search, the criterion
 * against K for each variance model, the chosen model marked.
 *
 * For d > 1 columns (a multivariate Gaussian mixture) the top panel is a scatter of the two
 * columns (for d > 2, one for each pair, as a matrix below the diagonal) with each component's
 * 1- and 2-σ ellipses (the points at Mahalanobis distance 1 and 2 from its mean, in that pair's
 * marginal); the points are coloured by the most likely component, or, past MAX_POINTS rows,
 * binned into a 2-D histogram.
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
import { dimensionOf, mvParameters, structureName } from '../models/registry.js';
import { argmax, rowBlocks } from './rows.js';
import { componentDensity, curveGrid, drawnMixture, histogram, mixtureDensity, plotRange, singleBinWidth } from './bins.js';

/** The parts of a fit that the pictures show; a Fit has them all. */
export type PlottedFit = Pick<Fit, 'labels' | 'structure' | 'spec' | 'theta' | 'trace'> & { floor: { resolution: number | null } };

/** One candidate of a model search: its K (the number of labels), structure and criteria. */
export type Candidate = Pick<Fit, 'labels' | 'structure' | Criterion>;

/** A structure's name in the pictures: "unequal" for a Gaussian alone, "gamma", "t, df each" among families. */
const seriesName = (c: Pick<Fit, 'structure'>, families: boolean): string => {
  const option = structureName(c.structure);
  if (!families || c.structure.family === 'mvgaussian') return option;
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
  /** d > 1: the columns' names, in order. */
  varNames?: readonly string[];
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

/** Rows drawn as points; past this, a 2-D histogram of BINS_2D × BINS_2D cells. */
const MAX_POINTS = 5000;
const BINS_2D = 50;
/** Points on each ellipse. */
const ELLIPSE_POINTS = 72;

/**
 * The scatter of columns p (x) and q (y) with every component's 1- and 2-σ ellipses, for a
 * fit of d columns: the points coloured by `classes`, or binned when there are many.
 */
function pairPanel(input: PlotInput, p: number, q: number, classes: Int32Array | null, size: number): Panel {
  const { fit, data } = input;
  const d = dimensionOf(fit.spec);
  const n = data.x.length / d;
  const names = input.varNames ?? input.varName.split(',');
  const { labels } = fit;
  const ellipses: { x: number; y: number; order: number; curve: string; level: string }[] = [];
  labels.forEach((label, k) => {
    const { mean, covariance } = mvParameters(d, fit.theta, k);
    // The pair's marginal Σ = L Lᵀ; the ellipse of Mahalanobis distance c is μ + c L (cos t, sin t).
    const a = covariance[p][p];
    const b = covariance[q][p];
    const l11 = Math.sqrt(a);
    const l21 = b / l11;
    const l22 = Math.sqrt(Math.max(0, covariance[q][q] - l21 * l21));
    for (const c of [1, 2]) {
      for (let t = 0; t <= ELLIPSE_POINTS; t++) {
        const angle = (2 * Math.PI * t) / ELLIPSE_POINTS;
        const u = Math.cos(angle);
        const v = Math.sin(angle);
        ellipses.push({ x: mean[p] + c * l11 * u, y: mean[q] + c * (l21 * u + l22 * v), order: t, curve: label, level: `${label} ${c}σ` });
      }
    }
  });
  const x = { field: 'x', type: 'quantitative' as const, title: names[p], scale: { zero: false, nice: false } };
  const y = { field: 'y', type: 'quantitative' as const, title: names[q], scale: { zero: false, nice: false } };
  const colour = { field: 'curve', type: 'nominal' as const, title: 'component', scale: { domain: [...labels], range: labels.map((_, j) => PALETTE[j % PALETTE.length]) } };
  let points: Panel;
  if (classes !== null) {
    const values = Array.from({ length: n }, (_, i) => ({ x: data.x[i * d + p], y: data.x[i * d + q], curve: labels[classes[i]] }));
    points = { data: { values }, mark: { type: 'point', size: 12, opacity: 0.6, filled: true }, encoding: { x, y, color: colour } };
  } else {
    let lo = [Infinity, Infinity];
    let hi = [-Infinity, -Infinity];
    for (let i = 0; i < n; i++) {
      lo = [Math.min(lo[0], data.x[i * d + p]), Math.min(lo[1], data.x[i * d + q])];
      hi = [Math.max(hi[0], data.x[i * d + p]), Math.max(hi[1], data.x[i * d + q])];
    }
    const width = [(hi[0] - lo[0]) / BINS_2D || 1, (hi[1] - lo[1]) / BINS_2D || 1];
    const counts = new Float64Array(BINS_2D * BINS_2D);
    for (let i = 0; i < n; i++) {
      const bx = Math.min(BINS_2D - 1, Math.floor((data.x[i * d + p] - lo[0]) / width[0]));
      const by = Math.min(BINS_2D - 1, Math.floor((data.x[i * d + q] - lo[1]) / width[1]));
      counts[by * BINS_2D + bx] += data.w === null ? 1 : data.w[i];
    }
    const values: { x: number; x2: number; y: number; y2: number; count: number }[] = [];
    counts.forEach((count, cell) => {
      if (count === 0) return;
      const bx = cell % BINS_2D;
      const by = Math.floor(cell / BINS_2D);
      values.push({ x: lo[0] + bx * width[0], x2: lo[0] + (bx + 1) * width[0], y: lo[1] + by * width[1], y2: lo[1] + (by + 1) * width[1], count });
    });
    points = {
      data: { values },
      mark: { type: 'rect' },
      encoding: { x, x2: { field: 'x2' }, y, y2: { field: 'y2' }, fill: { field: 'count', type: 'quantitative', title: 'rows', scale: { scheme: 'greys' } } },
    };
  }
  return {
    width: size,
    height: size,
    layer: [
      points,
      {
        data: { values: ellipses },
        mark: { type: 'line', strokeWidth: 1.5 },
        encoding: { x, y, order: { field: 'order', type: 'quantitative' }, detail: { field: 'level', type: 'nominal' }, color: colour },
      },
    ],
  } as Panel;
}

/**
 * The scatter panels of a fit of d columns: one for d = 2, else the pairs below the diagonal of
 * a scatter-plot matrix (row q, column p < q).
 */
function pairsPanel(input: PlotInput): Panel {
  const { fit, data } = input;
  const d = dimensionOf(fit.spec);
  const n = data.x.length / d;
  const k = fit.labels.length;
  let classes: Int32Array | null = null;
  if (n <= MAX_POINTS) {
    classes = new Int32Array(n);
    for (const block of rowBlocks({ spec: fit.spec, theta: fit.theta }, data.x)) {
      for (let i = block.start; i < block.end; i++) classes[i] = argmax(block.r, (i - block.start) * k, k);
    }
  }
  const names = input.varNames ?? input.varName.split(',');
  const title = `${names.join(', ')}: ${plural(k, 'component')}, ${structureName(fit.structure)}, 1- and 2-σ ellipses`;
  if (d === 2) return { title, ...pairPanel(input, 0, 1, classes, 420) } as Panel;
  const size = Math.max(120, Math.floor(640 / (d - 1)));
  const rows = Array.from({ length: d - 1 }, (_, r) => ({ hconcat: Array.from({ length: r + 1 }, (_, p) => pairPanel(input, p, r + 1, classes, size)), spacing: 12 }));
  return { title, vconcat: rows, spacing: 12 } as Panel;
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
  const multivariate = selection.candidates.every((c) => c.structure.family === 'mvgaussian');
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
          color: multivariate
            ? { field: 'variance', type: 'nominal', title: 'model', scale: { scheme: 'tableau20' } }
            : families
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
    vconcat: [input.fit.spec.family === 'mvgaussian' ? pairsPanel(input) : densityPanel(input), ...(lower.length > 0 ? [{ hconcat: lower, spacing: 40, resolve: independent }] : [])],
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
