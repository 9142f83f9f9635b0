// From a scanned document to the submission's rows: find the table whose header is the official
// one, map its grid columns to the five text columns, and read the data rows.
//
// Decisions:
// - The header is looked for in the first five rows of each table (a title row merged across the
//   table may come first); tables are tried in document order, nested ones last.
// - Columns are matched by grid position: a cell belongs to the header column its first grid
//   column falls under (w:gridSpan / w:gridBefore / legacy w:hMerge are honoured). Two cells under
//   one header column are joined line by line.
// - A vertically merged cell (w:vMerge continue) takes the text of the cell above it: a date or a
//   place merged over several events belongs to each of them. A warning names the rows.
// - Skipped: empty rows, rows deleted with tracked changes, the header repeated (on the next page
//   or pasted again), a row of column numbers «1 2 3 4 5 6», and rows one merged cell wide (a
//   municipality's name over its events) — the last with a warning.
// - A row that only says «мероприятия не проводились» (loosely: «мероприятий не было», «не
//   проводились», in any cell, the number cell included) makes a nil report when it is the only
//   row; among real events it is dropped with a warning.

import { matchHeaderRow } from '../../domain/quarter';
import { plural, quoteForMessage } from '../../domain/text';
import { COLUMN_KEYS } from '../../domain/types';
import type { ColumnKey, EventRow } from '../../domain/types';
import { COLUMN_TITLES, normalizeCell } from '../../domain/validate';
import { DocxRejection, formatCount } from './rejection';
import type { ScannedCell, ScannedDocument, ScannedRow, ScannedTable } from './xml-scan';
import { cellText } from './xml-scan';

export type SubmissionTable = { rows: EventRow[]; nil: boolean; numberColumn: boolean; warnings: string[] };

type Role = ColumnKey | 'number';

type LaidCell = { text: string; start: number; span: number; cell: ScannedCell };

/** The row's cells with their grid positions; legacy hMerge continuations widen the cell before. */
function layRow(row: ScannedRow): LaidCell[] {
  const out: LaidCell[] = [];
  let grid = row.gridBefore;
  for (const cell of row.cells) {
    const previous = out[out.length - 1];
    if (cell.hMerge === 'continue' && previous) {
      previous.span += cell.gridSpan;
    } else {
      out.push({ text: cellText(cell), start: grid, span: cell.gridSpan, cell });
    }
    grid += cell.gridSpan;
  }
  return out;
}

function isEmptyText(text: string): boolean {
  return text.trim() === '';
}

const NIL_VERB =
  /(^| )не (проводил(ись|ось|ся|ась)?|было|осуществлял(ись|ось)|организовывал(ись|ось)|проходил(и|о)|состоял(ись|ось))( |$)/;

/** «Мероприятия не проводились», «мероприятий не было», «Нет мероприятий» — loosely. */
export function isNilPhrase(text: string): boolean {
  const t = text
    .toLowerCase()
    .replace(/ё/g, 'е')
    .replace(/[^a-zа-я0-9]+/g, ' ')
    .trim();
  if (t === '' || t.length > 200) return false;
  if (/^(мероприяти[йя] )?(нет|отсутствуют|отсутствовали)( мероприятий)?$/.test(t)) return true;
  if (/^нет мероприятий$/.test(t)) return true;
  return NIL_VERB.test(t) && (t.includes('мероприят') || t.split(' ').length <= 3);
}

/** «1 2 3 4 5 6» — a row of column numbers under the header. */
function isColumnNumbersRow(texts: string[]): boolean {
  const filled = texts.map((t) => t.trim()).filter((t) => t !== '');
  if (filled.length < 3) return false;
  return filled.every((t, i) => t.replace(/\.$/, '') === String(i + 1));
}

type HeaderMatch = {
  table: ScannedTable;
  headerIndex: number;
  numberColumn: boolean;
  roleAt: (Role | null)[];
};

const HEADER_SEARCH_ROWS = 5;

/** How a repeated header row can start (a cheap test before matchHeaderRow). */
const HEADER_START = /^(№|n|no|номер|п\/п|наимен|назван)/i;

function findHeader(table: ScannedTable): HeaderMatch | null {
  const limit = Math.min(table.rows.length, HEADER_SEARCH_ROWS);
  for (let r = 0; r < limit; r++) {
    const cells = layRow(table.rows[r]!);
    const match = matchHeaderRow(cells.map((c) => c.text));
    if (!match) continue;
    const roleAt: (Role | null)[] = [];
    cells.forEach((cell, i) => {
      const index = match.numberColumn ? i - 1 : i;
      const role: Role | null = index < 0 ? 'number' : (match.columns[index] ?? null);
      for (let g = cell.start; g < cell.start + cell.span; g++) roleAt[g] = role;
    });
    return { table, headerIndex: r, numberColumn: match.numberColumn, roleAt };
  }
  return null;
}

function expectedColumns(): string {
  return ['«№ п/п» (можно без него)', ...COLUMN_KEYS.map((k) => `«${COLUMN_TITLES[k]}»`)].join(', ');
}

function noTable(document: ScannedDocument): DocxRejection {
  const first = document.blocks.find((b) => b.kind === 'table');
  if (!first || first.kind !== 'table') {
    return new DocxRejection(
      'no-table',
      'В документе нет таблицы мероприятий. Заполните таблицу в шаблоне (столбцы: ' +
        `${expectedColumns()}) и отправьте файл снова.`,
    );
  }
  const firstRow = first.table.rows.map(layRow).find((cells) => cells.some((c) => !isEmptyText(c.text)));
  const said = firstRow
    ? firstRow
        .filter((c) => !isEmptyText(c.text))
        .map((c) => `«${quoteForMessage(c.text, 50)}»`)
        .join(', ')
    : null;
  return new DocxRejection(
    'no-table',
    'В документе не найдена таблица мероприятий: заголовки таблицы не совпадают с шаблоном. ' +
      `Ожидались столбцы: ${expectedColumns()}. ` +
      (said ? `Первая строка таблицы в документе: ${said}. ` : 'Таблица в документе пустая. ') +
      'Скачайте шаблон заново и перенесите в него сведения, не меняя заголовков.',
  );
}

type MergeGroup = { column: ColumnKey; first: number; last: number; text: string };

/** Reads the submission's rows. Throws DocxRejection ('no-table', 'too-many-rows'). */
export function readSubmissionTable(document: ScannedDocument, maxRows: number): SubmissionTable {
  const tables = [
    ...document.blocks.flatMap((b) => (b.kind === 'table' ? [b.table] : [])),
    ...document.nested,
  ];
  let header: HeaderMatch | null = null;
  let matching = 0;
  for (const table of tables) {
    const found = findHeader(table);
    if (found) {
      matching++;
      header ??= found;
    }
  }
  if (!header) throw noTable(document);

  const warnings: string[] = [];
  if (document.trackedChanges) {
    warnings.push(
      'В документе есть непринятые исправления (режим рецензирования). Сведения прочитаны так, как если бы ' +
        'все исправления были приняты.',
    );
  }
  if (document.hiddenText) {
    warnings.push('В документе есть скрытый текст (формат «скрытый»); он не учтён.');
  }
  if (matching > 1) {
    warnings.push('В документе несколько таблиц мероприятий; прочитана только первая из них.');
  }

  const { roleAt } = header;
  const dataKeys = new Set<number>();
  roleAt.forEach((role, g) => {
    if (role !== null && role !== 'number') dataKeys.add(g);
  });
  const firstData = Math.min(...dataKeys);
  const lastData = Math.max(...dataKeys);

  const rows: EventRow[] = [];
  let nilRows = 0;
  const above = new Map<number, string>();
  const groups = new Map<number, MergeGroup>();
  const closeGroup = (start: number): void => {
    const group = groups.get(start);
    if (group && group.last > group.first) {
      warnings.push(
        `Строки ${group.first}–${group.last}: ячейки столбца «${COLUMN_TITLES[group.column]}» объединены; ` +
          `значение «${quoteForMessage(group.text, 60)}» отнесено к каждой из этих строк.`,
      );
    }
    groups.delete(start);
  };

  for (let r = header.headerIndex + 1; r < header.table.rows.length; r++) {
    const row = header.table.rows[r]!;
    if (row.deleted) continue;
    const cells = layRow(row);
    const rowNumber = rows.length + 1;
    // Vertical merges: a continuation shows the text of the cell above.
    for (const cell of cells) {
      if (cell.cell.vMerge === 'continue') {
        cell.text = above.get(cell.start) ?? '';
      } else {
        closeGroup(cell.start);
      }
    }
    const texts = cells.map((c) => c.text);
    const filled = cells.filter((c) => !isEmptyText(c.text));
    for (const cell of cells) above.set(cell.start, cell.text);
    if (filled.length === 0) continue;
    if (isColumnNumbersRow(texts)) continue;
    if (HEADER_START.test(filled[0]!.text.trimStart().slice(0, 16)) && matchHeaderRow(texts)) continue;

    const meaningful = filled.filter(
      (c) =>
        !/^[\s\-–—.…_]*$/.test(c.text) && !(roleAt[c.start] === 'number' && /^\s*\d+\.?\s*$/.test(c.text)),
    );
    if (meaningful.length > 0 && meaningful.every((c) => isNilPhrase(c.text))) {
      nilRows++;
      continue;
    }
    const only = filled.length === 1 ? filled[0]! : null;
    if (only && only.start <= firstData && only.start + only.span - 1 >= lastData) {
      warnings.push(
        `Строка «${quoteForMessage(only.text, 60)}» занимает всю ширину таблицы и не похожа на мероприятие — ` +
          'она пропущена.',
      );
      continue;
    }

    const parts: Record<ColumnKey, string[]> = {
      title: [],
      place: [],
      dates: [],
      purpose: [],
      participants: [],
    };
    const outside: string[] = [];
    for (const cell of cells) {
      const role = roleAt[cell.start];
      if (cell.cell.nested) {
        warnings.push(
          `Строка ${rowNumber}: таблица, вложенная в ячейку, не учтена — перенесите её текст в ячейку.`,
        );
      }
      if (isEmptyText(cell.text)) continue;
      if (role === 'number') continue;
      if (role === undefined || role === null) {
        outside.push(cell.text);
        continue;
      }
      parts[role].push(cell.text);
      if (cell.cell.vMerge === 'continue') {
        const group = groups.get(cell.start);
        if (group) group.last = rowNumber;
      } else if (cell.cell.vMerge === 'restart') {
        groups.set(cell.start, { column: role, first: rowNumber, last: rowNumber, text: cell.text });
      }
    }
    const event = {} as EventRow;
    for (const key of COLUMN_KEYS) event[key] = normalizeCell(parts[key].join('\n'));
    if (COLUMN_KEYS.every((key) => event[key] === '')) continue;
    if (outside.length > 0) {
      warnings.push(
        `Строка ${rowNumber}: текст вне столбцов таблицы не учтён: «${quoteForMessage(outside.join(' '), 60)}».`,
      );
    }
    rows.push(event);
  }
  for (const start of [...groups.keys()]) closeGroup(start);

  if (rows.length > maxRows) {
    throw new DocxRejection(
      'too-many-rows',
      `В таблице ${formatCount(rows.length)} ${plural(rows.length, ['строка', 'строки', 'строк'])} с мероприятиями — ` +
        `больше допустимых ${formatCount(maxRows)}. ` +
        'Проверьте, не попали ли в документ лишние строки; если мероприятий действительно столько, ' +
        'свяжитесь с координатором.',
    );
  }
  const nil = rows.length === 0 && nilRows > 0;
  if (rows.length > 0 && nilRows > 0) {
    warnings.push('Строка «мероприятия не проводились» пропущена: в таблице указаны мероприятия.');
  }
  if (rows.length === 0 && !nil) {
    warnings.push(
      'В таблице нет ни одного мероприятия. Если мероприятия не проводились, напишите в первой ячейке ' +
        'пустой строки «Мероприятия не проводились» или отправьте отчет об отсутствии мероприятий.',
    );
  }
  return { rows, nil, numberColumn: header.numberColumn, warnings: capWarnings(warnings) };
}

const MAX_WARNINGS = 30;

/** A pathological file must not produce thousands of warnings: the first ones and a count. */
function capWarnings(warnings: string[]): string[] {
  if (warnings.length <= MAX_WARNINGS) return warnings;
  const more = warnings.length - MAX_WARNINGS;
  return [
    ...warnings.slice(0, MAX_WARNINGS),
    `…и ещё ${formatCount(more)} ${plural(more, ['предупреждение', 'предупреждения', 'предупреждений'])}.`,
  ];
}
