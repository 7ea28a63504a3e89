/**
 * Generated CSV files for the reader's differential test: numbers in many forms (signs,
 * exponents, leading and trailing spaces, tabs and other white space, more than 15 digits,
 * overflow and underflow), missing values (empty, NA, null), labels plain, quoted (with the
 * delimiter, quotes and line breaks inside), long, non-ASCII, or looking like numbers and
 * missing values; weights (0, fractions, negative), groups; CRLF or LF, blank and
 * white-space lines, a byte-order mark, one of several delimiters. Each feature is drawn
 * with its own probability. What stops a read (a value that is not a number, a ragged
 * row, a negative weight, a lone CR or LF) comes at most once a file, in a fraction of the
 * files, so that most files are read to the end and their values compared.
 */
import { randomInt } from './random.js';

const pick = <T>(u: () => number, items: readonly T[]): T => items[randomInt(u, 0, items.length - 1)];

/** A number as people and programs write it (and, with `bad`, something that is not one). */
export function numberText(u: () => number, rate = 1, bad = false): string {
  const v = (u() - 0.5) * 10 ** randomInt(u, -8, 8);
  const forms: (() => string)[] = [
    () => v.toFixed(randomInt(u, 0, 8)),
    () => String(v),
    () => v.toExponential(randomInt(u, 0, 16)),
    () => v.toExponential(randomInt(u, 0, 6)).toUpperCase(),
    () => v.toPrecision(randomInt(u, 1, 21)),
    () => String(Math.round(v)),
    () => `+${Math.abs(v).toFixed(3)}`,
    () => `.${randomInt(u, 0, 99999)}`,
    () => `${randomInt(u, -99, 99)}.`,
    () => `${randomInt(u, 0, 9)}${'1234567890'.repeat(randomInt(u, 1, 3))}.${randomInt(u, 0, 999)}`,
    () => `0.${'0'.repeat(randomInt(u, 0, 30))}${randomInt(u, 1, 999)}`,
    () => pick(u, ['-0', '0', '0.0', '1e-400', '4.9e-324', '2.2250738585072014e-308', '1.7976931348623157e308', '1e22', '1e23', '9007199254740993']),
  ];
  let text = pick(u, forms)();
  if (u() < 0.1 * rate) text = `${pick(u, [' ', '  ', '\t', ' \t'])}${text}`;
  if (u() < 0.1 * rate) text = `${text}${pick(u, [' ', '\t', '  ', '\v', '\f', '\u00a0', '\u3000'])}`;
  if (bad) text = pick(u, ['\v1', '1e400', '-1e999', 'NaN', 'Infinity', '0x10', '1_0', 'abc', '1e', '--1', '١٢', 'é']);
  if (u() < 0.03 * rate) text = pick(u, ['', 'NA', 'N/A', 'null', '  ', ' NA ', '#N/A']);
  if (u() < 0.03 * rate) text = `"${text}"`;
  return text;
}

/** A label, now and then one that needs quotes, or that looks like a number or a missing value. */
export function labelText(u: () => number, rate = 1): string {
  const plain = pick(u, ['a', 'b', 'c', '1', '2', '10', 'x', 'yy', 'long label name', 'café', 'cafè', 'Grüße', '😀', 'naïve', '__proto__', 'constructor', '0', '-1', '1.0', '01', 'sixchr', 'sevench']);
  const r = u();
  if (r < 0.02 * rate) return pick(u, ['NA', '', 'null', ' ', '#N/A']);
  if (r < 0.05 * rate) return `"${pick(u, ['a,b', 'say ""hi""', 'two\nlines', 'cr\r\nlf', ' spaced ', 'a;b', 'tab\there', ''])}"`;
  if (r < 0.08 * rate) return `${pick(u, [' ', '\t', '\f'])}${plain}${pick(u, ['', ' ', '\t', '\u00a0'])}`;
  return plain;
}

export interface GeneratedCsv {
  text: string;
  delimiter: string;
  header: boolean;
  columns: { var: string; init?: string; weight?: string; by?: string };
}

/**
 * A CSV file of `rows` rows: an id, x, a label, a weight, a group (the last three in use or
 * not), with `rate` scaling the probability of the awkward features.
 */
export function generateCsv(u: () => number, rows: number, rate = 1): GeneratedCsv {
  const delimiter = u() < 0.7 ? ',' : pick(u, [';', '\t', '|', ' ']);
  const crlf = u() < 0.3;
  const eol = (): string => (crlf ? '\r\n' : '\n');
  // The row where the read stops, if it does, and why.
  const trouble = u() < 0.4 ? randomInt(u, 0, Math.max(0, rows - 1)) : -1;
  const why = pick(u, ['number', 'ragged', 'line end', 'weight']);
  const header = u() < 0.85;
  const names = ['id', 'x', 'label', 'w', 'group'];
  const columns = {
    var: header ? 'x' : '2',
    ...(u() < 0.7 ? { init: header ? 'label' : '3' } : {}),
    ...(u() < 0.3 ? { weight: header ? 'w' : '4' } : {}),
    ...(u() < 0.3 ? { by: header ? 'group' : '5' } : {}),
  };
  // A space delimiter makes spaces around fields part of the delimiting: keep numbers bare.
  const fieldRate = delimiter === ' ' ? 0 : rate;
  const lines: string[] = [];
  if (u() < 0.05 * rate) lines.push('\ufeff');
  if (header) lines.push(`${names.join(delimiter)}${eol()}`);
  for (let i = 0; i < rows; i++) {
    const stop = i === trouble ? why : '';
    const weight = stop === 'weight' ? pick(u, ['-1', '-0.5', 'NaN']) : u() < 0.05 * rate ? pick(u, ['0', '0.0', '1e-5', '2.5', 'NA', '']) : (u() * 3).toFixed(2);
    const label = labelText(u, fieldRate);
    const fields = [String(i), numberText(u, fieldRate, stop === 'number'), delimiter === ' ' ? label.replaceAll(' ', '_') : label, weight, pick(u, ['g1', 'g2', 'north', 'süd', 'g1'])];
    if (stop === 'ragged') fields.push('extra');
    const end = stop === 'line end' ? pick(u, ['\r', crlf ? '\n' : '\r\n']) : eol();
    lines.push(`${fields.join(delimiter)}${end}`);
    if (u() < 0.01 * rate) lines.push(pick(u, ['', '   ', '\t', '\v', ' \f ', delimiter.repeat(4)]) + eol());
  }
  let text = lines.join('');
  if (u() < 0.2) text = text.replace(/(\r\n|\n|\r)$/, '');
  return { text, delimiter, header, columns };
}
