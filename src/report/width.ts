/**
 * Text measured as a terminal shows it, and text made to fit a width: the width of a string
 * in columns (string-width, as cli-table3 measures its cells: East Asian wide characters
 * count 2, combining marks and colour codes 0), cutting, wrapping, abbreviating labels, and
 * a cli-table3 table that drops or shortens columns until it fits.
 */
import Table from 'cli-table3';
import stringWidth from 'string-width';

/** Columns the text takes on a terminal. */
export const displayWidth = (text: string): number => stringWidth(text);

/**
 * The text split into what a terminal draws in one cell or two: a code point with the zero-width
 * ones after it (combining marks) joined to it.
 */
export function glyphs(text: string): { glyph: string; width: number }[] {
  const out: { glyph: string; width: number }[] = [];
  for (const ch of text) {
    const width = stringWidth(ch);
    if (width === 0 && out.length > 0) out[out.length - 1].glyph += ch;
    else out.push({ glyph: ch, width });
  }
  return out;
}

/** The longest start of `text` at most `width` columns wide. */
function startWithin(text: string, width: number): string {
  let out = '';
  let used = 0;
  for (const { glyph, width: w } of glyphs(text)) {
    if (used + w > width) break;
    out += glyph;
    used += w;
  }
  return out;
}

/** `text` cut to at most `width` columns, ending in '…' when cut. */
export function truncate(text: string, width: number): string {
  if (stringWidth(text) <= width) return text;
  return width < 1 ? '' : `${startWithin(text, width - 1)}…`;
}

/** `text` at most `width` columns, its middle replaced by '…' when too wide: both ends of a long label stay. */
function elideMiddle(text: string, width: number): string {
  if (stringWidth(text) <= width) return text;
  const all = glyphs(text);
  const tail: string[] = [];
  let tailWidth = 0;
  const tailRoom = Math.floor((width - 1) / 2);
  for (let i = all.length - 1; i >= 0 && tailWidth + all[i].width <= tailRoom; i--) {
    tail.unshift(all[i].glyph);
    tailWidth += all[i].width;
  }
  return `${startWithin(text, width - 1 - tailWidth)}…${tail.join('')}`;
}

/**
 * Labels shortened to at most `width` columns each, still told apart: cut at the end, else in
 * the middle (labels that differ only at the end), else numbered 1..K. Labels that fit are kept.
 */
export function abbreviate(labels: readonly string[], width: number): string[] {
  const distinct = (list: string[]): boolean => new Set(list).size === list.length;
  for (const shorten of [truncate, elideMiddle]) {
    const cut = labels.map((l) => shorten(l, width));
    if (distinct(cut) || !distinct([...labels])) return cut;
  }
  return labels.map((_, k) => String(k + 1));
}

/**
 * `text` wrapped at spaces to lines of at most `width` columns; lines after the first start
 * with `indent` spaces (within the width). A word wider than a line is cut across lines.
 */
export function wrap(text: string, width: number, indent = 0): string {
  const lines: string[] = [];
  // Spaces that start the text are kept: they indent its first line.
  const lead = /^ */.exec(text)?.[0] ?? '';
  let line = lead;
  text = text.slice(lead.length);
  const room = (): number => width - (lines.length === 0 ? 0 : indent);
  const push = (): void => {
    lines.push((lines.length === 0 ? '' : ' '.repeat(indent)) + line);
    line = '';
  };
  for (const word of text.split(' ')) {
    const candidate = line.trim() === '' ? line + word : `${line} ${word}`;
    if (stringWidth(candidate) <= room()) {
      line = candidate;
      continue;
    }
    if (line !== '') push();
    let rest = word;
    while (stringWidth(rest) > room() && room() > 0) {
      const head = startWithin(rest, room());
      if (head === '') break;
      line = head;
      push();
      rest = rest.slice(head.length);
    }
    line = rest;
  }
  if (line !== '' || lines.length === 0) push();
  return lines.join('\n');
}

/** A text wrapped to `width`, each of its own lines (paragraphs) separately. */
export const wrapLines = (text: string, width: number, indent = 0): string => text.split('\n').map((l) => wrap(l, width, indent)).join('\n');

/** A column of a fitted table. */
export interface Column {
  head: string;
  align: 'left' | 'right';
  /** A shorter head, used at step `shortAt` (see drop). */
  short?: string;
  /** Shorter cells, used with the short head. */
  compact?: (cell: string) => string;
  /** When the short head and cells are used: a step in the order of `drop`. */
  shortAt?: number;
  /** The column's name in the note that says it was left out, when the head is not enough ("± se" of what). */
  name?: string;
  /** When the column is dropped to fit: the steps are taken in order (1 first; a column is shortened before one dropped at the same step); never when absent. */
  drop?: number;
  /** Cells may be wrapped onto several lines, down to this width (a label column). */
  wrapTo?: number;
}

/** A row of cells, painted bold when `bold`; or one cell across the table (`span`), centred. */
export type TableRow = { cells: string[]; bold?: boolean } | { span: string };

export interface FittedTable {
  text: string;
  /** The heads of the columns left out, in table order. */
  dropped: string[];
}

/** The table's width in columns, as cli-table3 draws it: each cell padded by a space each side, a border between and around. */
function tableWidth(widths: number[]): number {
  return widths.reduce((a, w) => a + w + 3, 1);
}

/**
 * A cli-table3 table at most `width` columns wide: columns shortened and dropped, a step at a
 * time in the order of their `shortAt` and `drop`, until the table fits; then the column with
 * `wrapTo` wrapped onto several lines. What cannot be shortened, dropped or wrapped may still
 * overflow a very narrow terminal. `paint` styles the heads (bold); `rows` are the cells as
 * text, `bold` rows painted whole.
 */
export function fittedTable(columns: Column[], rows: TableRow[], width: number, paint: { head: (s: string) => string; bold: (s: string) => string }): FittedTable {
  const short = new Set<number>();
  const cellOf = (j: number, cell: string): string => (short.has(j) && columns[j].compact ? (columns[j].compact as (cell: string) => string)(cell) : cell);
  const headOf = (j: number): string => (short.has(j) ? (columns[j].short ?? columns[j].head) : columns[j].head);
  const columnWidth = (j: number): number => rows.reduce((a, r) => ('cells' in r ? Math.max(a, stringWidth(cellOf(j, r.cells[j]))) : a), stringWidth(headOf(j)));
  const widthOf = (keep: number[], wrapped: number | null = null): number => tableWidth(keep.map((j) => (j === wrapped ? 0 : columnWidth(j))));
  let keep = columns.map((_, j) => j);
  const steps = columns
    .flatMap((c, j) => [
      ...(c.shortAt === undefined ? [] : [{ at: c.shortAt, j, drop: false }]),
      ...(c.drop === undefined ? [] : [{ at: c.drop + 0.5, j, drop: true }]),
    ])
    .sort((a, b) => a.at - b.at);
  const taken: typeof steps = [];
  for (const step of steps) {
    if (widthOf(keep) <= width) break;
    if (step.drop) keep = keep.filter((k) => k !== step.j);
    else short.add(step.j);
    taken.push(step);
  }
  // Columns shortened before a later step made room: whole again where they fit.
  for (const step of taken.reverse()) {
    if (step.drop || !keep.includes(step.j)) continue;
    short.delete(step.j);
    if (widthOf(keep) > width) short.add(step.j);
  }
  const wrapped = keep.find((j) => columns[j].wrapTo !== undefined) ?? null;
  let wrapWidth: number | null = null;
  if (wrapped !== null && widthOf(keep) > width) {
    const room = width - widthOf(keep, wrapped);
    wrapWidth = Math.max(columns[wrapped].wrapTo as number, stringWidth(headOf(wrapped)), room);
  }
  const table = new Table({
    head: keep.map((j) => paint.head(headOf(j))),
    colAligns: keep.map((j) => columns[j].align),
    style: { head: [], border: [], compact: true },
  });
  for (const row of rows) {
    if (!('cells' in row)) {
      table.push([{ colSpan: keep.length, content: row.span, hAlign: 'center' }]);
      continue;
    }
    const cells = keep.map((j) => (j === wrapped && wrapWidth !== null ? wrap(cellOf(j, row.cells[j]), wrapWidth) : cellOf(j, row.cells[j])));
    table.push(row.bold ? cells.map((cell) => cell.split('\n').map(paint.bold).join('\n')) : cells);
  }
  return { text: table.toString(), dropped: columns.filter((_, j) => !keep.includes(j)).map((c) => c.name ?? c.head) };
}

/** "AIC and ICL not shown (80 columns): …": the note under a table that dropped columns, or ''. */
export function droppedNote(dropped: string[], width: number, where: string): string {
  if (dropped.length === 0) return '';
  const names = dropped.length === 1 ? dropped[0] : `${dropped.slice(0, -1).join(', ')} and ${dropped[dropped.length - 1]}`;
  return `\n${wrap(`${names} not shown, to fit ${width} columns; ${where}`, width)}`;
}
