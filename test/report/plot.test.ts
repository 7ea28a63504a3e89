import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { GaussianMixture } from '../../src/models/gaussian.js';
import { histogram } from '../../src/report/bins.js';
import { type Candidate, type PlotInput, type PlottedFit, plotSpec, renderSvg } from '../../src/report/plot.js';
import { mulberry32 } from '../helpers/mixture.js';

/** An XML element, as parsed below. */
interface Element {
  name: string;
  attrs: Record<string, string>;
  children: (Element | string)[];
}

/**
 * A strict parser for the XML that Vega writes: every tag closes in order, attributes are
 * double-quoted, `&` only starts a character reference, one root element. Throws otherwise.
 */
function parseXml(text: string): Element {
  const document: Element = { name: '#document', attrs: {}, children: [] };
  const stack = [document];
  const token = /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<\/([\w:-]+)\s*>|<([\w:-]+)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/y;
  const reference = /&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/;
  const decode = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
  while (token.lastIndex < text.length) {
    const at = token.lastIndex;
    const m = token.exec(text);
    if (m === null) throw new Error(`not well-formed at ${at}: ${text.slice(at, at + 40)}`);
    const [, close, open, attrText, selfClosing, chars] = m;
    const top = stack[stack.length - 1];
    if (close !== undefined) {
      if (top.name !== close) throw new Error(`</${close}> closes <${top.name}> at ${at}`);
      stack.pop();
    } else if (open !== undefined) {
      if (reference.test(attrText)) throw new Error(`bare & in the attributes of <${open}> at ${at}`);
      const attrs: Record<string, string> = {};
      for (const [, key, value] of attrText.matchAll(/([\w:-]+)="([^"]*)"/g)) {
        if (key in attrs) throw new Error(`attribute ${key} twice on <${open}> at ${at}`);
        attrs[key] = decode(value);
      }
      const element: Element = { name: open, attrs, children: [] };
      top.children.push(element);
      if (!selfClosing) stack.push(element);
    } else if (chars !== undefined) {
      if (reference.test(chars)) throw new Error(`bare & in text at ${at}`);
      if (top === document && chars.trim() !== '') throw new Error(`text outside the root at ${at}`);
      top.children.push(decode(chars));
    }
  }
  if (stack.length !== 1) throw new Error(`<${stack[stack.length - 1].name}> never closes`);
  const roots = document.children.filter((c): c is Element => typeof c !== 'string');
  if (roots.length !== 1) throw new Error(`${roots.length} root elements`);
  return roots[0];
}

function descendants(element: Element, keep: (e: Element) => boolean, found: Element[] = []): Element[] {
  for (const child of element.children) {
    if (typeof child === 'string') continue;
    if (keep(child)) found.push(child);
    descendants(child, keep, found);
  }
  return found;
}
const text = (e: Element): string => e.children.map((c) => (typeof c === 'string' ? c : text(c))).join('');
/** Groups whose class list holds every one of `classes`. */
const groups = (svg: Element, ...classes: string[]) =>
  descendants(svg, (e) => e.name === 'g' && classes.every((c) => (e.attrs.class ?? '').split(' ').includes(c)));
const paths = (svg: Element, ...classes: string[]) => groups(svg, ...classes).flatMap((g) => descendants(g, (e) => e.name === 'path'));
/** The texts of the marks with a role (Vega's class on their group: role-axis-title, role-legend-label, …). */
const texts = (svg: Element, role: string) => groups(svg, role).flatMap((g) => descendants(g, (e) => e.name === 'text').map(text));

const faithful = Float64Array.from(readFileSync('fixtures/faithful.csv', 'utf8').trim().split('\n').slice(1).map(Number));

/** The faithful fit of the README (K = 2, equal variances), with a short trace. */
const faithfulFit: PlottedFit = {
  labels: ['1', '2'],
  structure: { family: 'gaussian', variance: 'equal' },
  spec: { family: 'gaussian', k: 2, variance: 'equal', floor: 1 / 12 },
  theta: { weight: Float64Array.of(0.36085, 0.63915), mean: Float64Array.of(54.6136, 80.0903), variance: Float64Array.of(34.446, 34.446) } as GaussianMixture,
  trace: [
    { iteration: 0, loglik: -1034.42, objective: -1034.42, elbo: null, step: 'start' },
    { iteration: 1, loglik: -1034.03, objective: -1034.03, elbo: -1034.1, step: 'em' },
    { iteration: 2, loglik: -1034.002, objective: -1034.002, elbo: -1034.006, step: 'em' },
    { iteration: 3, loglik: -1034.0021, objective: -1034.0021, elbo: -1034.0021, step: 'em' },
  ],
  floor: { resolution: 1 },
};
const candidate = (k: number, variance: 'equal' | 'unequal', bic: number): Candidate => ({
  labels: Array.from({ length: k }, (_, j) => String(j + 1)),
  structure: { family: 'gaussian', variance },
  bic,
  aic: bic - 20,
  icl: bic + 30,
});
const chosen = candidate(2, 'equal', 2090.3);
const selection = {
  best: chosen,
  criterion: 'bic' as const,
  candidates: [candidate(1, 'equal', 2141.1), candidate(1, 'unequal', 2141.1), chosen, candidate(2, 'unequal', 2095.8), candidate(3, 'equal', 2101.5), candidate(3, 'unequal', 2110.2)],
};
const faithfulInput: PlotInput = { fit: faithfulFit, data: { x: faithful, w: null }, varName: 'waiting', selection };

/** The numbers of an SVG path's d attribute, as (x, y) pairs. */
const points = (d: string) => {
  const n = (d.match(/-?\d+(?:\.\d+)?(?:e-?\d+)?/g) ?? []).map(Number);
  return Array.from({ length: n.length / 2 }, (_, i) => [n[2 * i], n[2 * i + 1]]);
};

describe('the faithful picture', () => {
  let svg = '';
  let root: Element;
  beforeAll(async () => {
    svg = await renderSvg(plotSpec(faithfulInput));
    root = parseXml(svg);
  });

  it('is one well-formed <svg> document', () => {
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.endsWith('</svg>')).toBe(true);
    expect(root.name).toBe('svg');
    expect(() => parseXml(svg.replace('</g>', ''))).toThrow();
  });

  it('draws one bar per bin: 8 of 7 minutes from 42.5', () => {
    const bins = histogram({ x: faithful, w: null }, { resolution: 1 }).counts.length;
    expect(bins).toBe(8);
    expect(paths(root, 'mark-rect', 'concat_0_layer_0_marks')).toHaveLength(bins);
  });

  it('draws a curve per component and one for the mixture, inside the panel, in distinct colours', () => {
    const components = paths(root, 'mark-line', 'concat_0_layer_1_marks');
    const mixture = paths(root, 'mark-line', 'concat_0_layer_2_marks');
    expect(components).toHaveLength(2);
    expect(mixture).toHaveLength(1);
    const strokes = new Set([...components, ...mixture].map((p) => p.attrs.stroke));
    expect(strokes.size).toBe(3);
    for (const p of [...components, ...mixture]) {
      const xy = points(p.attrs.d);
      expect(xy.length).toBeGreaterThanOrEqual(400);
      for (const [x, y] of xy) {
        expect(x).toBeGreaterThanOrEqual(0);
        expect(x).toBeLessThanOrEqual(680);
        expect(y).toBeGreaterThanOrEqual(0);
        expect(y).toBeLessThanOrEqual(280);
      }
    }
    // The mixture peaks near the top of the panel: the y scale is fitted to the curve and the bars.
    expect(Math.min(...points(mixture[0].attrs.d).map(([, y]) => y))).toBeLessThan(30);
  });

  it('draws the log-likelihood and the ELBO by iteration, and the criterion by K for each variance model', () => {
    expect(paths(root, 'mark-line', 'concat_1_concat_0_layer_0_marks')).toHaveLength(2);
    expect(paths(root, 'mark-line', 'concat_1_concat_1_layer_0_layer_0_marks')).toHaveLength(2);
    expect(texts(root, 'role-mark')).toContain('chosen');
  });

  it('titles every axis and names the curves in the legends', () => {
    expect(new Set(texts(root, 'role-axis-title'))).toEqual(new Set(['waiting', 'density', 'iteration', 'log-likelihood, ELBO', 'components K', 'BIC (lower is better)']));
    expect(texts(root, 'role-legend-label')).toEqual(expect.arrayContaining(['1', '2', 'mixture', 'log-likelihood', 'ELBO', 'equal', 'unequal']));
    expect(texts(root, 'role-title-text')).toEqual(['waiting: 2 components, equal variances', 'EM iterations', 'Models compared']);
  });

  it('comes from a standalone specification: the same SVG from its JSON', async () => {
    const spec = plotSpec(faithfulInput);
    expect(await renderSvg(JSON.parse(JSON.stringify(spec)))).toBe(svg);
  });
});

describe('the specification', () => {
  const json = (input: PlotInput) => JSON.parse(JSON.stringify(plotSpec(input)));

  it('leaves the ELBO out at iteration 0, where it is null', () => {
    const trace = json(faithfulInput).vconcat[1].hconcat[0].data.values as { iteration: number; quantity: string; value: number }[];
    expect(trace.filter((t) => t.quantity === 'ELBO').map((t) => t.iteration)).toEqual([1, 2, 3]);
    expect(trace.filter((t) => t.quantity === 'log-likelihood').map((t) => t.iteration)).toEqual([0, 1, 2, 3]);
    expect(trace.every((t) => typeof t.value === 'number')).toBe(true);
  });

  it('draws no model panel without a search, or after a search of one candidate', () => {
    expect(json({ ...faithfulInput, selection: null }).vconcat[1].hconcat).toHaveLength(1);
    expect(json({ ...faithfulInput, selection: { best: chosen, criterion: 'bic', candidates: [chosen] } }).vconcat[1].hconcat).toHaveLength(1);
  });

  it('plots the criterion asked for', () => {
    const spec = json({ ...faithfulInput, selection: { ...selection, criterion: 'icl' } });
    const panel = spec.vconcat[1].hconcat[1];
    expect(panel.layer[0].encoding.y.title).toBe('ICL (lower is better)');
    expect(panel.layer[0].data.values.map((v: { value: number }) => v.value)).toEqual(selection.candidates.map((c) => c.icl));
  });

  it('keeps the mixture apart from a component labelled "mixture"', async () => {
    const fit = { ...faithfulFit, labels: ['mixture', 'other'] };
    const root = parseXml(await renderSvg(plotSpec({ ...faithfulInput, fit, selection: null })));
    expect(texts(root, 'role-legend-label')).toEqual(expect.arrayContaining(['mixture', 'other', 'mixture (total)']));
  });
});

describe('a million rows', () => {
  it('are binned before they reach the picture: spec and SVG stay far under 1 MB, in a few seconds', async () => {
    const u = mulberry32(17);
    const n = 1_000_000;
    const x = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const k = u() < 0.3 ? 0 : 1;
      x[i] = Math.round(([-2, 3][k] + [1, 1.5][k] * Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u())) * 1e4) / 1e4;
    }
    const fit: PlottedFit = {
      ...faithfulFit,
      structure: { family: 'gaussian', variance: 'unequal' },
      spec: { family: 'gaussian', k: 2, variance: 'unequal', floor: 1e-8 / 12 },
      theta: { weight: Float64Array.of(0.3, 0.7), mean: Float64Array.of(-2, 3), variance: Float64Array.of(1, 2.25) } as GaussianMixture,
      floor: { resolution: 1e-4 },
    };
    const started = performance.now();
    const spec = plotSpec({ fit, data: { x, w: null }, varName: 'x', selection });
    const svg = await renderSvg(spec);
    const seconds = (performance.now() - started) / 1000;
    expect(seconds).toBeLessThan(5);
    expect(JSON.stringify(spec).length).toBeLessThan(250_000);
    expect(svg.length).toBeLessThan(250_000);
    const root = parseXml(svg);
    const bins = histogram({ x, w: null }, { resolution: 1e-4 }).counts.length;
    expect(bins).toBeGreaterThan(100);
    expect(bins).toBeLessThanOrEqual(200);
    expect(paths(root, 'mark-rect', 'concat_0_layer_0_marks')).toHaveLength(bins);
  });
});
