// Text for hand-built WordprocessingML: escaped, and without what XML 1.0 cannot hold.

// Characters XML 1.0 forbids (C0 controls but tab/LF/CR, U+FFFE/U+FFFF) and lone surrogates.
const ILLEGAL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const SPECIAL = /[&<>"\u0000-\u0008\u000b\u000c\u000e-\u001f\ud800-\udfff\ufffe\uffff]/;

/** Strips characters illegal in XML 1.0. */
export function stripIllegalXml(text: string): string {
  return text.replace(ILLEGAL, '');
}

/** Escapes text for element content and attribute values, dropping illegal characters. */
export function escapeXml(text: string): string {
  if (!SPECIAL.test(text)) return text;
  return stripIllegalXml(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}
