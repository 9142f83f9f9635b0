// What an upload that is not a ZIP archive looks like, told in words a clerk understands.

import { DocxRejection } from './rejection';

const SAVE_AS_DOCX = 'Сохраните его как «Документ Word (.docx)» и отправьте снова.';

function startsWith(bytes: Uint8Array, magic: readonly number[], at = 0): boolean {
  if (bytes.length < at + magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (bytes[at + i] !== magic[i]) return false;
  return true;
}

function ascii(text: string): number[] {
  return [...text].map((c) => c.charCodeAt(0));
}

/** The byte offset of a name written in UTF-16LE (as OLE directories store names), or -1. */
function indexOfUtf16(bytes: Uint8Array, name: string): number {
  const first = name.charCodeAt(0);
  outer: for (let i = 0; i + name.length * 2 <= bytes.length; i++) {
    if (bytes[i] !== first || bytes[i + 1] !== 0) continue;
    for (let k = 1; k < name.length; k++) {
      if (bytes[i + 2 * k] !== name.charCodeAt(k) || bytes[i + 2 * k + 1] !== 0) continue outer;
    }
    return i;
  }
  return -1;
}

const OLE = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];

/** An OLE compound file: a password-protected DOCX, a legacy .doc, or an old Excel/PowerPoint file. */
function oleRejection(bytes: Uint8Array): DocxRejection {
  if (indexOfUtf16(bytes, 'EncryptedPackage') >= 0 || indexOfUtf16(bytes, 'EncryptionInfo') >= 0) {
    return new DocxRejection(
      'encrypted',
      'Документ защищён паролем, поэтому его нельзя прочитать. Снимите пароль (в Word: «Файл → Сведения → ' +
        'Защита документа → Зашифровать с использованием пароля», очистите поле пароля), сохраните документ ' +
        'и отправьте снова.',
    );
  }
  if (indexOfUtf16(bytes, 'WordDocument') < 0) {
    if (indexOfUtf16(bytes, 'Workbook') >= 0 || indexOfUtf16(bytes, 'Book') >= 0) {
      return new DocxRejection(
        'not-zip',
        'Это таблица Excel в старом формате (.xls). Сохраните её как «Книга Excel (.xlsx)» или заполните ' +
          'шаблон Word (.docx) и отправьте снова.',
      );
    }
    if (indexOfUtf16(bytes, 'PowerPoint Document') >= 0) {
      return new DocxRejection(
        'not-zip',
        'Это презентация PowerPoint (.ppt), а не документ Word. Заполните шаблон Word и отправьте его в формате .docx.',
      );
    }
  }
  return new DocxRejection('legacy-doc', `Файл в старом формате Word (.doc). ${SAVE_AS_DOCX}`);
}

const IMAGES: { name: string; test: (b: Uint8Array) => boolean }[] = [
  { name: 'PNG', test: (b) => startsWith(b, [0x89, 0x50, 0x4e, 0x47]) },
  { name: 'JPEG', test: (b) => startsWith(b, [0xff, 0xd8, 0xff]) },
  { name: 'GIF', test: (b) => startsWith(b, ascii('GIF8')) },
  { name: 'TIFF', test: (b) => startsWith(b, [0x49, 0x49, 0x2a, 0]) || startsWith(b, [0x4d, 0x4d, 0, 0x2a]) },
  { name: 'WebP', test: (b) => startsWith(b, ascii('RIFF')) && startsWith(b, ascii('WEBP'), 8) },
  { name: 'HEIC', test: (b) => startsWith(b, ascii('ftyphei'), 4) || startsWith(b, ascii('ftypmif1'), 4) },
  {
    name: 'BMP',
    test: (b) =>
      startsWith(b, ascii('BM')) && b.length > 26 && b[14] !== undefined && b[14] >= 12 && b[15] === 0,
  },
];

const ARCHIVES: { name: string; test: (b: Uint8Array) => boolean }[] = [
  { name: 'RAR', test: (b) => startsWith(b, ascii('Rar!')) },
  { name: '7z', test: (b) => startsWith(b, [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c]) },
  { name: 'gzip', test: (b) => startsWith(b, [0x1f, 0x8b]) },
];

/** The start of the file as text, if it plausibly is text (UTF-8 or a single-byte Cyrillic code page). */
function textHead(bytes: Uint8Array): string | null {
  const head = bytes.subarray(0, 4096);
  let control = 0;
  for (const b of head) if (b < 0x20 && b !== 9 && b !== 10 && b !== 13 && b !== 12) control++;
  if (control > 0) return null;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(head);
  } catch {
    // A cut multi-byte sequence at the end of the head, or windows-1251 text.
    return new TextDecoder('windows-1251').decode(head);
  }
}

/** Throws the rejection that says what the (non-ZIP) file looks like. */
export function rejectNonZip(bytes: Uint8Array): never {
  if (startsWith(bytes, OLE)) throw oleRejection(bytes);
  if (startsWith(bytes, ascii('%PDF'))) {
    throw new DocxRejection(
      'not-zip',
      'Это файл PDF, а не документ Word. Из PDF таблицу не извлечь: отправьте заполненный шаблон в формате .docx.',
    );
  }
  for (const image of IMAGES) {
    if (image.test(bytes)) {
      throw new DocxRejection(
        'not-zip',
        `Это изображение (${image.name}), а не документ Word. Сканы и фотографии не принимаются: ` +
          'отправьте заполненный шаблон в формате .docx.',
      );
    }
  }
  for (const archive of ARCHIVES) {
    if (archive.test(bytes)) {
      throw new DocxRejection(
        'not-zip',
        `Это архив ${archive.name}, а не документ Word. Распакуйте его и отправьте сам документ в формате .docx.`,
      );
    }
  }
  const text = textHead(bytes);
  if (text !== null) {
    const head = text
      .replace(/^\ufeff/, '')
      .trimStart()
      .slice(0, 1024)
      .toLowerCase();
    if (head.startsWith('{\\rtf')) {
      throw new DocxRejection('not-zip', `Это документ в формате RTF, а не DOCX. ${SAVE_AS_DOCX}`);
    }
    if (head.includes('<w:worddocument') || head.includes('progid="word.document"')) {
      throw new DocxRejection('not-zip', `Это документ Word в формате XML 2003, а не DOCX. ${SAVE_AS_DOCX}`);
    }
    if (head.startsWith('<!doctype html') || head.startsWith('<html') || /<html[\s>]/.test(head)) {
      throw new DocxRejection(
        'not-zip',
        'Это веб-страница (HTML), а не документ Word. Откройте её в Word и сохраните как «Документ Word (.docx)» ' +
          'или заполните шаблон заново.',
      );
    }
    if (head.startsWith('mime-version:') || /^(from|received|return-path|message-id):/m.test(head)) {
      throw new DocxRejection(
        'not-zip',
        'Это сохранённое письмо, а не документ Word. Отправьте вложенный в письмо файл .docx.',
      );
    }
    throw new DocxRejection(
      'not-zip',
      'Это простой текстовый файл, а не документ Word. Заполните таблицу в шаблоне Word и отправьте файл .docx.',
    );
  }
  throw new DocxRejection(
    'not-zip',
    'Файл не является документом Word (.docx): его формат не распознан. Отправьте заполненный шаблон в формате .docx.',
  );
}
