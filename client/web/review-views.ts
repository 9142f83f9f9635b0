// The review screens' markup, apart from their routes so it can be tested as it is: the comparison
// of two versions (changed cells marked) and the duplicate check's findings on the draft.
import type { VersionComparison, VersionFacts } from '../../application/compare-versions';
import type { DraftDuplicate } from '../../domain/draft-review';
import { formatIsoDate } from '../../domain/dates';
import type { EventRow } from '../../domain/types';
import { COLUMN_KEYS } from '../../domain/types';
import { COLUMN_TITLES } from '../../domain/validate';
import { CHANNEL_LABELS, moscowDateTime, plural } from './format';
import { html, multiline } from './html';
import type { Html } from './html';

/** The review screens' own rules; linked from their pages (the CSP allows no inline styles). */
export const REVIEW_CSS = `
table.diff td.marker{width:1.8em;text-align:center;font-weight:bold}
table.diff tr.added td{background:#e3f4e4}
table.diff tr.removed td{background:#fbe4e4;text-decoration:line-through;text-decoration-color:#8e1c1c}
table.diff tr.removed td.marker{text-decoration:none}
table.diff tr.before td{background:#f7f7f7;color:#4a4a4a}
table.diff td.changed{background:#fff0b3;outline:2px solid #d4a000;outline-offset:-2px}
table.diff tr.before td.changed{background:#fde7c4}
.diff-legend span{display:inline-block;padding:1px 8px;margin-right:8px;border:1px solid #c9ced6}
.diff-legend .l-added{background:#e3f4e4}
.diff-legend .l-removed{background:#fbe4e4}
.diff-legend .l-changed{background:#fff0b3}
td.pick{width:2em;text-align:center}
td.pick input{width:18px;height:18px}
ul.duplicates li{margin:6px 0}
table.mail-queue td form{margin:0 0 6px}
table.mail-queue select{max-width:260px}
`;

export const reviewStylesheet = (): Html => html`<link rel="stylesheet" href="/static/review.css" />`;

export function versionLabel(v: VersionFacts): string {
  const status = v.status === 'accepted' ? 'принята' : 'не принята';
  const how = v.kind === 'nil' ? 'мероприятия не проводились' : (CHANNEL_LABELS[v.channel] ?? v.channel);
  return `Версия ${v.version} — ${status}, ${how}, ${moscowDateTime(v.createdAt)}`;
}

const head = html`<thead>
  <tr>
    <th></th>
    ${COLUMN_KEYS.map((k) => html`<th>${COLUMN_TITLES[k]}</th>`)}
  </tr>
</thead>`;

function plainRow(kind: 'added' | 'removed', row: EventRow): Html {
  const marker = kind === 'added' ? '+' : '−';
  const label = kind === 'added' ? 'добавлена' : 'удалена';
  return html`<tr class="${kind}" data-change="${kind}">
    <td class="marker" title="Строка ${label}">${marker}</td>
    ${COLUMN_KEYS.map((k) => html`<td>${multiline(row[k])}</td>`)}
  </tr>`;
}

/** Two versions side by side: added and removed rows whole, changed rows as «было» over «стало». */
export function diffView(c: VersionComparison): Html {
  const { diff } = c;
  const total = diff.added.length + diff.removed.length + diff.changed.length;
  const summary = html`<p>
    <strong>${versionLabel(c.from)}</strong> → <strong>${versionLabel(c.to)}</strong>
  </p>
  <p>
    Без изменений: ${diff.unchanged}; добавлено: ${diff.added.length}; удалено: ${diff.removed.length};
    изменено: ${diff.changed.length}.
  </p>`;
  if (total === 0)
    return html`${summary}
      <div class="ok">Версии совпадают: ни одна строка не добавлена, не удалена и не изменена.</div>`;
  return html`${summary}
    <p class="diff-legend muted">
      <span class="l-added">+ добавлена</span><span class="l-removed">− удалена</span
      ><span class="l-changed">измененная ячейка</span>
    </p>
    <table class="diff report">
      ${head}
      <tbody>
        ${diff.changed.map(
          (ch) =>
            html`<tr class="before" data-change="changed-before">
                <td class="marker" title="Было">было</td>
                ${COLUMN_KEYS.map((k) =>
                  ch.columns.includes(k)
                    ? html`<td class="changed" data-column="${k}">${multiline(ch.before[k])}</td>`
                    : html`<td>${multiline(ch.before[k])}</td>`,
                )}
              </tr>
              <tr class="after" data-change="changed">
                <td class="marker" title="Стало">стало</td>
                ${COLUMN_KEYS.map((k) =>
                  ch.columns.includes(k)
                    ? html`<td class="changed" data-column="${k}">${multiline(ch.after[k])}</td>`
                    : html`<td>${multiline(ch.after[k])}</td>`,
                )}
              </tr>`,
        )}
        ${diff.added.map((r) => plainRow('added', r))} ${diff.removed.map((r) => plainRow('removed', r))}
      </tbody>
    </table>`;
}

/** The duplicate check's findings: a hint, not an error — the coordinator decides. */
export function duplicatesView(found: DraftDuplicate[], names: Map<string, string>): Html {
  if (found.length === 0)
    return html`<div class="ok" id="duplicates">
      Проверка повторов: одно и то же мероприятие в сведениях разных муниципальных образований не найдено.
    </div>`;
  return html`<div class="warn" id="duplicates">
    <p>
      <strong>Возможные повторы:</strong> ${found.length}
      ${plural(found.length, 'мероприятие указано', 'мероприятия указаны', 'мероприятий указаны')} в сведениях
      нескольких муниципальных образований. Проверьте, не одно ли это мероприятие; если строку нужно убрать
      или уточнить, отметьте ее и запросите исправления.
    </p>
    <ul class="duplicates">
      ${found.map(
        (d) =>
          html`<li>
            «${d.title}», ${formatIsoDate(d.start)}:
            ${d.rows.map(
              (r, i) =>
                html`${i ? '; ' : ''}${names.get(r.municipality) ?? r.municipality}${r.numbers.length ? ` (строка ${r.numbers.join(', ')})` : ''}`,
            )}
          </li>`,
      )}
    </ul>
  </div>`;
}
