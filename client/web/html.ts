// HTML built from tagged templates: every interpolation is escaped unless it is itself Html
// (another template, or a fragment marked trusted with raw()). Arrays are joined.
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => ENTITIES[c]!);
}

export type Interpolation = Html | string | number | boolean | null | undefined | readonly Interpolation[];

function render(value: Interpolation): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Interpolation[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new Html(out);
}

/** A trusted fragment, inserted as it is. Never pass user text. */
export function raw(fragment: string): Html {
  return new Html(fragment);
}

/** Text with its line breaks kept: escaped, then "\n" → <br>. */
export function multiline(text: string): Html {
  return new Html(escapeHtml(text).split(/\r?\n/).join('<br>'));
}

const URL_PATTERN = /https?:\/\/[^\s<>"'«»]+/g;

/** Text with line breaks kept and http(s) links made clickable; everything else escaped. */
export function linkify(text: string): Html {
  let out = '';
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    let url = match[0];
    // Sentence punctuation after a link is not part of it.
    const trailing = /[.,;:!?)\]]+$/.exec(url)?.[0] ?? '';
    url = url.slice(0, url.length - trailing.length);
    const at = match.index!;
    out += escapeHtml(text.slice(last, at));
    out += `<a href="${escapeHtml(url)}">${escapeHtml(url)}</a>`;
    last = at + url.length;
  }
  out += escapeHtml(text.slice(last));
  return new Html(out.split(/\r?\n/).join('<br>\n'));
}
