/**
 * Drives the fitting generators from the event loop. Between iterations it gives the
 * event loop a turn every YIELD_MS, so that Ctrl-C is handled during a long fit, and on
 * a terminal it shows a progress line on stderr once a run has lasted SHOW_AFTER_MS.
 * Off a terminal it prints nothing.
 */
import type { Progress } from '../em/em.js';
import { shown } from '../text.js';
import { displayWidth } from '../report/width.js';
import { say } from './io.js';

const YIELD_MS = 50;
const SHOW_AFTER_MS = 1000;

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * A status line within `width` columns: as many of `parts` as fit, whole, joined by ", "; when
 * not even the first fits, its words that fit and "…". Lines are cut only between parts or
 * words, so that a number is shown whole or not at all (a cut "-1034.00" would read as a value).
 */
export function statusText(parts: readonly string[], width: number): string {
  let text = '';
  for (const part of parts) {
    const next = text === '' ? part : `${text}, ${part}`;
    if (displayWidth(next) > width) break;
    text = next;
  }
  if (text !== '' || parts.length === 0) return text;
  let words = '';
  for (const word of parts[0].split(' ')) {
    const next = words === '' ? word : `${words} ${word}`;
    if (displayWidth(next) + 1 > width) break;
    words = next;
  }
  return words === '' ? '' : `${words}…`;
}

/**
 * A line on stderr that rewrites itself, or does nothing when stderr is not a terminal. It is
 * rewritten with a carriage return and spaces over what is left of the previous text, no
 * escape sequences, so that it works on any terminal, TERM=dumb too.
 */
export class StatusLine {
  private readonly enabled = process.stderr.isTTY === true;
  private readonly started = performance.now();
  /** Columns of the text on the line now (0 when it is clear). */
  private shownWidth = 0;

  /** Shows the parts that fit the terminal (see statusText), a column short of its width so that the cursor never wraps. */
  update(...parts: string[]): void {
    if (!this.enabled || performance.now() - this.started < SHOW_AFTER_MS) return;
    const text = statusText(parts.map(shown), (process.stderr.columns || 80) - 1);
    const width = displayWidth(text);
    say(`\r${text}${' '.repeat(Math.max(0, this.shownWidth - width))}`);
    this.shownWidth = width;
  }

  clear(): void {
    if (this.shownWidth > 0) say(`\r${' '.repeat(this.shownWidth)}\r`);
    this.shownWidth = 0;
  }
}

/** A text bar: [#####.....] 50%. */
export function bar(fraction: number, width = 24): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${Math.floor(fraction * 100)}%`;
}

/**
 * Shows how much of the input has been read, as a bar when its size is known. Returns a
 * function that clears the line once reading is done.
 */
export function readingProgress(stream: NodeJS.ReadableStream, name: string, size: number | null): () => void {
  const status = new StatusLine();
  let bytes = 0;
  let last = 0;
  const mb = (b: number): string => (b / 1e6).toFixed(0);
  stream.on('data', (chunk: Buffer | string) => {
    bytes += chunk.length;
    const now = performance.now();
    if (now - last < 100) return;
    last = now;
    if (size) status.update(`reading ${name}`, bar(bytes / size), `${mb(bytes)} of ${mb(size)} MB`);
    else status.update(`reading ${name}`, `${mb(bytes)} MB`);
  });
  return () => status.clear();
}

export async function drive<T>(steps: Generator<Progress & { context?: string }, T>, status = new StatusLine()): Promise<T> {
  let last = performance.now();
  let previous = NaN;
  try {
    for (;;) {
      const step = steps.next();
      if (step.done) return step.value;
      const { context, iteration, loglik } = step.value;
      const change = Math.abs(loglik - previous) / Math.abs(previous);
      previous = loglik;
      const now = performance.now();
      if (now - last >= YIELD_MS) {
        const relative = Number.isFinite(change) ? [`relative change ${change.toExponential(1)}`] : [];
        status.update(`${context ? `${context}: ` : ''}iteration ${iteration}`, `log-likelihood ${loglik.toPrecision(10)}`, ...relative);
        await turn();
        last = performance.now();
      }
    }
  } finally {
    status.clear();
  }
}
