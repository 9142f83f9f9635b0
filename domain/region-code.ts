// A region's code for its quarter keys ("2024-Q2.kaluga"), when the coordinator gives none: the
// first word of its name in latin letters («Калужская область» → kaluzhskaya).
import { isRegionCode, MAX_REGION_CODE } from './quarter';

const LATIN: Record<string, string> = {
  а: 'a', б: 'b', в: 'v', г: 'g', д: 'd', е: 'e', ё: 'e', ж: 'zh', з: 'z', и: 'i', й: 'y', к: 'k',
  л: 'l', м: 'm', н: 'n', о: 'o', п: 'p', р: 'r', с: 's', т: 't', у: 'u', ф: 'f', х: 'kh', ц: 'ts',
  ч: 'ch', ш: 'sh', щ: 'shch', ъ: '', ы: 'y', ь: '', э: 'e', ю: 'yu', я: 'ya',
};

/** null when the name gives nothing usable (the coordinator states the code). */
export function regionCodeFromName(name: string): string | null {
  const words = name.trim().toLowerCase().split(/[\s«»"]+/).filter(Boolean);
  // «Республика Карелия»: the distinctive word is the second.
  const word = words[0] === 'республика' && words[1] ? words[1] : words[0];
  if (!word) return null;
  const latin = [...word]
    .map((ch) => LATIN[ch] ?? (/[a-z0-9-]/.test(ch) ? ch : '-'))
    .join('')
    .replace(/-+/g, '-')
    .replace(/^[-0-9]+|-+$/g, '')
    .slice(0, MAX_REGION_CODE)
    .replace(/-+$/, '');
  return isRegionCode(latin) ? latin : null;
}
