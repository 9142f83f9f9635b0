// A tight, strict scanner of WordprocessingML (word/document.xml): one pass over the string, no DOM.
// It keeps what Svodka needs — the body's paragraphs and tables, cell by cell — and checks that
// the XML is well formed (tags balanced, attributes quoted, entities known). A DOCTYPE or ENTITY
// declaration is refused outright: nothing is ever expanded.
//
// What counts as text, the way Word shows the document:
// - w:t text; w:tab / w:ptab as a space; w:br / w:cr as "\n"; each w:p of a cell is a line;
// - w:ins / w:moveTo (tracked insertions) kept, w:del / w:moveFrom (tracked deletions) dropped;
// - w:sdt content controls, w:smartTag, w:customXml, w:hyperlink, w:fldSimple are transparent;
//   a content control still showing its placeholder («Место для ввода текста») counts as empty;
// - field instructions, drawings, text boxes, VML, embedded objects and hidden (w:vanish) runs
//   are not text; mc:AlternateContent is read through its mc:Fallback;
// - a table inside a cell is reported separately (ScannedDocument.nested), not as the cell's text.
// Elements are recognised by namespace, not by prefix, so any prefix bound to the WordprocessingML
// namespace works (transitional or strict).
//
// The work is linear in the input whatever a hostile file holds: element names are looked up in a
// Map keyed by the name itself (an earlier hand-rolled hash chained collisions, and names built of
// "Aa"/"BB" blocks made every tag walk the chain), and elements, depth, distinct names, attributes
// and text are bounded (ScanLimits) besides the bytes the package layer already bounds.

import { decodeXmlText, XmlScanError } from './xml-text';
import type { ScanLimit } from './xml-text';

export type ScannedCell = {
  paragraphs: string[];
  gridSpan: number;
  vMerge: 'restart' | 'continue' | null;
  hMerge: 'restart' | 'continue' | null;
  /** The cell holds a nested table (its text is not in paragraphs). */
  nested: boolean;
};

export type ScannedRow = {
  cells: ScannedCell[];
  gridBefore: number;
  /** Marked as repeated header row (w:tblHeader). */
  header: boolean;
  /** Deleted with tracked changes. */
  deleted: boolean;
};

export type ScannedTable = { rows: ScannedRow[]; depth: number };

export type BodyBlock = { kind: 'paragraph'; text: string } | { kind: 'table'; table: ScannedTable };

/** What one document may hold; past any of these the scan stops with XmlScanError('limit'). */
export type ScanLimits = {
  /** Start tags in the whole part. */
  maxElements: number;
  /** Elements open at once. */
  maxDepth: number;
  /** Different element names (qualified, as written). */
  maxNames: number;
  /** Attributes on one element. */
  maxAttributes: number;
  /** Characters of text and CDATA between tags, in the whole part. */
  maxText: number;
  /** Elements that declare namespaces (each makes the names after it be looked up afresh). */
  maxNamespaceScopes: number;
};

/**
 * A Word submission of 2,000 rows holds some 400,000 elements, nests tables a dozen levels deep
 * and uses a few hundred names: the bounds leave it ample room and nothing more.
 */
export const DEFAULT_SCAN_LIMITS: ScanLimits = {
  maxElements: 1_000_000,
  maxDepth: 256,
  maxNames: 2_000,
  maxAttributes: 256,
  maxText: 20_000_000,
  maxNamespaceScopes: 10_000,
};

export type ScannedDocument = {
  /** The body's paragraphs and top-level tables, in document order. */
  blocks: BodyBlock[];
  /** Tables found inside table cells. */
  nested: ScannedTable[];
  trackedChanges: boolean;
  hiddenText: boolean;
};

const W_NAMESPACES = new Set([
  'http://schemas.openxmlformats.org/wordprocessingml/2006/main',
  'http://purl.oclc.org/ooxml/wordprocessingml/main',
]);
const MC_NAMESPACE = 'http://schemas.openxmlformats.org/markup-compatibility/2006';

// Element kinds, as small integers: the scanner switches on them for every tag.
const K_OTHER = 0;
const K_P = 1;
const K_R = 2;
const K_T = 3;
const K_TAB = 4;
const K_BR = 5;
const K_NB_HYPHEN = 6;
const K_VANISH = 7;
const K_INS = 8;
const K_DEL = 9;
const K_SDT = 10;
const K_SHOWING_PLACEHOLDER = 11;
const K_SDT_CONTENT = 12;
const K_TBL = 13;
const K_TR = 14;
const K_TC = 15;
const K_GRID_BEFORE = 16;
const K_TBL_HEADER = 17;
const K_GRID_SPAN = 18;
const K_V_MERGE = 19;
const K_H_MERGE = 20;
const K_SKIP = 21;
const K_RPR = 22;
const K_TRPR = 23;
const K_TCPR = 24;
const K_SDTPR = 25;

const W_KINDS: Record<string, number> = {
  p: K_P,
  r: K_R,
  t: K_T,
  tab: K_TAB,
  ptab: K_TAB,
  br: K_BR,
  cr: K_BR,
  noBreakHyphen: K_NB_HYPHEN,
  vanish: K_VANISH,
  ins: K_INS,
  moveTo: K_INS,
  del: K_DEL,
  moveFrom: K_DEL,
  sdt: K_SDT,
  showingPlcHdr: K_SHOWING_PLACEHOLDER,
  sdtContent: K_SDT_CONTENT,
  tbl: K_TBL,
  tr: K_TR,
  tc: K_TC,
  gridBefore: K_GRID_BEFORE,
  tblHeader: K_TBL_HEADER,
  gridSpan: K_GRID_SPAN,
  vMerge: K_V_MERGE,
  hMerge: K_H_MERGE,
  rPr: K_RPR,
  trPr: K_TRPR,
  tcPr: K_TCPR,
  sdtPr: K_SDTPR,
  // Whole content is not document text.
  delText: K_SKIP,
  instrText: K_SKIP,
  delInstrText: K_SKIP,
  txbxContent: K_SKIP,
  drawing: K_SKIP,
  pict: K_SKIP,
  object: K_SKIP,
  fldData: K_SKIP,
  sectPr: K_SKIP,
  customXmlPr: K_SKIP,
  smartTagPr: K_SKIP,
};

function malformed(detail: string): never {
  throw new XmlScanError('malformed', detail);
}

function overLimit(limit: ScanLimit, value: number): never {
  throw new XmlScanError('limit', `${limit} over ${value}`, { limit, value });
}

function isOn(value: string | null): boolean {
  return value === null || !(value === '0' || value === 'false' || value === 'off');
}

function isSpace(ch: number): boolean {
  return ch === 32 || ch === 10 || ch === 9 || ch === 13;
}

type OpenTable = { table: ScannedTable; row: ScannedRow | null; cell: ScannedCell | null };

/** A tag name seen before, with its kind under the namespaces in scope when it was first seen. */
type TagInfo = { name: string; kind: number };

class Scanner {
  readonly blocks: BodyBlock[] = [];
  readonly nested: ScannedTable[] = [];
  trackedChanges = false;
  hiddenText = false;

  private readonly names: string[] = [];
  private readonly kinds: number[] = [];
  private readonly frames: { depth: number; map: Map<string, string> }[] = [];
  /** Keyed by the name itself: no hash of ours an attacker could aim collisions at. */
  private readonly tagCache = new Map<string, TagInfo>();
  /** Every distinct name seen, across namespace scopes (the cache is cleared on xmlns). */
  private readonly seenNames = new Set<string>();
  private elements = 0;
  private scopes = 0;
  private textChars = 0;
  /** Positions of the current start tag's attributes: name start, name end, value start, value end. */
  private attrPos: number[] = [];
  private attrCount = 0;
  private skipDepth = 0;
  private rootSeen = false;
  private inText = false;
  private runHidden = false;
  private suppress = 0;
  private readonly sdts: boolean[] = [];
  private paragraph: string[] | null = null;
  private readonly tables: OpenTable[] = [];

  constructor(
    private readonly xml: string,
    private readonly limits: ScanLimits,
  ) {}

  run(): void {
    const xml = this.xml;
    const n = xml.length;
    let i = xml.charCodeAt(0) === 0xfeff ? 1 : 0;
    // Each '<' is searched for once: the next one bounds the current tag (a tag holds no '<').
    let next = xml.indexOf('<', i);
    while (i < n) {
      const lt = next;
      const textEnd = lt < 0 ? n : lt;
      if (textEnd > i) this.text(i, textEnd);
      if (lt < 0) break;
      next = xml.indexOf('<', lt + 1);
      const c = xml.charCodeAt(lt + 1);
      if (c === 47 /* / */) {
        i = this.endTag(lt);
      } else if (c === 63 /* ? */) {
        const end = xml.indexOf('?>', lt + 2);
        if (end < 0) malformed('unterminated processing instruction');
        i = end + 2;
        if (next >= 0 && next < i) next = xml.indexOf('<', i);
      } else if (c === 33 /* ! */) {
        i = this.markup(lt);
        if (next >= 0 && next < i) next = xml.indexOf('<', i);
      } else {
        i = this.startTag(lt, next < 0 ? n : next);
      }
    }
    if (this.names.length > 0) malformed(`unclosed element <${this.names[this.names.length - 1]}>`);
    if (!this.rootSeen) malformed('no root element');
  }

  private markup(lt: number): number {
    const xml = this.xml;
    if (xml.startsWith('<!--', lt)) {
      const end = xml.indexOf('-->', lt + 4);
      if (end < 0) malformed('unterminated comment');
      return end + 3;
    }
    if (xml.startsWith('<![CDATA[', lt)) {
      if (this.names.length === 0) malformed('CDATA outside the root element');
      const end = xml.indexOf(']]>', lt + 9);
      if (end < 0) malformed('unterminated CDATA section');
      this.countText(end - lt - 9);
      if (this.capturing()) this.emit(xml.slice(lt + 9, end));
      return end + 3;
    }
    const word = xml.slice(lt + 2, lt + 9).toUpperCase();
    if (word.startsWith('DOCTYPE') || word.startsWith('ENTITY')) {
      throw new XmlScanError('doctype', `<!${word}> declaration`);
    }
    malformed('unexpected <!');
  }

  private countText(chars: number): void {
    this.textChars += chars;
    if (this.textChars > this.limits.maxText) overLimit('text', this.limits.maxText);
  }

  private text(from: number, to: number): void {
    if (this.names.length === 0) {
      for (let k = from; k < to; k++) {
        if (!isSpace(this.xml.charCodeAt(k))) malformed('text outside the root element');
      }
      return;
    }
    this.countText(to - from);
    if (this.capturing()) this.emit(decodeXmlText(this.xml.slice(from, to)));
  }

  private capturing(): boolean {
    return this.inText && this.skipDepth === 0 && !this.runHidden && this.suppress === 0;
  }

  private emit(text: string): void {
    if (this.paragraph !== null) this.paragraph.push(text);
  }

  /** A start tag at lt; n is where the next '<' is (or the end): the tag must end before it. */
  private startTag(lt: number, n: number): number {
    const xml = this.xml;
    let p = lt + 1;
    let ch = 0;
    while (p < n) {
      ch = xml.charCodeAt(p);
      if (isSpace(ch) || ch === 62 || ch === 47) break;
      if (ch === 61 || ch === 34 || ch === 39) malformed('bad element name');
      p++;
    }
    if (p === lt + 1 || p >= n) malformed('bad start tag');
    if (++this.elements > this.limits.maxElements) overLimit('elements', this.limits.maxElements);
    if (this.names.length >= this.limits.maxDepth) overLimit('depth', this.limits.maxDepth);
    const nameEnd = p;
    let count = 0;
    let declares = false;
    let selfClosing = false;
    const pos = this.attrPos;
    for (;;) {
      while (isSpace(ch)) ch = xml.charCodeAt(++p);
      if (ch === 62 /* > */) {
        p++;
        break;
      }
      if (ch === 47 /* / */) {
        if (xml.charCodeAt(p + 1) !== 62) malformed('bad empty-element tag');
        selfClosing = true;
        p += 2;
        break;
      }
      if (p >= n) malformed('unterminated start tag');
      const attrStart = p;
      while (p < n) {
        ch = xml.charCodeAt(p);
        if (ch === 61 || isSpace(ch) || ch === 62 || ch === 47 || ch === 60) break;
        p++;
      }
      if (p === attrStart) malformed('bad attribute');
      if (count >= this.limits.maxAttributes) overLimit('attributes', this.limits.maxAttributes);
      const attrEnd = p;
      while (isSpace(ch)) ch = xml.charCodeAt(++p);
      if (ch !== 61 /* = */) malformed('attribute without a value');
      ch = xml.charCodeAt(++p);
      while (isSpace(ch)) ch = xml.charCodeAt(++p);
      if (ch !== 34 && ch !== 39) malformed('unquoted attribute value');
      const valueEnd = xml.indexOf(ch === 34 ? '"' : "'", p + 1);
      if (valueEnd < 0 || valueEnd >= n) malformed('unterminated attribute value or < in it');
      if (xml.charCodeAt(attrStart) === 120 /* x */ && xml.startsWith('xmlns', attrStart)) declares = true;
      const at = count * 4;
      pos[at] = attrStart;
      pos[at + 1] = attrEnd;
      pos[at + 2] = p + 1;
      pos[at + 3] = valueEnd;
      count++;
      p = valueEnd + 1;
      ch = xml.charCodeAt(p);
      if (!(isSpace(ch) || ch === 62 || ch === 47)) malformed('attributes not separated');
    }
    this.attrCount = count;

    if (this.names.length === 0) {
      if (this.rootSeen) malformed('more than one root element');
      this.rootSeen = true;
    }
    if (declares) this.declareNamespaces();
    const name = xml.slice(lt + 1, nameEnd);
    let info = this.tagCache.get(name);
    if (info === undefined) {
      if (!this.seenNames.has(name)) {
        if (this.seenNames.size >= this.limits.maxNames) overLimit('names', this.limits.maxNames);
        this.seenNames.add(name);
      }
      info = { name, kind: this.kindOf(name) };
      this.tagCache.set(name, info);
    }
    const kind = info.kind;
    this.names.push(info.name);
    this.kinds.push(kind);
    if (this.skipDepth === 0) this.onStart(kind, selfClosing);
    if (selfClosing) this.close();
    return p;
  }

  private endTag(lt: number): number {
    const xml = this.xml;
    const open = this.names[this.names.length - 1];
    if (open === undefined) malformed('end tag without a start');
    let p = lt + 2 + open.length;
    if (!xml.startsWith(open, lt + 2)) malformed(`end tag does not close <${open}>`);
    let ch = xml.charCodeAt(p);
    while (isSpace(ch)) ch = xml.charCodeAt(++p);
    if (ch !== 62) malformed(`end tag does not close <${open}>`);
    this.close();
    return p + 1;
  }

  private close(): void {
    const kind = this.kinds[this.kinds.length - 1]!;
    if (this.skipDepth !== 0) {
      if (this.names.length === this.skipDepth) this.skipDepth = 0;
    } else if (kind !== K_OTHER) {
      this.onEnd(kind);
    }
    this.names.pop();
    this.kinds.pop();
    if (this.frames.length > 0 && this.frames[this.frames.length - 1]!.depth === this.names.length) {
      this.frames.pop();
      this.tagCache.clear();
    }
  }

  private attrName(k: number): string {
    return this.xml.slice(this.attrPos[k * 4]!, this.attrPos[k * 4 + 1]!);
  }

  private attrValue(k: number): string {
    return decodeXmlText(this.xml.slice(this.attrPos[k * 4 + 2]!, this.attrPos[k * 4 + 3]!));
  }

  private declareNamespaces(): void {
    let map: Map<string, string> | null = null;
    for (let k = 0; k < this.attrCount; k++) {
      const attr = this.attrName(k);
      if (attr === 'xmlns' || attr.startsWith('xmlns:')) {
        map ??= new Map();
        map.set(attr === 'xmlns' ? '' : attr.slice(6), this.attrValue(k));
      }
    }
    if (map !== null) {
      if (++this.scopes > this.limits.maxNamespaceScopes)
        overLimit('namespaces', this.limits.maxNamespaceScopes);
      this.frames.push({ depth: this.names.length, map });
      this.tagCache.clear();
    }
  }

  private namespaceOf(prefix: string): string | undefined {
    for (let f = this.frames.length - 1; f >= 0; f--) {
      const uri = this.frames[f]!.map.get(prefix);
      if (uri !== undefined) return uri;
    }
    return undefined;
  }

  private kindOf(name: string): number {
    const colon = name.indexOf(':');
    const prefix = colon < 0 ? '' : name.slice(0, colon);
    const local = colon < 0 ? name : name.slice(colon + 1);
    const uri = this.namespaceOf(prefix);
    let kind = K_OTHER;
    if (uri !== undefined && W_NAMESPACES.has(uri))
      kind = Object.hasOwn(W_KINDS, local) ? W_KINDS[local]! : K_OTHER;
    else if (uri === MC_NAMESPACE && local === 'Choice') kind = K_SKIP;
    return kind;
  }

  /** The value of a WordprocessingML attribute of the current start tag (w:val …); null when absent. */
  private attr(local: string): string | null {
    for (let k = 0; k < this.attrCount; k++) {
      const name = this.attrName(k);
      const colon = name.indexOf(':');
      if (colon < 0) {
        if (name === local) return this.attrValue(k);
      } else if (name.slice(colon + 1) === local) {
        const uri = this.namespaceOf(name.slice(0, colon));
        if (uri !== undefined && W_NAMESPACES.has(uri)) return this.attrValue(k);
      }
    }
    return null;
  }

  private parentKind(up = 1): number | undefined {
    return this.kinds[this.kinds.length - 1 - up];
  }

  private canWrite(): boolean {
    return !this.runHidden && this.suppress === 0;
  }

  private onStart(kind: number, selfClosing: boolean): void {
    if (kind === K_OTHER) return;
    const top = this.tables[this.tables.length - 1];
    switch (kind) {
      case K_P:
        this.paragraph = [];
        return;
      case K_R:
        this.runHidden = false;
        return;
      case K_T:
        if (!selfClosing) this.inText = true;
        return;
      case K_TAB:
        if (this.parentKind() === K_R && this.canWrite()) this.emit(' ');
        return;
      case K_BR:
        if (this.parentKind() === K_R && this.canWrite()) this.emit('\n');
        return;
      case K_NB_HYPHEN:
        if (this.parentKind() === K_R && this.canWrite()) this.emit('-');
        return;
      case K_VANISH:
        if (this.parentKind() === K_RPR && this.parentKind(2) === K_R && isOn(this.attr('val'))) {
          this.runHidden = true;
          this.hiddenText = true;
        }
        return;
      case K_INS:
        this.trackedChanges = true;
        return;
      case K_DEL:
        this.trackedChanges = true;
        if (this.parentKind() === K_TRPR && top?.row) top.row.deleted = true;
        this.skipDepth = this.names.length;
        return;
      case K_SKIP:
        this.skipDepth = this.names.length;
        return;
      case K_SDT:
        this.sdts.push(false);
        return;
      case K_SHOWING_PLACEHOLDER:
        if (this.parentKind() === K_SDTPR && this.sdts.length > 0) {
          this.sdts[this.sdts.length - 1] = isOn(this.attr('val'));
        }
        return;
      case K_SDT_CONTENT:
        if (this.sdts[this.sdts.length - 1] === true) this.suppress++;
        return;
      case K_TBL: {
        const depth = this.tables.length;
        if (top?.cell) top.cell.nested = true;
        this.tables.push({ table: { rows: [], depth }, row: null, cell: null });
        return;
      }
      case K_TR:
        if (top) top.row = { cells: [], gridBefore: 0, header: false, deleted: false };
        return;
      case K_TC:
        if (top) top.cell = { paragraphs: [], gridSpan: 1, vMerge: null, hMerge: null, nested: false };
        return;
      case K_GRID_BEFORE:
        if (this.parentKind() === K_TRPR && top?.row) top.row.gridBefore = toCount(this.attr('val'), 0);
        return;
      case K_TBL_HEADER:
        if (this.parentKind() === K_TRPR && top?.row) top.row.header = isOn(this.attr('val'));
        return;
      case K_GRID_SPAN:
        if (this.parentKind() === K_TCPR && top?.cell)
          top.cell.gridSpan = Math.max(1, toCount(this.attr('val'), 1));
        return;
      case K_V_MERGE:
      case K_H_MERGE:
        if (this.parentKind() === K_TCPR && top?.cell) {
          const merge = this.attr('val') === 'restart' ? 'restart' : 'continue';
          if (kind === K_V_MERGE) top.cell.vMerge = merge;
          else top.cell.hMerge = merge;
        }
        return;
    }
  }

  private onEnd(kind: number): void {
    const top = this.tables[this.tables.length - 1];
    switch (kind) {
      case K_T:
        this.inText = false;
        return;
      case K_R:
        this.runHidden = false;
        return;
      case K_P: {
        const text = this.paragraph === null ? '' : this.paragraph.join('');
        this.paragraph = null;
        if (top === undefined) this.blocks.push({ kind: 'paragraph', text });
        else if (top.cell) top.cell.paragraphs.push(text);
        return;
      }
      case K_TC:
        if (top?.cell) {
          top.row?.cells.push(top.cell);
          top.cell = null;
        }
        return;
      case K_TR:
        if (top?.row) {
          top.table.rows.push(top.row);
          top.row = null;
        }
        return;
      case K_TBL:
        if (top) {
          this.tables.pop();
          if (top.table.depth === 0) this.blocks.push({ kind: 'table', table: top.table });
          else this.nested.push(top.table);
        }
        return;
      case K_SDT_CONTENT:
        if (this.sdts[this.sdts.length - 1] === true) this.suppress--;
        return;
      case K_SDT:
        this.sdts.pop();
        return;
    }
  }
}

function toCount(value: string | null, fallback: number): number {
  if (value === null) return fallback;
  const n = Number.parseInt(value, 10);
  return Number.isFinite(n) && n >= 0 && n <= 1000 ? n : fallback;
}

/**
 * Scans word/document.xml. Throws XmlScanError on a DOCTYPE/ENTITY, malformed XML, or a document
 * past the limits.
 */
export function scanDocumentXml(xml: string, limits: Partial<ScanLimits> = {}): ScannedDocument {
  const scanner = new Scanner(xml, { ...DEFAULT_SCAN_LIMITS, ...limits });
  scanner.run();
  return {
    blocks: scanner.blocks,
    nested: scanner.nested,
    trackedChanges: scanner.trackedChanges,
    hiddenText: scanner.hiddenText,
  };
}

/** The text of a cell: its paragraphs, one per line. */
export function cellText(cell: ScannedCell): string {
  return cell.paragraphs.join('\n');
}
