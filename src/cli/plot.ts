/**
 * --plot FILE: the pictures of a fit as a standalone SVG, or as the Vega-Lite specification
 * when FILE ends in .vl.json. The plotting module (and vega with it, about 200 ms to load)
 * is imported only when a picture is asked for. The file is written whole or not at all
 * (see writeFileAtomic).
 */
import { writeFileAtomic } from '../io/output-file.js';
import type { PlotInput } from '../report/plot.js';

export async function writePlot(path: string, input: PlotInput): Promise<void> {
  const { plotSpec, renderSvg } = await import('../report/plot.js');
  const spec = plotSpec(input);
  const text = path.toLowerCase().endsWith('.vl.json') ? `${JSON.stringify(spec, null, 2)}\n` : await renderSvg(spec);
  writeFileAtomic(path, text, 'the plot');
}
