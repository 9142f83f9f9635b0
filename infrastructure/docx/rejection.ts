// A submission the DOCX layer refuses: a stable code for programs and a Russian message for people.

export type RejectionCode =
  | 'empty'
  | 'too-large'
  | 'not-zip'
  | 'legacy-doc'
  | 'encrypted'
  | 'macro'
  | 'not-docx'
  | 'zip-bomb'
  | 'doctype'
  | 'corrupt'
  | 'no-table'
  | 'too-many-rows'
  | 'too-complex'
  | 'duplicate-entry'
  | 'timeout';

export class DocxRejection extends Error {
  constructor(
    readonly code: RejectionCode,
    message: string,
  ) {
    super(message);
    this.name = 'DocxRejection';
  }
}

/** «12,3 МБ», «640 КБ», «15 байт» — sizes for messages. */
export function formatSize(bytes: number): string {
  const MiB = 1024 * 1024;
  if (bytes >= MiB) return `${formatDecimal(bytes / MiB)} МБ`;
  if (bytes >= 1024) return `${formatDecimal(bytes / 1024)} КБ`;
  return `${bytes} байт`;
}

function formatDecimal(n: number): string {
  const rounded = Math.round(n * 10) / 10;
  return Number.isInteger(rounded) ? String(rounded) : rounded.toFixed(1).replace('.', ',');
}

/** «2 000» — thousands separated by a no-break space, as Russian texts write them. */
export function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, '\u00a0');
}
