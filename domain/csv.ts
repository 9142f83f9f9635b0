// CSV for people who open it in Excel: UTF-8 with a byte-order mark (without one, Excel reads
// Cyrillic as cp1251 mojibake), «;» between fields (what Excel expects in a Russian locale, where
// «,» is the decimal separator), CRLF line ends, RFC 4180 quoting.

export const CSV_SEPARATOR = ';';
export const CSV_BOM = '\ufeff';

/**
 * A cell that Excel or LibreOffice would run as a formula (= + - @, and tab or CR, which some
 * versions skip before reading one) gets a leading apostrophe: the text shows as written and never
 * runs (CSV/formula injection, OWASP).
 */
export function defuseFormula(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

/** One field: defused, then quoted when it holds the separator, a quote or a line break. */
export function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'number' ? String(value) : defuseFormula(value);
  return /[";\r\n,]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv(rows: readonly (readonly (string | number | null | undefined)[])[]): string {
  return CSV_BOM + rows.map((row) => row.map(csvField).join(CSV_SEPARATOR)).join('\r\n') + '\r\n';
}
