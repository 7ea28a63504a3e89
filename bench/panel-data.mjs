/**
 * The simulation panel of npm run bench:select: mixtures with known truth, drawn from a
 * seeded stream and written to CSV as real tools write recorded values. Pure functions and
 * data; the runner (select-panel.mjs) decides what to generate and where.
 *
 * Units: a scenario is in standardized units (its smallest sd is at most 1); a recording
 * condition maps a draw x to the written string and says what the truth becomes in the
 * written units (scale, offset) and the resolution the values truly have there.
 */

/** FNV-1a over the UTF-16 code units of a key string, then MurmurHash3's fmix32 finaliser. */
function hash32(key) {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Uniform numbers in [0, 1) from a key (e.g. "0/draw/k2-equal-sep/200/3"): Mulberry32
 * (Tommy Ettinger) seeded with the key's hash, so every data set has its own stream and is
 * the same whatever else is generated. A copy of the two, not dist/select/rng.js, so that
 * the panel stays the same data whatever em-fit's own generator becomes.
 */
export function keyedRandom(key) {
  let state = hash32(key);
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal draw by Box–Muller, z = √(−2 ln(1 − u1)) · cos(2π u2) (1 − u1 > 0). */
export function normal(random) {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/**
 * The truth: K from 1 to 4, equal and unequal variances, well separated and overlapping,
 * and one unequal pair of weights 0.9/0.1. `model` is the variance model that generated the
 * data ("equal" for K = 1 too: one variance is both).
 */
export const scenarios = [
  { id: 'k1', weights: [1], means: [0], sds: [1], model: 'equal', about: 'one N(0, 1)' },
  { id: 'k2-equal-sep', weights: [0.5, 0.5], means: [0, 4], sds: [1, 1], model: 'equal', about: 'means 0, 4; sd 1' },
  { id: 'k2-unequal-overlap', weights: [0.6, 0.4], means: [0, 2.5], sds: [1, 0.5], model: 'unequal', about: 'means 0, 2.5; sd 1, 0.5; weights .6/.4' },
  { id: 'k2-equal-w91', weights: [0.9, 0.1], means: [0, 4], sds: [1, 1], model: 'equal', about: 'means 0, 4; sd 1; weights .9/.1' },
  { id: 'k3-equal-sep', weights: [1 / 3, 1 / 3, 1 / 3], means: [0, 4, 8], sds: [1, 1, 1], model: 'equal', about: 'means 0, 4, 8; sd 1' },
  { id: 'k3-unequal', weights: [0.3, 0.3, 0.4], means: [0, 3, 7], sds: [1, 0.5, 1.5], model: 'unequal', about: 'means 0, 3, 7; sd 1, .5, 1.5; weights .3/.3/.4' },
  { id: 'k4-equal-sep', weights: [0.25, 0.25, 0.25, 0.25], means: [0, 4, 8, 12], sds: [1, 1, 1, 1], model: 'equal', about: 'means 0, 4, 8, 12; sd 1' },
  { id: 'k4-unequal', weights: [0.2, 0.3, 0.2, 0.3], means: [0, 3, 6, 10], sds: [0.5, 1, 0.5, 1.5], model: 'unequal', about: 'means 0, 3, 6, 10; sd .5, 1, .5, 1.5; weights .2/.3/.2/.3' },
];

export const sizes = [50, 200, 1000, 5000];

/** n draws of a scenario: a component by its weight (multinomial), then its normal. */
export function drawMixture(scenario, n, random) {
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u = random();
    let k = 0;
    for (let acc = scenario.weights[0]; u >= acc && k < scenario.weights.length - 1; acc += scenario.weights[++k]);
    values[i] = scenario.means[k] + scenario.sds[k] * normal(random);
  }
  return values;
}

/**
 * A double as R's write.csv writes it: 15 significant digits, trailing zeros dropped, fixed
 * notation unless scientific is narrower (R's formatReal with scipen 0, exponent of at least
 * two digits). Checked against R 4.2.2's write.csv on 22,015 values (normal draws and
 * draws scaled by 1e-9..1e12): identical but for one 5.54e-09 where R keeps a trailing zero
 * in scientific notation. JavaScript's String(x), the shortest round-trip form, is what pandas
 * (repr, up to 17 digits) writes.
 */
export function formatR15(x) {
  if (x === 0) return '0';
  const [mantissa, exp] = x.toExponential(14).split('e');
  const digits = mantissa.replace(/\.?0+$/, '');
  const exponent = Number(exp);
  const significant = digits.replace(/[-.]/g, '').length;
  const sign = x < 0 ? 1 : 0;
  const decimals = Math.max(0, significant - 1 - exponent);
  const fixedWidth = sign + (exponent >= 0 ? exponent + 1 : 1) + (decimals > 0 ? decimals + 1 : 0);
  const sciWidth = sign + (significant > 1 ? significant + 1 : 1) + (Math.abs(exponent) >= 100 ? 5 : 4);
  if (fixedWidth <= sciWidth) return x.toFixed(decimals);
  return `${digits}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
}

/**
 * The shift of the written values: the smallest whole number of written units that puts
 * every component's mean − 5 sd above 0 (durations and measurements are positive), plus the
 * data set's phase in [0, 1), so that no mean sits on the grid by construction.
 */
function offsetFor(scenario, scale, phase) {
  const low = Math.min(...scenario.means.map((m, k) => m - 5 * scenario.sds[k]));
  return Math.max(0, Math.ceil(-low * scale)) + phase;
}

/**
 * How a value is recorded and written. Each condition's `record(x, ctx)` returns the written
 * strings for draws x; ctx = {scenario, ratio, phase, random, heap}: ratio = δ / (smallest
 * true sd), drawn in [0.2, 0.5] per data set; phase in [0, 1), the position of the truth on
 * the grid (see offsetFor); random = the condition's own stream (heaping); heap = the
 * coarse grid of heaping in units of δ (10 by default, a whole number). It also returns
 * {scale, offset}: written = scale · x + offset, and `resolution`, the true grid in written
 * units (null at full precision).
 */
export const conditions = [
  {
    id: 'a15',
    about: 'full precision, 15 significant digits (R write.csv)',
    record: (x) => ({ strings: Array.from(x, formatR15), scale: 1, offset: 0, resolution: null }),
  },
  {
    id: 'a17',
    about: 'full precision, shortest round-trip, up to 17 digits (pandas)',
    record: (x) => ({ strings: Array.from(x, String), scale: 1, offset: 0, resolution: null }),
  },
  {
    id: 'b',
    about: 'rounded to δ = 0.2–0.5 smallest sd, written with δ = 0.1 (1 decimal)',
    record: (x, { scenario, ratio, phase }) => {
      const scale = 0.1 / (ratio * Math.min(...scenario.sds));
      const offset = offsetFor(scenario, scale, phase);
      const strings = Array.from(x, (v) => (Math.round(10 * (scale * v + offset)) / 10).toFixed(1));
      return { strings, scale, offset, resolution: 0.1 };
    },
  },
  {
    id: 'c',
    about: 'whole seconds (0.2–0.5 smallest sd) written as minutes, round(60m)/60 with 3 decimals',
    record: (x, { scenario, ratio, phase }) => {
      const scale = 1 / (60 * ratio * Math.min(...scenario.sds));
      const offset = offsetFor(scenario, scale, phase);
      const strings = Array.from(x, (v) => (Math.round(60 * (scale * v + offset)) / 60).toFixed(3));
      return { strings, scale, offset, resolution: 1 / 60 };
    },
  },
  {
    id: 'd',
    about: 'heaped: rounded to δ (as b), a random fifth rounded to 10δ (--heap), written with 1 decimal',
    record: (x, { scenario, ratio, phase, random, heap = 10 }) => {
      const scale = 0.1 / (ratio * Math.min(...scenario.sds));
      const offset = offsetFor(scenario, scale, phase);
      const n = x.length;
      // A random fifth: the first n/5 places of a partial Fisher–Yates shuffle.
      const order = Int32Array.from({ length: n }, (_, i) => i);
      const heaped = new Uint8Array(n);
      for (let i = 0; i < Math.round(n / 5); i++) {
        const j = i + Math.floor(random() * (n - i));
        [order[i], order[j]] = [order[j], order[i]];
        heaped[order[i]] = 1;
      }
      const strings = Array.from(x, (v, i) => {
        const y = scale * v + offset;
        return (heaped[i] ? (Math.round((10 * y) / heap) * heap) / 10 : Math.round(10 * y) / 10).toFixed(1);
      });
      return { strings, scale, offset, resolution: 0.1 };
    },
  },
];

/**
 * The draws of one data set, shared by its recording conditions (a paired design: a15 and
 * a17, b, c and d write the same sample): keyed (seed, scenario, n, replicate). The ratio
 * δ / smallest sd and the phase are the stream's first numbers, so b, c and d share them.
 */
export function drawDataSet(seed, scenario, n, rep) {
  const random = keyedRandom(`${seed}/draw/${scenario.id}/${n}/${rep}`);
  const ratio = 0.2 + 0.3 * random();
  const phase = random();
  return { ratio, phase, values: drawMixture(scenario, n, random) };
}

/** The truth of a scenario in written units. */
export function writtenTruth(scenario, { scale, offset }) {
  return {
    k: scenario.weights.length,
    model: scenario.model,
    weights: scenario.weights,
    means: scenario.means.map((m) => scale * m + offset),
    sds: scenario.sds.map((s) => scale * s),
  };
}
