/**
 * --plot FILE: the pictures of a fit as a standalone SVG, or as the Vega-Lite specification
 * when FILE ends in .vl.json. The plotting module (and vega with it, about 200 ms to load)
 * is imported only when a picture is asked for. The file is written whole or not at all
 * (see writeFileAtomic).
 *
 * vega and vega-lite are optional dependencies (42 of the 45 MB an install takes, for the
 * pictures alone): `npm install --omit=optional` leaves them out, and --plot then says how to
 * add them, before any work.
 */
import { createRequire } from 'node:module';
import { sep } from 'node:path';
import { usageError } from '../errors.js';
import { writeFileAtomic } from '../io/output-file.js';
import type { PlotInput } from '../report/plot.js';

/** The packages the pictures are drawn with. */
const PLOT_PACKAGES = ['vega', 'vega-lite'];

const isSpecification = (path: string): boolean => /\.vl\.json$/i.test(path);

/**
 * Refuses, before any work, a --plot file of a kind em-fit does not write (a .png would get
 * SVG text), and --plot when the packages that draw the pictures are not installed.
 */
export function checkPlotFile(path: string): void {
  // A name that names no file (empty, a directory) is refused by the output checks, which say so.
  const named = path !== '' && !path.endsWith('/') && !path.endsWith(sep);
  if (named && !/\.svg$/i.test(path) && !isSpecification(path)) {
    throw usageError(
      `--plot ${path}: em-fit writes pictures as SVG (a name ending in .svg) or as their Vega-Lite specification (.vl.json); for PNG or PDF, convert the SVG (rsvg-convert -f png fit.svg > fit.png)`,
    );
  }
  const require = createRequire(import.meta.url);
  const missing = PLOT_PACKAGES.filter((name) => {
    try {
      require.resolve(name);
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length > 0) {
    throw usageError(
      `--plot draws with the optional packages vega and vega-lite; ${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} not installed (was em-fit installed with --omit=optional?); install them where em-fit is: npm install -g vega@5 vega-lite@5 for a global em-fit, npm install vega@5 vega-lite@5 in a project`,
    );
  }
}

export async function writePlot(path: string, input: PlotInput): Promise<void> {
  const { plotSpec, renderSvg } = await import('../report/plot.js');
  const spec = plotSpec(input);
  const text = isSpecification(path) ? `${JSON.stringify(spec, null, 2)}\n` : await renderSvg(spec);
  writeFileAtomic(path, text, 'the plot');
}
