// A region's name as the titles need it: «… муниципальных образований Тверской области …».

/**
 * The genitive of a region's name for the common shapes of Russian subjects: «Тверская область» →
 * «Тверской области», «Пермский край» → «Пермского края», «Республика Карелия» → «Республики Карелия».
 * null when the shape is not one of these: the coordinator states it (`--genitive`).
 */
export function regionGenitive(name: string): string | null {
  const words = name.trim().split(/\s+/);
  if (words.length === 2) {
    const [adjective, noun] = words as [string, string];
    if (noun === 'область' && /ая$/.test(adjective)) return `${adjective.replace(/ая$/, 'ой')} области`;
    if (noun === 'край' && /ий$/.test(adjective))
      return `${adjective.replace(/([кгх])ий$/, '$1ого').replace(/ий$/, 'его')} края`;
  }
  if (words[0] === 'Республика' && words.length >= 2) return `Республики ${words.slice(1).join(' ')}`;
  return null;
}

/** The section title a municipality gets when its registry entry names none. */
export function defaultSectionTitle(name: string, regionGenitiveName: string): string {
  return `Муниципальное образование «${name}» ${regionGenitiveName}`;
}
