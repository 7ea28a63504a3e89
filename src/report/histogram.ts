/**
 * The fit in a terminal: the histogram of the data in block characters (▁▂▃▄▅▆▇█, eighths
 * of a line) with the mixture density p(x | θ) drawn over it in braille (2 × 4 dots a
 * character), a few lines high and exactly as wide as asked. The x axis carries each
 * component's label at its mean, and the smallest and largest value under it. Old Faithful
 * at 72 columns:
 *
 *   0.043 ┤                                          ⢀⠔⠉⠉⠉⠒⢄▇
 *         │                                         ⡔⠁█████⠈⠢⡀
 *         │                                       ⢀⠎  ███████⠑⡄
 *         │               ⢀⡠⠤⠒⠤⠤⡀             ▅▅▅⡠⠃▅▅▅███████ ⠈⢆
 *         │             ⡠⠒⠁█████⠈⠑⢄⡀          ██⡔⠁███████████   ⠣⡀
 *         │          ⢀⡠⠊████████▅▅▅⠈⠢⡀▅       ⡠⠊█████████████▇▇▇▇⠑⢄▇▇
 *         │      ██⡠⠔⠁███████████████⠈⠑⠢⢄⣀⣀⡠⠔⠊█████████████████████⠑⢄
 *         │⣀⣀⣀⡠⠤⠔⠒⠉██████████████████████████████████████████████████⠉⠒⠤⠤⣀⣀⣀
 *       0 ┼──────────────────1──────────────────────────2───────────────────
 *                43                                                     96
 */
import type { Data } from '../models/family.js';
import { short, shown } from '../text.js';
import { curveGrid, type Drawn, histogram, mixtureDensity, plotRange, singleBinWidth } from './bins.js';
import { displayWidth, glyphs, truncate } from './width.js';

/** Wraps text in colour codes (a Chalk function fits); the identity by default. */
export type Paint = (text: string) => string;

export interface TerminalHistogramOptions {
  /** Lines of the plot above the axis (default 8, at least 4); two more hold the axis. */
  height?: number;
  /** The data resolution δ, for the bin edges (see HistogramOptions.resolution). */
  resolution?: number | null;
  paint?: { bar?: Paint; curve?: Paint; axis?: Paint };
}

/** Narrowest width drawn: the y label and a dozen columns of plot. */
export const MIN_WIDTH = 24;
/** Longest y label: short(v, 2) of a positive number, e.g. "1.2e-100". */
const LABEL_MAX = 8;
/** Longest component label shown under the axis, in columns; longer ones are cut. */
const NAME_MAX = 12;
/** ' ' and the eighths of a character cell, from empty to full. */
const BLOCKS = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
/** Braille dot bits (Unicode U+2800 block) by dot column (left, right) and dot row from the top. */
const DOTS = [
  [0x01, 0x02, 0x04, 0x40],
  [0x08, 0x10, 0x20, 0x80],
];

const identity: Paint = (text) => text;

/**
 * The plot as height + 2 lines (no final newline), none wider than `width` columns
 * before painting. A column shows the bin under its centre when bins are wider than columns
 * (sharp bar edges; bars may differ by a column in width), otherwise the mean density of the
 * bins it overlaps (none is skipped). The curve is evaluated at two points a column (the dot
 * columns), and steep stretches are joined by vertical runs of dots.
 */
export function terminalHistogram(data: Data, theta: Drawn, labels: readonly string[], width: number, options: TerminalHistogramOptions = {}): string {
  const height = options.height ?? 8;
  if (!Number.isInteger(width) || width < MIN_WIDTH) throw new RangeError(`terminal histogram width must be an integer ≥ ${MIN_WIDTH}, got ${width}`);
  if (!Number.isInteger(height) || height < 4) throw new RangeError(`terminal histogram height must be an integer ≥ 4, got ${height}`);
  const bar = options.paint?.bar ?? identity;
  const curve = options.paint?.curve ?? identity;
  const axis = options.paint?.axis ?? identity;

  const hist = histogram(data, { maxBins: width - LABEL_MAX - 2, resolution: options.resolution, singleWidth: singleBinWidth(theta) });
  const { lo, hi } = plotRange(hist, theta);
  // The top of the y axis: the tallest bar or the curve's peak (on a grid that holds the
  // means), whichever is higher. It sizes the y label and so the plot's width.
  let ymax = 0;
  for (const d of hist.density) ymax = Math.max(ymax, d);
  const bars = ymax;
  for (const x of curveGrid(theta, lo, hi, 400)) ymax = Math.max(ymax, mixtureDensity(theta, x));
  // A positive family's density may rise without bound at 0 (a gamma or Weibull of shape below 1): the bars stay readable.
  if (theta.lower > -Infinity && bars > 0) ymax = Math.min(ymax, 4 * bars);
  const label = short(ymax, 2);
  const gutter = displayWidth(label);
  const columns = width - gutter - 2;
  const dx = (hi - lo) / columns;
  const barAt = new Float64Array(columns);
  for (let c = 0; c < columns; c++) {
    const a = lo + c * dx;
    const b = a + dx;
    if (hist.width >= dx) {
      const j = Math.floor((a + dx / 2 - hist.start) / hist.width);
      barAt[c] = j >= 0 && j < hist.density.length ? hist.density[j] : 0;
      continue;
    }
    const first = Math.max(0, Math.floor((a - hist.start) / hist.width));
    const last = Math.min(hist.density.length - 1, Math.floor((b - hist.start) / hist.width));
    for (let j = first; j <= last; j++) {
      const overlap = Math.min(b, hist.start + (j + 1) * hist.width) - Math.max(a, hist.start + j * hist.width);
      if (overlap > 0) barAt[c] += (hist.density[j] * overlap) / dx;
    }
  }
  const density = Array.from({ length: 2 * columns }, (_, s) => mixtureDensity(theta, lo + (s + 0.5) * (dx / 2)));

  // Bars in eighths of a line; the curve in dot rows (four a line) counted from the bottom.
  const eighths = Array.from(barAt, (d) => Math.min(8 * height, Math.round((d / ymax) * height * 8)));
  const dotRows = 4 * height;
  const level = Array.from(density, (d) => Math.min(dotRows - 1, Math.floor((d / ymax) * dotRows)));
  const bits = new Uint8Array(columns * height);
  level.forEach((y, s) => {
    // Dot rows from just past the previous point's up (or down) to this point's.
    const previous = s === 0 ? y : level[s - 1];
    const from = y > previous ? previous + 1 : y;
    const to = y < previous ? previous - 1 : y;
    for (let r = from; r <= to; r++) {
      const line = Math.floor(r / 4);
      bits[line * columns + (s >> 1)] |= DOTS[s & 1][3 - (r % 4)];
    }
  });

  const lines: string[] = [];
  for (let line = height - 1; line >= 0; line--) {
    const gutterText = line === height - 1 ? `${label.padStart(gutter)} ┤` : `${' '.repeat(gutter)} │`;
    // Runs of one kind of character are painted together, to keep colour codes few.
    let text = axis(gutterText);
    let run = '';
    let runIsCurve = false;
    for (let c = 0; c < columns; c++) {
      const dots = bits[line * columns + c];
      const isCurve = dots !== 0;
      const cell = isCurve ? String.fromCodePoint(0x2800 + dots) : BLOCKS[Math.max(0, Math.min(8, eighths[c] - 8 * line))];
      if (isCurve !== runIsCurve && run !== '') {
        text += runIsCurve ? curve(run) : bar(run);
        run = '';
      }
      run += cell;
      runIsCurve = isCurve;
    }
    lines.push(text + (runIsCurve ? curve(run) : bar(run)));
  }

  // The axis: each component's label written into the rule at its mean; under it, the
  // smallest and largest value at their columns.
  const column = (x: number): number => Math.max(0, Math.min(columns - 1, Math.floor(((x - lo) / (hi - lo)) * columns)));
  const rule = new Line(columns, '─');
  labels.forEach((label, k) => {
    const cut = truncate(shown(label), NAME_MAX);
    rule.place(cut, column(theta.centre[k]) - (displayWidth(cut) >> 1));
  });
  const under = new Line(columns, ' ');
  const { range } = hist;
  under.place(short(range.lo), column(range.lo));
  const maxText = short(range.hi);
  under.place(maxText, column(range.hi) - displayWidth(maxText) + 1);
  lines.push(axis(`${'0'.padStart(gutter)} ┼${rule.text()}`));
  lines.push(axis(`${' '.repeat(gutter + 2)}${under.text()}`.trimEnd()));
  return lines.join('\n');
}

/** A line of one character a column, on which texts are written where they fit. */
class Line {
  private readonly cells: string[];
  private readonly taken: Uint8Array;

  constructor(columns: number, fill: string) {
    this.cells = Array.from({ length: columns }, () => fill);
    this.taken = new Uint8Array(columns);
  }

  /**
   * Writes `text` from column `at`, moved left or right to stay on the line; nothing when it
   * would touch, or come within one column of, a text already written.
   */
  place(text: string, at: number): void {
    // A wide character (CJK) takes two cells: itself, and an empty one after it.
    const chars = glyphs(text).flatMap(({ glyph, width }) => (width === 2 ? [glyph, ''] : [glyph]));
    const columns = this.cells.length;
    if (chars.length > columns) return;
    const start = Math.max(0, Math.min(columns - chars.length, at));
    for (let c = Math.max(0, start - 1); c < Math.min(columns, start + chars.length + 1); c++) if (this.taken[c]) return;
    chars.forEach((ch, i) => {
      this.cells[start + i] = ch;
      this.taken[start + i] = 1;
    });
  }

  text(): string {
    return this.cells.join('');
  }
}
