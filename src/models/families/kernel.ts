/**
 * The fused pass of a component family over rows [start, end), written once per family as a
 * KernelSpec and turned into code here, as gaussian-kernel.ts does for the Gaussian.
 *
 * For each row x_i and live component j (m of them, parameters packed per component):
 *   a_j = log π_k + log f(x_i | θ_k)                          (the family's `density`)
 *   top = max_j a_j,  e_j = exp(a_j − top),  s = Σ_j e_j,  v_j = w_i e_j / s = w_i r_ij
 *   log p(x_i) = top + log s,
 *   Σ_j r_ij log r_ij = Σ_j r_ij (a_j − top) − log s = g/s − log s,  g = Σ_j e_j (a_j − top),
 * and the family's statistics, sums over rows of v_j times functions of x_i (`statistics`),
 * plus sums of w_i times functions of x_i alone (`rowSums`: a Jacobian, log x!).
 *
 * What makes it fast (each measured with the cost test, see families/README.md "Cost per pass"):
 * - generated code with one variable per component, so that per-component values stay in
 *   registers (or the stack) instead of typed arrays read and written on every row (the
 *   t's pass at 1M rows: 2.5× the Gaussian's generated, 4.2× as a loop kernel);
 * - the per-component constants (log π, log-normalisers, lgamma terms) computed once per
 *   pass by the family into `packed`, and what a row shares between components (log x,
 *   log x!) once per row;
 * - no log per row for the mixture: without weights Σ_i log s_i is the log of a running
 *   product per block of rows (1 ≤ s_i ≤ m, and m^BLOCK stays far below overflow);
 * - top is a maximum taken without branches (roughMax), near the largest a_j rather than equal
 *   to it, and every term uses exp.ts's table exp; logs use exp.ts's table log, about half the
 *   time of Math.log, and are taken in a loop of their own per block (logX, componentLog), a
 *   generated function of its own (logsSource), where they overlap instead of stalling the row;
 * - statistics summed per block of rows first, which also keeps their rounding error small;
 *   many statistics (the Weibull's twelve a component) in a loop of their own per component
 *   (statisticsLoop), where their sums stay in registers.
 *
 * Each family has two kernels from one spec: the generated one for m live components, and a
 * loop kernel over any m (per-component values in a scratch array) for small passes, which a
 * model search makes by the thousand over many K, where the generated kernels' warm-up per m
 * would cost more than they save (gaussian-kernel.ts measured 2–7 ms per new kernel). Both are
 * built from the same expressions in the same order, so they give the same bits.
 */
import { KERNEL_TABLES, expNonPositiveSource, expSource, logPositiveSource } from '../exp.js';
import { LOGLIK, RLOGR } from '../family.js';
import { blockSize, GENERATED_FROM_ROWS } from '../gaussian-kernel.js';

/** How one family's code refers to its values, in the generated (unrolled) or the loop kernel. */
export interface Names {
  /** A parameter of the component (one of the spec's `params`). */
  p(name: string): string;
  /** A value of the component (declared by the spec's code with `const ${v(name)} = …`). */
  v(name: string): string;
  /** A statement adding `expression` into statistic number `s` of the component. */
  add(s: number, expression: string): string;
}

export interface KernelSpec {
  /** Used in the generated functions' names and in the cache's key; one spec per name. */
  readonly name: string;
  /** The parameters per component, packed as packed[p·m + j] for parameter p of live component j. */
  readonly params: readonly string[];
  /**
   * The name under which the row's code sees log x_i, if it uses it. The logs of a block of
   * rows are taken first, in a loop of their own (exp.ts's table log), and read back per row:
   * in the row loop, with its long body, each log's latency stalls the row (measured
   * interleaved on a loaded machine: the log-normal's pass 1.6–1.7× the Gaussian's so, 2.2–2.3×
   * with the same log or Math.log in the row loop, 1.2× with log x read from an array).
   */
  readonly logX?: string;
  /**
   * A log per row and component, taken as logX is, in the loop of logs: `density` sees
   * v(name) = log(of(n)), where `of` is an expression in xi and the component's parameters
   * (> 0). For the t's log(1 + (x − μ)²/(νσ²)), three a row: its pass went from 3.0–3.2× to
   * 2.4–2.8× the Gaussian's (measured interleaved). Not for the Weibull's exps, which cost
   * more there (3.6–3.8× against 3.4× in the row loop).
   */
  readonly componentLog?: { readonly name: string; of(n: Names): string };
  /** Statements per row after `const xi = x[i];` (values of the row used by every component). */
  readonly row: string;
  /** r-free sums over rows: out[3 + t] += Σ w_i · rowSums[t], expressions in the row's values. */
  readonly rowSums: readonly string[];
  /**
   * Statements for one component that declare v('a') = log π_k + log f(x_i | θ_k). Names are
   * identifiers without `_` or `$`, which p() and v() suffix per component; a, arg, e, g, gap,
   * log and v (through v()) and b, block, i, j, logs, m, q, s, stop, t, w, wi, x, xi, top, out,
   * packed are the kernel's own.
   */
  density(n: Names): string;
  /** Values of `density` that `statistics` uses (kept per component between the two, per row under statisticsLoop). */
  readonly carry: readonly string[];
  /** Number of statistics per component. */
  readonly statCount: number;
  /** Statements adding the component's statistics, with v('v') = w_i r_ij (> 0 when skipZero). */
  statistics(n: Names): string;
  /** Skip a component's statistics when w r = 0 (they would multiply 0 by an overflowed value). */
  readonly skipZero?: boolean;
  /**
   * Take the statistics in a loop of their own per component, after each block's rows, from
   * v and the carried values kept per row (rows with v = 0 add nothing); there `statistics`
   * sees v, the carried values, the parameters and logX, not xi. In the row loop the
   * statistics' sums of every component are live at once, more than there are registers
   * (the Weibull's 12 a component: 36 sums spilled to the stack and read back on every row);
   * in a loop per component they stay in registers, for one store and one load per kept value.
   */
  readonly statisticsLoop?: boolean;
  /** Values the code refers to by name besides exp.ts's tables (KERNEL_TABLES) and Math. */
  readonly bindings?: Readonly<Record<string, unknown>>;
}

/**
 * Adds one pass over rows [start, end) into `out` (length outLength(spec, m)):
 *   out[0] += Σ w top,  out[1] += Σ w log s,  out[2] += Σ w g/s,  out[3 + t] += row sum t,
 *   out[3 + rowSums + s·m + j] += statistic s of live component j.
 */
type Generated = (x: Float64Array, w: Float64Array | null, start: number, end: number, packed: Float64Array, out: Float64Array, logs: Float64Array, kept: Float64Array) => void;
type Loop = (m: number, x: Float64Array, w: Float64Array | null, start: number, end: number, packed: Float64Array, out: Float64Array, scratch: Float64Array, logs: Float64Array, kept: Float64Array) => void;

export const outLength = (spec: KernelSpec, m: number): number => 3 + spec.rowSums.length + spec.statCount * m;

/**
 * max(a, b) without a branch, (a + b + |a − b|)/2, to within the rounding of a + b and a − b.
 * The row's shift `top` in log-sum-exp needs to be near the largest a_j, not equal to it (log p
 * = top + log s whatever top is); Math.max compiles to branches, and which component is
 * largest changes from row to row, so they mispredict (measured, with exp.ts's Estrin
 * polynomial in expSource: t 1.81 → 1.59×, Weibull 2.36 → 2.09×, log-normal 1.40 → 1.12× the
 * Gaussian's JavaScript pass, K = 3). The price: every term's exp is taken, none skipped as 1.
 */
const roughMax = (a: string, b: string): string => `0.5 * (${a} + ${b} + Math.abs(${a} - ${b}))`;
/**
 * The range of s = Σ_j exp(a_j − top) that keeps the rough top: s ≥ 1 − 2^−20 puts the largest
 * term within rounding of 1, and s ≤ m(1 + 2^−20) keeps Π s over a block below overflow
 * (blockSize). Outside it (|a| beyond about 1e10, where a + b and a − b round away the
 * difference, an infinite a, a NaN), the row's block is taken again from the exact maximum,
 * the largest term skipped, as before the rough one: in a loop of its own, not as a second
 * path in the row loop, which slowed the row loop as much as the rough maximum saved.
 */
const SHIFT_LOW = 1 - 2 ** -20;
const SHIFT_HIGH = 1 + 2 ** -20;

/**
 * The body shared by both kernels; `loop` writes the per-component parts inside loops over j.
 * With `logsOnly`, the body of the generated kernel's loop of logs instead (see logsSource).
 */
function body(spec: KernelSpec, weighted: boolean, loop: boolean, m: number, logsOnly = false): string {
  const S = spec.statCount;
  const C = spec.carry.length;
  const block = loop ? 'block' : String(blockSize(m));
  const head = 3 + spec.rowSums.length;
  // Scratch of the loop kernel (t): a [0, m), e [m, 2m), carried values [(2 + c)m, …), block sums, totals.
  const SUMS = 2 + C;
  const TOTALS = 2 + C + S;
  const names = (j: number): Names =>
    loop
      ? { p: (name) => `${name}_p`, v: (name) => `${name}_j`, add: (s, e) => `t[${SUMS + s} * m + j] += ${e};` }
      : { p: (name) => `${name}_p${j}`, v: (name) => `${name}_${j}`, add: (s, e) => `$b${s}_${j} += ${e};` };
  const js = loop ? [0] : Array.from({ length: m }, (_, j) => j);
  const each = (f: (n: Names, j: number) => string, sep = '\n'): string => js.map((j) => f(names(j), j)).join(sep);
  const params = (j: number): string =>
    spec.params.map((name, p) => (loop ? `const ${name}_p = packed[${p} * m + j];` : `const ${name}_p${j} = packed[${p * m + j}];`)).join('\n');
  const cl = spec.componentLog;
  const logAt = (j: number, i = 'i'): string => (loop ? `${block} + (${i} - b) * m + j` : `${block} + (${i} - b) * ${m} + ${j}`);
  // The statistics loop's values per block: v at kept[j·block + r], carried value c at kept[((1 + c)·m + j)·block + r], r = i − b.
  const deferred = spec.statisticsLoop === true;
  const keptAt = (c: number, j: number, r: string): string => (loop ? `(${c} * m + j) * block + ${r}` : `${(c * m + j) * blockSize(m)} + ${r}`);
  const carryTo = (ci: number, j: number): string => (deferred ? `kept[${keptAt(1 + ci, j, 'i - b')}]` : `t[${2 + ci} * m + j]`);
  const density = (rough: boolean) => (n: Names, j: number): string => `${loop ? params(j) : ''}
      ${cl === undefined ? '' : `const ${n.v(cl.name)} = logs[${logAt(j)}];`}
      ${spec.density(n)}
      ${loop ? `t[j] = a_j;\n${spec.carry.map((c, ci) => `${carryTo(ci, j)} = ${n.v(c)};`).join('\n')}\n${rough ? `top = j === 0 ? a_j : ${roughMax('top', 'a_j')};` : 'if (a_j > top) top = a_j;'}` : ''}`;
  // From the rough maximum every term's exp (of either sign); from the exact one all but the largest's (it is 1).
  const exp = (rough: boolean) => (n: Names): string =>
    rough
      ? `let ${n.v('e')} = 0;
      const ${n.v('gap')} = ${n.v('a')} - top;
      ${expSource(n.v('gap'), n.v('e'))}
      const ${n.v('g')} = ${n.v('e')} * ${n.v('gap')};`
      : `let ${n.v('e')} = 1, ${n.v('g')} = 0;
      if (${n.v('a')} !== top) {
        const ${n.v('gap')} = ${n.v('a')} - top;
        ${expNonPositiveSource(n.v('gap'), n.v('e'))}
        if (${n.v('e')} > 0) ${n.v('g')} = ${n.v('e')} * ${n.v('gap')};
      }`;
  // A row whose s leaves the range sends its block to the exact maximum; counted without a
  // branch, which, though never taken, cost the t's pass 0.2× the Gaussian's (measured).
  const check = `outside_ |= (!(s >= ${SHIFT_LOW})) | (!(s <= ${loop ? `m * ${SHIFT_HIGH}` : m * SHIFT_HIGH}));`;
  const stats = (n: Names, j: number): string => {
    if (deferred) {
      const keep = loop ? '' : spec.carry.map((c, ci) => `kept[${keptAt(1 + ci, j, 'i - b')}] = ${n.v(c)};`).join('\n');
      return `{
        kept[${keptAt(0, j, 'i - b')}] = ${loop ? 't[m + j]' : n.v('e')} * q;
        ${keep}
      }`;
    }
    const inner = `${loop ? spec.carry.map((c, ci) => `const ${n.v(c)} = t[${2 + ci} * m + j];`).join('\n') : ''}
        ${spec.statistics(n)}`;
    return `{
        ${loop ? params(j) : ''}
        const ${n.v('v')} = ${loop ? 't[m + j]' : n.v('e')} * q;
        ${spec.skipZero === true ? `if (${n.v('v')} !== 0) {${inner}}` : inner}
      }`;
  };
  const perComponent = (rough: boolean): string =>
    loop
      ? `let top = ${rough ? '0' : '-Infinity'};
    for (let j = 0; j < m; j++) {${density(rough)(names(0), 0)}}
    let s = 0, g = 0;
    for (let j = 0; j < m; j++) {
      const a_j = t[j];
      ${exp(rough)(names(0))}
      t[m + j] = e_j;
      s += e_j;
      g += g_j;
    }
    ${rough ? check : ''}`
      : `${each(density(rough))}
    const top = ${rough ? js.slice(1).reduce((top, j) => roughMax(top, `a_${j}`), 'a_0') : m === 1 ? 'a_0' : `Math.max(${each((n) => n.v('a'), ', ')})`};
    ${each(exp(rough))}
    const s = ${each((n) => n.v('e'), ' + ')};
    ${rough ? check : ''}
    const g = ${each((n) => n.v('g'), ' + ')};`;
  // The loop of logs: log x_i at logs[i − b], then the components' at logs[block + (i − b)·m + j].
  const componentLogs = (i: string) => (n: Names, j: number): string => {
    const [arg, out] = [n.v('arg'), n.v('log')];
    return `{
      ${loop ? params(j) : ''}
      const ${arg} = ${(cl as NonNullable<typeof cl>).of(n)};
      let ${out} = 0;
      ${logPositiveSource(arg, out)}
      logs[${logAt(j, i)}] = ${out};
    }`;
  };
  const logsOfRow = (i: string): string => `{
    const xi = x[${i}];
    ${spec.logX === undefined ? '' : `let lx_ = 0;
${logPositiveSource('xi', 'lx_')}
logs[${i} - b] = lx_;`}
    ${cl === undefined ? '' : loop ? `for (let j = 0; j < m; j++) ${componentLogs(i)(names(0), 0)}` : each(componentLogs(i))}
  }`;
  if (logsOnly) {
    // Rows unrolled so that an iteration takes at least LOGS_PER_ITERATION logs.
    const unroll = Math.max(1, Math.ceil(LOGS_PER_ITERATION / ((spec.logX === undefined ? 0 : 1) + (cl === undefined ? 0 : m))));
    return `${js.map(params).join('\n')}
let i = b;
for (; i + ${unroll} <= stop; i += ${unroll}) {
  ${Array.from({ length: unroll }, (_, u) => logsOfRow(`i + ${u}`)).join('\n')}
}
for (; i < stop; i++) ${logsOfRow('i')}`;
  }
  const statisticsLoop = (n: Names, j: number): string => `{
      ${loop ? params(j) : ''}
      for (let r = 0; r < stop - b; r++) {
        const ${n.v('v')} = kept[${keptAt(0, j, 'r')}];
        if (${n.v('v')} !== 0) {
          ${spec.logX === undefined ? '' : `const ${spec.logX} = logs[r];`}
          ${spec.carry.map((c, ci) => `const ${n.v(c)} = kept[${keptAt(1 + ci, j, 'r')}];`).join('\n')}
          ${spec.statistics(n)}
        }
      }
    }`;
  const zeroRow = deferred ? (loop ? `for (let j = 0; j < m; j++) kept[${keptAt(0, 0, 'i - b')}] = 0;` : each((_, j) => `kept[${keptAt(0, j, 'i - b')}] = 0;`, ' ')) : '';
  const range = (from: number, to: number): string => (loop ? `t.fill(0, ${from} * m, ${to} * m);` : '');
  const sums = (prefix: string, declare = true): string =>
    loop ? '' : each((_, j) => `${declare ? 'let ' : ''}${Array.from({ length: S }, (_, s) => `$${prefix}${s}_${j} = 0`).join(', ')};`);
  const rows = spec.rowSums.map((_, r) => r);
  const rowLoop = (rough: boolean): string => `for (let i = b; i < stop; i++) {
    ${weighted ? `const wi = w[i];\n    if (wi === 0) {${zeroRow} continue;}` : ''}
    const xi = x[i];
    ${spec.logX === undefined ? '' : `const ${spec.logX} = logs[i - b];`}
    ${spec.row}
    ${perComponent(rough)}
    const q = ${weighted ? 'wi' : '1'} / s;
    ${loop ? `for (let j = 0; j < m; j++) ${stats(names(0), 0)}` : each(stats)}
    ${weighted ? 'top_ += wi * top;\n    logs_ += wi * Math.log(s);' : 'top_ += top;\n    prod_ *= s;'}
    g_ += g * q;
    ${spec.rowSums.map((e, r) => `row${r}_ += ${weighted ? `wi * (${e})` : e};`).join('\n    ')}
  }`;
  const blockStart = (declare: boolean): string => `${declare ? 'let ' : ''}top_ = 0, ${weighted ? 'logs_ = 0' : 'prod_ = 1'}, g_ = 0${rows.map((r) => `, row${r}_ = 0`).join('')};
  ${range(SUMS, TOTALS)}${sums('b', declare)}`;
  return `
${loop ? '' : js.map(params).join('\n')}
let sumTop = 0, sumLogS = 0, sumG = 0${rows.map((r) => `, sumRow${r} = 0`).join('')};
${range(TOTALS, TOTALS + S)}${sums('n')}
for (let b = start; b < end; b += ${block}) {
  const stop = Math.min(end, b + ${block});
  ${blockStart(true)}
  ${spec.logX === undefined && cl === undefined ? '' : loop ? `for (let i = b; i < stop; i++) ${logsOfRow('i')}` : 'takeLogs(x, b, stop, packed, logs);'}
  let outside_ = 0;
  ${rowLoop(true)}
  if (outside_ !== 0) {
    ${blockStart(false)}
    ${rowLoop(false)}
  }
  ${deferred ? (loop ? `for (let j = 0; j < m; j++) ${statisticsLoop(names(0), 0)}` : each(statisticsLoop)) : ''}
  sumTop += top_;
  sumLogS += ${weighted ? 'logs_' : 'Math.log(prod_)'};
  sumG += g_;
  ${rows.map((r) => `sumRow${r} += row${r}_;`).join(' ')}
  ${loop ? `for (let k = ${SUMS} * m; k < ${TOTALS} * m; k++) t[k + ${S} * m] += t[k];` : each((_, j) => Array.from({ length: S }, (_, s) => `$n${s}_${j} += $b${s}_${j};`).join(' '))}
}
out[0] += sumTop;
out[1] += sumLogS;
out[2] += sumG;
${rows.map((r) => `out[${3 + r}] += sumRow${r};`).join('\n')}
${loop ? `for (let k = 0; k < ${S} * m; k++) out[${head} + k] += t[${TOTALS} * m + k];` : each((_, j) => Array.from({ length: S }, (_, s) => `out[${head + s * m + j}] += $n${s}_${j};`).join(' '))}
`;
}

/** The source of the generated kernel for m live components (exported for inspection). */
export function kernelSource(spec: KernelSpec, m: number, weighted: boolean): string {
  return body(spec, weighted, false, m);
}

/**
 * The source of the generated kernel's loop of logs over rows [b, stop), a function of its own
 * (takeLogs(x, b, stop, packed, logs)) called once per block: inside the kernel, among the
 * row loop's many live values, V8 spilled the loop's own to the stack and kept its index as a
 * tagged value (measured, t at K = 3: the pass 2.03 → 1.85× the Gaussian's JavaScript pass).
 */
export function logsSource(spec: KernelSpec, m: number): string {
  return body(spec, false, false, m, true);
}

/** The source of the loop kernel. */
export function loopKernelSource(spec: KernelSpec, weighted: boolean): string {
  return `const block = blockSize(m);\n${body(spec, weighted, true, 0)}`;
}

/**
 * Logs per iteration of the generated loop of logs, whose rows are unrolled to reach it: each
 * iteration reads the tables' addresses and checks their maps afresh (V8 keeps nothing across
 * the loop's interrupt check), which one log a row (the Weibull's log x) paid for every log
 * (measured: 4.75 → 3.6 ns a log, one a row against four).
 */
const LOGS_PER_ITERATION = 4;

const generated = new Map<string, Generated>();
const loops = new Map<string, Loop>();
let scratch = new Float64Array(64);
/** The loop of logs' output for one block of rows: log x_i, then a log per row and component. */
let logs = new Float64Array(4096);
/** The values kept per row and component for a statisticsLoop (v, then the carried values), one block of rows. */
let kept = new Float64Array(4096);

function compile<F>(spec: KernelSpec, name: string, args: string, source: string, more: Record<string, unknown> = {}): F {
  const bound = { ...KERNEL_TABLES, blockSize, ...spec.bindings, ...more };
  const make = new Function(...Object.keys(bound), `return function ${name}(${args}) {${source}};`);
  return make(...Object.values(bound)) as F;
}

/**
 * Runs spec's pass over rows [start, end) for m live components into out (zeroed first):
 * by default the generated kernel from GENERATED_FROM_ROWS rows, else the loop kernel.
 */
export function runKernel(
  spec: KernelSpec,
  m: number,
  x: Float64Array,
  w: Float64Array | null,
  start: number,
  end: number,
  packed: Float64Array,
  out: Float64Array,
  useGenerated = end - start >= GENERATED_FROM_ROWS,
): void {
  if (!(m >= 1)) throw new RangeError(`internal error: an E-step over ${m} live components`);
  out.fill(0, 0, outLength(spec, m));
  const weighted = w !== null;
  if (logs.length < blockSize(m) * (1 + m)) logs = new Float64Array(blockSize(m) * (1 + m));
  if (spec.statisticsLoop === true && kept.length < blockSize(m) * m * (1 + spec.carry.length)) kept = new Float64Array(blockSize(m) * m * (1 + spec.carry.length));
  if (useGenerated) {
    const key = `${spec.name}:${m}:${weighted}`;
    let k = generated.get(key);
    if (k === undefined) {
      const takeLogs = spec.logX === undefined && spec.componentLog === undefined ? null : compile<unknown>(spec, `${spec.name}Logs${m}`, 'x, b, stop, packed, logs', logsSource(spec, m));
      k = compile<Generated>(spec, `${spec.name}Pass${m}${weighted ? 'w' : ''}`, 'x, w, start, end, packed, out, logs, kept', kernelSource(spec, m, weighted), { takeLogs });
      generated.set(key, k);
    }
    k(x, w, start, end, packed, out, logs, kept);
    return;
  }
  const key = `${spec.name}:${weighted}`;
  let k = loops.get(key);
  if (k === undefined) {
    k = compile<Loop>(spec, `${spec.name}Loop${weighted ? 'w' : ''}`, 'm, x, w, start, end, packed, out, t, logs, kept', loopKernelSource(spec, weighted));
    loops.set(key, k);
  }
  const need = (2 + spec.carry.length + 2 * spec.statCount) * m;
  if (scratch.length < need) scratch = new Float64Array(need);
  k(m, x, w, start, end, packed, out, scratch, logs, kept);
}

/**
 * The mixture's part of a kernel's output into a family's statistics: ℓ = Σ w top + Σ w log s
 * and Σ w Σ r log r = Σ w g/s − Σ w log s; then statistic s of live component j (live[j] is
 * its component) at offsets[s] + live[j]. The row sums out[3..] are the family's to use.
 */
export function addKernelOutput(spec: KernelSpec, out: Float64Array, m: number, live: Int32Array, offsets: readonly number[], stats: Float64Array): void {
  stats[LOGLIK] += out[0] + out[1];
  stats[RLOGR] += out[2] - out[1];
  const head = 3 + spec.rowSums.length;
  for (let s = 0; s < spec.statCount; s++) {
    for (let j = 0; j < m; j++) stats[offsets[s] + live[j]] += out[head + s * m + j];
  }
}
