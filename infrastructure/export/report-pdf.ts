// The signed report as PDF: LibreOffice (headless) prints the exact DOCX that was signed, with its
// fonts, so the PDF is the document people read rather than a second rendering of it. soffice runs
// with an argument array (no shell), a private profile directory (two conversions at once, or a
// desktop LibreOffice of the same user, would otherwise fight over one profile), and a time limit.

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

export const PDF_TYPE = 'application/pdf';

export class PdfUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PdfUnavailableError';
  }
}

export function sofficeCommand(env: NodeJS.ProcessEnv = process.env): string {
  return env.SVODKA_SOFFICE?.trim() || 'soffice';
}

export function pdfTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const seconds = Number(env.SVODKA_PDF_TIMEOUT_S ?? '');
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 120_000;
}

export const MISSING_SOFFICE =
  'PDF не создан: не найден LibreOffice (soffice). Установите пакет Debian libreoffice-writer-nogui ' +
  '(apt-get install -y libreoffice-writer-nogui) или укажите путь к soffice в SVODKA_SOFFICE.';

function run(command: string, args: string[], timeout: number): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout, killSignal: 'SIGKILL', maxBuffer: 1 << 20 }, (error) =>
      error ? reject(error) : resolve(),
    );
  });
}

/** DOCX bytes → PDF bytes. Throws PdfUnavailableError with a Russian message on any failure. */
export async function convertDocxToPdf(
  docx: Uint8Array,
  options: { soffice?: string; timeoutMs?: number } = {},
): Promise<Buffer> {
  const command = options.soffice ?? sofficeCommand();
  const timeout = options.timeoutMs ?? pdfTimeoutMs();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'svodka-pdf-'));
  try {
    // A fixed name inside a private directory: nothing of the report's name reaches the command line.
    const input = path.join(dir, 'report.docx');
    await writeFile(input, docx);
    try {
      await run(
        command,
        [
          `-env:UserInstallation=${pathToFileURL(path.join(dir, 'profile')).href}`,
          '--headless',
          '--norestore',
          '--nolockcheck',
          '--convert-to',
          'pdf:writer_pdf_Export',
          '--outdir',
          dir,
          input,
        ],
        timeout,
      );
    } catch (error) {
      const e = error as NodeJS.ErrnoException & { killed?: boolean };
      if (e.code === 'ENOENT') throw new PdfUnavailableError(MISSING_SOFFICE);
      if (e.killed)
        throw new PdfUnavailableError(
          `PDF не создан: LibreOffice не уложился в ${Math.round(timeout / 1000)} с (SVODKA_PDF_TIMEOUT_S).`,
        );
      throw new PdfUnavailableError(
        `PDF не создан: LibreOffice завершился с ошибкой (${e.message.split('\n')[0]}).`,
      );
    }
    let pdf: Buffer;
    try {
      pdf = await readFile(path.join(dir, 'report.pdf'));
    } catch {
      throw new PdfUnavailableError(
        'PDF не создан: LibreOffice не записал файл (возможно, документ не открылся).',
      );
    }
    if (pdf.subarray(0, 5).toString('latin1') !== '%PDF-')
      throw new PdfUnavailableError('PDF не создан: LibreOffice записал файл, который не является PDF.');
    return pdf;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function reportPdfFileName(quarter: string): string {
  return `svodka-${quarter}-итоговый.pdf`;
}
