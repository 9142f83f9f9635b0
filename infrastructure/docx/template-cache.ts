// A request round attaches a template to every municipality's email, and the templates of one quarter
// differ only in the municipality's name and code. Building each through `docx` costs tens of
// milliseconds — minutes of worker time for a national round — so the quarter's package is built
// once with placeholders, and each municipality's copy is the same parts with its name put in.
import { unzipSync } from 'fflate';
import { LRUCache } from 'lru-cache';
import { formatQuarter } from '../../domain/quarter';
import type { Municipality } from '../../domain/types';
import { buildTemplate } from './template';
import type { TemplateInput } from './template';
import { writeZip } from './zip-write';

const TITLE = 'SVODKA-PLACEHOLDER-TITLE-5e1d';
const CODE = 'SVODKA-PLACEHOLDER-CODE-5e1d';
const PLACEHOLDERS = new RegExp(`${TITLE}|${CODE}`, 'g');
const HAS_PLACEHOLDER = new RegExp(`${TITLE}|${CODE}`);
/** Quarters kept: a worker serves the current one, sometimes the previous one too. */
const KEPT = 4;

type Part = [name: string, content: Uint8Array | string];

/** As `docx` escapes (apostrophes too, unlike xml-text's escapeXml), so copies equal direct builds. */
function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]};`,
  );
}

async function skeleton(input: TemplateInput): Promise<Part[]> {
  const placeholder: Municipality = { ...input.municipality, code: CODE, sectionTitle: TITLE };
  const bytes = await buildTemplate({ municipality: placeholder, quarter: input.quarter });
  const decoder = new TextDecoder();
  return Object.entries(unzipSync(bytes)).map(([name, content]): Part => {
    if (!/\.(xml|rels)$/.test(name)) return [name, content];
    const text = decoder.decode(content);
    return HAS_PLACEHOLDER.test(text) ? [name, text] : [name, content];
  });
}

export type TemplateFactory = (input: TemplateInput) => Promise<Buffer>;

/** buildTemplate's output, from the quarter's package with the municipality put in. */
export function createTemplateFactory(): TemplateFactory {
  // One build per quarter, shared by the copies asked for while it runs; a failed build is not
  // remembered (the next email tries again).
  const quarters = new LRUCache<string, Part[], TemplateInput>({
    max: KEPT,
    fetchMethod: (_key, _stale, { context }) => skeleton(context),
  });
  return async (input) => {
    const parts = await quarters.fetch(formatQuarter(input.quarter), { context: input });
    if (!parts) throw new Error(`template of ${formatQuarter(input.quarter)} not built`);
    const values: Record<string, string> = {
      [TITLE]: escapeXml(input.municipality.sectionTitle),
      [CODE]: escapeXml(input.municipality.code),
    };
    return writeZip(
      parts.map(([name, content]): [string, Uint8Array] => [
        name,
        typeof content === 'string'
          ? Buffer.from(
              content.replace(PLACEHOLDERS, (p) => values[p]!),
              'utf8',
            )
          : content,
      ]),
    );
  };
}
