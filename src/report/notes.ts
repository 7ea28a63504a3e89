/**
 * The core's notes (src/select/notes.ts) in words, with the options that change things: the
 * one place where a fit's warnings are written as sentences.
 */
import type { ResolutionSource } from '../models/resolution.js';
import { type Structure, structureName } from '../models/registry.js';
import type { DegenerateExample, Note, NotFitted, ResolutionOrigin } from '../select/notes.js';
import { plural, quote, short } from '../text.js';

/** How the resolution δ was found, in words. */
export function resolutionWords(source: ResolutionSource): string {
  switch (source) {
    case 'values':
      return 'detected in the values';
    case 'machine':
      return 'the spacing of doubles at the data';
    case 'user':
      return 'set by --resolution';
    default:
      return 'from the written decimals';
  }
}

/** "1 observation's worth", "2.5 observations' worth". */
export const worth = (observations: number): string => {
  const text = short(observations, 3);
  return text === '1' ? "1 observation's worth" : `${text} observations' worth`;
};

const resolution = (o: ResolutionOrigin): string => `data resolution ${short(o.resolution)}, ${resolutionWords(o.resolutionSource)}`;

/** A candidate in words: "K = 3 (unequal variances)", "K = 2 (gamma)", "K = 2 (t, df each)". */
export function candidateName(k: number, structure: Structure | null): string {
  if (structure === null) return `K = ${k}`;
  if (structure.family === 'gaussian') return `K = ${k} (${structure.variance} variances)`;
  const option = structureName(structure);
  return `K = ${k} (${structure.family}${option === '' ? '' : `, ${option}`})`;
}

const consider = 'consider fewer components';
/** What a note on a fit's one component advises instead of fewer components. */
const advice = (only: boolean | undefined): string => (only ? 'with one component there are no fewer to take: the data are too few or too tied for a density' : consider);

/**
 * An error's message followed by the reasons its notes carry, in words: "no candidate model
 * could be fitted: K = 2 was not fitted: the data hold 1 distinct value, …".
 */
export function errorText(error: { message: string; notes: readonly object[] }): string {
  return error.notes.length === 0 ? error.message : `${error.message}: ${noteTexts(error.notes as readonly Note[]).join('; ')}`;
}

/**
 * The notes in words, one line each, except that candidates not fitted for the same reason
 * (every refined start degenerate, typically the larger K of an overfitted family) share one
 * line per structure when there are several: "K = 5, 6 and 7 (equal variances) were not
 * fitted: …, e.g. K = 5: …".
 */
export function noteTexts(notes: readonly Note[]): string[] {
  const out: string[] = [];
  const groups = new Map<string, Extract<Note, { code: 'not-fitted' }>[]>();
  for (const note of notes) {
    if (note.code === 'not-fitted' && (note.reason.why === 'degenerate-starts' || note.reason.why === 'distinct-values')) {
      // The K of one structure whose starts all ended degenerate, or of too few distinct values, in one line.
      const key = note.reason.why === 'distinct-values' ? `distinct:${note.reason.distinct}` : JSON.stringify(note.structure);
      const group = groups.get(key);
      if (group === undefined) {
        groups.set(key, [note]);
        out.push(key);
      } else group.push(note);
    } else out.push(noteText(note));
  }
  return out.map((line) => {
    const group = groups.get(line);
    if (group === undefined) return line;
    if (group.length === 1) return noteText(group[0]);
    const ks = group.map((n) => n.k);
    const list = `${ks.slice(0, -1).join(', ')} and ${ks[ks.length - 1]}`;
    const first = group[0];
    if (first.reason.why === 'distinct-values') {
      const { distinct } = first.reason;
      return `K = ${list} were not fitted: the data hold ${plural(distinct, 'distinct value')}, fewer than the components asked for; use at most ${distinct} component${distinct === 1 ? '' : 's'}`;
    }
    const reason = first.reason as Extract<NotFitted, { why: 'degenerate-starts' }>;
    const example = reason.example === null ? '' : `, e.g. for K = ${first.k} ${exampleText(reason.example)}`;
    return `${candidateName(0, first.structure).replace('K = 0', `K = ${list}`)} were not fitted: the best starts of each ended with a degenerate component${example}`;
  });
}

export function noteText(note: Note): string {
  switch (note.code) {
    case 'bound': {
      const where: string[] = [];
      if (note.atStart) where.push('at the start');
      if (note.iterations > 0) where.push(`in ${note.iterations} of ${plural(note.of, 'iteration')}`);
      const when = where.join(' and ') + (note.final ? ', including the final fit' : '');
      if (note.family === 'gaussian') {
        const what = note.component === null ? 'the common variance' : `the variance of component ${quote(note.component)}`;
        const why = note.userFloor ? 'set by --min-variance' : resolution(note);
        return `${what} was held at the floor ${short(note.floor)} (${why}) ${when}`;
      }
      if (note.family === 'mvgaussian') {
        const why = note.userFloor ? 'set by --min-variance' : "each column's resolution²/12";
        return `the covariance of component ${quote(note.component ?? '')} was held at the variance floor of its columns (${why}) ${when}`;
      }
      return `component ${quote(note.component ?? '')} was held at a bound of the ${note.family} family (${note.bounds.join(', ')}; from the ${resolution(note)}) ${when}`;
    }
    case 'vanished':
      return `component ${quote(note.component)} has weight ${short(note.weight)}, less than half an observation's worth: it has all but vanished; ${consider}`;
    case 'few-observations':
      return `component ${quote(note.component)} rests on ${worth(note.observations)} of weight, fewer than ${note.least}: it is not a genuine component; ${advice(note.only)}`;
    case 'single-value': {
      const hint = note.resolutionSource === 'decimals' ? '; if the values were recorded more coarsely than their decimals say, give the resolution with --resolution' : '';
      const spread = short(note.values, 3) === '1' ? 'all its weight is on it' : `its weight is spread over the equivalent of ${counted(note.values, 'value')}`;
      return `component ${quote(note.component)} sits on a single value (${short(note.at, 8)}; ${spread}): a spike on tied values, not a genuine component; ${advice(note.only)}${hint}`;
    }
    case 'few-rows':
      return `component ${quote(note.component)} sits on the equivalent of ${counted(note.rows, 'distinct row')}, fewer than ${note.least}: too few to hold a covariance of ${note.least - 1} columns; ${advice(note.only)}`;
    case 'narrow':
      return `component ${quote(note.component)} is narrower (sd ${short(note.sd)}) than the data's resolution ${short(note.resolution)} (${resolutionWords(note.resolutionSource)}) allows: its peak density exceeds what one recorded value can hold; ${advice(note.only)}`;
    case 'tight':
      return `component ${quote(note.component)} rests on ${worth(note.observations)} of weight with an sd of ${short(note.sd)}, narrower than the typical gap between neighbouring values (${short(note.spacing)}): a chance cluster of a few points, not a genuine component; ${consider}`;
    case 'not-converged':
      return `not converged after ${plural(note.iterations, 'iteration')}: the last relative change of the ${note.penalized ? 'penalized ' : ''}${note.grouped ? 'grouped ' : ''}log-likelihood, ${short(note.change, 3)}, is above --rtol ${short(note.rtol)}; raise --max-iter`;
    case 'numerical':
      return `EM stopped after ${plural(note.iterations, 'iteration')}: the next step could not be taken in floating point (parameters or a likelihood that are not finite numbers, or a covariance that is not positive definite, as a component collapsing onto a few values makes them), so the fit is the last valid iteration's, not converged; consider fewer components or another start`;
    case 'no-iterations':
      return 'no EM iterations were run (--max-iter 0): the parameters are the starting ones';
    case 'largest-k':
      return `the chosen K = ${note.k} is the largest searched, so a larger K may fit better still; widen the range, e.g. --k ${note.from}:${2 * note.k}`;
    case 'few-points':
      return `component ${quote(note.component)} rests on ${worth(note.observations)} of weight, fewer than ${note.least}: its parameters are poorly determined`;
    case 'heap-not-grouped':
      return `values heap on multiples of ${short(note.grid)} (${short(100 * note.share, 3)}% of the weight on those beside finer values, where their neighbours make ${short(100 * note.expected, 3)}% expected); with several families compared they were fitted as recorded (only the Gaussian takes heaped values as intervals, and that likelihood does not compare with the other families'), so components may sit on the heaps: --family gaussian alone fits them as intervals`;
    case 'not-fitted':
      return `${candidateName(note.k, note.structure)} was not fitted: ${notFittedText(note.k, note.reason)}`;
  }
}

function notFittedText(k: number, reason: NotFitted): string {
  switch (reason.why) {
    case 'distinct-values':
      return `the data hold ${plural(reason.distinct, 'distinct value')}, fewer than the ${k} components asked for; use at most ${reason.distinct} component${reason.distinct === 1 ? '' : 's'}`;
    case 'no-partition':
      return `no start gave ${k} non-empty groups in ${plural(reason.attempts, 'attempt')}`;
    case 'given-up':
      return `${reason.starts === 1 ? 'its one start was' : `every one of its ${plural(reason.starts, 'start')} was`} given up on its way to a degenerate component (one losing its weight, or collapsing onto a value)`;
    case 'degenerate-on-more-rows':
      return 'its proper fits turned degenerate when run on more rows';
    case 'degenerate-to-rtol':
      return 'its best start turned degenerate when run on to --rtol';
    case 'domain':
      return `its family does not hold the value ${short(reason.value, 8)} of data row ${reason.row} (it ${reason.reason})`;
    case 'degenerate-starts': {
      const what = `the best ${plural(reason.refined, 'start')} of ${reason.starts} ended with a degenerate component`;
      return reason.example === null ? what : `${what}, e.g. ${exampleText(reason.example)}`;
    }
  }
}

/** An effective count to 3 digits with its noun: "1 distinct row", "1.94 values". */
const counted = (count: number, noun: string): string => (short(count, 3) === '1' ? `1 ${noun}` : `${short(count, 3)} ${noun}s`);

function exampleText(d: DegenerateExample): string {
  switch (d.kind) {
    case 'weight':
      return `one resting on ${worth(d.observations)} of weight`;
    case 'single-value':
      return `one on the single value ${short(d.at, 8)}`;
    case 'few-rows':
      return `one on the equivalent of ${counted(d.rows, 'distinct row')}`;
    case 'narrow':
      return `one of sd ${short(d.sd)}, narrower than the data's resolution allows`;
    case 'tight':
      return `one of sd ${short(d.sd)} on a few points, narrower than the gaps between the values`;
  }
}
