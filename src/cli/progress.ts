/**
 * Drives the fitting generators from the event loop. Between iterations it gives the
 * event loop a turn every YIELD_MS, so that Ctrl-C is handled during a long fit, and on
 * a terminal it shows a progress line on stderr once a run has lasted SHOW_AFTER_MS.
 * Off a terminal it prints nothing.
 */
import type { Progress } from '../em/em.js';

const YIELD_MS = 50;
const SHOW_AFTER_MS = 1000;

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A line on stderr that rewrites itself, or does nothing when stderr is not a terminal. */
export class StatusLine {
  private readonly enabled = process.stderr.isTTY === true;
  private readonly started = performance.now();
  private shown = false;

  update(text: string): void {
    if (!this.enabled || performance.now() - this.started < SHOW_AFTER_MS) return;
    const width = process.stderr.columns ?? 80;
    process.stderr.write(`\r${text.slice(0, width - 1)}\x1b[K`);
    this.shown = true;
  }

  clear(): void {
    if (this.shown) process.stderr.write('\r\x1b[K');
    this.shown = false;
  }
}

export async function drive<T>(steps: Generator<Progress & { context?: string }, T>, status = new StatusLine()): Promise<T> {
  let last = performance.now();
  try {
    for (;;) {
      const step = steps.next();
      if (step.done) return step.value;
      const now = performance.now();
      if (now - last >= YIELD_MS) {
        const { context, iteration, loglik } = step.value;
        status.update(`${context ? `${context}: ` : ''}iteration ${iteration}, log-likelihood ${loglik.toPrecision(10)}`);
        await turn();
        last = performance.now();
      }
    }
  } finally {
    status.clear();
  }
}
