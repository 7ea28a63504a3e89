/**
 * What the core has to say about a fit or a search, as plain values: a code and the numbers
 * behind it. The words (and the names of the options that change things) are the reports'
 * business (src/report/notes.ts), so that the core stays free of English and of the CLI, and
 * a program reading the JSON gets the codes and numbers as they are.
 */
import type { ResolutionSource } from '../models/resolution.js';
import type { AnyFamilyName, Structure } from '../models/registry.js';

/** Where the resolution δ behind a bound came from, and δ itself. */
export interface ResolutionOrigin {
  resolution: number;
  resolutionSource: ResolutionSource;
  /** The floor came from --min-variance rather than from δ. */
  userFloor: boolean;
}

export type Note =
  /**
   * A Gaussian variance (component's, or the common one when `component` is null) held at
   * the floor; or another family's component held at one of its bounds (`bounds` names them).
   */
  | ({ code: 'bound'; family: AnyFamilyName; component: string | null; bounds: readonly string[]; floor: number; atStart: boolean; iterations: number; of: number; final: boolean } & ResolutionOrigin)
  /** A component with less than half an observation's worth of weight. */
  | { code: 'vanished'; component: string; weight: number }
  /**
   * A component resting on fewer than MIN_OBSERVATIONS observations' worth of weight. `only`
   * (here and below): it is the fit's one component, so fewer components is no way out.
   */
  | { code: 'few-observations'; component: string; observations: number; least: number; only?: boolean }
  /** A component whose weight sits on one recorded value (`values`: the effective number of values). */
  | ({ code: 'single-value'; component: string; at: number; values: number; only?: boolean } & ResolutionOrigin)
  /** Several columns: a component on the equivalent of `rows` distinct rows, fewer than `least` (d + 1). */
  | { code: 'few-rows'; component: string; rows: number; least: number; only?: boolean }
  /** A component narrower (sd) than the resolution allows. */
  | ({ code: 'narrow'; component: string; sd: number; only?: boolean } & ResolutionOrigin)
  /** A component on a few observations, narrower than the typical gap between values. */
  | { code: 'tight'; component: string; observations: number; sd: number; spacing: number }
  /** EM stopped at max_iter: the last relative change and the tolerance. */
  | { code: 'not-converged'; iterations: number; change: number; rtol: number; penalized: boolean; grouped: boolean }
  /** EM stopped where its next step could not be taken in floating point (stopReason 'numerical'), after `iterations`. */
  | { code: 'numerical'; iterations: number }
  /** max_iter 0: θ is the start. */
  | { code: 'no-iterations' }
  /** The chosen K is the largest searched. */
  | { code: 'largest-k'; k: number; from: number }
  /** A chosen component on fewer than `least` observations. */
  | { code: 'few-points'; component: string; observations: number; least: number }
  /**
   * Values heaped on `grid` were fitted by the density: several families were compared, and
   * only the Gaussian has the grouped likelihood. `share` and `expected` are the heap's (see
   * heaping.ts): the weight on grid points beside values of the fine grid, and what those
   * neighbours make expected there.
   */
  | { code: 'heap-not-grouped'; grid: number; share: number; expected: number }
  /** A candidate not fitted, and why. */
  | { code: 'not-fitted'; k: number; structure: Structure | null; reason: NotFitted };

export type NotFitted =
  /** More components than distinct values. */
  | { why: 'distinct-values'; distinct: number }
  /** No start gave K non-empty groups. */
  | { why: 'no-partition'; attempts: number }
  /** Every one of its `starts` starts was given up in screening (or could not be made), on its way to a degenerate component. */
  | { why: 'given-up'; starts: number }
  /** Every refined start ended degenerate; `example` is the best such start's first degenerate component. */
  | { why: 'degenerate-starts'; refined: number; starts: number; example: DegenerateExample | null }
  /** Its proper fits turned degenerate on more rows. */
  | { why: 'degenerate-on-more-rows' }
  /** Its best fit turned degenerate when run on to --rtol. */
  | { why: 'degenerate-to-rtol' }
  /** The family's domain does not hold the data. */
  | { why: 'domain'; row: number; value: number; reason: string };

export type DegenerateExample = { kind: 'weight'; observations: number } | { kind: 'single-value'; at: number } | { kind: 'few-rows'; rows: number } | { kind: 'narrow'; sd: number } | { kind: 'tight'; sd: number };
