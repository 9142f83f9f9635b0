// An answer's outcome in Russian, as the clerk reads it: in the terminal, in the reply to an email,
// on the portal's page.
import type { SubmissionResult } from '../workflows/api';
import { formatFinding } from './validate';

export function describeSubmission(name: string, r: SubmissionResult): string[] {
  const lines: string[] = [];
  if (r.accepted) {
    lines.push(
      r.nil
        ? `${name}: принято сообщение «мероприятия не проводились» (версия ${r.version}).`
        : `${name}: сведения приняты — версия ${r.version}, мероприятий: ${r.rowCount}.`,
    );
  } else {
    lines.push(`${name}: сведения НЕ приняты (версия ${r.version}). Исправьте и отправьте снова:`);
  }
  for (const f of r.findings) {
    const mark = f.severity === 'error' ? 'ошибка' : f.severity === 'warning' ? 'замечание' : 'к сведению';
    lines.push(`  • ${mark}: ${formatFinding(f)}`);
  }
  return lines;
}
