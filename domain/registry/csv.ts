// The registry as a CSV file: what `svodka registry import|export` read and write, and what the seed
// of a region (prisma/seed/) is. One row per municipal formation, in region order; the header names
// the columns (any order). A file either reads whole or not at all: every bad line is reported, in
// Russian, with its number, and nothing is returned to import.

/** A municipal formation as a registry file states it. */
export type RegistryRow = {
  /** 1-based line of the file the row came from (0: not from a file). */
  line: number;
  code: string;
  name: string;
  /** Empty: the default «Муниципальное образование «name» <region genitive>». */
  sectionTitle: string;
  email: string;
  headEmail: string | null;
  headName: string | null;
  retired: boolean;
  mergedInto: string | null;
};

export type RegistryCsvResult = { ok: true; rows: RegistryRow[] } | { ok: false; errors: string[] };

/** Column names as written in the header, and what they hold. */
export const REGISTRY_COLUMNS = {
  code: 'код',
  name: 'название',
  section_title: 'заголовок раздела отчета',
  email: 'адрес',
  head_email: 'адрес главы',
  head_name: 'глава',
  status: 'состояние («выведено» или пусто)',
  merged_into: 'куда присоединено (код)',
} as const;

type Column = keyof typeof REGISTRY_COLUMNS;
const REQUIRED: Column[] = ['code', 'name', 'email'];
const RETIRED = 'выведено';

export const CODE_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
const CODE_RULE = 'латинские строчные буквы, цифры и дефис, до 64 знаков, например vyazma';
// Deliberately plain: the relay is the judge of deliverability; this catches typos and junk.
export const EMAIL_PATTERN = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/;
/** A cell Excel would run as a formula when the exported file is opened there. */
export const FORMULA_START = /^[=+\-@\t\r]/;
export const MAX_TEXT = 300;

/** RFC 4180 fields: quotes around a field with the separator, a quote or a line break; "" inside. */
export function parseCsv(text: string, separator: string): { line: number; cells: string[] }[] {
  const records: { line: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  let i = 0;
  const endRecord = () => {
    cells.push(cell);
    if (!(cells.length === 1 && cells[0]!.trim() === '')) records.push({ line: start, cells });
    cells = [];
    cell = '';
  };
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 2;
        continue;
      }
      if (ch === '"') quoted = false;
      else {
        if (ch === '\n') line++;
        cell += ch;
      }
      i++;
      continue;
    }
    if (ch === '"' && cell === '') quoted = true;
    else if (ch === separator) {
      cells.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      start = line;
    } else cell += ch;
    i++;
  }
  if (cell !== '' || cells.length > 0) endRecord();
  return records;
}

/** Russian Excel saves CSV with «;»; the rest of the world with «,». The header tells which. */
function separatorOf(header: string): string {
  return (header.match(/;/g)?.length ?? 0) > (header.match(/,/g)?.length ?? 0) ? ';' : ',';
}

/** Checks a text field of the registry; null when fine, else the Russian reason. */
export function textProblem(label: string, value: string, required: boolean): string | null {
  if (required && value === '') return `не указано поле «${label}»`;
  if (value.length > MAX_TEXT) return `поле «${label}» длиннее ${MAX_TEXT} знаков`;
  if (FORMULA_START.test(value))
    return `поле «${label}» начинается с «${value[0] === '\t' ? 'табуляции' : value[0]}»: так начинаются формулы электронных таблиц, такие значения не принимаются`;
  if (/[\u0000-\u001f\u007f]/.test(value)) return `в поле «${label}» есть управляющие символы`;
  return null;
}

export function parseRegistryCsv(text: string): RegistryCsvResult {
  const body = text.replace(/^\uFEFF/, '');
  const firstLine = body.split(/\r?\n/, 1)[0] ?? '';
  const records = parseCsv(body, separatorOf(firstLine));
  if (records.length === 0)
    return {
      ok: false,
      errors: ['Файл реестра пуст: нужна строка заголовков и строки муниципальных образований.'],
    };
  const [header, ...data] = records;
  const names = header!.cells.map((c) => c.trim().toLowerCase());
  const errors: string[] = [];
  const unknown = names.filter((n) => !(n in REGISTRY_COLUMNS));
  if (unknown.length > 0)
    errors.push(
      `Строка 1: неизвестные столбцы ${unknown.map((n) => `«${n}»`).join(', ')}; допустимы: ${Object.keys(REGISTRY_COLUMNS).join(', ')}.`,
    );
  const missing = REQUIRED.filter((c) => !names.includes(c));
  if (missing.length > 0) errors.push(`Строка 1: нет обязательных столбцов ${missing.join(', ')}.`);
  const repeated = names.filter((n, i) => names.indexOf(n) !== i);
  if (repeated.length > 0) errors.push(`Строка 1: столбец ${repeated[0]} указан дважды.`);
  if (errors.length > 0) return { ok: false, errors };
  if (data.length === 0)
    return { ok: false, errors: ['В файле реестра нет ни одного муниципального образования.'] };

  const index = Object.fromEntries(names.map((n, i) => [n, i])) as Partial<Record<Column, number>>;
  const rows: RegistryRow[] = [];
  const seen = new Map<string, number>();
  for (const { line, cells } of data) {
    const get = (c: Column) => (index[c] === undefined ? '' : (cells[index[c]] ?? '').trim());
    const problems: string[] = [];
    if (cells.length > names.length)
      problems.push(`значений (${cells.length}) больше, чем столбцов (${names.length})`);
    const code = get('code');
    if (code === '') problems.push('не указан код');
    else if (!CODE_PATTERN.test(code)) problems.push(`код «${code.slice(0, 64)}» не подходит: ${CODE_RULE}`);
    else if (seen.has(code)) problems.push(`код «${code}» уже был в строке ${seen.get(code)}`);
    else seen.set(code, line);
    const texts: [string, string, boolean][] = [
      [REGISTRY_COLUMNS.name, get('name'), true],
      [REGISTRY_COLUMNS.section_title, get('section_title'), false],
      [REGISTRY_COLUMNS.head_name, get('head_name'), false],
    ];
    for (const [label, value, required] of texts) {
      const problem = textProblem(label, value, required);
      if (problem) problems.push(problem);
    }
    const email = get('email');
    if (email === '') problems.push('не указан адрес электронной почты');
    else if (!EMAIL_PATTERN.test(email) || email.length > MAX_TEXT)
      problems.push(`адрес «${email.slice(0, 80)}» не похож на адрес электронной почты`);
    const headEmail = get('head_email');
    if (headEmail !== '' && (!EMAIL_PATTERN.test(headEmail) || headEmail.length > MAX_TEXT))
      problems.push(`адрес главы «${headEmail.slice(0, 80)}» не похож на адрес электронной почты`);
    const status = get('status').toLowerCase();
    if (status !== '' && status !== RETIRED)
      problems.push(`состояние «${status.slice(0, 40)}» не подходит: «${RETIRED}» или пусто`);
    const mergedInto = get('merged_into');
    if (mergedInto !== '' && !CODE_PATTERN.test(mergedInto))
      problems.push(`код «${mergedInto.slice(0, 64)}» в столбце merged_into не подходит: ${CODE_RULE}`);
    if (mergedInto !== '' && status !== RETIRED)
      problems.push('присоединенное муниципальное образование должно быть выведено (состояние «выведено»)');
    if (mergedInto !== '' && mergedInto === code)
      problems.push('муниципальное образование не может быть присоединено к самому себе');
    if (problems.length > 0) {
      errors.push(`Строка ${line}: ${problems.join('; ')}.`);
      continue;
    }
    rows.push({
      line,
      code,
      name: get('name'),
      sectionTitle: get('section_title'),
      email,
      headEmail: headEmail || null,
      headName: get('head_name') || null,
      retired: status === RETIRED,
      mergedInto: mergedInto || null,
    });
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, rows };
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** The file `registry export` writes: UTF-8 with a BOM (Excel reads Cyrillic right), CRLF lines. */
export function formatRegistryCsv(rows: Omit<RegistryRow, 'line'>[]): string {
  const columns = Object.keys(REGISTRY_COLUMNS) as Column[];
  const lines = [columns.join(',')];
  for (const r of rows) {
    const values: Record<Column, string> = {
      code: r.code,
      name: r.name,
      section_title: r.sectionTitle,
      email: r.email,
      head_email: r.headEmail ?? '',
      head_name: r.headName ?? '',
      status: r.retired ? RETIRED : '',
      merged_into: r.mergedInto ?? '',
    };
    lines.push(columns.map((c) => csvField(values[c])).join(','));
  }
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}
