// `svodka backup` / `svodka restore`: the application database in one file — every table the Prisma
// schema has (uploaded files and reports are rows of Blob), so a table added later is carried
// without a change here. The file is gzip'd JSON lines: a header (format, version, source provider,
// migrations, rows per table), then one line per row, `{"t": model, "r": row}`, with DateTime as ISO
// text and Bytes as base64. It moves between SQLite and PostgreSQL alike.
import { once } from 'node:events';
import { createReadStream, createWriteStream, renameSync, rmSync } from 'node:fs';
import { pipeline } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip, createGzip } from 'node:zlib';
import { createDb } from './client';
import type { Db } from './client';
import { applyMigrations } from './migrate';
import { databaseProvider, databaseUrl } from './settings';

export const BACKUP_FORMAT = 'svodka-backup';
export const BACKUP_VERSION = 1;

export type BackupHeader = {
  format: typeof BACKUP_FORMAT;
  version: number;
  createdAt: string;
  provider: string;
  /** The migrations applied to the source, oldest first. */
  migrations: string[];
  /** Rows per table, in the order they follow in the file. */
  tables: Record<string, number>;
};

export type Progress = (event: { table: string; done: number; total: number }) => void;

type Field = { name: string; type: string };
type Model = { name: string; fields: Field[] };

/** The schema's models and their scalar fields, from the generated client (so every table, always). */
export function modelsOf(db: Db): Model[] {
  const data = (db as unknown as { _runtimeDataModel?: { models: Record<string, { fields: unknown[] }> } })
    ._runtimeDataModel;
  if (!data) throw new Error('Клиент Prisma не сообщает схему данных: резервное копирование невозможно');
  const models = Object.entries(data.models).map(([name, m]) => ({
    name,
    fields: (m.fields as { name: string; kind: string; type: string }[])
      .filter((f) => f.kind === 'scalar')
      .map(({ name: n, type }) => ({ name: n, type })),
  }));
  // A row that points at another table goes after it (SubmissionRow after Submission). The runtime
  // model does not say which side holds the key; the side with `<relation>Id` does, by our naming.
  const parentsOf = (name: string) => {
    const fields = data.models[name]!.fields as { name: string; kind: string; type: string }[];
    return fields
      .filter(
        (f) => f.kind === 'object' && fields.some((s) => s.kind === 'scalar' && s.name === `${f.name}Id`),
      )
      .map((f) => f.type);
  };
  const ordered: Model[] = [];
  const visit = (m: Model, path: string[]) => {
    if (ordered.includes(m) || path.includes(m.name)) return;
    for (const parent of parentsOf(m.name))
      visit(
        models.find((x) => x.name === parent)!,
        [...path, m.name],
      );
    ordered.push(m);
  };
  for (const m of models) visit(m, []);
  return ordered;
}

type Delegate = {
  count(): Promise<number>;
  findMany(args: object): Promise<Record<string, unknown>[]>;
  findFirst(args: object): Promise<Record<string, unknown> | null>;
  createMany(args: { data: Record<string, unknown>[] }): Promise<unknown>;
  deleteMany(): Promise<unknown>;
};

function delegate(db: Db, model: string): Delegate {
  return (db as unknown as Record<string, Delegate>)[model[0]!.toLowerCase() + model.slice(1)]!;
}

async function appliedMigrations(db: Db): Promise<string[]> {
  const rows = await db.$queryRawUnsafe<{ migration_name: string }[]>(
    'SELECT migration_name FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name',
  );
  return rows.map((r) => r.migration_name);
}

function encodeRow(model: Model, row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of model.fields) {
    const v = row[f.name];
    if (v === null || v === undefined) out[f.name] = null;
    else if (f.type === 'DateTime') out[f.name] = (v as Date).toISOString();
    else if (f.type === 'Bytes') out[f.name] = Buffer.from(v as Uint8Array).toString('base64');
    else if (f.type === 'BigInt') out[f.name] = String(v);
    else out[f.name] = v;
  }
  return out;
}

/** A row of the file as Prisma takes it: only the model's own fields, each of its own type. */
function decodeRow(model: Model, row: unknown, line: number): Record<string, unknown> {
  if (!row || typeof row !== 'object') throw new Error(`строка ${line}: запись не является объектом`);
  const src = row as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const f of model.fields) {
    const v = Object.hasOwn(src, f.name) ? src[f.name] : undefined;
    if (v === undefined) continue; // a column added after the backup: its default
    if (v === null) out[f.name] = null;
    else if (f.type === 'DateTime') {
      const d = new Date(String(v));
      if (Number.isNaN(d.getTime())) throw new Error(`строка ${line}: ${model.name}.${f.name} — не дата`);
      out[f.name] = d;
    } else if (f.type === 'Bytes') out[f.name] = Buffer.from(String(v), 'base64');
    else if (f.type === 'BigInt') out[f.name] = BigInt(String(v));
    else out[f.name] = v;
  }
  return out;
}

/** Rows read and inserted at a time; blobs are counted by their bytes instead. */
const PAGE = 500;
const BLOB_BATCH_BYTES = 4 * 1024 * 1024;

/** Writes a backup of the database at `url` to `out` (through a temporary file, renamed when complete). */
export async function backupDatabase(
  out: string,
  options: { url?: string; progress?: Progress } = {},
): Promise<BackupHeader> {
  const url = options.url ?? databaseUrl();
  const provider = databaseProvider(url);
  const db = await createDb(url);
  const tmp = `${out}.partial`;
  try {
    const models = modelsOf(db);
    // One snapshot for every table, so the file is consistent while the worker and portal write.
    return await db.$transaction(
      async (tx) => {
        const txDb = tx as unknown as Db;
        const tables: Record<string, number> = {};
        for (const m of models) tables[m.name] = await delegate(txDb, m.name).count();
        const header: BackupHeader = {
          format: BACKUP_FORMAT,
          version: BACKUP_VERSION,
          createdAt: new Date().toISOString(),
          provider,
          migrations: await appliedMigrations(txDb),
          tables,
        };
        const gzip = createGzip();
        // Password hashes, sessions and every municipality's files: readable by the owner only.
        const file = createWriteStream(tmp, { mode: 0o600 });
        gzip.pipe(file);
        const write = async (value: unknown) => {
          if (!gzip.write(`${JSON.stringify(value)}\n`)) await once(gzip, 'drain');
        };
        await write(header);
        for (const m of models) {
          const orderBy = orderOf(m);
          // Files are not read while paging (an offset would step through every skipped file's
          // bytes): the page selects the other columns, then each row's bytes come by those columns.
          const bytesFields = m.fields.filter((f) => f.type === 'Bytes').map((f) => f.name);
          const plain = m.fields.filter((f) => f.type !== 'Bytes').map((f) => f.name);
          const select = bytesFields.length ? Object.fromEntries(plain.map((f) => [f, true])) : undefined;
          const total = tables[m.name]!;
          let done = 0;
          options.progress?.({ table: m.name, done, total });
          for (;;) {
            const rows = await delegate(txDb, m.name).findMany({ orderBy, skip: done, take: PAGE, select });
            for (const r of rows) {
              const full = bytesFields.length
                ? await delegate(txDb, m.name).findFirst({
                    where: Object.fromEntries(plain.map((f) => [f, r[f]])),
                  })
                : r;
              if (!full) throw new Error(`${m.name}: запись исчезла во время копирования`);
              await write({ t: m.name, r: encodeRow(m, full) });
            }
            done += rows.length;
            if (rows.length > 0) options.progress?.({ table: m.name, done, total });
            if (rows.length < PAGE) break;
          }
        }
        gzip.end();
        await once(file, 'close');
        renameSync(tmp, out);
        return header;
      },
      {
        timeout: 6 * 60 * 60 * 1000,
        maxWait: 60_000,
        // The SQLite client's type stands for both; PostgreSQL's takes RepeatableRead (a snapshot).
        ...(provider === 'postgresql'
          ? { isolationLevel: 'RepeatableRead' as unknown as 'Serializable' }
          : {}),
      },
    );
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  } finally {
    await db.$disconnect();
  }
}

/** Every scalar field in schema order: a stable order for paging, whatever the primary key. */
function orderOf(m: Model): Record<string, 'asc'>[] {
  return m.fields.filter((f) => f.type !== 'Bytes').map((f) => ({ [f.name]: 'asc' as const }));
}

async function* lines(file: string): AsyncGenerator<{ n: number; value: unknown }> {
  // Iterating the stream itself (not readline) turns a damaged or cut gzip into a thrown error.
  const input = pipeline(createReadStream(file), createGunzip(), () => {});
  let n = 0;
  // Pieces of the line not yet ended: a blob's line can be tens of megabytes.
  let pieces: string[] = [];
  const decoder = new StringDecoder('utf8');
  const parse = (text: string) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new Error(`строка ${n}: не JSON`);
    }
  };
  try {
    for await (const chunk of input) {
      const parts = decoder.write(chunk as Buffer).split('\n');
      if (parts.length === 1) {
        pieces.push(parts[0]!);
        continue;
      }
      parts[0] = pieces.join('') + parts[0]!;
      pieces = [parts.pop()!];
      for (const text of parts) {
        n++;
        if (text.trim()) yield { n, value: parse(text) };
      }
    }
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'Z_BUF_ERROR' || code === 'Z_DATA_ERROR')
      throw new Error('файл поврежден или обрезан (gzip)');
    throw err;
  }
  const rest = pieces.join('') + decoder.end();
  n++;
  if (rest.trim()) yield { n, value: parse(rest) };
}

function checkHeader(value: unknown): BackupHeader {
  const h = value as Partial<BackupHeader> | null;
  if (!h || h.format !== BACKUP_FORMAT)
    throw new Error('это не резервная копия Svodka (нет заголовка svodka-backup)');
  if (h.version !== BACKUP_VERSION)
    throw new Error(`версия формата ${String(h.version)} не поддерживается (ожидается ${BACKUP_VERSION})`);
  if (!h.tables || typeof h.tables !== 'object' || !Array.isArray(h.migrations))
    throw new Error('заголовок поврежден');
  return h as BackupHeader;
}

/** The header of a backup file, for a look before restoring. */
export async function readBackupHeader(file: string): Promise<BackupHeader> {
  for await (const { value } of lines(file)) return checkHeader(value);
  throw new Error('файл пуст');
}

export class NotEmptyError extends Error {
  constructor(readonly counts: Record<string, number>) {
    super(
      `База данных не пуста (${Object.entries(counts)
        .map(([t, n]) => `${t}: ${n}`)
        .join(', ')})`,
    );
  }
}

/**
 * Restores a backup into the database at `url`: applies the migrations, refuses a database that
 * holds any row unless `force` (then empties it first), inserts every row, checks the counts
 * against the header and moves PostgreSQL's sequences past the restored ids.
 */
export async function restoreDatabase(
  file: string,
  options: { url?: string; force?: boolean; progress?: Progress } = {},
): Promise<BackupHeader> {
  const url = options.url ?? databaseUrl();
  const header = await readBackupHeader(file);
  await applyMigrations(url);
  const db = await createDb(url);
  try {
    const known = await appliedMigrations(db);
    const unknown = header.migrations.filter((m) => !known.includes(m));
    if (unknown.length > 0)
      throw new Error(
        `копия сделана более новой версией Svodka: миграции ${unknown.join(', ')} здесь неизвестны. Обновите Svodka и повторите.`,
      );
    const models = modelsOf(db);
    const byName = new Map(models.map((m) => [m.name, m]));
    const foreign = Object.keys(header.tables).filter((t) => !byName.has(t));
    if (foreign.length > 0)
      throw new Error(`в копии есть таблицы, которых нет в схеме: ${foreign.join(', ')}`);

    const present: Record<string, number> = {};
    for (const m of models) {
      const n = await delegate(db, m.name).count();
      if (n > 0) present[m.name] = n;
    }
    if (Object.keys(present).length > 0) {
      if (!options.force) throw new NotEmptyError(present);
      for (const m of [...models].reverse()) await delegate(db, m.name).deleteMany();
    }

    const seen: Record<string, number> = {};
    let batch: Record<string, unknown>[] = [];
    let batchModel: Model | null = null;
    let batchBytes = 0;
    const flush = async () => {
      if (!batchModel || batch.length === 0) return;
      await delegate(db, batchModel.name).createMany({ data: batch });
      seen[batchModel.name] = (seen[batchModel.name] ?? 0) + batch.length;
      options.progress?.({
        table: batchModel.name,
        done: seen[batchModel.name]!,
        total: header.tables[batchModel.name] ?? 0,
      });
      batch = [];
      batchBytes = 0;
    };
    let first = true;
    for await (const { n, value } of lines(file)) {
      if (first) {
        first = false;
        continue;
      }
      const record = value as { t?: unknown; r?: unknown };
      const model = typeof record?.t === 'string' ? byName.get(record.t) : undefined;
      if (!model) throw new Error(`строка ${n}: неизвестная таблица «${String(record?.t)}»`);
      if (model !== batchModel) {
        await flush();
        batchModel = model;
      }
      const row = decodeRow(model, record.r, n);
      batch.push(row);
      for (const v of Object.values(row)) if (Buffer.isBuffer(v)) batchBytes += v.length;
      if (batch.length >= PAGE || batchBytes >= BLOB_BATCH_BYTES) await flush();
    }
    await flush();

    const short = Object.entries(header.tables).filter(([t, count]) => (seen[t] ?? 0) !== count);
    if (short.length > 0)
      throw new Error(
        `файл обрезан: ${short.map(([t, count]) => `${t} ${seen[t] ?? 0} из ${count}`).join(', ')}. ` +
          'База заполнена частично; восстановите из целой копии с --force.',
      );
    if (databaseProvider(url) === 'postgresql') await resetSequences(db);
    return header;
  } finally {
    await db.$disconnect();
  }
}

/** Autoincrement columns continue after the restored ids (SQLite's AUTOINCREMENT does so itself). */
async function resetSequences(db: Db): Promise<void> {
  const serial = await db.$queryRawUnsafe<{ table_name: string; column_name: string }[]>(
    `SELECT table_name::text AS table_name, column_name::text AS column_name FROM information_schema.columns
     WHERE table_schema = current_schema() AND column_default LIKE 'nextval(%'`,
  );
  for (const { table_name: table, column_name: column } of serial) {
    const t = table.replace(/"/g, '""');
    const c = column.replace(/"/g, '""');
    await db.$queryRawUnsafe(
      `SELECT setval(pg_get_serial_sequence('"${t}"', '${c}'), COALESCE((SELECT MAX("${c}") FROM "${t}"), 0) + 1, false)::text`,
    );
  }
}
