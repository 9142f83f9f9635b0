// Text to and from XML: escaping (dropping what XML 1.0 cannot hold) and strict decoding of
// entity and character references.

// Characters XML 1.0 forbids (C0 controls but tab/LF/CR, U+FFFE/U+FFFF) and lone surrogates.
const ILLEGAL =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
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

/** Which bound of the scan a document went past (xml-scan.ts ScanLimits). */
export type ScanLimit = 'elements' | 'depth' | 'names' | 'attributes' | 'text' | 'namespaces';

/** Malformed XML, a DOCTYPE / ENTITY declaration (refused, never expanded), or a document past a bound. */
export class XmlScanError extends Error {
  constructor(
    readonly kind: 'doctype' | 'malformed' | 'limit',
    detail: string,
    readonly over?: { limit: ScanLimit; value: number },
  ) {
    super(detail);
    this.name = 'XmlScanError';
  }
}

function malformed(detail: string): never {
  throw new XmlScanError('malformed', detail);
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Replaces entity and character references; throws on anything not well formed. */
export function decodeXmlText(text: string): string {
  let amp = text.indexOf('&');
  if (amp < 0) return text;
  let out = '';
  let from = 0;
  while (amp >= 0) {
    const semi = text.indexOf(';', amp + 1);
    if (semi < 0 || semi - amp > 12) malformed('unterminated reference');
    const ref = text.slice(amp + 1, semi);
    let value: string;
    if (ref.charCodeAt(0) === 35 /* # */) {
      const hex = ref[1] === 'x';
      if (!(hex ? /^#x[0-9a-fA-F]+$/ : /^#[0-9]+$/).test(ref)) malformed(`bad character reference &${ref};`);
      const code = hex ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      if (!isXmlChar(code)) malformed(`bad character reference &${ref};`);
      value = String.fromCodePoint(code);
    } else {
      const named = ENTITIES[ref];
      if (named === undefined) malformed(`unknown entity &${ref};`);
      value = named;
    }
    out += text.slice(from, amp) + value;
    from = semi + 1;
    amp = text.indexOf('&', from);
  }
  return out + text.slice(from);
}

function isXmlChar(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}
