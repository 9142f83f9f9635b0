// Opening a DOCX package: what the bytes are, whether the archive is sane, where the main document
// part is, and its XML scanned. Shared by the submission parser and the report reader.

import { DocxRejection, formatCount, formatSize } from './rejection';
import { rejectNonZip } from './sniff';
import { scanDocumentXml } from './xml-scan';
import { XmlScanError } from './xml-text';
import type { ScanLimit } from './xml-text';
import type { ScanLimits, ScannedDocument } from './xml-scan';
import { looksLikeZip, ZipArchive } from './zip-read';

export type PackageLimits = { maxBytes: number; maxUncompressed: number; xml?: Partial<ScanLimits> };

export const MiB = 1024 * 1024;

const SAVE_AS_DOCX = 'Откройте файл в Word, сохраните его как «Документ Word (.docx)» и отправьте снова.';

export function doctypeRejection(): DocxRejection {
  return new DocxRejection(
    'doctype',
    'Документ содержит запрещённые XML-конструкции (DOCTYPE или ENTITY) и из соображений безопасности ' +
      `не может быть принят. Word такие файлы не создаёт. ${SAVE_AS_DOCX}`,
  );
}

export function corruptXml(): DocxRejection {
  return new DocxRejection(
    'corrupt',
    `Файл повреждён: текст документа внутри него не читается (ошибка в разметке XML). ${SAVE_AS_DOCX}`,
  );
}

const OVER: Record<ScanLimit, (n: number) => string> = {
  elements: (n) => `в нём больше ${formatCount(n)} элементов разметки`,
  depth: (n) => `элементы разметки вложены друг в друга глубже ${formatCount(n)} уровней`,
  names: (n) => `в нём больше ${formatCount(n)} разных видов элементов разметки`,
  attributes: (n) => `у одного из элементов разметки больше ${formatCount(n)} атрибутов`,
  text: (n) => `в нём больше ${formatCount(n)} знаков текста`,
  namespaces: (n) => `в нём больше ${formatCount(n)} объявлений пространств имён XML`,
};

/** A document past one of the scan's bounds: no real submission comes close to any of them. */
export function tooComplexRejection(limit: ScanLimit, value: number): DocxRejection {
  return new DocxRejection(
    'too-complex',
    `Документ устроен слишком сложно, и читать его мы не стали: ${OVER[limit](value)}. ` +
      'Заполненный шаблон с таблицей мероприятий так не выглядит: проверьте, тот ли файл выбран. ' +
      SAVE_AS_DOCX,
  );
}

function decodeXml(bytes: Uint8Array): string {
  try {
    if (bytes[0] === 0xff && bytes[1] === 0xfe)
      return new TextDecoder('utf-16le', { fatal: true }).decode(bytes);
    if (bytes[0] === 0xfe && bytes[1] === 0xff)
      return new TextDecoder('utf-16be', { fatal: true }).decode(bytes);
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw corruptXml();
  }
}

function hasDeclarations(xml: string): boolean {
  return /<!DOCTYPE|<!ENTITY/i.test(xml);
}

/** The main document part named by _rels/.rels, or the usual word/document.xml. */
function mainPartName(archive: ZipArchive): string {
  const relsBytes = archive.read('_rels/.rels');
  if (relsBytes !== null) {
    const rels = decodeXml(relsBytes);
    if (hasDeclarations(rels)) throw doctypeRejection();
    for (const match of rels.matchAll(/<(?:\w+:)?Relationship\b([^>]*)>/g)) {
      const attrs = match[1] ?? '';
      const type = /\bType\s*=\s*["']([^"']*)["']/.exec(attrs)?.[1] ?? '';
      const target = /\bTarget\s*=\s*["']([^"']*)["']/.exec(attrs)?.[1];
      if (target && /\/officeDocument$/.test(type) && !/TargetMode\s*=\s*["']External/i.test(attrs)) {
        const name = target.replace(/^\/+/, '');
        if (archive.has(name)) return name;
      }
    }
  }
  return 'word/document.xml';
}

function rejectOtherPackages(archive: ZipArchive): void {
  if (archive.has('mimetype')) {
    const mimetype = new TextDecoder().decode(archive.read('mimetype') ?? new Uint8Array());
    if (mimetype.includes('opendocument')) {
      throw new DocxRejection(
        'not-docx',
        mimetype.includes('opendocument.text')
          ? 'Это документ OpenDocument (.odt), а не DOCX. В LibreOffice выберите «Файл → Сохранить как», ' +
              'тип «Word 2007–365 (.docx)», и отправьте файл снова.'
          : 'Это файл OpenDocument (таблица или презентация), а не документ Word. Заполните шаблон Word ' +
              'и отправьте его в формате .docx.',
      );
    }
  }
  if (archive.has('xl/workbook.xml')) {
    throw new DocxRejection(
      'not-docx',
      'Это таблица Excel (.xlsx), а не документ Word. Перенесите сведения в шаблон Word и отправьте файл .docx.',
    );
  }
  if (archive.has('ppt/presentation.xml')) {
    throw new DocxRejection(
      'not-docx',
      'Это презентация PowerPoint (.pptx), а не документ Word. Заполните шаблон Word и отправьте файл .docx.',
    );
  }
}

function macroRejection(): DocxRejection {
  return new DocxRejection(
    'macro',
    'Документ содержит макросы (формат .docm) и из соображений безопасности не может быть принят. ' +
      'Сохраните его как «Документ Word (.docx)» — без макросов — и отправьте снова.',
  );
}

/** Empty and too-large uploads, told the same way for every format (DOCX, XLSX). */
export function checkUploadSize(bytes: Uint8Array, maxBytes: number): void {
  if (bytes.length === 0) {
    throw new DocxRejection(
      'empty',
      'Файл пустой (0 байт). Сохраните документ в Word ещё раз и отправьте его снова.',
    );
  }
  if (bytes.length > maxBytes) {
    // Just over the limit both round alike («10 МБ при допустимых 10 МБ»): then say «больше».
    const size = formatSize(bytes.length);
    const limit = formatSize(maxBytes);
    throw new DocxRejection(
      'too-large',
      (size === limit
        ? `Файл слишком большой: больше допустимых ${limit}. `
        : `Файл слишком большой: ${size} при допустимых ${limit}. `) +
        'Нужна только таблица мероприятий: уберите из документа изображения и вложения и отправьте снова.',
    );
  }
}

/** Opens the package and returns its main document part, scanned. Throws DocxRejection. */
export function openDocxPackage(bytes: Uint8Array, limits: PackageLimits): ScannedDocument {
  checkUploadSize(bytes, limits.maxBytes);
  if (!looksLikeZip(bytes)) rejectNonZip(bytes);

  const archive = new ZipArchive(bytes, { maxUncompressed: limits.maxUncompressed });
  rejectOtherPackages(archive);
  if (archive.has('word/vbaProject.bin')) throw macroRejection();
  const typesBytes = archive.read('[Content_Types].xml');
  if (typesBytes !== null) {
    const types = decodeXml(typesBytes);
    if (hasDeclarations(types)) throw doctypeRejection();
    if (/macroEnabled/i.test(types)) throw macroRejection();
  }
  const partName = mainPartName(archive);
  const part = archive.read(partName);
  if (part === null) {
    const inner = [...archive.entries.values()].find((e) => /\.(docx?|odt|rtf)$/i.test(e.name));
    if (inner) {
      throw new DocxRejection(
        'not-docx',
        `Это ZIP-архив с файлом «${inner.name.split('/').pop()}» внутри, а не сам документ. ` +
          'Распакуйте архив и отправьте документ в формате .docx.',
      );
    }
    throw new DocxRejection(
      'not-docx',
      'В архиве нет основного текста документа Word (word/document.xml), значит это не документ .docx. ' +
        SAVE_AS_DOCX,
    );
  }
  const xml = decodeXml(part);
  try {
    return scanDocumentXml(xml, limits.xml);
  } catch (error) {
    if (!(error instanceof XmlScanError)) throw error;
    if (error.kind === 'doctype') throw doctypeRejection();
    if (error.kind === 'limit' && error.over) throw tooComplexRejection(error.over.limit, error.over.value);
    throw corruptXml();
  }
}
