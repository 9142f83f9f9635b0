// Text helpers shared by the parser, the web form, validation and merge. Pure string work.

// Line separators that Word, mail clients and browsers put into cell text: all become "\n".
const LINE_BREAKS = /\r\n|[\r\v\f\u2028\u2029\u0085]/g;
// Control characters except \t and \n, plus invisible format characters (zero-width spaces, BOM,
// word joiner, soft hyphen) that make equal-looking texts compare unequal, and the bidirectional
// embeddings, overrides and isolates, which make a cell display other than it reads (a Russian
// report has no right-to-left text to protect).
const INVISIBLE =
  /[\u0000-\u0008\u000e-\u001f\u007f-\u0084\u0086-\u009f\u00ad\u200b\u200e\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]/g;

/**
 * The canonical form of a cell's text: control characters stripped, tabs made spaces, runs of
 * spaces collapsed (a single no-break space is kept — it is deliberate typography: «г. Вязьма»),
 * each line trimmed, empty lines at the start and end dropped. Inner line breaks are kept.
 */
export function normalizeCell(text: string): string {
  const lines = text
    .replace(LINE_BREAKS, '\n')
    .replace(INVISIBLE, '')
    .replace(/\t/g, ' ')
    .split('\n')
    .map((line) => line.replace(/[ \u00a0]{2,}/g, ' ').trim());
  let first = 0;
  let last = lines.length;
  while (first < last && lines[first] === '') first++;
  while (last > first && lines[last - 1] === '') last--;
  return lines.slice(first, last).join('\n');
}

/** All whitespace (line breaks, no-break spaces) collapsed to single spaces, trimmed. */
export function collapseWhitespace(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * A key for "is this the same text?": case, «ё», quotes, whitespace and punctuation at the ends
 * do not matter. Used for duplicates, never shown.
 */
export function looseKey(text: string): string {
  return collapseWhitespace(
    normalizeCell(text)
      .toLowerCase()
      .replace(/ё/g, 'е')
      .replace(/[«»"„“”‘’'`]/g, ' ')
      .replace(/[\u2010-\u2015\u2212]/g, '-'),
  ).replace(/^[\s.,;:!?-]+|[\s.,;:!?-]+$/g, '');
}

/** Russian plural form: plural(5, ['знак', 'знака', 'знаков']) → 'знаков'. */
export function plural(n: number, forms: readonly [string, string, string]): string {
  const abs = Math.abs(n) % 100;
  const last = abs % 10;
  if (abs >= 11 && abs <= 14) return forms[2];
  if (last === 1) return forms[0];
  if (last >= 2 && last <= 4) return forms[1];
  return forms[2];
}

/** A text to quote in a message: on one line, long texts shortened with «…». */
export function quoteForMessage(text: string, max = 80): string {
  const flat = collapseWhitespace(text);
  return flat.length <= max ? flat : `${flat.slice(0, max - 1).trimEnd()}…`;
}
