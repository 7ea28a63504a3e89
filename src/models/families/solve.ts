/**
 * The one-dimensional root finder of the shape and df M-steps.
 *
 * Newton's method safeguarded by bisection (rtsafe, Press et al., Numerical Recipes, 2nd ed.,
 * §9.4): the root of an increasing f on a bracket [lo, hi] with f(lo) < 0 < f(hi). Each
 * iterate shrinks the bracket by the sign of f there; a Newton step that would leave the
 * bracket, or that did not halve |f| against the step before, is replaced by bisection. The
 * bracket is bisected geometrically (√(lo·hi)) when lo > 0, as every parameter solved for
 * here is positive and may span decades. It stops when a Newton step moves x by at most four
 * ulps, or the bracket is that narrow, or f(x) = 0: to full double precision, where Newton
 * converges quadratically, about three steps from a good start.
 */

/** Relative step below which the root is taken as found: 4 ulps. */
const FULL = 4 * Number.EPSILON;
const MAX_STEPS = 200;

/**
 * The x in [lo, hi] with f(x) = 0, for f increasing with f(lo) ≤ 0 ≤ f(hi), from x0;
 * `slope` is f′ (> 0). If f(lo) > 0 the root lies below the bracket and lo is returned;
 * if f(hi) < 0, hi.
 */
export function increasingRoot(f: (x: number) => number, slope: (x: number) => number, lo: number, hi: number, x0: number): number {
  if (f(lo) >= 0) return lo;
  if (f(hi) <= 0) return hi;
  let x = Math.min(Math.max(x0, lo), hi);
  let previous = Infinity;
  for (let step = 0; step < MAX_STEPS; step++) {
    const v = f(x);
    if (v === 0) return x;
    if (v < 0) lo = x;
    else hi = x;
    if (hi - lo <= FULL * Math.abs(hi)) return v < 0 ? lo : hi;
    const d = slope(x);
    let next = x - v / d;
    if (!(next > lo && next < hi) || !(Math.abs(v) <= 0.5 * previous)) {
      next = lo > 0 ? Math.sqrt(lo * hi) : 0.5 * (lo + hi);
      previous = Infinity;
    } else {
      previous = Math.abs(v);
      if (Math.abs(next - x) <= FULL * Math.abs(x)) return next;
    }
    x = next;
  }
  return x;
}
