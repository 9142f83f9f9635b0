import { describe, expect, it } from 'vitest';
import { escapeHtml, html, linkify, multiline, raw } from '../../client/web/html';

describe('html tagged template', () => {
  it('escapes every interpolation', () => {
    const evil = `<script>alert("x")</script>&'\``;
    const out = html`<p title="${evil}">${evil}</p>`.value;
    expect(out).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;&#96;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;&#96;</p>',
    );
    expect(out).not.toContain('<script>');
  });

  it('keeps nested templates and raw() fragments, joins arrays, drops null/undefined/false', () => {
    const items = ['<a>', 'b'];
    // prettier-ignore
    const out = html`<ul>${items.map((i) => html`<li>${i}</li>`)}</ul>${null}${undefined}${false}${raw('<hr>')}${0}`.value;
    expect(out).toBe('<ul><li>&lt;a&gt;</li><li>b</li></ul><hr>0');
  });

  it('does not treat a string that looks like markup as trusted', () => {
    const fake = { value: '<b>' } as unknown as string;
    expect(html`${fake}`.value).toBe('[object Object]');
    expect(escapeHtml('Ёлки & «палки»')).toBe('Ёлки &amp; «палки»');
  });

  it('multiline keeps line breaks after escaping', () => {
    expect(multiline('a<b\nc').value).toBe('a&lt;b<br>c');
  });

  it('linkify makes http(s) links clickable and escapes the rest', () => {
    const out = linkify('Ссылка: http://portal.test/m/AbC_-1. <b>жирный</b>\njavascript:alert(1)').value;
    expect(out).toContain('<a href="http://portal.test/m/AbC_-1">http://portal.test/m/AbC_-1</a>.');
    expect(out).toContain('&lt;b&gt;жирный&lt;/b&gt;');
    expect(out).not.toContain('href="javascript');
    const quoted = linkify('http://x.test/a"onmouseover="alert(1)').value;
    expect(quoted).not.toContain('"onmouseover');
  });
});
