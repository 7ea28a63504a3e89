/**
 * Hints in error messages: the name the user probably meant ("did you mean"), and what the
 * first line of a file says about how it was written (another delimiter, no header). Each
 * hint is a clause of the one-line message it joins.
 */
import { quote } from '../text.js';

/**
 * The optimal string alignment distance between a and b (Levenshtein's, with a swap of two
 * neighbouring characters as one edit: `waitnig` is 1 from `waiting`), by code unit.
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array(rows * cols);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[(i - 1) * cols + j] + 1, d[i * cols + j - 1] + 1, d[(i - 1) * cols + j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[(i - 2) * cols + j - 2] + 1);
      d[i * cols + j] = best;
    }
  }
  return d[rows * cols - 1];
}

/**
 * The candidate the user most likely meant by `word`, or null: one that differs only in case
 * or spaces around it; else the nearest within 3 edits that keeps over 40% of the word (the
 * rule of commander's own suggestions, so that `y` does not suggest `x`). Ties go to the first
 * candidate.
 */
export function closest(word: string, candidates: readonly string[]): string | null {
  const plain = word.trim().toLowerCase();
  const same = candidates.find((c) => c.trim().toLowerCase() === plain);
  if (same !== undefined) return same;
  let best: string | null = null;
  let bestDistance = 4;
  for (const candidate of candidates) {
    const other = candidate.trim().toLowerCase();
    if (Math.abs(other.length - plain.length) >= bestDistance) continue;
    const distance = editDistance(plain, other);
    const kept = (Math.max(plain.length, other.length) - distance) / Math.max(plain.length, other.length);
    if (distance < bestDistance && kept > 0.4) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** "; did you mean X?" with the closest candidate, or '' when none is close. */
export function suggestion(word: string, candidates: readonly string[], show: (name: string) => string = (name) => name): string {
  const best = closest(word, candidates);
  return best === null ? '' : `; did you mean ${show(best)}?`;
}

/** Delimiters tried on a header that did not name the column asked for. */
const OTHER_DELIMITERS: [string, string][] = [
  [';', "-d ';'"],
  ['\t', '-d tab'],
  [',', '-d ,'],
  ['|', "-d '|'"],
];

/** How a delimiter is named in a message. */
const delimiterName = (d: string): string => (d === '\t' ? 'tabs' : d === ';' ? 'semicolons' : d === ',' ? 'commas' : `${JSON.stringify(d)}`);

/** A cell that is a number as CSV files write them (also with a decimal comma): the sign that a first line is data. */
const NUMBER = /^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$/;

/**
 * What the first line suggests when it holds no column `wanted`: that the file is separated
 * by another delimiter (its fields split by one, with `wanted` among them or the single field
 * split into several), or that it has no header (every field a number). '' when neither.
 */
export function headerHint(fields: readonly string[], delimiter: string, wanted: string): string {
  const line = fields.join(delimiter);
  let fallback = '';
  for (const [d, flag] of OTHER_DELIMITERS) {
    if (d === delimiter || !line.includes(d)) continue;
    const split = line.split(d).map((f) => f.trim().replace(/^"(.*)"$/, '$1'));
    const hint = `; the first line is separated by ${delimiterName(d)}: give ${flag}`;
    if (split.includes(wanted.trim())) return hint;
    if (fields.length === 1 && split.length > 1 && fallback === '') fallback = hint;
  }
  if (fallback !== '') return fallback;
  if (fields.length > 0 && fields.every((f) => NUMBER.test(f.trim()))) {
    return '; the first line holds only numbers, so the file may have no header: give --no-header and columns by number (--var 1)';
  }
  return '';
}

/** Columns listed in a message, the first 12 when there are more. */
export function columnList(header: readonly string[]): string {
  return header.length > 12 ? `${header.slice(0, 12).map(quote).join(', ')}, … (${header.length} in all)` : header.map(quote).join(', ');
}

/**
 * The message for a column the header does not name: "did you mean" when a column is close,
 * else the columns, and the hint of the first line (delimiter, no header).
 */
export function missingColumn(wanted: string, option: string, header: readonly string[], delimiter: string): string {
  const near = suggestion(wanted, header, quote);
  const hint = headerHint(header, delimiter, wanted);
  return `no column named ${quote(wanted)} (${option})${near || `; the columns are ${columnList(header)}`}${near ? '' : hint}`;
}

/** A number written with a decimal comma, `1,5` or `-0,25`: the hint for --decimal-comma. */
const DECIMAL_COMMA = /^\s*[+-]?\d*,\d+([eE][+-]?\d+)?\s*$/;

/**
 * What to add to "holds X, which is not a finite number": the option for a decimal comma (and
 * in a file separated by commas, where such numbers are quoted, -d , with it, since
 * --decimal-comma alone reads ";" between fields).
 */
export function numberHint(text: string, decimalComma: boolean, delimiter = ';'): string {
  if (!decimalComma && DECIMAL_COMMA.test(text)) return `; for numbers with a decimal comma, give --decimal-comma${delimiter === ',' ? ' -d ,' : ''}`;
  if (decimalComma && text.includes('.')) return ' with a decimal comma (--decimal-comma): a point is not allowed in it';
  return '';
}
